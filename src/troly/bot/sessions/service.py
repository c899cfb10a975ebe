"""Dialogue sessions' calendar: plan by rule, add, move, cancel, status, reminders.

Moving or cancelling tells every registered business at once. Seats and the waitlist are in
``seats.py``.

Every function works in the caller's transaction and never commits. Must not import handlers
or platform libraries.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import followups
from troly.bot.province.details import session_departments
from troly.bot.sessions import notices
from troly.bot.sessions.model import (
    Booking,
    BookingStatus,
    BusinessProfile,
    DialogueSession,
    SessionStatus,
)
from troly.bot.sessions_calendar import registration_closes, session_start
from troly.bot.settings import Settings
from troly.bot.workdays import WorkCalendar

logger = logging.getLogger(__name__)

STATUS_KIND = "session.status"
REMIND_KIND = "booking.remind"
PLAN_KIND = "sessions.plan"


class NotAllowed(ValueError):
    """What a session's or a booking's state does not allow now; ``reason`` names why.

    Reasons: ``cancelled``, ``not_started``, ``started``, ``minutes`` (already recorded),
    ``did_not_attend``, ``due_passed``, ``codes`` (see ``AttendanceRefused``).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def has_started(row: DialogueSession, now: datetime) -> bool:
    """Tells whether a session (not cancelled) has begun by ``now``."""
    return row.status != SessionStatus.CANCELLED and now >= row.starts_at


def must_be_ahead(row: DialogueSession, now: datetime) -> None:
    """Raises ``NotAllowed`` unless the session is still ahead (not cancelled, not begun)."""
    if row.status == SessionStatus.CANCELLED:
        raise NotAllowed("cancelled")
    if has_started(row, now) or row.status == SessionStatus.MINUTES:
        raise NotAllowed("started")


def work_calendar(settings: Settings) -> WorkCalendar:
    """The province's working-day calendar."""
    return WorkCalendar(settings.timezone)


def start_time(settings: Settings) -> time:
    """The sessions' usual start time (``TROLY_SESSION_TIME``)."""
    hours, minutes = settings.session_time.split(":")
    return time(int(hours), int(minutes))


def session_ref(session_id: int) -> str:
    """The follow-up reference of a session."""
    return f"S{session_id}"


async def create_session(
    session: AsyncSession,
    *,
    starts_at: datetime,
    now: datetime,
    settings: Settings,
    place: str | None = None,
    seats: int | None = None,
    rule_month: str | None = None,
) -> DialogueSession:
    """Adds a session and schedules its status changes (open, closed, held)."""
    total = seats if seats is not None else settings.session_seats
    row = DialogueSession(
        starts_at=starts_at,
        place=place or settings.session_place,
        seats=total,
        seats_left=total,
        waitlist_next=0,
        status=SessionStatus.PLANNED,
        departments=session_departments(settings),
        rule_month=rule_month,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    _set_times(row, starts_at, settings)
    session.add(row)
    await session.flush()
    await _schedule_status(session, row, now)
    return row


async def plan_sessions(
    session: AsyncSession, *, now: datetime, settings: Settings
) -> list[DialogueSession]:
    """Creates the coming months' sessions by rule; running it twice changes nothing."""
    calendar = work_calendar(settings)
    local = now.astimezone(calendar.tz)
    created: list[DialogueSession] = []
    year, month = local.year, local.month
    for _ in range(settings.session_months_ahead + 1):
        rule_month = f"{year}-{month:02d}"
        try:
            start = session_start(
                year,
                month,
                calendar=calendar,
                weekday=settings.session_weekday,
                nth=settings.session_nth,
                at=start_time(settings),
            )
        except ValueError:
            start = None  # no fifth such weekday this month: no session
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if start is None or start <= now:
            continue
        found = await session.execute(
            select(DialogueSession.id).where(DialogueSession.rule_month == rule_month)
        )
        if found.first() is not None:
            continue
        row = await create_session(
            session, starts_at=start, now=now, settings=settings, rule_month=rule_month
        )
        logger.info("session %s planned by rule", row.id)
        created.append(row)
    return created


async def open_sessions(session: AsyncSession, *, now: datetime) -> list[DialogueSession]:
    """The sessions open for registration now, soonest first."""
    query = (
        select(DialogueSession)
        .where(DialogueSession.status.in_([SessionStatus.PLANNED, SessionStatus.OPEN]))
        .where(DialogueSession.opens_at <= now)
        .where(DialogueSession.closes_at > now)
        .order_by(DialogueSession.starts_at)
    )
    return list((await session.execute(query)).scalars())


async def next_session(session: AsyncSession, *, now: datetime) -> DialogueSession | None:
    """The next session not yet started and not cancelled."""
    query = (
        select(DialogueSession)
        .where(DialogueSession.status != SessionStatus.CANCELLED)
        .where(DialogueSession.starts_at > now)
        .order_by(DialogueSession.starts_at)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def live_bookings(session: AsyncSession, session_id: int) -> list[Booking]:
    """The bookings of a session still going ahead (seated or waitlisted)."""
    query = (
        select(Booking)
        .where(Booking.session_id == session_id)
        .where(
            Booking.status.in_(
                [BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]
            )
        )
        .order_by(Booking.id)
    )
    return list((await session.execute(query)).scalars())


async def move_session(
    session: AsyncSession,
    row: DialogueSession,
    *,
    starts_at: datetime,
    now: datetime,
    settings: Settings,
    place: str | None = None,
) -> int:
    """Moves a session and tells every registered business at once; returns how many.

    Raises ``NotAllowed`` for a cancelled session or one that has already begun.
    """
    must_be_ahead(row, now)
    _set_times(row, starts_at, settings)
    if place:
        row.place = place
    row.sequence += 1
    row.updated_at = now
    await followups.cancel(session, ref=session_ref(row.id))
    await _schedule_status(session, row, now)
    told = 0
    for booking in await live_bookings(session, row.id):
        await followups.cancel(session, ref=booking.code, kinds=[REMIND_KIND])
        if booking.status == BookingStatus.CONFIRMED:
            await schedule_reminders(session, booking, row, now=now, settings=settings)
        notices.to_business(session, booking, notices.moved(booking, row, settings), now=now)
        told += 1
    logger.info("session %s moved; %s businesses told", row.id, told)
    return told


async def cancel_session(
    session: AsyncSession, row: DialogueSession, *, now: datetime, settings: Settings
) -> int:
    """Cancels a session and tells every registered business at once; returns how many.

    Raises ``NotAllowed`` for a session already cancelled or already begun.
    """
    must_be_ahead(row, now)
    row.status = SessionStatus.CANCELLED
    row.updated_at = now
    await followups.cancel(session, ref=session_ref(row.id))
    told = 0
    for booking in await live_bookings(session, row.id):
        await followups.cancel(session, ref=booking.code)
        had_invite = booking.status == BookingStatus.CONFIRMED
        booking.status = BookingStatus.CANCELLED
        booking.updated_at = now
        notice = notices.session_cancelled(booking, row, settings, had_invite=had_invite)
        notices.to_business(session, booking, notice, now=now)
        told += 1
    logger.info("session %s cancelled; %s businesses told", row.id, told)
    return told


async def schedule_reminders(
    session: AsyncSession,
    booking: Booking,
    row: DialogueSession,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """Schedules the reminders before the session (3 working days and 1 day by default)."""
    calendar = work_calendar(settings)
    points = {
        "early": calendar.working_days_before(
            row.starts_at, settings.booking_reminder_working_days
        ),
        "eve": row.starts_at - timedelta(hours=settings.booking_reminder_hours),
    }
    for name, due in points.items():
        if due <= now:
            continue
        await followups.schedule(
            session,
            kind=REMIND_KIND,
            ref=booking.code,
            due_at=due,
            now=now,
            key=f"{booking.code}:{name}:{row.sequence}",
            payload={"sequence": row.sequence},
        )


def status_at(row: DialogueSession, now: datetime) -> str:
    """The status the clock gives a session (cancelled and minutes are kept)."""
    if row.status in (SessionStatus.CANCELLED, SessionStatus.MINUTES):
        return row.status
    if now >= row.ends_at:
        return SessionStatus.HELD
    if now >= row.closes_at:
        return SessionStatus.CLOSED
    if now >= row.opens_at:
        return SessionStatus.OPEN
    return SessionStatus.PLANNED


def _set_times(row: DialogueSession, starts_at: datetime, settings: Settings) -> None:
    calendar = work_calendar(settings)
    row.starts_at = starts_at
    row.ends_at = starts_at + timedelta(minutes=settings.session_minutes)
    row.closes_at = registration_closes(
        starts_at,
        calendar=calendar,
        working_days_before=settings.session_closes_working_days_before,
    )
    row.opens_at = starts_at - timedelta(days=settings.session_opens_days_before)


async def _schedule_status(session: AsyncSession, row: DialogueSession, now: datetime) -> None:
    for name, due in (("open", row.opens_at), ("close", row.closes_at), ("held", row.ends_at)):
        await followups.schedule(
            session,
            kind=STATUS_KIND,
            ref=session_ref(row.id),
            due_at=max(due, now),
            now=now,
            key=f"{session_ref(row.id)}:{name}:{row.sequence}",
        )


async def forget_personal_data(
    session: AsyncSession, *, now: datetime, settings: Settings
) -> tuple[int, int]:
    """Erases personal data past the retention; returns (bookings, remembered businesses).

    The representative's name and phone go once the session ended longer ago than the
    retention; remembered details go when their consent is older than it.
    """
    cutoff = now - timedelta(days=settings.booking_retention_days)
    ended = select(DialogueSession.id).where(DialogueSession.ends_at < cutoff)
    bookings = await session.execute(
        update(Booking)
        .where(Booking.session_id.in_(ended))
        .where(Booking.phone != "")
        .values(representative="", phone="")
        .execution_options(synchronize_session=False)
    )
    profiles = await session.execute(
        delete(BusinessProfile).where(BusinessProfile.consented_at < cutoff)
    )
    erased = (int(bookings.rowcount or 0), int(profiles.rowcount or 0))  # type: ignore[attr-defined]
    if any(erased):
        logger.info("personal data erased: %s bookings, %s remembered businesses", *erased)
    return erased
