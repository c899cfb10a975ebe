"""Staff screening of bookings: approve, decline with a reason, merge with a topic.

The business is told the result; an approval sends the ``.ics`` invite and schedules the
reminders; a decline frees the seat for the next in line. Must not import handlers or
platform libraries.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.messages import Reply
from troly.bot.sessions import notices, seats, service
from troly.bot.sessions.model import SEATED, Booking, BookingStatus, DialogueSession
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.bot.topics import TOPIC_KEYS, topic_label

logger = logging.getLogger(__name__)


async def approve(
    session: AsyncSession,
    booking: Booking,
    *,
    staff_id: str,
    now: datetime,
    settings: Settings,
    topic: str | None = None,
) -> Reply:
    """Confirms a pending booking (merged into ``topic`` when given); returns staff's reply."""
    row = await _session_of(session, booking)
    if (refused := _refusal(booking, row, now=now, settings=settings)) is not None:
        return refused
    pending = (BookingStatus.PENDING,)
    if not await seats.transition(
        session, booking, to=BookingStatus.CONFIRMED, from_=pending, now=now
    ):
        return _already(booking)
    if topic is not None:
        booking.topic = topic
        booking.merged = True
    booking.screened_by = staff_id
    await session.flush()
    await service.schedule_reminders(session, booking, row, now=now, settings=settings)
    notices.to_business(session, booking, notices.confirmed(booking, row, settings), now=now)
    logger.info("booking %s confirmed", booking.code)
    if topic is not None:
        return Reply(t("staff.merged", "vi", code=booking.code, topic=topic_label(topic, "vi")))
    return Reply(t("staff.approved", "vi", code=booking.code))


async def decline(
    session: AsyncSession,
    booking: Booking,
    *,
    reason: str,
    staff_id: str,
    now: datetime,
    settings: Settings,
) -> Reply:
    """Declines a pending or waitlisted booking with a reason; the seat goes to the next.

    A confirmed booking is not declined here: the business holds its invite, and only its
    own cancellation withdraws it (``mine.cancel_booking``).
    """
    row = await _session_of(session, booking)
    if (refused := _refusal(booking, row, now=now, settings=settings)) is not None:
        return refused
    if booking.status == BookingStatus.CONFIRMED:
        return Reply(t("staff.decline_confirmed", "vi", code=booking.code))
    declined = BookingStatus.DECLINED
    held_seat = await seats.transition(session, booking, to=declined, from_=SEATED, now=now)
    if not held_seat and not await seats.transition(
        session, booking, to=declined, from_=(BookingStatus.WAITLISTED,), now=now
    ):
        return _already(booking)
    booking.decline_reason = reason[:500]
    booking.screened_by = staff_id
    await session.flush()
    notices.to_business(session, booking, notices.declined(booking, reason), now=now)
    logger.info("booking %s declined", booking.code)
    promoted = None
    if held_seat:
        promoted = await seats.release_seat(session, row, now=now, settings=settings)
    text = t("staff.declined", "vi", code=booking.code)
    if promoted is not None:
        text += "\n" + t("staff.promoted", "vi", code=promoted.code)
    return Reply(text)


async def screen(
    session: AsyncSession,
    *,
    action: str,
    code: str,
    arg: str,
    staff_id: str,
    now: datetime,
    settings: Settings,
) -> Reply | None:
    """Runs one screening action from the staff group; None when the code is unknown."""
    booking = await seats.booking_by_code(session, code)
    if booking is None:
        return None
    if action in ("merge", "no"):
        # The menus are refused for the same reasons as the actions they lead to.
        row = await _session_of(session, booking)
        if (refused := _refusal(booking, row, now=now, settings=settings)) is not None:
            return refused
        if action == "no" and booking.status == BookingStatus.CONFIRMED:
            return Reply(t("staff.decline_confirmed", "vi", code=booking.code))
    if action == "ok":
        return await approve(session, booking, staff_id=staff_id, now=now, settings=settings)
    if action == "merge":
        return notices.merge_topics(code)
    if action == "mt" and arg in TOPIC_KEYS:
        return await approve(
            session, booking, staff_id=staff_id, now=now, settings=settings, topic=arg
        )
    if action == "no":
        return notices.decline_reasons(code, settings)
    if action == "nr" and arg in notices.DECLINE_REASONS:
        reason = t(f"booking.reason_{arg}", booking.locale)
        return await decline(
            session, booking, reason=reason, staff_id=staff_id, now=now, settings=settings
        )
    if action == "text" and arg.strip():
        return await decline(
            session, booking, reason=arg.strip(), staff_id=staff_id, now=now, settings=settings
        )
    return None


def _refusal(
    booking: Booking, row: DialogueSession, *, now: datetime, settings: Settings
) -> Reply | None:
    """Why nothing can be screened any more: the session has started (or is over)."""
    if now < row.starts_at:
        return None
    start = row.starts_at.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M %d/%m/%Y")
    return Reply(t("staff.session_started", "vi", code=booking.code, start=start))


def _already(booking: Booking) -> Reply:
    status = t(f"booking.status_{booking.status}", "vi")
    return Reply(t("staff.already", "vi", code=booking.code, status=status))


async def _session_of(session: AsyncSession, booking: Booking) -> DialogueSession:
    row = await session.get(DialogueSession, booking.session_id)
    if row is None:
        raise LookupError(f"booking {booking.code} has no session")
    return row
