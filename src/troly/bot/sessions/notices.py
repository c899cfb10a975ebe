"""What the dialogue sessions say: to a business, to the staff group; the ``.ics`` invite.

Pure builders of ``Reply`` plus two ``enqueue`` helpers. Must not import handlers or platform
libraries.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import localised
from troly.bot.invite import calendar_invite
from troly.bot.messages import Button, Document, Notice, Reply
from troly.bot.outbox import enqueue
from troly.bot.sessions.model import Booking, DialogueSession, Promise
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.bot.topics import TOPICS, topic_label

DECLINE_REASONS = ("scope", "petition", "incomplete")
"""Preset reasons for declining a booking (``booking.reason_<key>`` in the catalogues)."""


def when(moment: datetime, settings: Settings, locale: str = "vi") -> str:
    """A moment: ``14:00 17/12/2026``, or ``14:00, Thu 17 Dec 2026`` in English."""
    return localised.moment_text(moment, settings, locale)


def session_label(row: DialogueSession, settings: Settings, locale: str = "vi") -> str:
    """One line naming a session: its time and place."""
    place = localised.venue(row.place, settings, locale)
    return f"{when(row.starts_at, settings, locale)} — {place}"


def to_business(session: AsyncSession, booking: Booking, reply: Reply, *, now: datetime) -> None:
    """Queues a message to the business that made the booking."""
    aside = replace(reply, aside=True)  # the business did not just ask for it
    enqueue(session, channel=booking.channel, recipient=booking.user_id, reply=aside, now=now)


def to_staff(session: AsyncSession, settings: Settings, reply: Reply, *, now: datetime) -> None:
    """Queues a message to the staff group (nothing when no group is configured)."""
    if settings.staff_chat_id is None:
        return
    enqueue(
        session, channel="telegram", recipient=str(settings.staff_chat_id), reply=reply, now=now
    )


def booked(
    booking: Booking, row: DialogueSession, settings: Settings, position: int | None
) -> Reply:
    """The reply to a new booking: its code, and either screening or the waitlist."""
    locale = booking.locale
    label = session_label(row, settings, booking.locale)
    if position is not None:
        text = t("booking.waitlisted", locale, code=booking.code, session=label, position=position)
    else:
        text = t("booking.pending", locale, code=booking.code, session=label)
    return Reply(text, (_mine_button(locale),), kind="booking:made")


def screening_card(booking: Booking, row: DialogueSession, settings: Settings) -> Reply:
    """The card staff screen: the business, the topic, the question, three actions."""
    text = t(
        "staff.booking_card",
        "vi",
        code=booking.code,
        session=session_label(row, settings, booking.locale),
        business=booking.business_name,
        tax_code=booking.tax_code,
        topic=topic_label(booking.topic, "vi"),
        question=booking.question,
        seats_left=row.seats_left,
    )
    code = booking.code
    buttons = (
        (
            Button(t("staff.approve", "vi"), choice=f"scr:ok:{code}"),
            Button(t("staff.decline", "vi"), choice=f"scr:no:{code}"),
        ),
        (Button(t("staff.merge", "vi"), choice=f"scr:merge:{code}"),),
    )
    return Reply(text, buttons, kind="staff:booking")


DECLINE_REASONS_KIND = "staff:decline_reasons"
CANCEL_PROMPT_KIND = "staff:cancel_prompt"
"""The kinds of the staff replies after which a typed reason is awaited."""


def staff_cancel_button(code: str) -> tuple[Button, ...]:
    """The staff's «Hủy đăng ký» for a confirmed booking (asks for a reason)."""
    return (Button(t("staff.cancel_booking", "vi"), choice=f"scr:cancel:{code}"),)


def cancel_prompt(booking: Booking, settings: Settings, *, again: bool = False) -> Reply:
    """Asks the officer for the reason to cancel a confirmed booking (told to the business)."""
    key = "staff.cancel_booking_reason_empty" if again else "staff.cancel_booking_prompt"
    minutes = settings.staff_prompt_minutes
    text = t(key, "vi", code=booking.code, business=booking.business_name, minutes=minutes)
    return Reply(text, kind=CANCEL_PROMPT_KIND)


def decline_reasons(code: str, settings: Settings) -> Reply:
    """The preset reasons to decline, and how to type another (and how long it is awaited)."""
    buttons = tuple(
        (Button(t(f"booking.reason_{key}", "vi"), choice=f"scr:nr:{code}:{key}"),)
        for key in DECLINE_REASONS
    )
    minutes = settings.staff_prompt_minutes
    text = t("staff.decline_prompt", "vi", code=code, minutes=minutes)
    return Reply(text, buttons, kind=DECLINE_REASONS_KIND)


def merge_topics(code: str) -> Reply:
    """The topics a booking can be merged with."""
    buttons = [Button(vi, choice=f"scr:mt:{code}:{key}") for key, vi, _en in TOPICS]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return Reply(t("staff.merge_prompt", "vi", code=code), rows)


def confirmed(booking: Booking, row: DialogueSession, settings: Settings) -> Reply:
    """The confirmation: the details, what to bring, the cancel button and the invite."""
    locale = booking.locale
    text = t(
        "booking.confirmed",
        locale,
        code=booking.code,
        when=when(row.starts_at, settings, booking.locale),
        place=localised.venue(row.place, settings, booking.locale),
        topic=topic_label(booking.topic, locale),
    )
    if booking.merged:
        text += "\n" + t("booking.merged", locale, topic=topic_label(booking.topic, locale))
    return Reply(
        text,
        ((Button(t("booking.cancel_button", locale), choice=f"book:cancel:{booking.code}"),),),
        document=invite(booking, row, settings),
        kind="booking:confirmed",
    )


def invite(
    booking: Booking, row: DialogueSession, settings: Settings, *, cancelled: bool = False
) -> Document:
    """The ``.ics`` invite of a confirmed booking (same UID on every update).

    ``cancelled`` gives its withdrawal, one revision above the last invite sent, so that a
    calendar that imported the invite drops the event.
    """
    sequence = row.sequence + 1 if cancelled else row.sequence
    content = calendar_invite(
        uid=f"{booking.code}@troly",
        title=t("booking.invite_title", booking.locale),
        start=row.starts_at.astimezone(ZoneInfo(settings.timezone)),
        duration=row.ends_at - row.starts_at,
        location=row.place,
        description=t(
            "booking.invite_description",
            booking.locale,
            code=booking.code,
            topic=topic_label(booking.topic, booking.locale),
        ),
        stamp=row.updated_at if sequence else None,
        sequence=sequence,
        cancelled=cancelled,
    )
    return Document(f"{booking.code}.ics", content, "text/calendar")


def declined(booking: Booking, reason: str) -> Reply:
    """Tells the business its booking was declined, and why."""
    return Reply(t("booking.declined", booking.locale, code=booking.code, reason=reason))


def cancelled_by_staff(
    booking: Booking, row: DialogueSession, settings: Settings, *, reason: str
) -> Reply:
    """Tells a business staff cancelled its confirmed booking: why, the invite withdrawn.

    And what it may do next: register for a later session.
    """
    locale = booking.locale
    text = t(
        "booking.cancelled_by_staff",
        locale,
        code=booking.code,
        session=session_label(row, settings, booking.locale),
        reason=reason,
    )
    return Reply(
        text,
        ((Button(t("booking.start_button", locale), choice="book:start"),),),
        document=invite(booking, row, settings, cancelled=True),
        kind="booking:cancelled_by_staff",
    )


def promoted(booking: Booking, row: DialogueSession, settings: Settings) -> Reply:
    """Tells a waitlisted business a seat has opened for it."""
    label = session_label(row, settings, booking.locale)
    return Reply(t("booking.promoted", booking.locale, code=booking.code, session=label))


def moved(booking: Booking, row: DialogueSession, settings: Settings) -> Reply:
    """Tells a business its session moved (a new invite when it was confirmed)."""
    text = t(
        "booking.session_moved",
        booking.locale,
        code=booking.code,
        when=when(row.starts_at, settings, booking.locale),
        place=localised.venue(row.place, settings, booking.locale),
    )
    document = invite(booking, row, settings) if booking.status == "confirmed" else None
    return Reply(text, document=document, kind="booking:moved")


def session_cancelled(
    booking: Booking, row: DialogueSession, settings: Settings, *, had_invite: bool
) -> Reply:
    """Tells a business its session was cancelled (withdrawing the invite it was sent)."""
    document = invite(booking, row, settings, cancelled=True) if had_invite else None
    text = t("booking.session_cancelled", booking.locale, code=booking.code)
    return Reply(text, document=document, kind="booking:session_cancelled")


def reminder(booking: Booking, row: DialogueSession, settings: Settings, *, now: datetime) -> Reply:
    """The reminder before the session: time, place, what to bring; cancel while it may."""
    locale = booking.locale
    text = t(
        "booking.reminder",
        locale,
        code=booking.code,
        when=when(row.starts_at, settings, booking.locale),
        place=localised.venue(row.place, settings, booking.locale),
    )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if now < row.starts_at - timedelta(hours=settings.booking_cancel_hours_before):
        buttons = (
            (Button(t("booking.cancel_button", locale), choice=f"book:cancel:{booking.code}"),),
        )
    notice = Notice(
        "session_reminder",
        {"code": booking.code, "time": when(row.starts_at, settings), "place": row.place},
    )
    return Reply(text, buttons, kind="booking:reminder", notice=notice)


def promise_recorded(booking: Booking, promise: Promise, settings: Settings) -> Reply:
    """Tells the business what was promised, by whom, by when, and the code to follow it."""
    return Reply(
        t(
            "promise.recorded",
            booking.locale,
            code=promise.code,
            booking=booking.code,
            department=promise.department,
            content=promise.content,
            due=when(promise.due_at, settings, booking.locale),
        )
    )


def status_line(
    booking: Booking,
    row: DialogueSession,
    settings: Settings,
    position: int | None,
    *,
    locale: str,
) -> str:
    """One line of ``/lichcuatoi``: code, session, status (in the reader's language)."""
    status = t(f"booking.status_{booking.status}", locale)
    if position is not None:
        status = t("booking.status_waitlisted_at", locale, position=position)
    return t(
        "booking.line",
        locale,
        code=booking.code,
        session=session_label(row, settings, locale),
        status=status,
    )


def _mine_button(locale: str) -> tuple[Button, ...]:
    return (Button(t("booking.mine_button", locale), choice="book:mine"),)
