"""Petition figures: received, answered on time / on the new date / late, still overdue.

Also working days to answer and satisfaction, grouped by topic, commune, channel, department
or officer.

A petition belongs to the period it was *received* in. Its outcome is read from what was
recorded: the first ``answered`` event against the original deadline and the one new date
(``new_date`` event). Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.petitions.jobs import moved_to
from troly.bot.petitions.model import Petition, PetitionEvent, Status
from troly.bot.reports.figures import counted, median, percentile, share
from troly.bot.reports.period import Period, bucket_of
from troly.bot.workdays import WorkCalendar


class Outcome(StrEnum):
    """How a petition's first answer kept its deadline, or why there is none yet."""

    ON_TIME = "on_time"
    """Answered by the original deadline."""
    NEW_DATE = "new_date"
    """Answered after the original deadline, by the one new date the business was given."""
    LATE = "late"
    """Answered after the deadline that applied (the new date when one was given)."""
    OVERDUE = "overdue"
    """Not answered, still open, and its deadline has passed."""
    PENDING = "pending"
    """Not answered, still open, its deadline still ahead."""
    CLOSED_UNANSWERED = "closed_unanswered"
    """Closed by a supervisor without an answer (with the reason the business was told)."""


OUTCOMES = tuple(Outcome)
DUE = (Outcome.ON_TIME, Outcome.NEW_DATE, Outcome.LATE, Outcome.OVERDUE)
"""The outcomes of a petition whose deadline has been met or missed: the on-time share's base."""
GROUPS = ("topic", "commune", "channel", "department", "officer")


@dataclass(frozen=True, slots=True)
class PetitionFact:
    """One petition as the reports see it: no name, no text, nothing personal."""

    topic: str
    commune: str
    channel: str
    department: str
    officer: str
    received_at: datetime
    outcome: Outcome
    answered_at: datetime | None
    days_to_answer: float | None
    rating: int | None
    not_resolved: bool
    """The business said the answer did not settle it (it reopened the petition)."""

    def group(self, by: str) -> str:
        """The value of one grouping (``GROUPS``); "" when unknown."""
        value: str = getattr(self, by)
        return value


def outcome_of(
    petition: Petition,
    *,
    first_answer: datetime | None,
    new_date: datetime | None,
    now: datetime,
) -> Outcome:
    """The outcome of a petition, from its first answer and the one new date (if any)."""
    if first_answer is not None:
        if first_answer <= petition.original_deadline:
            return Outcome.ON_TIME
        if new_date is not None and first_answer <= new_date:
            return Outcome.NEW_DATE
        return Outcome.LATE
    if petition.status == Status.CLOSED:
        return Outcome.CLOSED_UNANSWERED
    return Outcome.OVERDUE if petition.is_overdue(now) else Outcome.PENDING


async def petition_facts(
    session: AsyncSession, period: Period, *, now: datetime, calendar: WorkCalendar
) -> list[PetitionFact]:
    """The petitions received in the period, as facts (two queries)."""
    start, end = period.bounds(calendar.tz)
    query = (
        select(Petition)
        .where(Petition.received_at >= start)
        .where(Petition.received_at < end)
        .order_by(Petition.id)
    )
    petitions = list((await session.execute(query)).scalars())
    return await facts_of(session, petitions, now=now, calendar=calendar)


async def facts_of(
    session: AsyncSession, petitions: Sequence[Petition], *, now: datetime, calendar: WorkCalendar
) -> list[PetitionFact]:
    """These petitions as facts, their events read in one query."""
    answered: dict[int, datetime] = {}
    moved: dict[int, datetime] = {}
    reopened_by_business: set[int] = set()
    reopened: set[int] = set()
    ids = [p.id for p in petitions]
    if ids:
        events = (
            select(PetitionEvent)
            .where(PetitionEvent.petition_id.in_(ids))
            .where(PetitionEvent.kind.in_(("answered", "new_date", "reopened")))
            .order_by(PetitionEvent.id)
        )
        for event in (await session.execute(events)).scalars():
            if event.kind == "answered":
                answered.setdefault(event.petition_id, event.at)
            elif event.kind == "reopened":
                reopened.add(event.petition_id)
                if event.actor == "business":
                    reopened_by_business.add(event.petition_id)
            elif (day := moved_to(event.note)) is not None:
                moved[event.petition_id] = datetime.combine(day, calendar.closes, calendar.tz)
    facts = []
    for p in petitions:
        new_date = None
        if p.apologised_at is not None:
            # Never reopened: the deadline is the new date itself; otherwise the event says.
            new_date = moved.get(p.id) if p.id in reopened else p.deadline
        first = answered.get(p.id)
        facts.append(
            PetitionFact(
                topic=p.topic,
                commune=p.commune_name or "",
                channel=p.channel,
                department=p.department or "",
                officer=p.assignee_name or "",
                received_at=p.received_at,
                outcome=outcome_of(p, first_answer=first, new_date=new_date, now=now),
                answered_at=first,
                days_to_answer=(
                    calendar.working_days_between(p.received_at, first) if first else None
                ),
                rating=p.rating,
                not_resolved=p.id in reopened_by_business,
            )
        )
    return facts


@dataclass(frozen=True, slots=True)
class Received:
    """How many petitions arrived in one bucket (a day, a week starting Monday, a month)."""

    start: datetime
    count: int


def received_series(
    facts: Iterable[PetitionFact], period: Period, calendar: WorkCalendar
) -> list[Received]:
    """Petitions received per bucket of the period (``period.step``), empty buckets included."""
    step = period.step
    counts = dict.fromkeys(period.buckets(step), 0)
    for fact in facts:
        day = bucket_of(fact.received_at.astimezone(calendar.tz).date(), step)
        counts[day] = counts.get(day, 0) + 1
    return [
        Received(datetime.combine(day, calendar.opens, calendar.tz), count)
        for day, count in sorted(counts.items())
    ]


def received_by(facts: Iterable[PetitionFact], by: str) -> list[tuple[str, int]]:
    """Petitions received per topic, commune, channel, department or officer, most first."""
    return counted(facts, lambda fact: fact.group(by))


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """The outcomes of one group's petitions, and how long answers took."""

    group: str
    counts: dict[Outcome, int]
    median_days: float | None
    p90_days: float | None

    @property
    def received(self) -> int:
        """All the group's petitions."""
        return sum(self.counts.values())

    @property
    def due(self) -> int:
        """Those whose deadline has been met or missed (the base of the on-time share)."""
        return sum(self.counts[outcome] for outcome in DUE)

    @property
    def on_time_share(self) -> float | None:
        """Answered by the original deadline, of those due."""
        return share(self.counts[Outcome.ON_TIME], self.due)

    def share_of(self, outcome: Outcome) -> float | None:
        """One outcome's share of all the group's petitions."""
        return share(self.counts[outcome], self.received)


def _outcome_row(group: str, facts: Sequence[PetitionFact]) -> OutcomeRow:
    counts = dict.fromkeys(OUTCOMES, 0)
    for fact in facts:
        counts[fact.outcome] += 1
    days = [f.days_to_answer for f in facts if f.days_to_answer is not None]
    return OutcomeRow(group, counts, median(days), percentile(days, 90))


def _grouped(facts: Iterable[PetitionFact], by: str | None) -> list[tuple[str, list[PetitionFact]]]:
    groups: dict[str, list[PetitionFact]] = {}
    for fact in facts:
        groups.setdefault(fact.group(by) if by else "", []).append(fact)
    return sorted(groups.items(), key=lambda pair: (-len(pair[1]), pair[0]))


def outcomes(facts: Iterable[PetitionFact], by: str | None = None) -> list[OutcomeRow]:
    """Outcomes per group (``by`` one of ``GROUPS``; None: one row for all), biggest first."""
    return [_outcome_row(group, rows) for group, rows in _grouped(facts, by)]


@dataclass(frozen=True, slots=True)
class SatisfactionRow:
    """What businesses said of one group's answers: stars 1–5, and "not settled"."""

    group: str
    stars: tuple[int, int, int, int, int]
    """How many ratings gave 1, 2, 3, 4 and 5 stars."""
    responded: int
    """Petitions the business rated or said were not settled (or both)."""
    not_resolved: int

    @property
    def ratings(self) -> int:
        """How many ratings."""
        return sum(self.stars)

    @property
    def average(self) -> float | None:
        """The mean rating (stars)."""
        total = sum(stars * count for stars, count in enumerate(self.stars, start=1))
        return total / self.ratings if self.ratings else None

    @property
    def not_resolved_share(self) -> float | None:
        """The share saying "not settled", of the petitions the business responded to."""
        return share(self.not_resolved, self.responded)


def _satisfaction_row(group: str, facts: Sequence[PetitionFact]) -> SatisfactionRow:
    stars = [0, 0, 0, 0, 0]
    for fact in facts:
        if fact.rating is not None and 1 <= fact.rating <= 5:
            stars[fact.rating - 1] += 1
    responded = sum(1 for f in facts if f.rating is not None or f.not_resolved)
    unsettled = sum(1 for f in facts if f.not_resolved)
    five = (stars[0], stars[1], stars[2], stars[3], stars[4])
    return SatisfactionRow(group, five, responded, unsettled)


def satisfaction(facts: Iterable[PetitionFact], by: str | None = None) -> list[SatisfactionRow]:
    """Ratings and "not settled" per group, for the groups with any response, biggest first."""
    rows = [_satisfaction_row(group, rows) for group, rows in _grouped(facts, by)]
    return [row for row in rows if row.responded]
