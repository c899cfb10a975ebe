"""After the session: attendance, the chairman's conclusions, promises tracked to done.

A promise gets its own code (``CK-…``), reminders to the responsible department and an
escalation when overdue, through follow-ups. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, datetime, time

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


async def record_attendance(
    session: AsyncSession, row: DialogueSession, *, present: Collection[str], now: datetime
) -> tuple[int, int]:
    """Marks confirmed bookings attended (codes in ``present``) or no-show; returns counts."""
    query = (
        select(Booking)
        .where(Booking.session_id == row.id)
        .where(Booking.status == BookingStatus.CONFIRMED)
    )
    came = absent = 0
    for booking in (await session.execute(query)).scalars():
        if booking.code in present:
            booking.status = BookingStatus.ATTENDED
            came += 1
        else:
            booking.status = BookingStatus.NO_SHOW
            absent += 1
        booking.updated_at = now
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
    """Records the chairman's conclusion for a booking, and the promise made, if any."""
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
        due_at=datetime.combine(due, time(17, 0), tzinfo=calendar.tz),
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


async def record_minutes(session: AsyncSession, row: DialogueSession, *, now: datetime) -> None:
    """Marks the session's minutes recorded (its last status)."""
    row.status = SessionStatus.MINUTES
    row.updated_at = now
