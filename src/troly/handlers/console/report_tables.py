"""The reports' tables and charts, built from ``bot.reports`` figures in one language.

Each ``Table`` is what the page shows beside its chart and, cell for cell, what its CSV
download holds (the same strings), so the two can never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import localised
from troly.bot.reports import petitions as pf
from troly.bot.reports import questions as qf
from troly.bot.reports import sessions as sf
from troly.bot.reports.period import Period
from troly.bot.texts import t
from troly.bot.topics import topic_label
from troly.bot.workdays import WorkCalendar
from troly.handlers import charts

PAGES = ("petitions", "questions", "sessions")
CHANNELS = {
    "telegram": "Telegram",
    "zalo": "Zalo",
    "zalo_oa": "Zalo OA",
    "web": "Web",
    "cli": "CLI",
}


@dataclass(frozen=True, slots=True)
class Table:
    """One figure: its title, its chart (or none), and its table as strings."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    chart: Markup | None = None

    def csv(self) -> str:
        """The table as CSV: the header line, then the rows, exactly as shown."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.headers)
        writer.writerows(self.rows)
        return out.getvalue()


@dataclass(frozen=True, slots=True)
class Words:
    """The page's language: texts and how numbers and dates are written in it."""

    locale: str

    def __call__(self, key: str, **values: object) -> str:
        return t(f"reports.{key}", self.locale, **values)

    @property
    def desc(self) -> str:
        """What a chart's description says: the numbers are in the table beside it."""
        return self("chart_desc_table")

    @property
    def nothing(self) -> str:
        """What an empty chart says."""
        return self("nothing")

    def number(self, value: float | None, digits: int = 1) -> str:
        """A decimal number (a comma in Vietnamese); "—" when there is none."""
        return "—" if value is None else localised.decimal(value, self.locale, digits=digits)

    def percent(self, value: float | None) -> str:
        """A share as a percentage with one decimal; "—" when there is no base."""
        return "—" if value is None else self.number(100 * value) + "%"

    def group(self, by: str, key: str) -> str:
        """A group's label: a topic's name, a channel's, or "not set" for an empty one."""
        if by == "topic":
            return topic_label(key, self.locale)
        if by == "channel":
            return CHANNELS.get(key, key)
        return key or self("unset")

    def bucket(self, day: date, step: str) -> str:
        """A bucket's label: the day, the week's Monday, or the month."""
        return f"{day:%m/%Y}" if step == "month" else f"{day:%d/%m}"

    def period(self, period: Period) -> str:
        """The period as a heading names it."""
        first, last = period.first, period.last
        if period.kind == "month":
            return self("period_month", month=f"{first:%m/%Y}")
        if period.kind == "quarter":
            return self("period_quarter", quarter=(first.month - 1) // 3 + 1, year=first.year)
        if period.kind == "year":
            return self("period_year", year=first.year)
        return self("period_custom", first=f"{first:%d/%m/%Y}", last=f"{last:%d/%m/%Y}")


def _chart_pairs(rows: Sequence[tuple[str, int]]) -> list[tuple[str, float]]:
    return [(label, float(value)) for label, value in rows]


def _counts_table(w: Words, name: str, by: str, rows: list[tuple[str, int]]) -> Table:
    labelled = [(w.group(by, key), n) for key, n in rows]
    title = w(f"{name}_title")
    return Table(
        name,
        title,
        (w(f"group_{by}"), w("received")),
        tuple((label, str(n)) for label, n in labelled),
        charts.bars(title, _chart_pairs(labelled), desc=w.desc, nothing=w.nothing),
    )


def _outcome_table(w: Words, name: str, by: str | None, rows: list[pf.OutcomeRow]) -> Table:
    title = w(f"{name}_title")
    parts = tuple(w(f"outcome_{o.value}") for o in pf.OUTCOMES)
    headers = (
        w(f"group_{by}") if by else w("group_all"),
        w("received"),
        *parts,
        w("on_time_share"),
        w("median_days"),
        w("p90_days"),
    )
    labels = [w.group(by, row.group) if by else w("all") for row in rows]
    body = tuple(
        (
            label,
            str(row.received),
            *(str(row.counts[o]) for o in pf.OUTCOMES),
            w.percent(row.on_time_share),
            w.number(row.median_days),
            w.number(row.p90_days),
        )
        for label, row in zip(labels, rows, strict=True)
    )
    stacks = [
        (label, [row.counts[o] for o in pf.OUTCOMES])
        for label, row in zip(labels, rows, strict=True)
    ]
    chart = charts.stacked(title, stacks, parts, desc=w.desc, nothing=w.nothing)
    return Table(name, title, headers, body, chart)


def _satisfaction_table(w: Words, name: str, by: str, rows: list[pf.SatisfactionRow]) -> Table:
    title = w(f"{name}_title")
    stars = tuple(w("stars", count=n) for n in range(1, 6))
    headers = (
        w(f"group_{by}"),
        w("ratings"),
        *stars,
        w("average"),
        w("responded"),
        w("not_resolved"),
        w("not_resolved_share"),
    )
    labels = [w.group(by, row.group) for row in rows]
    body = tuple(
        (
            label,
            str(row.ratings),
            *(str(n) for n in row.stars),
            w.number(row.average, 2),
            str(row.responded),
            str(row.not_resolved),
            w.percent(row.not_resolved_share),
        )
        for label, row in zip(labels, rows, strict=True)
    )
    stacks = [(label, list(row.stars)) for label, row in zip(labels, rows, strict=True)]
    chart = charts.stacked(title, stacks, stars, desc=w.desc, nothing=w.nothing)
    return Table(name, title, headers, body, chart)


async def petition_tables(
    session: AsyncSession, period: Period, *, now: datetime, calendar: WorkCalendar, w: Words
) -> list[Table]:
    """The petitions page: received over time and by group, outcomes, satisfaction."""
    facts = await pf.petition_facts(session, period, now=now, calendar=calendar)
    series = pf.received_series(facts, period, calendar)
    step = period.step
    labelled = [(w.bucket(r.start.date(), step), r.count) for r in series]
    title = w(f"received_{step}_title")
    tables = [
        Table(
            "received",
            title,
            (w(f"bucket_{step}"), w("received")),
            tuple((label, str(n)) for label, n in labelled),
            charts.columns(title, _chart_pairs(labelled), desc=w.desc, nothing=w.nothing),
        )
    ]
    for by in ("topic", "commune", "channel"):
        tables.append(_counts_table(w, f"by_{by}", by, pf.received_by(facts, by)))
    tables.append(_outcome_table(w, "outcomes", None, pf.outcomes(facts)))
    for by in ("department", "topic", "officer"):
        tables.append(_outcome_table(w, f"outcomes_{by}", by, pf.outcomes(facts, by)))
    for by in ("topic", "department"):
        tables.append(_satisfaction_table(w, f"satisfaction_{by}", by, pf.satisfaction(facts, by)))
    return tables


async def question_tables(
    session: AsyncSession, period: Period, *, now: datetime, calendar: WorkCalendar, w: Words
) -> list[Table]:
    """The questions page: each day's shares answered / choices / not known; the top unknown."""
    days = await qf.question_days(session, period, calendar=calendar)
    title = w("questions_daily_title")
    names = [w(f"decision_{d.value}") for d in qf.DECISIONS]
    headers = (
        w("bucket_day"),
        w("asked"),
        *names,
        *(w("share_of", what=name) for name in names),
    )
    body = tuple(
        (
            f"{d.day:%d/%m/%Y}",
            str(d.asked),
            str(d.answer),
            str(d.choose),
            str(d.unknown),
            *(w.percent(d.share_of(decision)) for decision in qf.DECISIONS),
        )
        for d in days
    )
    series = [
        (name, [d.share_of(decision) for d in days])
        for name, decision in zip(names, qf.DECISIONS, strict=True)
    ]
    chart = charts.lines(
        title,
        [f"{d.day:%d/%m}" for d in days],
        series,
        desc=w.desc,
        nothing=w.nothing,
        shown=w.percent,
        top_value=1.0,
    )
    tables = [Table("questions_daily", title, headers, body, chart)]
    top = await qf.top_unanswered(session, period, calendar=calendar)
    title = w("unanswered_title")
    pairs = [(row.folded, row.count) for row in top]
    tables.append(
        Table(
            "unanswered",
            title,
            (w("question"), w("times_asked")),
            tuple((text, str(n)) for text, n in pairs),
            charts.bars(title, _chart_pairs(pairs), desc=w.desc, nothing=w.nothing),
        )
    )
    taught = await qf.taught_series(session, period, calendar=calendar)
    step = period.step
    title = w("taught_title")
    labelled = [(w.bucket(row.start, step), row.taught) for row in taught]
    tables.append(
        Table(
            "taught",
            title,
            (w(f"bucket_{step}"), w("taught"), w("taught_undone")),
            tuple(
                (label, str(row.taught), str(row.undone))
                for (label, _), row in zip(labelled, taught, strict=True)
            ),
            charts.columns(title, _chart_pairs(labelled), desc=w.desc, nothing=w.nothing),
        )
    )
    return tables


async def session_tables(
    session: AsyncSession, period: Period, *, now: datetime, calendar: WorkCalendar, w: Words
) -> list[Table]:
    """The sessions page: bookings per session, promises by department, the overdue ones."""
    figures = await sf.session_figures(session, period, calendar=calendar)
    title = w("sessions_title")

    def day(at: datetime) -> str:
        return at.astimezone(calendar.tz).strftime("%d/%m/%Y")

    columns = (
        "seats",
        "registered",
        "approved",
        "declined",
        "waitlisted",
        "cancelled",
        "attended",
        "no_show",
    )
    headers = (w("session"), w("session_status"), *(w(f"booking_{c}") for c in columns))
    body = tuple(
        (
            day(f.starts_at),
            t(f"console.session_status_{f.status}", w.locale),
            *(str(getattr(f, c)) for c in columns),
        )
        for f in figures
    )
    parts = ("attended", "no_show", "approved_waiting", "declined", "cancelled", "other")
    stacks = []
    for f in figures:
        marked = f.attended + f.no_show
        other = f.registered - f.approved - f.declined - f.cancelled
        stacks.append(
            (
                day(f.starts_at),
                [f.attended, f.no_show, f.approved - marked, f.declined, f.cancelled, other],
            )
        )
    chart = charts.stacked(
        title, stacks, [w(f"booking_{p}") for p in parts], desc=w.desc, nothing=w.nothing
    )
    tables = [Table("sessions", title, headers, body, chart)]
    lines = await sf.promise_lines(session, period, now=now, calendar=calendar)
    counts = sf.promises_by_department(lines)
    title = w("promises_title")
    states = [w(f"promise_{s}") for s in sf.PROMISE_STATES]
    tables.append(
        Table(
            "promises",
            title,
            (w("group_department"), *states, w("total")),
            tuple(
                (c.department, str(c.overdue), str(c.open), str(c.done), str(c.total))
                for c in counts
            ),
            charts.stacked(
                title,
                [(c.department, [c.overdue, c.open, c.done]) for c in counts],
                states,
                desc=w.desc,
                nothing=w.nothing,
            ),
        )
    )
    tables.append(
        Table(
            "promise_list",
            w("promise_list_title"),
            (
                w("promise"),
                w("session"),
                w("group_department"),
                w("due"),
                w("state"),
                w("days_late"),
            ),
            tuple(
                (
                    line.code,
                    day(line.session_at),
                    line.department,
                    day(line.due_at),
                    w(f"promise_{line.state}"),
                    w.number(line.days_late),
                )
                for line in lines
            ),
        )
    )
    return tables


BUILDERS = {"petitions": petition_tables, "questions": question_tables, "sessions": session_tables}
