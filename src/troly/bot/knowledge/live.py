"""The index in use, and how each worker keeps it in step with the knowledge in the database.

Every teach, undo or import moves the knowledge generation. Each worker checks it every
``TROLY_KNOWLEDGE_CHECK_SECONDS``; when it moved, the worker builds the new index in a thread
and swaps it whole, so a question is answered by the old index or the new, never waits, never
fails. Must not import handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.knowledge.source import (
    Pacer,
    Records,
    build_from,
    load_source,
    read_generation,
)
from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex

logger = logging.getLogger(__name__)


class LiveIndex:
    """Holds the index in use; readers take ``current`` once per question."""

    def __init__(self, index: ProcedureIndex, *, generation: int = 0) -> None:
        self._index = index
        self._generation = generation

    @property
    def current(self) -> ProcedureIndex:
        """The index to answer from now."""
        return self._index

    @property
    def generation(self) -> int:
        """The knowledge generation the current index was built from."""
        return self._generation

    def swap(self, index: ProcedureIndex, *, generation: int) -> None:
        """Puts a new index in use (one assignment: readers see the old or the new)."""
        self._index, self._generation = index, generation


def as_live(index: ProcedureIndex | LiveIndex) -> LiveIndex:
    """A live holder for an index (a fixed index never changes)."""
    return index if isinstance(index, LiveIndex) else LiveIndex(index)


REBUILD_SWITCH_INTERVAL = 0.0002
"""Seconds the rebuilding thread may hold the interpreter before the event loop gets a turn
(Python's default, 0.005, makes each of a question's many thread hand-offs wait that long)."""


class _GentleRebuild:
    """While an index is rebuilt in a thread, keep the event loop answering.

    The loop gets the interpreter back every ``REBUILD_SWITCH_INTERVAL``, and the cyclic
    collector waits: its full passes over a heap growing by an index stop every thread for
    50-100 ms each. Both are restored when the process's last rebuild ends.
    """

    def __init__(self) -> None:
        self._active = 0
        self._interval = sys.getswitchinterval()
        self._collecting = True

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        if self._active == 0:
            self._interval, self._collecting = sys.getswitchinterval(), gc.isenabled()
            sys.setswitchinterval(REBUILD_SWITCH_INTERVAL)
            gc.disable()
        self._active += 1
        try:
            yield
        finally:
            self._active -= 1
            if self._active == 0:
                sys.setswitchinterval(self._interval)
                if self._collecting:
                    gc.enable()


gentle_rebuild = _GentleRebuild()


def settle_after_swap() -> None:
    """Frees the index just replaced and keeps the collector off the new one.

    The worker froze its first index at start (``gc.freeze``) so the collector never walks
    it; an index holds reference cycles, so once replaced it would stay in the frozen
    generation for good (about 70 MB per reload). Unfreezing, collecting once (one pause per
    reload, while no rebuild runs) and freezing again frees it and puts the new index where the
    collector does not walk it, so questions after a reload are as quick as before.
    """
    if gc.get_freeze_count() == 0:
        return
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class KnowledgeReloader:
    """Rebuilds and swaps a worker's index when the knowledge generation moves."""

    def __init__(
        self,
        *,
        live: LiveIndex,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        records: Records | None = None,
    ) -> None:
        self.live = live
        self._sessions = sessions
        self._settings = settings
        self.records = records or Records(settings, kb=live.current.kb)
        self._lock = asyncio.Lock()
        self.last_rebuild_seconds: float | None = None

    async def check(self) -> bool:
        """Reloads if the generation moved since the current index was built; True if it did."""
        async with self._lock:
            async with self._sessions() as session:
                if await read_generation(session) == self.live.generation:
                    return False
            with gentle_rebuild():
                async with self._sessions() as session:
                    source = await load_source(session, self.records)
                started = time.perf_counter()
                index = await asyncio.to_thread(build_from, source, self._settings, pause=Pacer())
            self.last_rebuild_seconds = time.perf_counter() - started
            self.live.swap(index, generation=source.generation)
            del index
            settle_after_swap()
            logger.info(
                "knowledge generation %s in use (index rebuilt in %.1f s)",
                source.generation,
                self.last_rebuild_seconds,
            )
            return True

    async def run(self) -> None:
        """Checks every ``knowledge_check_seconds`` until cancelled; a failure waits a turn."""
        while True:
            await asyncio.sleep(self._settings.knowledge_check_seconds)
            try:
                await self.check()
            except Exception:
                logger.exception("knowledge reload failed; the next check retries")
