"""Seats and the waitlist: book a seat atomically, give it back, promote the next in line.

Every function works in the caller's transaction and never commits. A seat is taken with an
atomic ``UPDATE … WHERE seats_left > 0``; the waitlist number comes from the session row,
whose lock orders the waitlist. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import followups
from troly.bot.codes import new_code
from troly.bot.sessions import notices
from troly.bot.sessions.model import SEATED, Booking, BookingStatus, DialogueSession, SessionStatus
from troly.bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Booked:
    """The outcome of ``book_seat``: the booking, whether it is new, its waitlist position."""

    booking: Booking
    new: bool
    position: int | None = None


class RegistrationClosed(Exception):
    """The session is not open for registration (closed, cancelled, gone)."""

    def __init__(self, dialogue_session: DialogueSession | None) -> None:
        super().__init__("registration closed")
        self.dialogue_session = dialogue_session


async def book_seat(
    session: AsyncSession,
    *,
    session_id: int,
    channel: str,
    user_id: str,
    locale: str,
    details: dict[str, str],
    now: datetime,
) -> Booked:
    """Takes a seat atomically, or a waitlist place; one booking per business per session.

    Raises:
        RegistrationClosed: when the session is not open for registration now.
    """
    row = await session.get(DialogueSession, session_id)
    if row is None or not row.is_open_for_registration(now):
        raise RegistrationClosed(row)
    existing = await find_booking(session, session_id=session_id, tax_code=details["tax_code"])
    if existing is not None and existing.status != BookingStatus.CANCELLED:
        return Booked(existing, new=False, position=await waitlist_position(session, existing))
    seat = await session.execute(
        update(DialogueSession)
        .where(DialogueSession.id == session_id)
        .where(DialogueSession.seats_left > 0)
        .values(seats_left=DialogueSession.seats_left - 1)
        .returning(DialogueSession.seats_left)
    )
    waitlist_seq: int | None = None
    if seat.first() is None:
        # The session row stays locked until commit, so waitlist numbers follow commit order.
        numbered = await session.execute(
            update(DialogueSession)
            .where(DialogueSession.id == session_id)
            .values(waitlist_next=DialogueSession.waitlist_next + 1)
            .returning(DialogueSession.waitlist_next)
        )
        waitlist_seq = int(numbered.scalar_one())
    # A business that cancelled may register again: its row is reused (one per session).
    booking = existing or Booking(code=new_code("DT"), session_id=session_id, created_at=now)
    booking.channel, booking.user_id, booking.locale = channel, user_id, locale
    booking.tax_code = details["tax_code"]
    booking.business_name = details["business_name"]
    booking.representative = details["representative"]
    booking.phone = details["phone"]
    booking.topic = details["topic"]
    booking.question = details["question"]
    booking.status = BookingStatus.WAITLISTED if waitlist_seq is not None else BookingStatus.PENDING
    booking.waitlist_seq = waitlist_seq
    booking.merged = booking.cancelled_late = False
    booking.decline_reason = booking.screened_by = None
    booking.cancelled_at = None
    booking.cancelled_by = booking.cancel_reason = None
    booking.updated_at = now
    if existing is None:
        session.add(booking)
    await session.flush()
    logger.info("booking %s made (%s)", booking.code, booking.status)
    return Booked(booking, new=True, position=await waitlist_position(session, booking))


async def find_booking(session: AsyncSession, *, session_id: int, tax_code: str) -> Booking | None:
    """The booking of a business for a session, if any."""
    query = (
        select(Booking).where(Booking.session_id == session_id).where(Booking.tax_code == tax_code)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def booking_by_code(session: AsyncSession, code: str) -> Booking | None:
    """The booking with this code, if any."""
    query = select(Booking).where(Booking.code == code)
    return (await session.execute(query)).scalar_one_or_none()


async def waitlist_position(session: AsyncSession, booking: Booking) -> int | None:
    """The booking's place in line (1 is next), or None when it is not waitlisted."""
    if booking.status != BookingStatus.WAITLISTED or booking.waitlist_seq is None:
        return None
    query = (
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == booking.session_id)
        .where(Booking.status == BookingStatus.WAITLISTED)
        .where(Booking.waitlist_seq <= booking.waitlist_seq)
    )
    return int((await session.execute(query)).scalar_one())


async def release_seat(
    session: AsyncSession, row: DialogueSession, *, now: datetime, settings: Settings
) -> Booking | None:
    """Gives a seat back and promotes the next in line (told at once); returns who moved up."""
    await session.execute(
        update(DialogueSession)
        .where(DialogueSession.id == row.id)
        .where(DialogueSession.seats_left < DialogueSession.seats)
        .values(seats_left=DialogueSession.seats_left + 1)
    )
    if now >= row.starts_at or row.status == SessionStatus.CANCELLED:
        return None
    # The session row is locked by the update above: one promotion at a time per session.
    while True:
        query = (
            select(Booking.id)
            .where(Booking.session_id == row.id)
            .where(Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.waitlist_seq)
            .limit(1)
        )
        candidate = (await session.execute(query)).scalar_one_or_none()
        if candidate is None:
            return None
        seat = await session.execute(
            update(DialogueSession)
            .where(DialogueSession.id == row.id)
            .where(DialogueSession.seats_left > 0)
            .values(seats_left=DialogueSession.seats_left - 1)
            .returning(DialogueSession.id)
        )
        if seat.first() is None:
            return None
        promoted = await session.get(Booking, candidate)
        assert promoted is not None
        if await transition(
            session, promoted, to=BookingStatus.PENDING, from_=(BookingStatus.WAITLISTED,), now=now
        ):
            break
        # Cancelled or declined meanwhile: the seat goes back and the next one is tried.
        await session.execute(
            update(DialogueSession)
            .where(DialogueSession.id == row.id)
            .values(seats_left=DialogueSession.seats_left + 1)
        )
    logger.info("booking %s promoted from the waitlist", promoted.code)
    notices.to_business(session, promoted, notices.promoted(promoted, row, settings), now=now)
    notices.to_staff(session, settings, notices.screening_card(promoted, row, settings), now=now)
    return promoted


async def transition(
    session: AsyncSession,
    booking: Booking,
    *,
    to: str,
    from_: Collection[str],
    now: datetime,
) -> bool:
    """Moves a booking to ``to`` only if it is still in one of ``from_`` (one atomic update).

    Two people acting on one booking at once (the business cancels while staff approve) can
    not both win: the loser gets False and the booking as it now is.
    """
    await session.flush()
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id)
        .where(Booking.status.in_(list(from_)))
        .values(status=to, updated_at=now)
        .returning(Booking.id)
        .execution_options(synchronize_session=False)
    )
    moved = result.first() is not None
    await session.refresh(booking)
    return moved


async def cancel_booking(
    session: AsyncSession,
    booking: Booking,
    *,
    now: datetime,
    settings: Settings,
    by: str | None = None,
    reason: str | None = None,
) -> Booking | None:
    """Cancels a booking; the seat goes to the next in line, who is returned.

    The business cancels (``by`` None): late when inside the cancellation window. An officer
    cancels (``by`` their user id, with the ``reason`` the business is given): recorded as
    theirs, never as the business's late cancellation.
    """
    row = await session.get(DialogueSession, booking.session_id)
    assert row is not None
    held_seat = await transition(
        session, booking, to=BookingStatus.CANCELLED, from_=SEATED, now=now
    )
    if not held_seat and not await transition(
        session, booking, to=BookingStatus.CANCELLED, from_=(BookingStatus.WAITLISTED,), now=now
    ):
        return None
    booking.cancelled_late = by is None and now > cancel_deadline(row, settings)
    booking.cancelled_at = now
    booking.cancelled_by, booking.cancel_reason = by, reason
    await followups.cancel(session, ref=booking.code)
    await session.flush()
    logger.info("booking %s cancelled (late: %s)", booking.code, booking.cancelled_late)
    if held_seat:
        return await release_seat(session, row, now=now, settings=settings)
    return None


def cancel_deadline(row: DialogueSession, settings: Settings) -> datetime:
    """Until when a business may cancel without it counting as a late cancellation."""
    return row.starts_at - timedelta(hours=settings.booking_cancel_hours_before)
