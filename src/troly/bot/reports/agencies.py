"""The on-time and satisfaction index per agency (SIPAS-style), month by month.

For each department (or topic) and each month a petition was received in: how many were due,
how many answered by the original deadline, how many ratings and their mean. A share or a
mean is shown only when it rests on at least ``min_count`` petitions, so no cell can point at
one business. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.reports.figures import share
from troly.bot.reports.period import Period, year
from troly.bot.reports.petitions import DUE, Outcome, PetitionFact, petition_facts
from troly.bot.workdays import WorkCalendar

BY = ("department", "topic")


@dataclass(frozen=True, slots=True)
class IndexCell:
    """The figures of one group in one month (or the whole year) and what may be shown."""

    due: int
    on_time: int
    ratings: int
    stars: int
    min_count: int

    @property
    def on_time_share(self) -> float | None:
        """Answered by the original deadline, of those due; None when too few to show."""
        return share(self.on_time, self.due) if self.due >= self.min_count else None

    @property
    def average(self) -> float | None:
        """The mean rating; None when too few ratings to show."""
        return self.stars / self.ratings if self.ratings >= self.min_count else None


def _cell(facts: Sequence[PetitionFact], min_count: int) -> IndexCell:
    due = sum(1 for f in facts if f.outcome in DUE)
    on_time = sum(1 for f in facts if f.outcome == Outcome.ON_TIME)
    rated = [f.rating for f in facts if f.rating is not None]
    return IndexCell(due, on_time, len(rated), sum(rated), min_count)


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One group's cells, one per month, and its whole-year cell."""

    group: str
    months: tuple[IndexCell, ...]
    total: IndexCell


@dataclass(frozen=True, slots=True)
class AgencyIndex:
    """The index of one year: its months, a row per group, and the row of all petitions."""

    months: tuple[date, ...]
    rows: tuple[IndexRow, ...]
    total: IndexRow
    min_count: int


async def agency_index(
    session: AsyncSession,
    number: int,
    *,
    by: str,
    now: datetime,
    calendar: WorkCalendar,
    min_count: int,
) -> AgencyIndex:
    """The index of the year ``number`` by department or topic, up to the current month."""
    whole: Period = year(number)
    today = now.astimezone(calendar.tz).date()
    months = tuple(m for m in whole.buckets("month") if m <= today)
    facts = await petition_facts(session, whole, now=now, calendar=calendar)

    def month_of(fact: PetitionFact) -> date:
        return fact.received_at.astimezone(calendar.tz).date().replace(day=1)

    def row(group: str, mine: Sequence[PetitionFact]) -> IndexRow:
        cells = tuple(_cell([f for f in mine if month_of(f) == m], min_count) for m in months)
        return IndexRow(group, cells, _cell(mine, min_count))

    groups: dict[str, list[PetitionFact]] = {}
    for fact in facts:
        groups.setdefault(fact.group(by), []).append(fact)
    rows = tuple(row(g, groups[g]) for g in sorted(groups, key=lambda g: (-len(groups[g]), g)))
    return AgencyIndex(months, rows, row("", facts), min_count)
