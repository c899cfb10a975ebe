"""Forum topics of the staff group: created once per subject, whoever delivers first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.staff_topics import StaffTopics, open_topic
from troly.bot.storage.database import create_engine, session_factory, upgrade

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def _known(sessions: async_sessionmaker[AsyncSession], key: str) -> str:
    async with sessions.begin() as session:
        return await open_topic(session, key=key, chat_id="-100", name="PA-X · Thuế", now=NOW)


class SlowPlatform:
    """Creates forum topics (numbered ``thread-1``…) only when the test lets it finish."""

    def __init__(self) -> None:
        self.created: list[str] = []
        self.entered, self.release = asyncio.Event(), asyncio.Event()

    async def create(self, name: str) -> str:
        self.created.append(name)
        self.entered.set()
        await self.release.wait()
        return f"thread-{len(self.created)}"


async def test_one_process_delivering_two_messages_at_once_creates_one_topic(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    thread = await _known(sessions, "petition:PA-X")
    platform = SlowPlatform()
    topics = StaffTopics(sessions)
    first = asyncio.create_task(topics.resolve(thread, platform.create))
    second = asyncio.create_task(topics.resolve(thread, platform.create))
    await platform.entered.wait()
    platform.release.set()
    assert await asyncio.gather(first, second) == ["thread-1", "thread-1"]
    assert platform.created == ["PA-X · Thuế"]
    # Later messages use the stored id without asking the platform.
    assert await topics.resolve(thread, platform.create) == "thread-1"
    assert len(platform.created) == 1
    assert await topics.resolve("42", platform.create) == "42"
    assert await topics.resolve("topic:petition:unknown", platform.create) is None


@pytest.mark.postgres
async def test_on_postgresql_two_processes_delivering_at_once_create_one_topic(
    pg_url: str,
) -> None:
    engines = [create_engine(pg_url) for _ in range(2)]
    try:
        await upgrade(engines[0])
        first_sessions, second_sessions = (session_factory(e) for e in engines)
        thread = await _known(first_sessions, "petition:PA-Y")
        platform = SlowPlatform()
        first = asyncio.create_task(StaffTopics(first_sessions).resolve(thread, platform.create))
        await platform.entered.wait()
        # The second "process" (its own engine and StaffTopics) now waits on the row lock.
        second = asyncio.create_task(StaffTopics(second_sessions).resolve(thread, platform.create))
        admin = await asyncpg.connect(pg_url.replace("postgresql://", "postgres://"))
        try:
            for _ in range(500):  # until it waits (or, were it not to wait, give up and see)
                if await admin.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"):
                    break
                await asyncio.sleep(0.01)
        finally:
            await admin.close()
        platform.release.set()
        assert await asyncio.gather(first, second) == ["thread-1", "thread-1"]
        assert len(platform.created) == 1
    finally:
        for engine in engines:
            await engine.dispose()
