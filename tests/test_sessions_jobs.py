"""Calendar jobs of the dialogue sessions: planning on start and daily, status by the clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_support import OPENING, dialogue_for, followups_for, session_settings, tax_codes
from support import VN, Chat, Clock, choices
from troly.bot.followups import pending
from troly.bot.sessions.jobs import start_planning
from troly.bot.sessions.model import Booking, BusinessProfile, DialogueSession
from troly.knowledge.index import ProcedureIndex


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


async def test_personal_data_is_erased_after_the_retention_and_the_rest_kept(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    settings = session_settings(booking_retention_days=30)
    clock = Clock(OPENING)
    web = Chat(dialogue_for(sessions, index, settings, clock), "web")
    await start_planning(sessions, now=clock(), settings=settings)
    [listing] = await web.say("an", "/dangky")
    await web.press("an", choices(listing)[0])
    await web.press("an", "book:consent:yes")
    for text in (next(tax_codes()), "Công ty A", "Nguyễn An", "0912345678"):
        await web.say("an", text)
    await web.press("an", "book:t:thue")
    await web.say("an", "Hoàn thuế chậm")
    await web.press("an", "book:keep:yes")
    await web.press("an", "book:confirm")

    clock.now = datetime(2027, 1, 15, 9, 0, tzinfo=VN)  # 29 days after the session
    await followups_for(sessions, settings, clock).run_due()
    async with sessions() as session:
        [kept] = (await session.execute(select(Booking))).scalars()
    assert (kept.representative, kept.phone) == ("Nguyễn An", "0912345678")
    clock.now = datetime(2027, 1, 18, 9, 0, tzinfo=VN)
    await followups_for(sessions, settings, clock).run_due()
    async with sessions() as session:
        [erased] = (await session.execute(select(Booking))).scalars()
        profiles = list((await session.execute(select(BusinessProfile))).scalars())
    assert (erased.representative, erased.phone) == ("", "")
    assert (erased.business_name, erased.code) == ("Công ty A", kept.code)
    assert profiles == []
