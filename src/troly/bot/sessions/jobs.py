"""Follow-up handlers of the dialogue sessions: status by the clock, planning, reminders.

Each runs inside the follow-up's transaction. Must not import handlers or platform libraries.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot import followups
from troly.bot.followups import FollowupHandler, FollowupRun
from troly.bot.messages import Reply
from troly.bot.sessions import notices, promises, seats, service
from troly.bot.sessions.model import Booking, BookingStatus, DialogueSession
from troly.bot.settings import Settings
from troly.bot.staff import list_staff
from troly.bot.texts import t

logger = logging.getLogger(__name__)


async def on_session_status(run: FollowupRun) -> None:
    """Moves a session to the status its times give it (open, closed, held)."""
    row = await run.session.get(DialogueSession, int(run.followup.ref.removeprefix("S")))
    if row is None:
        return
    status = service.status_at(row, run.now)
    if status != row.status:
        logger.info("session %s now %s", row.id, status)
        row.status = status
        row.updated_at = run.now


async def on_plan(run: FollowupRun) -> None:
    """Creates the coming sessions by rule, then plans again the next day."""
    await plan(run.session, now=run.now, settings=run.settings)


async def plan(session: AsyncSession, *, now: datetime, settings: Settings) -> None:
    """Plans sessions by rule, erases expired personal data, schedules tomorrow's run."""
    await service.plan_sessions(session, now=now, settings=settings)
    await service.forget_personal_data(session, now=now, settings=settings)
    zone = service.work_calendar(settings).tz
    tomorrow = (now + timedelta(days=1)).astimezone(zone).date()
    await followups.schedule(
        session,
        kind=service.PLAN_KIND,
        ref="sessions",
        due_at=datetime.combine(tomorrow, time(1, 0), tzinfo=zone),
        now=now,
        key=f"sessions.plan:{tomorrow.isoformat()}",
    )


async def start_planning(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, settings: Settings
) -> None:
    """Plans sessions by rule when the service starts, and from then on every day."""
    try:
        async with sessions.begin() as session:
            await plan(session, now=now, settings=settings)
    except IntegrityError:
        # Another worker starting at the same moment planned them: nothing is missing.
        logger.info("sessions already planned by another worker")


async def on_booking_reminder(run: FollowupRun) -> None:
    """Reminds a confirmed business of its session (skipped when moved or cancelled)."""
    booking = await seats.booking_by_code(run.session, run.followup.ref)
    if booking is None or booking.status != BookingStatus.CONFIRMED:
        return
    row = await run.session.get(DialogueSession, booking.session_id)
    if row is None or row.sequence != run.followup.payload.get("sequence", 0):
        return
    reply = notices.reminder(booking, row, run.settings, now=run.now)
    notices.to_business(run.session, booking, reply, now=run.now)


async def on_promise_reminder(run: FollowupRun) -> None:
    """Reminds the responsible department (through the staff group) of a promise."""
    promise = await promises.promise_by_code(run.session, run.followup.ref)
    if promise is None or promise.status == "done":
        return
    text = t(
        "staff.promise_reminder",
        "vi",
        code=promise.code,
        department=promise.department,
        content=promise.content,
        due=notices.when(promise.due_at, run.settings),
    )
    notices.to_staff(run.session, run.settings, Reply(text), now=run.now)


async def on_promise_overdue(run: FollowupRun) -> None:
    """Escalates an overdue promise to the staff group and tells the business it is chased."""
    promise = await promises.promise_by_code(run.session, run.followup.ref)
    if promise is None or promise.status == "done":
        return
    supervisors = await list_staff(run.session, role="supervisor")
    text = t(
        "staff.promise_overdue",
        "vi",
        code=promise.code,
        department=promise.department,
        content=promise.content,
        due=notices.when(promise.due_at, run.settings),
        supervisors=", ".join(m.name for m in supervisors) or "—",
    )
    notices.to_staff(run.session, run.settings, Reply(text), now=run.now)
    booking = await run.session.get(Booking, promise.booking_id)
    if booking is not None:
        apology = t("promise.overdue", booking.locale, code=promise.code)
        notices.to_business(run.session, booking, Reply(apology), now=run.now)


def handlers() -> dict[str, FollowupHandler]:
    """The follow-up handlers of the dialogue sessions, by kind."""
    return {
        service.STATUS_KIND: on_session_status,
        service.PLAN_KIND: on_plan,
        service.REMIND_KIND: on_booking_reminder,
        promises.REMIND_KIND: on_promise_reminder,
        promises.OVERDUE_KIND: on_promise_overdue,
    }
