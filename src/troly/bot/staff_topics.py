"""Forum topics of the staff group, one per subject (a petition, a booking), by a stable key.

A message for a topic is queued with ``thread="topic:<key>"``; the channel's sender resolves
it through ``StaffTopics``, creating the forum topic on first delivery and storing its id.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime

THREAD_PREFIX = "topic:"
MAX_NAME = 128
PRELOADED = "staff_topics.preloaded"


class StaffTopic(Base):
    """A forum topic of the staff group for one subject (``petition:PA-7K3M9Q``).

    Written with the topic's name when the first message for it is queued; the sender
    creates the topic on first delivery and stores its ``thread_id`` here.
    """

    __tablename__ = "staff_topics"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


async def open_topic(
    session: AsyncSession, *, key: str, chat_id: str, name: str, now: datetime
) -> str:
    """Makes sure the topic ``key`` is known (named ``name``); returns the outbox thread."""
    if await session.get(StaffTopic, key) is None:
        session.add(
            StaffTopic(
                key=key, chat_id=chat_id, name=name[:MAX_NAME], thread_id=None, created_at=now
            )
        )
    return THREAD_PREFIX + key


async def preload_topics(session: AsyncSession, keys: Collection[str]) -> None:
    """Loads these topics into the session in one query (``open_topic`` then asks no more).

    The session's identity map holds objects weakly: the list in ``session.info`` keeps them
    there for the rest of the transaction.
    """
    if keys:
        query = select(StaffTopic).where(StaffTopic.key.in_(sorted(keys)))
        loaded = list((await session.execute(query)).scalars())
        session.info.setdefault(PRELOADED, []).extend(loaded)


async def key_of_thread(session: AsyncSession, *, chat_id: str, thread_id: str) -> str | None:
    """The subject key of a forum topic the bot created, or None."""
    query = (
        select(StaffTopic.key)
        .where(StaffTopic.chat_id == chat_id)
        .where(StaffTopic.thread_id == thread_id)
    )
    return (await session.execute(query)).scalars().first()


TopicCreator = Callable[[str], Awaitable[str]]
"""Creates a forum topic with the given name and returns its thread id."""


class StaffTopics:
    """Resolves ``topic:<key>`` threads to forum thread ids, creating topics on first use.

    A topic is created once: in this process a lock per key serialises the senders; across
    processes on PostgreSQL the topic's row is locked (``FOR UPDATE``) while the platform
    creates it, so a second process waits and then finds the thread id stored.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        # Locks live while someone holds or waits for them, not for every topic ever seen.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def resolve(self, thread: str | None, create: TopicCreator) -> str | None:
        """The platform thread id for ``thread`` (plain ids pass through unchanged)."""
        if thread is None or not thread.startswith(THREAD_PREFIX):
            return thread
        key = thread[len(THREAD_PREFIX) :]
        async with self._lock(key):
            async with self._sessions() as session:
                row = await session.get(StaffTopic, key)
                if row is None:
                    return None
                if row.thread_id is not None:
                    return row.thread_id
            async with self._sessions.begin() as session:
                query = select(StaffTopic).where(StaffTopic.key == key)
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update()
                row = (await session.execute(query)).scalar_one_or_none()
                if row is None:
                    return None
                if row.thread_id is None:  # nobody created it while we waited for the lock
                    row.thread_id = await create(row.name)
                return row.thread_id
