"""Staff screening of bookings: approve, decline or cancel with a reason, merge with a topic.

The business is told the result; an approval sends the ``.ics`` invite and schedules the
reminders; a decline frees the seat for the next in line. A confirmed booking is cancelled,
not declined: the business's own cancellation done by an officer (the seat goes on, the
invite is withdrawn), recorded with who and why. Must not import handlers or platform
libraries.
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
    # Approved is not final: the business may ask staff to cancel, or the topic turn out
    # to be out of scope, so the reply carries the way to cancel it.
    buttons = (notices.staff_cancel_button(booking.code),)
    if topic is not None:
        label = topic_label(topic, "vi")
        return Reply(t("staff.merged", "vi", code=booking.code, topic=label), buttons)
    return Reply(t("staff.approved", "vi", code=booking.code), buttons)


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
        return _decline_confirmed(booking)
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
            return _decline_confirmed(booking)
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
    if action == "cancel":
        row = await _session_of(session, booking)
        refused = _cancel_refusal(booking, row, now=now, settings=settings)
        return refused or notices.cancel_prompt(booking, settings)
    if action == "cancel_text":
        return await cancel(
            session, booking, reason=arg, staff_id=staff_id, now=now, settings=settings
        )
    return None


async def cancel(
    session: AsyncSession,
    booking: Booking,
    *,
    reason: str,
    staff_id: str,
    now: datetime,
    settings: Settings,
) -> Reply:
    """An officer cancels a confirmed booking with a reason; the seat goes to the next.

    Done as the business's own cancellation (``seats.cancel_booking``), recorded as the
    officer's; the business is told why, with the invite's withdrawal (``METHOD:CANCEL``).
    """
    row = await _session_of(session, booking)
    if (refused := _cancel_refusal(booking, row, now=now, settings=settings)) is not None:
        return refused
    reason = " ".join(reason.split())[:500]
    if not reason:
        # The business is owed the reason: a photo alone, or spaces, asks again.
        return notices.cancel_prompt(booking, settings, again=True)
    promoted = await seats.cancel_booking(
        session, booking, now=now, settings=settings, by=staff_id, reason=reason
    )
    if booking.status != BookingStatus.CANCELLED:  # the business cancelled a moment before
        return _cancel_refusal(booking, row, now=now, settings=settings) or _already(booking)
    notice = notices.cancelled_by_staff(booking, row, settings, reason=reason)
    notices.to_business(session, booking, notice, now=now)
    logger.info("booking %s cancelled by staff", booking.code)
    text = t("staff.booking_cancelled", "vi", code=booking.code)
    if promoted is not None:
        text += "\n" + t("staff.promoted", "vi", code=promoted.code)
    return Reply(text)


def _cancel_refusal(
    booking: Booking, row: DialogueSession, *, now: datetime, settings: Settings
) -> Reply | None:
    """Why staff cannot cancel the booking: only a confirmed one, before its session."""
    if booking.status == BookingStatus.CANCELLED:
        return Reply(t("staff.cancel_already", "vi", code=booking.code))
    if (refused := _refusal(booking, row, now=now, settings=settings)) is not None:
        return refused
    if booking.status in (BookingStatus.PENDING, BookingStatus.WAITLISTED):
        # Not approved yet: a decline tells the business the reason the same way.
        status = t(f"booking.status_{booking.status}", "vi")
        return Reply(t("staff.cancel_not_confirmed", "vi", code=booking.code, status=status))
    if booking.status != BookingStatus.CONFIRMED:
        return _already(booking)
    return None


def _decline_confirmed(booking: Booking) -> Reply:
    """A confirmed booking is not declined: it is cancelled, with its own button."""
    text = t("staff.decline_confirmed", "vi", code=booking.code)
    return Reply(text, (notices.staff_cancel_button(booking.code),))


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
