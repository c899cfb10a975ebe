"""A petition's follow-ups, in working days, scheduled with keys so they run once.

Assign within a working day, remind at 50% and 80%, apologise at least one working day
before a deadline that will be missed, alert when overdue, then ask for a rating and close
when the business stays silent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot import followups
from troly.bot.followups import schedule
from troly.bot.petitions.model import Petition
from troly.bot.petitions.service import work_calendar
from troly.bot.settings import Settings

UNASSIGNED = "petition.unassigned"
REMIND = "petition.remind"
APOLOGY = "petition.apology"
OVERDUE = "petition.overdue"
RATING = "petition.rating"
AUTOCLOSE = "petition.autoclose"
DIGEST = "petition.digest"

WHILE_OPEN = (UNASSIGNED, REMIND, APOLOGY, OVERDUE)
AFTER_ANSWER = (RATING, AUTOCLOSE)


async def cancel(
    session: AsyncSession,
    *,
    ref: str,
    kinds: tuple[str, ...] | list[str] | None = None,
    running: int | None = None,
) -> None:
    """Cancels pending follow-ups of ``ref``, except the one running now (``running``)."""
    await followups.cancel(session, ref=ref, kinds=kinds, running=running)


def _key(petition: Petition, name: str) -> str:
    return f"pa:{petition.code}:{petition.round}:{name}"


async def schedule_open(
    session: AsyncSession, petition: Petition, *, start: datetime, now: datetime, settings: Settings
) -> None:
    """Schedules what runs while staff owe an answer (from ``start`` to the deadline)."""
    cal = work_calendar(settings)
    deadline = petition.deadline
    ref = petition.code
    if petition.assignee is None:
        due = cal.add_working_days(start, settings.petition_assign_days)
        await schedule(
            session, kind=UNASSIGNED, ref=ref, due_at=due, now=now, key=_key(petition, "unassigned")
        )
    for point in settings.petition_reminder_points:
        due = cal.point_in_time(start, deadline, point)
        await schedule(
            session,
            kind=REMIND,
            ref=ref,
            due_at=due,
            now=now,
            key=_key(petition, f"remind{round(point * 100)}"),
            payload={"percent": round(point * 100)},
        )
    if not petition.new_date_set:
        due = cal.working_days_before(deadline, settings.petition_apology_lead_days)
        await schedule(
            session,
            kind=APOLOGY,
            ref=ref,
            due_at=max(due, now),
            now=now,
            key=_key(petition, "apology"),
        )
    await schedule(
        session,
        kind=OVERDUE,
        ref=ref,
        due_at=deadline + timedelta(seconds=1),
        now=now,
        key=_key(petition, f"overdue{int(deadline.timestamp())}"),
    )


async def moved_deadline(
    session: AsyncSession,
    petition: Petition,
    *,
    now: datetime,
    settings: Settings,
    running: int | None = None,
) -> None:
    """After the one new date: old reminders go, one overdue alert at the new date stays."""
    await cancel(session, ref=petition.code, kinds=WHILE_OPEN, running=running)
    await schedule(
        session,
        kind=OVERDUE,
        ref=petition.code,
        due_at=petition.deadline + timedelta(seconds=1),
        now=now,
        key=_key(petition, f"overdue{int(petition.deadline.timestamp())}"),
    )


async def answered(
    session: AsyncSession, petition: Petition, *, now: datetime, settings: Settings
) -> None:
    """After the answer: no more reminders; a rating request, then closing on silence."""
    await cancel(session, ref=petition.code, kinds=WHILE_OPEN)
    await cancel(session, ref=petition.code, kinds=AFTER_ANSWER)
    rating_at = now + timedelta(minutes=settings.petition_rating_delay_minutes)
    await schedule(
        session,
        kind=RATING,
        ref=petition.code,
        due_at=rating_at,
        now=now,
        key=_key(petition, f"rating{int(now.timestamp())}"),
    )
    close_at = work_calendar(settings).add_working_days(now, settings.petition_autoclose_days)
    await schedule(
        session,
        kind=AUTOCLOSE,
        ref=petition.code,
        due_at=close_at,
        now=now,
        key=_key(petition, f"autoclose{int(now.timestamp())}"),
    )


async def stop_all(
    session: AsyncSession, petition: Petition, *, running: int | None = None
) -> None:
    """Cancels every pending follow-up of the petition (closed)."""
    await cancel(session, ref=petition.code, running=running)


async def cancel_unassigned(session: AsyncSession, petition: Petition) -> None:
    """Someone took the petition: the "nobody took it" alert is no longer due."""
    await cancel(session, ref=petition.code, kinds=[UNASSIGNED])
