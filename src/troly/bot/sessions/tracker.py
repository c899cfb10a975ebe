"""The chairman's promise tracker as the public pages show it.

Each held session, the conclusions it reached and the promises made, with their department,
due date and state. A session's conclusions are shown only when at least ``min_count``
businesses were heard in it; every text is scrubbed of the business's own details and of
personal numbers first. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.scrub import scrub
from troly.bot.sessions.model import Booking, DialogueSession, Promise, SessionStatus

STATES = ("overdue", "on_track", "done")
"""A promise is overdue (not done, past its due date), on track (not done yet), or done."""
MAX_SESSIONS = 24
"""Two years of monthly sessions."""


def promise_state(promise: Promise, now: datetime) -> str:
    """``done``, ``overdue`` or ``on_track``."""
    if promise.status == "done":
        return "done"
    return "overdue" if promise.is_overdue(now) else "on_track"


@dataclass(frozen=True, slots=True)
class TrackedPromise:
    """One promise: who must keep it, by when, and how it stands."""

    department: str
    content: str
    due_at: datetime
    state: str
    done_at: datetime | None = None

    @property
    def done_late(self) -> bool:
        """Tells whether it was kept, but after its due date."""
        return self.done_at is not None and self.done_at > self.due_at


@dataclass(frozen=True, slots=True)
class Conclusion:
    """The chairman's conclusion on one business's question, and what was promised."""

    topic: str
    text: str
    promises: tuple[TrackedPromise, ...] = ()


@dataclass(frozen=True, slots=True)
class HeldSession:
    """A session that took place (its conclusions empty when too few were heard)."""

    starts_at: datetime
    place: str
    heard: int
    enough: bool
    conclusions: tuple[Conclusion, ...] = ()


@dataclass(frozen=True, slots=True)
class Tracker:
    """The held sessions, newest first, and the promises they show counted by state."""

    sessions: tuple[HeldSession, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


def _known(booking: Booking) -> tuple[str, ...]:
    return (booking.business_name, booking.representative, booking.tax_code, booking.phone)


async def promise_tracker(session: AsyncSession, *, now: datetime, min_count: int) -> Tracker:
    """The held sessions with their (scrubbed) conclusions and promises, newest first."""
    query = (
        select(DialogueSession)
        .where(DialogueSession.status != SessionStatus.CANCELLED)
        .where(DialogueSession.starts_at <= now)
        .order_by(DialogueSession.starts_at.desc())
        .limit(MAX_SESSIONS)
    )
    rows = list((await session.execute(query)).scalars())
    if not rows:
        return Tracker()
    heard_query = (
        select(Booking)
        .where(Booking.session_id.in_([row.id for row in rows]))
        .where(Booking.conclusion.is_not(None))
        .order_by(Booking.id)
    )
    heard = list((await session.execute(heard_query)).scalars())
    promise_query = (
        select(Promise)
        .where(Promise.booking_id.in_([b.id for b in heard]))
        .order_by(Promise.due_at, Promise.id)
    )
    promises: dict[int, list[Promise]] = {}
    for promise in (await session.execute(promise_query)).scalars():
        promises.setdefault(promise.booking_id, []).append(promise)
    counts: Counter[str] = Counter()
    held: list[HeldSession] = []
    for row in rows:
        bookings = [b for b in heard if b.session_id == row.id]
        enough = len(bookings) >= min_count
        conclusions: list[Conclusion] = []
        for booking in bookings if enough else []:
            known = _known(booking)
            tracked = tuple(
                TrackedPromise(
                    department=p.department,
                    content=scrub(p.content, known=known),
                    due_at=p.due_at,
                    state=promise_state(p, now),
                    done_at=p.done_at,
                )
                for p in promises.get(booking.id, [])
            )
            counts.update(p.state for p in tracked)
            conclusions.append(
                Conclusion(booking.topic, scrub(booking.conclusion or "", known=known), tracked)
            )
        held.append(
            HeldSession(row.starts_at, row.place, len(bookings), enough, tuple(conclusions))
        )
    return Tracker(tuple(held), {state: counts[state] for state in STATES})
