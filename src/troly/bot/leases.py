"""Leases in the database, so that a job that must run once runs in exactly one worker.

A Telegram or Zalo Bot long-poller must be alone (Telegram answers a second ``getUpdates``
with 409 Conflict): every worker competes for its lease, one holds it and renews it, and when
that worker dies the lease runs out and another takes over. Must not import handlers or
platform libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.storage.models import Lease

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """A name for this worker, unique among the running ones (host, process, random)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class Leases:
    """Takes, renews and gives back named leases for one holder."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        holder: str,
        ttl: timedelta,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.holder = holder
        self._ttl = ttl

    async def take(self, name: str) -> bool:
        """Takes or renews the lease; False while another holder's has not expired.

        One atomic UPDATE decides between two workers (a row lock on PostgreSQL, the single
        writer on SQLite); the first taker of a name INSERTs it, and a duplicate key means
        someone else was first.
        """
        now = self._clock()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Lease)
                .where(Lease.name == name)
                .where(or_(Lease.holder == self.holder, Lease.expires_at < now))
                .values(holder=self.holder, expires_at=now + self._ttl)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                return True
        try:
            async with self._sessions.begin() as session:
                session.add(Lease(name=name, holder=self.holder, expires_at=now + self._ttl))
        except IntegrityError:
            return False
        return True

    async def release(self, name: str) -> None:
        """Gives the lease back (a clean stop), so another worker need not wait it out."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(Lease)
                .where(Lease.name == name)
                .where(Lease.holder == self.holder)
                .execution_options(synchronize_session=False)
            )


class Singleton:
    """Runs a job in this worker only while it holds the job's lease.

    ``tick`` takes or renews the lease and starts or stops the job to match; ``run`` ticks
    every ``every`` seconds until cancelled, then stops the job and gives the lease back.
    """

    def __init__(
        self,
        leases: Leases,
        name: str,
        *,
        start: Callable[[], Awaitable[None]],
        stop: Callable[[], Awaitable[None]],
        every: float,
    ) -> None:
        self._leases = leases
        self.name = name
        self._start = start
        self._stop = stop
        self._every = every
        self.running = False

    async def tick(self) -> bool:
        """One round: True when this worker runs the job after it."""
        try:
            held = await self._leases.take(self.name)
        except Exception:
            # The database is away: a job that cannot renew its lease must stop, since another
            # worker may take it over once the lease has run out.
            logger.exception("lease %s could not be renewed", self.name)
            held = False
        if held and not self.running:
            await self._start()
            self.running = True
            logger.info("this worker now runs %s", self.name)
        elif not held and self.running:
            self.running = False
            await self._stop()
            logger.warning("lease %s lost: %s stopped in this worker", self.name, self.name)
        return self.running

    async def run(self) -> None:
        """Ticks until cancelled; then stops the job and releases the lease."""
        try:
            while True:
                await self.tick()
                await asyncio.sleep(self._every)
        finally:
            if self.running:
                self.running = False
                await self._stop()
                with contextlib.suppress(Exception):
                    await self._leases.release(self.name)
