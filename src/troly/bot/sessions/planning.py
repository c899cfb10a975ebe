"""Staff planning a session by hand: add one, move it, cancel it, record its minutes.

The rules ``troly sessions create|move|cancel|minutes`` apply, for the console: a start in the
future, on a working day unless forced; a session that has begun is neither moved nor
cancelled; minutes only after it has begun. Must not import handlers or platform libraries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.sessions import promises, service
from troly.bot.sessions.desk import Outcome
from troly.bot.sessions.model import DialogueSession, SessionStatus
from troly.bot.settings import Settings


def start_refusal(
    starts_at: datetime, *, now: datetime, settings: Settings, force: bool = False
) -> str | None:
    """Why a session cannot start then (``past``, ``day_off``), or None."""
    if starts_at <= now:
        return "past"
    calendar = service.work_calendar(settings)
    if not force and not calendar.is_working_day(starts_at.astimezone(calendar.tz).date()):
        return "day_off"
    return None


async def add(
    session: AsyncSession,
    *,
    starts_at: datetime,
    place: str | None,
    seats: int | None,
    force: bool,
    now: datetime,
    settings: Settings,
) -> Outcome:
    """Adds a session (registration opens and closes by the settings' rule)."""
    refused = start_refusal(starts_at, now=now, settings=settings, force=force)
    if refused is not None:
        return Outcome(False, reason=refused)
    row = await service.create_session(
        session, starts_at=starts_at, now=now, settings=settings, place=place, seats=seats
    )
    return Outcome(True, str(row.id))


async def move(
    session: AsyncSession,
    row: DialogueSession,
    *,
    starts_at: datetime,
    place: str | None,
    force: bool,
    now: datetime,
    settings: Settings,
) -> Outcome:
    """Moves a session still ahead; every registered business is told."""
    try:
        service.must_be_ahead(row, now)
    except service.NotAllowed as refused:
        return Outcome(False, reason=str(refused))
    refused_start = start_refusal(starts_at, now=now, settings=settings, force=force)
    if refused_start is not None:
        return Outcome(False, reason=refused_start)
    told = await service.move_session(
        session, row, starts_at=starts_at, now=now, settings=settings, place=place
    )
    return Outcome(True, str(told))


async def cancel(
    session: AsyncSession, row: DialogueSession, *, now: datetime, settings: Settings
) -> Outcome:
    """Cancels a session still ahead; every registered business is told."""
    if row.status == SessionStatus.CANCELLED:
        return Outcome(False, reason="cancelled")
    try:
        told = await service.cancel_session(session, row, now=now, settings=settings)
    except service.NotAllowed as refused:
        return Outcome(False, reason=str(refused))
    return Outcome(True, str(told))


async def minutes(session: AsyncSession, row: DialogueSession, *, now: datetime) -> Outcome:
    """Records that the minutes exist: the session's last status."""
    try:
        done = await promises.record_minutes(session, row, now=now)
    except service.NotAllowed as refused:
        return Outcome(False, reason=str(refused))
    return Outcome(done, reason="" if done else "minutes")
