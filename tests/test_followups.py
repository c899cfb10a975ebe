"""Follow-ups: scheduled once by key, run once when due, retried on failure, never doubled."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Clock
from troly.bot.followups import FollowupRun, Followups, cancel, pending, schedule
from troly.bot.messages import Reply
from troly.bot.outbox import enqueue
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import Followup, OutboxMessage

SETTINGS = Settings(environment="test")


async def remind(run: FollowupRun) -> None:
    """A follow-up whose effect is one outbox row for the ref."""
    enqueue(
        run.session,
        channel="web",
        recipient=run.followup.ref,
        reply=Reply(f"nhắc {run.followup.payload.get('n', '')}"),
        now=run.now,
    )


async def explode(run: FollowupRun) -> None:
    enqueue(run.session, channel="web", recipient="x", reply=Reply("never"), now=run.now)
    raise RuntimeError("the handler failed")


async def plan_next(run: FollowupRun) -> None:
    """Schedules one shared follow-up (idempotent by key) and records that it ran."""
    await schedule(
        run.session, kind="remind", ref="shared", due_at=run.now, now=run.now, key="shared"
    )
    enqueue(run.session, channel="web", recipient=run.followup.ref, reply=Reply("x"), now=run.now)


def runner(sessions: async_sessionmaker[AsyncSession], clock: Clock, **kwargs: object) -> Followups:
    handlers = {"remind": remind, "explode": explode, "plan": plan_next}
    return Followups(
        sessions=sessions,
        handlers=handlers,
        clock=clock,
        settings=SETTINGS,
        **kwargs,  # type: ignore[arg-type]
    )


async def add(sessions: async_sessionmaker[AsyncSession], clock: Clock, **kwargs: object) -> bool:
    async with sessions.begin() as session:
        return await schedule(session, now=clock(), **kwargs)  # type: ignore[arg-type]


async def outbox_count(sessions: async_sessionmaker[AsyncSession], recipient: str) -> int:
    async with sessions() as session:
        query = select(func.count()).where(OutboxMessage.recipient == recipient)
        return int((await session.execute(query)).scalar_one())


async def test_a_followup_runs_once_when_it_comes_due(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    due = clock() + timedelta(hours=2)
    await add(sessions, clock, kind="remind", ref="PA-1", due_at=due, key="PA-1:50")
    followups = runner(sessions, clock)
    assert (await followups.run_due()).done == 0
    clock.advance(hours=2)
    assert (await followups.run_due()).done == 1
    assert (await followups.run_due()).done == 0
    assert await outbox_count(sessions, "PA-1") == 1


async def test_scheduling_the_same_key_twice_adds_one_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    first = await add(sessions, clock, kind="remind", ref="PA-2", due_at=clock(), key="k")
    second = await add(sessions, clock, kind="remind", ref="PA-2", due_at=clock(), key="k")
    assert (first, second) == (True, False)
    async with sessions() as session:
        assert len(await pending(session, ref="PA-2")) == 1


async def test_what_came_due_while_down_runs_once_on_return(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    for n in range(5):
        await add(sessions, clock, kind="remind", ref="PA-3", due_at=clock() + timedelta(hours=n))
    clock.advance(days=3)
    assert (await runner(sessions, clock).run_due()).done == 5
    assert (await runner(sessions, clock).run_due()).done == 0
    assert await outbox_count(sessions, "PA-3") == 5


async def test_a_cancelled_followup_never_runs(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    await add(sessions, clock, kind="remind", ref="PA-4", due_at=clock())
    async with sessions.begin() as session:
        assert await cancel(session, ref="PA-4", kinds=["remind"]) == 1
    assert (await runner(sessions, clock).run_due()).done == 0
    assert await outbox_count(sessions, "PA-4") == 0


async def test_a_failing_handler_leaves_no_effect_and_is_retried_then_given_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    await add(sessions, clock, kind="explode", ref="PA-5", due_at=clock())
    followups = runner(sessions, clock, max_attempts=2)
    assert (await followups.run_due()).retried == 1
    assert (await followups.run_due()).retried == 0  # backing off
    clock.advance(minutes=1)
    assert (await followups.run_due()).failed == 1
    assert await outbox_count(sessions, "x") == 0
    async with sessions() as session:
        row = (await session.execute(select(Followup))).scalar_one()
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.last_error == "RuntimeError: the handler failed"


async def test_a_worker_whose_lease_was_taken_over_does_not_double_the_effect(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    await add(sessions, clock, kind="remind", ref="PA-6", due_at=clock())
    slow, quick = runner(sessions, clock), runner(sessions, clock)
    [(row_id, stale_lease)] = await slow.claim()
    clock.advance(minutes=5)  # the slow worker stalled past its lease
    assert (await quick.run_due()).done == 1
    assert await slow.run_one(row_id, stale_lease) == "lost"
    assert await outbox_count(sessions, "PA-6") == 1


async def test_two_tickers_at_once_run_each_followup_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    async with sessions.begin() as session:
        for n in range(60):
            await schedule(session, kind="remind", ref=f"R{n}", due_at=clock(), now=clock())
    lock = asyncio.Lock()
    reports = await asyncio.gather(
        runner(sessions, clock, write_lock=lock).run_due(),
        runner(sessions, clock, write_lock=lock).run_due(),
    )
    assert sum(r.done for r in reports) == 60
    async with sessions() as session:
        total = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar()
    assert total == 60


@pytest.mark.postgres
async def test_on_postgresql_three_workers_share_due_followups_without_duplicates(
    pg_url: str,
) -> None:
    engines = [create_engine(pg_url) for _ in range(3)]
    try:
        await upgrade(engines[0])
        clock = Clock()
        factories = [session_factory(engine) for engine in engines]
        async with factories[0].begin() as session:
            for n in range(600):
                await schedule(session, kind="remind", ref=f"R{n}", due_at=clock(), now=clock())

        async def work(factory: async_sessionmaker[AsyncSession]) -> int:
            followups = runner(factory, clock)
            done = 0
            while (report := await followups.run_due(limit=50)).done:
                done += report.done
            return done

        counts = await asyncio.gather(*(work(f) for f in factories))
        assert sum(counts) == 600
        async with factories[0]() as session:
            per_ref = await session.execute(
                select(OutboxMessage.recipient, func.count()).group_by(OutboxMessage.recipient)
            )
            assert sorted(n for _, n in per_ref.all()) == [1] * 600
    finally:
        for engine in engines:
            await engine.dispose()


async def test_one_failing_followup_in_a_batch_keeps_its_neighbours_effects(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    async with sessions.begin() as session:
        for n in range(4):
            await schedule(session, kind="remind", ref=f"B{n}", due_at=clock(), now=clock())
        await schedule(session, kind="explode", ref="B-bad", due_at=clock(), now=clock())
    report = await runner(sessions, clock, batch=10).run_due()
    assert (report.done, report.retried) == (4, 1)
    async with sessions() as session:
        recipients = sorted((await session.execute(select(OutboxMessage.recipient))).scalars())
    assert recipients == ["B0", "B1", "B2", "B3"]


async def test_a_batch_whose_handlers_schedule_the_same_key_falls_back_and_schedules_it_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    async with sessions.begin() as session:
        for ref in ("P1", "P2"):
            await schedule(session, kind="plan", ref=ref, due_at=clock(), now=clock())
    followups = runner(sessions, clock, batch=10)
    assert (await followups.run_due(limit=2)).done == 2
    async with sessions() as session:
        shared = await pending(session, ref="shared")
        recipients = sorted((await session.execute(select(OutboxMessage.recipient))).scalars())
    assert len(shared) == 1
    assert recipients == ["P1", "P2"]
