"""The bookings' part of ``/dulieu``: the bookings' and remembered details, and erasing them.

A booking still going ahead needs the business and its representative, so erasing cancels it
first, the way the business's own cancel button does (the seat goes to the next in line, a
confirmed booking's invite is withdrawn); the screening cards sent to the staff group are
deleted from the outbox, and so are the reasons staff wrote when declining or cancelling it.
What stays of a booking: its code, session, topic, status and the chairman's conclusion and
promises. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from troly.bot.effects import Applied
from troly.bot.flows import booking as flow
from troly.bot.messages import Reply
from troly.bot.personal_data import Erased, Held, Keeper, SentCopies
from troly.bot.sessions import mine, notices
from troly.bot.sessions.model import (
    ERASED_MARK,
    LIVE,
    Booking,
    BusinessProfile,
    DialogueSession,
)
from troly.bot.texts import t

STAFF_CHANNEL = "telegram"
_DETAILS = ("tax_code", "business_name", "representative", "phone")


async def _bookings(
    applied: Applied, *, lock: bool = False
) -> list[tuple[Booking, DialogueSession]]:
    inc = applied.incoming
    query = (
        select(Booking, DialogueSession)
        .join(DialogueSession, DialogueSession.id == Booking.session_id)
        .where(Booking.channel == inc.channel)
        .where(Booking.user_id == inc.user_id)
        .where(Booking.business_name != "")
        .order_by(DialogueSession.starts_at, Booking.id)
    )
    if lock:
        query = query.with_for_update(of=Booking)
    return [(b, r) for b, r in (await applied.session.execute(query)).all()]


async def _profile(applied: Applied) -> BusinessProfile | None:
    inc = applied.incoming
    return await applied.session.get(BusinessProfile, (inc.channel, inc.user_id))


def _upcoming(booking: Booking, row: DialogueSession, applied: Applied) -> bool:
    return booking.status in LIVE and applied.now < row.starts_at


def _stop_line(booking: Booking, row: DialogueSession, applied: Applied) -> str:
    session = notices.session_label(row, applied.settings)
    return t("booking.data_stop", applied.state.locale, code=booking.code, session=session)


async def held(applied: Applied) -> Held:
    """The asker's bookings with their details, and the remembered details."""
    locale, settings = applied.state.locale, applied.settings
    found = await _bookings(applied)
    lines: list[str] = []
    if found:
        lines.append(t("booking.data_title", locale))
    for booking, row in found:
        lines.append(
            t(
                "booking.data_line",
                locale,
                code=booking.code,
                session=notices.when(row.starts_at, settings),
                business=booking.business_name,
                tax_code=booking.tax_code,
                representative=booking.representative or "—",
                phone=booking.phone or "—",
            )
        )
    profile = await _profile(applied)
    if profile is not None:
        saved = ", ".join(str(profile.details[k]) for k in _DETAILS if profile.details.get(k))
        lines.append(t("booking.data_saved_title", locale))
        lines.append(t("booking.data_saved_line", locale, held=saved))
    stops = tuple(_stop_line(b, r, applied) for b, r in found if _upcoming(b, r, applied))
    data: dict[str, object] = {}
    if found:
        data["bookings"] = [
            {
                "code": booking.code,
                "session_starts_at": row.starts_at.isoformat(),
                "business_name": booking.business_name,
                "tax_code": booking.tax_code,
                "representative": booking.representative or None,
                "phone": booking.phone or None,
            }
            for booking, row in found
        ]
    if profile is not None:
        data["saved_details"] = {k: profile.details[k] for k in _DETAILS if profile.details.get(k)}
    return Held(tuple(lines), stops, data)


async def erase(applied: Applied) -> Erased:
    """Cancels the upcoming bookings, erases every booking's details and the remembered ones."""
    locale = applied.state.locale
    found = await _bookings(applied, lock=True)
    lines: list[str] = []
    replies: list[Reply] = []
    for booking, row in found:
        if _upcoming(booking, row, applied):
            cancelled = await mine.cancel_booking(flow.CancelBooking(booking.code), applied)
            replies.extend(cancelled.replies)
        booking.tax_code = ERASED_MARK + booking.code
        booking.business_name = booking.representative = booking.phone = ""
        booking.question = ""
        # What staff wrote when declining or cancelling it may name the business too.
        booking.decline_reason = booking.cancel_reason = None
        booking.updated_at = applied.now
    if found:
        lines.append(t("booking.data_erased", locale, count=len(found)))
    inc = applied.incoming
    profile = await applied.session.execute(
        delete(BusinessProfile)
        .where(BusinessProfile.channel == inc.channel)
        .where(BusinessProfile.user_id == inc.user_id)
    )
    if profile.rowcount:  # type: ignore[attr-defined]
        lines.append(t("booking.data_saved_erased", locale))
    copies: tuple[SentCopies, ...] = ()
    if found and applied.settings.staff_chat_id is not None:
        codes = tuple(booking.code for booking, _ in found)
        copies = (SentCopies(STAFF_CHANNEL, str(applied.settings.staff_chat_id), quoting=codes),)
    return Erased(tuple(lines), tuple(replies), copies)


def keeper() -> Keeper:
    """The bookings' keeper of personal data."""
    return Keeper(held=held, erase=erase)
