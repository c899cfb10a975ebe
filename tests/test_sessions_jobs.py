"""Calendar jobs of the dialogue sessions: planning on start and daily, status by the clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_support import OPENING, followups_for, session_settings
from support import VN, Clock
from troly.bot.followups import pending
from troly.bot.sessions.jobs import start_planning
from troly.bot.sessions.model import DialogueSession


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = (await session.execute(select(DialogueSession))).scalars()
        return {row.rule_month or "": row.status for row in rows}


async def test_planning_on_start_twice_creates_once_and_plans_again_each_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = session_settings()
    clock = Clock(OPENING)
    await start_planning(sessions, now=clock(), settings=settings)
    await start_planning(sessions, now=clock(), settings=settings)
    assert sorted(await statuses(sessions)) == ["2026-12", "2027-01", "2027-02"]
    async with sessions() as session:
        [tomorrow] = await pending(session, ref="sessions")
    assert tomorrow.due_at == datetime(2026, 12, 2, 1, 0, tzinfo=VN)
    clock.now = datetime(2027, 1, 3, 9, 0, tzinfo=VN)  # a month of downtime
    await followups_for(sessions, settings, clock).run_due()
    assert sorted(await statuses(sessions)) == ["2026-12", "2027-01", "2027-02", "2027-03"]
    async with sessions() as session:
        [next_day] = await pending(session, ref="sessions")
    assert next_day.due_at == datetime(2027, 1, 4, 1, 0, tzinfo=VN)


async def test_a_session_goes_planned_open_closed_held_by_the_clock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = session_settings()
    clock = Clock(datetime(2026, 11, 10, 9, 0, tzinfo=VN))
    await start_planning(sessions, now=clock(), settings=settings)
    followups = followups_for(sessions, settings, clock)
    await followups.run_due()
    assert (await statuses(sessions))["2026-12"] == "planned"
    for moment, expected in (
        (datetime(2026, 11, 17, 14, 0, tzinfo=VN), "open"),
        (datetime(2026, 12, 14, 14, 0, tzinfo=VN), "closed"),
        (datetime(2026, 12, 17, 17, 0, tzinfo=VN), "held"),
    ):
        clock.now = moment
        await followups.run_due()
        assert (await statuses(sessions))["2026-12"] == expected
