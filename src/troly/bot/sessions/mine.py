"""Appliers of a business's own bookings: ``/lichcuatoi``, cancelling, ``/tracuu`` by code.

A booking or promise is shown to its business (and to staff) only; anyone else gets the same
"not found" whether the code exists or not. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from sqlalchemy import select

from troly.bot.effects import Applied, EffectResult
from troly.bot.flows import booking as flow
from troly.bot.messages import Button, Reply
from troly.bot.sessions import notices, promises, seats
from troly.bot.sessions.model import LIVE, Booking, BookingStatus, DialogueSession, Promise
from troly.bot.staff import staff_role
from troly.bot.texts import t


async def my_bookings(_effect: flow.MyBookings, applied: Applied) -> EffectResult:
    """Lists the user's bookings, their status, promises, and cancel buttons."""
    session, settings, locale = applied.session, applied.settings, applied.state.locale
    query = (
        select(Booking, DialogueSession)
        .join(DialogueSession, DialogueSession.id == Booking.session_id)
        .where(Booking.channel == applied.incoming.channel)
        .where(Booking.user_id == applied.incoming.user_id)
        .order_by(DialogueSession.starts_at.desc(), Booking.id.desc())
        .limit(10)
    )
    found = [(b, r) for b, r in (await session.execute(query)).all()]
    if not found:
        button = (Button(t("booking.start_button", locale), choice="book:start"),)
        return EffectResult((Reply(t("booking.none", locale), (button,)),))
    lines: list[str] = []
    buttons: list[tuple[Button, ...]] = []
    for booking, row in found:
        position = await seats.waitlist_position(session, booking)
        lines.append(
            notices.status_line(booking, row, settings, position, locale=applied.state.locale)
        )
        if booking.status in LIVE and applied.now < row.starts_at:
            label = t("booking.cancel_code", locale, code=booking.code)
            buttons.append((Button(label, choice=f"book:cancel:{booking.code}"),))
    for promise in await promises.promises_of(session, [b.id for b, _ in found]):
        lines.append(_promise_line(promise, applied))
    text = t("booking.mine", locale, lines="\n".join(lines))
    return EffectResult((Reply(text, tuple(buttons), kind="booking:mine"),))


async def cancel_booking(effect: flow.CancelBooking, applied: Applied) -> EffectResult:
    """The business cancels its booking; the seat goes to the next in line."""
    session, now, locale = applied.session, applied.now, applied.state.locale
    booking = await _owned(applied, effect.code)
    if booking is None:
        return EffectResult((Reply(t("booking.not_found", locale)),))
    row = await session.get(DialogueSession, booking.session_id)
    assert row is not None
    if booking.status not in LIVE or now >= row.starts_at:
        status = t(f"booking.status_{booking.status}", locale)
        return EffectResult(
            (Reply(t("booking.cannot_cancel", locale, code=booking.code, status=status)),)
        )
    had_invite = booking.status == BookingStatus.CONFIRMED
    await seats.cancel_booking(session, booking, now=now, settings=applied.settings)
    if booking.status != BookingStatus.CANCELLED:  # staff acted on it a moment before
        status = t(f"booking.status_{booking.status}", locale)
        reply = t("booking.cannot_cancel", locale, code=booking.code, status=status)
        return EffectResult((Reply(reply),))
    key = "booking.cancelled_late" if booking.cancelled_late else "booking.cancelled"
    # The invite it was sent is withdrawn, so the event leaves the business's calendar too.
    document = None
    if had_invite:
        document = notices.invite(booking, row, applied.settings, cancelled=True)
    return EffectResult((Reply(t(key, locale, code=booking.code), document=document),))


async def look_up(effect: flow.LookUp, applied: Applied) -> EffectResult:
    """Shows a booking or promise to its business (or staff); to anyone else, "not found"."""
    session, settings, locale = applied.session, applied.settings, applied.state.locale
    is_staff = await _staff(applied)
    not_found = EffectResult((Reply(t("booking.not_found", locale)),))
    if effect.code.startswith("CK-"):
        promise = await promises.promise_by_code(session, effect.code)
        if promise is None:
            return not_found
        owner = await session.get(Booking, promise.booking_id)
        if owner is None or not (is_staff or owns(owner, applied)):
            return not_found
        return EffectResult((Reply(_promise_line(promise, applied)),))
    booking = await seats.booking_by_code(session, effect.code)
    if booking is None or not (is_staff or owns(booking, applied)):
        return not_found
    row = await session.get(DialogueSession, booking.session_id)
    assert row is not None
    position = await seats.waitlist_position(session, booking)
    line = notices.status_line(booking, row, settings, position, locale=applied.state.locale)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if is_staff and applied.incoming.in_group:
        if booking.cancelled_by is not None and booking.cancel_reason:
            line += "\n" + t("booking.cancel_reason_line", locale, reason=booking.cancel_reason)
        if booking.status == BookingStatus.CONFIRMED and applied.now < row.starts_at:
            # Where staff look a confirmed booking up, they may cancel it (with a reason).
            buttons = (notices.staff_cancel_button(booking.code),)
    return EffectResult((Reply(line, buttons),))


def owns(booking: Booking, applied: Applied) -> bool:
    """Whether the booking was made from the asker's chat."""
    return (
        booking.channel == applied.incoming.channel and booking.user_id == applied.incoming.user_id
    )


async def _owned(applied: Applied, code: str) -> Booking | None:
    booking = await seats.booking_by_code(applied.session, code)
    return booking if booking is not None and owns(booking, applied) else None


async def _staff(applied: Applied) -> bool:
    role = await staff_role(applied.session, applied.incoming.channel, applied.incoming.user_id)
    return role is not None


def _promise_line(promise: Promise, applied: Applied) -> str:
    locale = applied.state.locale
    status = "overdue" if promise.is_overdue(applied.now) else promise.status
    return t(
        "promise.line",
        locale,
        code=promise.code,
        department=promise.department,
        content=promise.content,
        due=notices.when(promise.due_at, applied.settings),
        status=t(f"promise.status_{status}", locale),
    )
