"""The staff desk's view of dialogue sessions: the list, a session's bookings, the actions.

The actions run the same rules as the staff group's buttons and ``troly sessions``.

Must not import handlers or platform libraries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.sessions import promises, screening, seats, service
from troly.bot.sessions.model import (
    Booking,
    BookingStatus,
    DialogueSession,
    Promise,
    SessionStatus,
)
from troly.bot.settings import Settings

ORDER: dict[str, int] = {
    BookingStatus.PENDING: 0,
    BookingStatus.CONFIRMED: 1,
    BookingStatus.ATTENDED: 1,
    BookingStatus.WAITLISTED: 2,
}
SCREEN_ACTIONS = frozenset({"ok", "mt", "nr", "text", "cancel_text"})


@dataclass(frozen=True, slots=True)
class SessionLine:
    """A session with how many bookings it has in each state."""

    row: DialogueSession
    counts: dict[str, int]

    @property
    def registered(self) -> int:
        """Bookings holding or waiting for a seat (pending and confirmed)."""
        return self.counts.get("pending", 0) + self.counts.get("confirmed", 0)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a console action on a session came to: changed or not, and what staff read."""

    changed: bool
    message: str = ""
    reason: str = ""
    """A ``service.NotAllowed`` reason, when the session's state refused it."""


async def session_lines(
    session: AsyncSession, *, now: datetime, everything: bool = False
) -> list[SessionLine]:
    """Upcoming sessions (every one with ``everything``), soonest first, with their counts."""
    query = select(DialogueSession).order_by(DialogueSession.starts_at)
    if not everything:
        query = query.where(DialogueSession.ends_at > now).where(
            DialogueSession.status != SessionStatus.CANCELLED
        )
    rows = list((await session.execute(query)).scalars())
    counted = select(Booking.session_id, Booking.status).where(
        Booking.session_id.in_([row.id for row in rows])
    )
    counts: dict[int, Counter[str]] = {row.id: Counter() for row in rows}
    for session_id, status in (await session.execute(counted)).all():
        counts[session_id][status] += 1
    return [SessionLine(row, dict(counts[row.id])) for row in rows]


async def bookings_of(session: AsyncSession, row: DialogueSession) -> list[Booking]:
    """A session's bookings: to screen first, then seated, the waitlist in order, the rest."""
    query = select(Booking).where(Booking.session_id == row.id)
    found = list((await session.execute(query)).scalars())
    return sorted(found, key=lambda b: (ORDER.get(b.status, 3), b.waitlist_seq or 0, b.id))


async def guests(session: AsyncSession, row: DialogueSession) -> list[Booking]:
    """Who to let in: confirmed (or attended) bookings, by business name."""
    query = (
        select(Booking)
        .where(Booking.session_id == row.id)
        .where(Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.ATTENDED]))
        .order_by(Booking.business_name)
    )
    return list((await session.execute(query)).scalars())


async def screen_booking(
    session: AsyncSession,
    row: DialogueSession,
    code: str,
    *,
    action: str,
    arg: str,
    staff_id: str,
    now: datetime,
    settings: Settings,
) -> Outcome | None:
    """Approves, merges, declines or cancels a booking as the staff group's buttons do.

    None when the booking is not this session's.
    """
    booking = await seats.booking_by_code(session, code)
    if booking is None or booking.session_id != row.id or action not in SCREEN_ACTIONS:
        return None
    before = (booking.status, booking.topic)
    reply = await screening.screen(
        session, action=action, code=code, arg=arg, staff_id=staff_id, now=now, settings=settings
    )
    await session.refresh(booking)
    changed = (booking.status, booking.topic) != before
    return Outcome(changed, reply.text if reply is not None else "")


async def roll_call(
    session: AsyncSession, row: DialogueSession, present: list[str], *, now: datetime
) -> Outcome:
    """Records who came (the others: no-show), as ``troly sessions attendance`` does."""
    try:
        came, absent = await promises.record_attendance(session, row, present=present, now=now)
    except service.NotAllowed as refused:
        return Outcome(False, reason=str(refused))
    return Outcome(True, f"{came}/{came + absent}")


async def conclude(
    session: AsyncSession,
    row: DialogueSession,
    code: str,
    *,
    conclusion: str,
    promise: str | None,
    department: str | None,
    due: date | None,
    now: datetime,
    settings: Settings,
) -> Outcome | None:
    """Records the chairman's conclusion (and a promise), as ``troly sessions conclude``."""
    booking = await seats.booking_by_code(session, code)
    if booking is None or booking.session_id != row.id:
        return None
    if not conclusion.strip():
        return Outcome(False, reason="no_conclusion")
    if promise and (not department or due is None):
        return Outcome(False, reason="promise_incomplete")
    try:
        await promises.record_conclusion(
            session,
            booking,
            conclusion=conclusion.strip(),
            now=now,
            settings=settings,
            promise=promise or None,
            department=department or None,
            due=due,
        )
    except service.NotAllowed as refused:
        return Outcome(False, reason=str(refused))
    return Outcome(True)


async def session_promises(session: AsyncSession, row: DialogueSession) -> list[Promise]:
    """The promises made at a session, in the order they were made."""
    query = select(Booking.id).where(Booking.session_id == row.id)
    ids = list((await session.execute(query)).scalars())
    return await promises.promises_of(session, ids)


async def promise_done(
    session: AsyncSession, row: DialogueSession, code: str, *, note: str, now: datetime
) -> Outcome:
    """Marks a session's promise done, as ``troly sessions promise-done``.

    The business is told, and the department's reminders stop.
    """
    promise = await promises.promise_by_code(session, code) if code else None
    booking = await session.get(Booking, promise.booking_id) if promise is not None else None
    if promise is None or booking is None or booking.session_id != row.id:
        return Outcome(False, reason="no_promise")
    if promise.status == "done":
        return Outcome(False, reason="promise_done_already")
    await promises.complete_promise(session, promise, now=now, note=note or None)
    return Outcome(True)


async def plan(session: AsyncSession, *, now: datetime, settings: Settings) -> Outcome:
    """Creates the coming sessions by rule, as ``troly sessions plan`` (idempotent)."""
    created = await service.plan_sessions(session, now=now, settings=settings)
    return Outcome(bool(created), message=str(len(created)))
