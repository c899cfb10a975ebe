"""Appliers of the booking and screening flows' effects, in the message's transaction.

The open sessions, the seat, the booking code and the roster check happen here; the flows
stay pure (a business's own bookings and look-ups: ``mine.py``). Must not import handlers or
platform libraries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import localised
from troly.bot.effects import Applied, EffectApplier, EffectResult
from troly.bot.flows import booking as flow
from troly.bot.flows import screening
from troly.bot.flows.base import State
from troly.bot.messages import Button, Reply
from troly.bot.sessions import mine, notices, seats, service
from troly.bot.sessions import screening as screening_service
from troly.bot.sessions.model import (
    Booking,
    BookingStatus,
    BusinessProfile,
    DialogueSession,
)
from troly.bot.staff import acting_staff
from troly.bot.texts import t

_DETAILS = ("tax_code", "business_name", "representative", "phone")
_BOOKING_FIELDS = (*_DETAILS, "topic", "question")


async def show_sessions(_effect: flow.ShowSessions, applied: Applied) -> EffectResult:
    """Lists the open sessions with their seats, or says when the next one opens."""
    session, now, settings, locale = (
        applied.session,
        applied.now,
        applied.settings,
        _locale(applied),
    )
    await service.plan_sessions(session, now=now, settings=settings)
    rows = await service.open_sessions(session, now=now)
    if not rows:
        return EffectResult((await _none_open(session, applied),), applied.state.idle())
    buttons = []
    for row in rows:
        label = localised.moment_with_weekday(row.starts_at, settings, locale)
        seats = (
            t("booking.seats_left", locale, count=row.seats_left)
            if row.has_seat()
            else t("booking.full", locale)
        )
        buttons.append((Button(f"{label} · {seats}", choice=f"book:s:{row.id}"),))
    lines = [
        t(
            "booking.session_line",
            locale,
            session=localised.moment_with_weekday(row.starts_at, settings, locale),
            place=localised.venue(row.place, settings, locale),
            closes=localised.moment_with_weekday(row.closes_at, settings, locale),
        )
        for row in rows
    ]
    text = t("booking.choose_session", locale, sessions="\n".join(lines))
    profile = await _profile(session, applied)
    # What is held is shown before it is used (the data subject sees what we keep).
    saved = _held(profile.details) if profile is not None else ""
    state = applied.state.with_draft(saved=saved)
    return EffectResult((Reply(text, tuple(buttons), kind="booking:sessions"),), state)


async def choose_session(effect: flow.ChooseSession, applied: Applied) -> EffectResult:
    """Checks the chosen session is open and asks for consent."""
    row = await applied.session.get(DialogueSession, effect.session_id)
    if row is None or not row.is_open_for_registration(applied.now):
        return EffectResult((await _refused(applied.session, row, applied),), applied.state.idle())
    label = notices.session_label(row, applied.settings, _locale(applied))
    outcome = flow.ask_consent(applied.state.with_draft(session_id=row.id, session_label=label))
    return EffectResult(outcome.replies, outcome.state)


async def use_saved(_effect: flow.UseSaved, applied: Applied) -> EffectResult:
    """Fills the draft from the remembered details (or asks for them when gone)."""
    profile = await _profile(applied.session, applied)
    state = applied.state
    if profile is None:
        outcome = flow.ask_consent(state.with_draft(saved=""))
        return EffectResult(outcome.replies, outcome.state)
    details = {k: str(profile.details[k]) for k in _DETAILS if k in profile.details}
    existing = await _existing(applied, int(state.draft["session_id"]), details.get("tax_code", ""))
    if existing is not None:
        return existing
    outcome = flow.after_saved(state, details)
    return EffectResult(outcome.replies, outcome.state)


async def forget_saved(_effect: flow.ForgetSaved, applied: Applied) -> EffectResult:
    """Deletes the remembered details (the business asked)."""
    await applied.session.execute(
        delete(BusinessProfile)
        .where(BusinessProfile.channel == applied.incoming.channel)
        .where(BusinessProfile.user_id == applied.incoming.user_id)
    )
    state = applied.state.with_draft(saved="")
    return EffectResult((Reply(t("booking.saved_forgotten", _locale(applied))),), state)


async def check_existing(effect: flow.CheckExisting, applied: Applied) -> EffectResult:
    """Shows the business's existing booking for the session, or asks for its name."""
    existing = await _existing(applied, effect.session_id, effect.tax_code)
    if existing is not None:
        return existing
    if applied.state.draft.get("editing"):
        # Only the tax code was corrected: back to the summary, the other details kept.
        corrected = flow.summary(applied.state)
        return EffectResult(corrected.replies, corrected.state)
    return EffectResult((Reply(t("booking.ask_name", _locale(applied))),))


async def book(effect: flow.Book, applied: Applied) -> EffectResult:
    """Takes a seat or a waitlist place, gives the code, sends the card to staff."""
    session, now, settings, locale = (
        applied.session,
        applied.now,
        applied.settings,
        _locale(applied),
    )
    draft = effect.draft
    if "session_id" not in draft or any(not draft.get(k) for k in _BOOKING_FIELDS):
        return EffectResult((Reply(t("booking.expired", locale)),))
    details = {k: str(draft[k]) for k in _BOOKING_FIELDS}
    try:
        booked = await seats.book_seat(
            session,
            session_id=int(draft["session_id"]),
            channel=applied.incoming.channel,
            user_id=applied.incoming.user_id,
            locale=locale,
            details=details,
            now=now,
        )
    except seats.RegistrationClosed as closed:
        return EffectResult((await _refused(session, closed.dialogue_session, applied),))
    row = await session.get(DialogueSession, booked.booking.session_id)
    assert row is not None
    if not booked.new:
        if not mine.owns(booked.booking, applied):
            return _taken(applied, row, details["tax_code"], draft=draft)
        return EffectResult((await _already(applied, booked.booking, row),))
    await _remember(session, applied, details if draft.get("remember") else None)
    if booked.position is None:
        await session.refresh(row)
        notices.to_staff(
            session, settings, notices.screening_card(booked.booking, row, settings), now=now
        )
    return EffectResult((notices.booked(booked.booking, row, settings, booked.position),))


async def screen(effect: screening.Screen, applied: Applied) -> EffectResult:
    """A staff member's screening action; anyone not on the roster is refused.

    Only «Từ chối» and «Hủy đăng ký» of a booking they apply to leave a reason awaited (in
    this topic, ``staff_prompt_minutes``); every other action, a preset reason included, and
    a refusal leave nothing waiting.
    """
    if await acting_staff(applied) is None:
        return EffectResult((Reply(t("staff.not_authorised", _locale(applied))),))
    reply = await _screened(effect, applied)
    if reply is None:
        return EffectResult((Reply(t("booking.not_found", "vi")),), applied.state.idle())
    step = _AWAITS.get(reply.kind or "")
    if step is not None:
        minutes, now, code = applied.settings.staff_prompt_minutes, applied.now, effect.code
        state = screening.ask_reason(applied.state, code, now=now, minutes=minutes, step=step)
        return EffectResult((reply,), state)
    return EffectResult((reply,), applied.state.idle())


_AWAITS = {
    notices.DECLINE_REASONS_KIND: screening.REASON,
    notices.CANCEL_PROMPT_KIND: screening.CANCEL_REASON,
}
"""The reason awaited after a staff reply, by the reply's kind."""


async def _screened(effect: screening.Screen, applied: Applied) -> Reply | None:
    """Runs the screening action; what staff see, or None for an unknown code."""
    return await screening_service.screen(
        applied.session,
        action=effect.action,
        code=effect.code,
        arg=effect.arg,
        staff_id=applied.incoming.user_id,
        now=applied.now,
        settings=applied.settings,
    )


def appliers() -> dict[type, EffectApplier]:
    """The appliers of the booking and screening effects, by effect type."""
    return {
        flow.ShowSessions: show_sessions,
        flow.ChooseSession: choose_session,
        flow.UseSaved: use_saved,
        flow.ForgetSaved: forget_saved,
        flow.CheckExisting: check_existing,
        flow.Book: book,
        flow.MyBookings: mine.my_bookings,
        flow.CancelBooking: mine.cancel_booking,
        flow.LookUp: mine.look_up,
        screening.Screen: screen,
    }


def _held(details: dict[str, object]) -> str:
    return ", ".join(str(details.get(k, "")) for k in _DETAILS if details.get(k))


def _locale(applied: Applied) -> str:
    return applied.state.locale


async def _profile(session: AsyncSession, applied: Applied) -> BusinessProfile | None:
    return await session.get(BusinessProfile, (applied.incoming.channel, applied.incoming.user_id))


async def _remember(
    session: AsyncSession, applied: Applied, details: dict[str, str] | None
) -> None:
    profile = await _profile(session, applied)
    if details is None:
        if profile is not None:
            await session.delete(profile)
        return
    kept = {k: details[k] for k in _DETAILS}
    if profile is None:
        session.add(
            BusinessProfile(
                channel=applied.incoming.channel,
                user_id=applied.incoming.user_id,
                details=kept,
                consented_at=applied.now,
            )
        )
    else:
        profile.details = kept
        profile.consented_at = applied.now


async def _existing(applied: Applied, session_id: int, tax_code: str) -> EffectResult | None:
    booking = await seats.find_booking(applied.session, session_id=session_id, tax_code=tax_code)
    if booking is None or booking.status == BookingStatus.CANCELLED:
        return None
    row = await applied.session.get(DialogueSession, session_id)
    assert row is not None
    if not mine.owns(booking, applied):
        return _taken(applied, row, tax_code)
    return EffectResult((await _already(applied, booking, row),), applied.state.idle())


async def _already(applied: Applied, booking: Booking, row: DialogueSession) -> Reply:
    """The asker's own booking for the session, with the way to their bookings."""
    locale = _locale(applied)
    position = await seats.waitlist_position(applied.session, booking)
    line = notices.status_line(booking, row, applied.settings, position, locale=locale)
    button = Button(t("booking.mine_button", locale), choice="book:mine")
    return Reply(t("booking.already", locale, line=line), ((button,),))


def _taken(
    applied: Applied,
    row: DialogueSession,
    tax_code: str,
    *,
    draft: Mapping[str, Any] | None = None,
) -> EffectResult:
    """Someone else's booking: neither its code nor its status, and a way on.

    A tax code is no secret, so whoever types one must not learn another chat's booking. The
    flow waits for a tax code again (a typo); "talk to an officer" files a petition that
    starts from a note of what happened.
    """
    locale = _locale(applied)
    note = t(
        "booking.taken_note",
        locale,
        tax_code=tax_code,
        session=notices.session_label(row, applied.settings, _locale(applied)),
    )
    kept = {k: v for k, v in (draft or applied.state.draft).items() if k != "tax_code"}
    state = State(flow.FLOW, flow.Step.TAX_CODE, {**kept, "last_question": note}, locale)
    buttons = (
        (Button(t("booking.taken_staff", locale), choice="human"),),
        (Button(t("booking.taken_cancel", locale), choice="cancel"),),
    )
    return EffectResult((Reply(t("booking.taken", locale), buttons, kind="booking:taken"),), state)


async def _refused(session: AsyncSession, row: DialogueSession | None, applied: Applied) -> Reply:
    locale, settings = _locale(applied), applied.settings
    if row is not None and applied.now >= row.closes_at:
        text = t(
            "booking.closed",
            locale,
            session=notices.session_label(row, settings, _locale(applied)),
            closed=notices.when(row.closes_at, settings),
        )
        upcoming = await service.next_session(session, now=row.starts_at)
        if upcoming is not None:
            text += "\n" + _next_line(upcoming, applied)
        return Reply(text)
    return await _none_open(session, applied)


async def _none_open(session: AsyncSession, applied: Applied) -> Reply:
    upcoming = await service.next_session(session, now=applied.now)
    text = t("booking.no_open", _locale(applied))
    if upcoming is not None:
        text += "\n" + _next_line(upcoming, applied)
    return Reply(text)


def _next_line(row: DialogueSession, applied: Applied) -> str:
    settings = applied.settings
    return t(
        "booking.next_session",
        _locale(applied),
        session=notices.session_label(row, settings, _locale(applied)),
        opens=notices.when(row.opens_at, settings),
    )
