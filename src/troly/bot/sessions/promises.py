"""After the session: attendance, the chairman's conclusions, promises tracked to done.

A promise gets its own code (``CK-…``), reminders to the responsible department and an
escalation when overdue, through follow-ups. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import followups
from troly.bot.codes import new_code
from troly.bot.messages import Reply
from troly.bot.sessions import notices, service
from troly.bot.sessions.model import Booking, BookingStatus, DialogueSession, Promise, SessionStatus
from troly.bot.settings import Settings
from troly.bot.texts import t

logger = logging.getLogger(__name__)

REMIND_KIND = "promise.remind"
OVERDUE_KIND = "promise.overdue"


MARKABLE = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
"""The statuses attendance may set or correct (confirmed, or marked by an earlier roll call)."""
TOOK_PART = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED)
"""The statuses of a booking the chairman may conclude on (confirmed: roll call not taken)."""


class AttendanceRefused(service.NotAllowed):
    """A roll call naming codes that are not this session's, or not confirmed for it."""

    def __init__(self, *, unknown: Sequence[str], unconfirmed: Sequence[tuple[str, str]]) -> None:
        super().__init__("codes")
        self.unknown = tuple(unknown)
        self.unconfirmed = tuple(unconfirmed)


async def record_attendance(
    session: AsyncSession, row: DialogueSession, *, present: Collection[str], now: datetime
) -> tuple[int, int]:
    """Marks confirmed bookings attended (codes in ``present``) or no-show; returns counts.

    Only once the session has begun and before its minutes; running it again corrects the
    roll call. A code that is not this session's, or not confirmed, changes nothing: it
    raises ``AttendanceRefused`` naming them.
    """
    if row.status == SessionStatus.CANCELLED:
        raise service.NotAllowed("cancelled")
    if row.status == SessionStatus.MINUTES:
        raise service.NotAllowed("minutes")
    if not service.has_started(row, now):
        raise service.NotAllowed("not_started")
    query = select(Booking).where(Booking.session_id == row.id).order_by(Booking.id)
    bookings = list((await session.execute(query)).scalars())
    by_code = {b.code: b for b in bookings}
    unknown = [code for code in present if code not in by_code]
    unconfirmed = [
        (code, by_code[code].status)
        for code in present
        if code in by_code and by_code[code].status not in MARKABLE
    ]
    if unknown or unconfirmed:
        raise AttendanceRefused(unknown=unknown, unconfirmed=unconfirmed)
    came = absent = 0
    for booking in bookings:
        if booking.status not in MARKABLE:
            continue
        if booking.code in present:
            booking.status = BookingStatus.ATTENDED
            came += 1
        else:
            booking.status = BookingStatus.NO_SHOW
            absent += 1
        booking.updated_at = now
    logger.info("session %s roll call: %s attended, %s no-show", row.id, came, absent)
    return came, absent


async def record_conclusion(
    session: AsyncSession,
    booking: Booking,
    *,
    conclusion: str,
    now: datetime,
    settings: Settings,
    promise: str | None = None,
    department: str | None = None,
    due: date | None = None,
) -> Promise | None:
    """Records the chairman's conclusion for a booking, and the promise made, if any.

    Raises ``NotAllowed`` for a booking that did not take part (cancelled, declined,
    waitlisted, no-show, never confirmed) or a promise whose due day has already closed.
    """
    if booking.status not in TOOK_PART:
        raise service.NotAllowed("did_not_attend")
    if promise is not None and due is not None and promise_due_at(due, settings) <= now:
        raise service.NotAllowed("due_passed")
    booking.conclusion = conclusion[:4000]
    booking.updated_at = now
    if booking.status == BookingStatus.CONFIRMED:
        booking.status = BookingStatus.ATTENDED
    if promise is None:
        notices.to_business(
            session,
            booking,
            Reply(t("promise.conclusion", booking.locale, code=booking.code, text=conclusion)),
            now=now,
        )
        return None
    if department is None or due is None:
        raise ValueError("a promise needs a responsible department and a due date")
    calendar = service.work_calendar(settings)
    row = Promise(
        code=new_code("CK"),
        booking_id=booking.id,
        department=department,
        content=promise[:4000],
        due_at=promise_due_at(due, settings),
        status="open",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    remind_at = calendar.working_days_before(row.due_at, settings.promise_reminder_working_days)
    if remind_at > now:
        await followups.schedule(
            session,
            kind=REMIND_KIND,
            ref=row.code,
            due_at=remind_at,
            now=now,
            key=f"{row.code}:remind",
        )
    await followups.schedule(
        session,
        kind=OVERDUE_KIND,
        ref=row.code,
        due_at=row.due_at,
        now=now,
        key=f"{row.code}:overdue",
    )
    text = t("promise.conclusion", booking.locale, code=booking.code, text=conclusion)
    notices.to_business(session, booking, Reply(text), now=now)
    notices.to_business(session, booking, notices.promise_recorded(booking, row, settings), now=now)
    logger.info("promise %s recorded for booking %s", row.code, booking.code)
    return row


def promise_due_at(due: date, settings: Settings) -> datetime:
    """When a promise due on ``due`` is late: the close of that office day."""
    calendar = service.work_calendar(settings)
    return datetime.combine(due, calendar.closes, tzinfo=calendar.tz)


async def promise_by_code(session: AsyncSession, code: str) -> Promise | None:
    """The promise with this code, if any."""
    query = select(Promise).where(Promise.code == code)
    return (await session.execute(query)).scalar_one_or_none()


async def promises_of(session: AsyncSession, booking_ids: Collection[int]) -> list[Promise]:
    """The promises made to these bookings."""
    if not booking_ids:
        return []
    query = select(Promise).where(Promise.booking_id.in_(list(booking_ids))).order_by(Promise.id)
    return list((await session.execute(query)).scalars())


async def complete_promise(
    session: AsyncSession, promise: Promise, *, now: datetime, note: str | None = None
) -> None:
    """Marks a promise done, stops its follow-ups and tells the business."""
    promise.status = "done"
    promise.done_at = now
    promise.note = note
    await followups.cancel(session, ref=promise.code)
    booking = await session.get(Booking, promise.booking_id)
    if booking is not None:
        text = t("promise.done", booking.locale, code=promise.code, note=note or "")
        notices.to_business(session, booking, Reply(text.strip()), now=now)
    logger.info("promise %s done", promise.code)


async def record_minutes(session: AsyncSession, row: DialogueSession, *, now: datetime) -> bool:
    """Marks the session's minutes recorded (its last status); False when they already were.

    Only once the session has begun: raises ``NotAllowed`` before, or for a cancelled one.
    """
    if row.status == SessionStatus.MINUTES:
        return False
    if row.status == SessionStatus.CANCELLED:
        raise service.NotAllowed("cancelled")
    if not service.has_started(row, now):
        raise service.NotAllowed("not_started")
    row.status = SessionStatus.MINUTES
    row.updated_at = now
    return True
