"""Follow-ups: durable due times, claimed with a lease and run with their effects, once.

``schedule`` adds a row in the caller's transaction (idempotent by ``key``). ``Followups``
claims due rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: one atomic update) and runs
each in its own transaction, marking it done only if its lease is still held, so a second
ticker or a worker killed mid-run neither loses nor duplicates the database effects.
A kind that must ask another system (a dossier's poll) registers a prefetcher: it runs for the
claimed rows before any transaction opens, several at once, and its answer reaches the handler
(``FollowupRun.prefetched``), so no transaction waits on the network. APScheduler only ticks.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.settings import Settings
from troly.bot.storage.models import Followup

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FollowupRun:
    """What a follow-up handler gets: the open transaction, its row, the time, the settings."""

    session: AsyncSession
    followup: Followup
    now: datetime
    settings: Settings
    prefetched: object | None = None
    """What the kind's prefetcher fetched for this row before the transaction (None: none)."""


FollowupHandler = Callable[[FollowupRun], Awaitable[None]]

Prefetcher = Callable[[str, Mapping[str, Any]], Awaitable[object]]
"""Fetches, outside any transaction, what a follow-up of its kind needs: given its ``ref`` and
``payload``; it must not raise (a failure is an answer the handler understands)."""
PREFETCH_AT_ONCE = 8

Preloader = Callable[[AsyncSession, Sequence[Followup]], Awaitable[None]]
"""Loads (and locks) what a batch of follow-ups will touch with one query per table, so that
each handler finds it in the session instead of asking the database again."""


@dataclass(frozen=True, slots=True)
class TickReport:
    """Counts of one pass over due follow-ups."""

    done: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    ref: str,
    due_at: datetime,
    now: datetime,
    key: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> bool:
    """Adds a follow-up in the caller's transaction; False when ``key`` is already scheduled."""
    if key is not None:
        existing = await session.execute(select(Followup.id).where(Followup.key == key))
        if existing.first() is not None:
            return False
    session.add(
        Followup(
            kind=kind,
            ref=ref,
            key=key,
            payload=dict(payload or {}),
            due_at=due_at,
            status="pending",
            attempts=0,
            created_at=now,
        )
    )
    return True


async def cancel(
    session: AsyncSession,
    *,
    ref: str,
    kinds: Collection[str] | None = None,
    running: int | None = None,
) -> int:
    """Cancels the pending follow-ups of ``ref`` (of the given kinds); returns how many.

    ``running`` is the follow-up being handled now, if any: it is spared, since a handler that
    cancelled its own row would lose its lease and roll its effects back.
    """
    statement = (
        update(Followup)
        .where(Followup.ref == ref)
        .where(Followup.status == "pending")
        .values(status="cancelled")
    )
    if kinds is not None:
        statement = statement.where(Followup.kind.in_(list(kinds)))
    if running is not None:
        statement = statement.where(Followup.id != running)
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def pending(session: AsyncSession, *, ref: str) -> list[Followup]:
    """The pending follow-ups of ``ref``, soonest first."""
    query = (
        select(Followup)
        .where(Followup.ref == ref)
        .where(Followup.status == "pending")
        .order_by(Followup.due_at, Followup.id)
    )
    return list((await session.execute(query)).scalars())


class Followups:
    """Claims due follow-ups and runs each through the handler registered for its kind."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, FollowupHandler],
        preloaders: Mapping[str, Preloader] | None = None,
        prefetchers: Mapping[str, Prefetcher] | None = None,
        clock: Callable[[], datetime],
        settings: Settings,
        write_lock: asyncio.Lock | None = None,
        max_attempts: int = 6,
        lease: timedelta = LEASE,
        batch: int = 50,
    ) -> None:
        self._sessions = sessions
        self._handlers = handlers
        self._preloaders = preloaders or {}
        self._prefetchers = prefetchers or {}
        self._clock = clock
        self._settings = settings
        self._write_lock = write_lock
        self._max_attempts = max_attempts
        self._lease = lease
        self._batch = max(1, batch)

    def _writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._write_lock if self._write_lock is not None else contextlib.nullcontext()

    async def run_due(self, *, limit: int = 200) -> TickReport:
        """Runs what is due now (or overdue after downtime), each once.

        Claimed rows run a batch to a transaction (one commit for many follow-ups); when any
        of them fails the batch is rolled back whole and its rows run one by one, so a
        failing follow-up delays its neighbours but never takes their effects with it.
        """
        claimed = await self.claim(limit=limit)
        fetched = await self._prefetch([row_id for row_id, _ in claimed])
        return await self._run_claimed(claimed, fetched)

    async def _prefetch(self, ids: list[int]) -> dict[int, object]:
        """Runs the claimed rows' prefetchers, a few at once, before any transaction opens."""
        if not self._prefetchers or not ids:
            return {}
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Followup.id, Followup.kind, Followup.ref, Followup.payload)
                    .where(Followup.id.in_(ids))
                    .where(Followup.kind.in_(list(self._prefetchers)))
                )
            ).all()
        if not rows:
            return {}
        gate = asyncio.Semaphore(PREFETCH_AT_ONCE)

        async def fetch(kind: str, ref: str, payload: Mapping[str, Any]) -> object:
            async with gate:
                return await self._prefetchers[kind](ref, payload or {})

        found = await asyncio.gather(*(fetch(r[1], r[2], r[3]) for r in rows))
        return {r[0]: value for r, value in zip(rows, found, strict=True)}

    async def _run_claimed(
        self, claimed: list[tuple[int, str]], fetched: Mapping[int, object]
    ) -> TickReport:
        done = retried = failed = lost = 0
        for start in range(0, len(claimed), self._batch):
            chunk = claimed[start : start + self._batch]
            if len(chunk) > 1:
                batch = await self._run_batch(chunk, fetched)
                if batch is not None:
                    done += batch[0]
                    lost += batch[1]
                    continue
            for row_id, lease in chunk:
                outcome = await self.run_one(row_id, lease, fetched=fetched.get(row_id))
                if outcome == "done":
                    done += 1
                elif outcome == "retried":
                    retried += 1
                elif outcome == "failed":
                    failed += 1
                else:
                    lost += 1
        return TickReport(done, retried, failed, lost)

    async def _run_batch(
        self, chunk: list[tuple[int, str]], fetched: Mapping[int, object]
    ) -> tuple[int, int] | None:
        """Runs claimed rows in one transaction: (done, lost), or None when any failed."""
        ids = [row_id for row_id, _ in chunk]
        leases = {lease for _, lease in chunk}
        try:
            async with self._writing(), self._sessions.begin() as session:
                query = (
                    select(Followup)
                    .where(Followup.id.in_(ids))
                    .where(Followup.status == "pending")
                    .where(Followup.lease.in_(leases))
                    .order_by(Followup.id)
                )
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update()
                rows = list((await session.execute(query)).scalars())
                await self._preload(session, rows)
                now = self._clock()
                # One flush for the whole batch (the inserts go out together) instead of one
                # before every handler's first query. A handler that would have needed to see
                # its own unflushed rows breaks a constraint at the flush, and the batch then
                # runs one by one with the usual autoflush.
                with session.no_autoflush:
                    for row in rows:
                        await self._handle(session, row, now, fetched.get(row.id))
                await session.flush()
                mine = [row.id for row in rows]
                if mine:
                    result = await session.execute(
                        update(Followup)
                        .where(Followup.id.in_(mine))
                        .where(Followup.lease.in_(leases))
                        .where(Followup.status == "pending")
                        .values(status="done", done_at=now, locked_until=None)
                    )
                    if result.rowcount != len(mine):  # type: ignore[attr-defined]
                        raise _LeaseLost()
        except Exception:
            logger.info("a batch of %s follow-ups failed; running them one by one", len(chunk))
            return None
        return len(mine), len(chunk) - len(mine)

    async def _preload(self, session: AsyncSession, rows: Sequence[Followup]) -> None:
        """Runs each kind's preloader once over the batch's rows of the kinds it serves."""
        by_loader: dict[Preloader, list[Followup]] = {}
        for row in rows:
            loader = self._preloaders.get(row.kind)
            if loader is not None:
                by_loader.setdefault(loader, []).append(row)
        for loader, mine in by_loader.items():
            await loader(session, mine)

    async def claim(self, *, limit: int = 200) -> list[tuple[int, str]]:
        """Takes a lease on up to ``limit`` due rows; returns their ids and the lease token."""
        now = self._clock()
        lease = secrets.token_hex(8)
        async with self._writing(), self._sessions.begin() as session:
            query = (
                select(Followup.id)
                .where(Followup.status == "pending")
                .where(Followup.due_at <= now)
                .where(or_(Followup.locked_until.is_(None), Followup.locked_until < now))
                .order_by(Followup.due_at, Followup.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list((await session.execute(query)).scalars())
            if not ids:
                return []
            result = await session.execute(
                update(Followup)
                .where(Followup.id.in_(ids))
                .where(Followup.status == "pending")
                .where(or_(Followup.locked_until.is_(None), Followup.locked_until < now))
                .values(locked_until=now + self._lease, lease=lease)
                .returning(Followup.id)
            )
            taken = sorted(result.scalars())
        return [(row_id, lease) for row_id in taken]

    async def run_one(self, row_id: int, lease: str, *, fetched: object | None = None) -> str:
        """Runs one claimed follow-up; "done", "retried", "failed" or "lost" (lease gone).

        ``fetched``: what its kind's prefetcher returned for it, if anything.
        """
        try:
            async with self._writing(), self._sessions.begin() as session:
                query = (
                    select(Followup)
                    .where(Followup.id == row_id)
                    .where(Followup.status == "pending")
                    .where(Followup.lease == lease)
                )
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update()
                row = (await session.execute(query)).scalar_one_or_none()
                if row is None:
                    return "lost"
                now = self._clock()
                await self._handle(session, row, now, fetched)
                # Done only while the lease is ours: a worker whose lease expired and was taken
                # by another rolls back its effects here instead of doubling them.
                result = await session.execute(
                    update(Followup)
                    .where(Followup.id == row_id)
                    .where(Followup.lease == lease)
                    .where(Followup.status == "pending")
                    .values(status="done", done_at=now, locked_until=None)
                )
                if not result.rowcount:  # type: ignore[attr-defined]
                    raise _LeaseLost()
        except _LeaseLost:
            return "lost"
        except Exception as exc:
            logger.exception("follow-up %s failed", row_id)
            return await self._failed(row_id, lease, exc)
        return "done"

    async def _handle(
        self, session: AsyncSession, row: Followup, now: datetime, fetched: object | None
    ) -> None:
        handler = self._handlers.get(row.kind)
        if handler is None:
            raise LookupError(f"no handler for follow-up kind {row.kind!r}")
        await handler(FollowupRun(session, row, now, self._settings, fetched))

    async def _failed(self, row_id: int, lease: str, exc: Exception) -> str:
        now = self._clock()
        async with self._writing(), self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(Followup).where(Followup.id == row_id).where(Followup.lease == lease)
                )
            ).scalar_one_or_none()
            if row is None:
                return "lost"
            row.attempts += 1
            row.locked_until = None
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts >= self._max_attempts:
                row.status = "failed"
                return "failed"
            delay = min(BASE_BACKOFF * 2 ** (row.attempts - 1), MAX_BACKOFF)
            row.due_at = now + delay
            return "retried"


class _LeaseLost(Exception):
    """Another worker holds this follow-up now; this run's effects are rolled back."""
