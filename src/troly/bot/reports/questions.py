"""Question figures from the question log: per day, answered / offered choices / not known.

Also the questions most often not known (grouped by their folded text), and the questions
staff taught over time.

Must not import handlers or platform libraries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.knowledge.model import TaughtQuestion
from troly.bot.reports.figures import share
from troly.bot.reports.period import Period, bucket_of
from troly.bot.storage.models import QuestionLog
from troly.bot.workdays import WorkCalendar
from troly.knowledge.index import Decision

DECISIONS = (Decision.ANSWER, Decision.CHOOSE, Decision.UNKNOWN)


@dataclass(frozen=True, slots=True)
class QuestionDay:
    """One day's questions by what the assistant did with them."""

    day: date
    answer: int
    choose: int
    unknown: int

    @property
    def asked(self) -> int:
        """All the day's questions."""
        return self.answer + self.choose + self.unknown

    def share_of(self, decision: Decision) -> float | None:
        """One decision's share of the day's questions."""
        counts = {Decision.ANSWER: self.answer, Decision.CHOOSE: self.choose}
        return share(counts.get(decision, self.unknown), self.asked)


async def question_days(
    session: AsyncSession, period: Period, *, calendar: WorkCalendar
) -> list[QuestionDay]:
    """Every day of the period (quiet days too) with its questions by decision."""
    start, end = period.bounds(calendar.tz)
    query = (
        select(QuestionLog.asked_at, QuestionLog.decision)
        .where(QuestionLog.asked_at >= start)
        .where(QuestionLog.asked_at < end)
    )
    counts = {day: [0, 0, 0] for day in period.buckets("day")}
    slot = {decision.value: n for n, decision in enumerate(DECISIONS)}
    for asked_at, decision in await session.execute(query):
        row = counts.setdefault(asked_at.astimezone(calendar.tz).date(), [0, 0, 0])
        row[slot.get(decision, 2)] += 1
    return [QuestionDay(day, *counts[day]) for day in sorted(counts)]


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A question the assistant did not know, how often it was asked, and when last."""

    folded: str
    count: int


async def top_unanswered(
    session: AsyncSession, period: Period, *, calendar: WorkCalendar, limit: int = 20
) -> list[Unanswered]:
    """The questions most often not known in the period (same folded text, one row)."""
    start, end = period.bounds(calendar.tz)
    count = func.count(QuestionLog.id)
    query = (
        select(QuestionLog.folded, count)
        .where(QuestionLog.asked_at >= start)
        .where(QuestionLog.asked_at < end)
        .where(QuestionLog.decision == Decision.UNKNOWN.value)
        .group_by(QuestionLog.folded)
        .order_by(count.desc(), QuestionLog.folded)
        .limit(limit)
    )
    return [Unanswered(folded, n) for folded, n in await session.execute(query)]


@dataclass(frozen=True, slots=True)
class Taught:
    """How many questions staff taught in one bucket, and how many of those were undone since."""

    start: date
    taught: int
    undone: int


async def taught_series(
    session: AsyncSession, period: Period, *, calendar: WorkCalendar
) -> list[Taught]:
    """Questions taught per bucket of the period (``period.step``), empty buckets included."""
    start, end = period.bounds(calendar.tz)
    query = (
        select(TaughtQuestion.taught_at, TaughtQuestion.undone_at)
        .where(TaughtQuestion.taught_at >= start)
        .where(TaughtQuestion.taught_at < end)
    )
    step = period.step
    counts = {day: [0, 0] for day in period.buckets(step)}
    for taught_at, undone_at in await session.execute(query):
        row = counts.setdefault(bucket_of(taught_at.astimezone(calendar.tz).date(), step), [0, 0])
        row[0] += 1
        row[1] += undone_at is not None
    return [Taught(day, *counts[day]) for day in sorted(counts)]
