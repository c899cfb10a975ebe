"""The index in use, and how each worker keeps it in step with the knowledge in the database.

Every teach, undo or import moves the knowledge generation. Each worker checks it every
``TROLY_KNOWLEDGE_CHECK_SECONDS``; when it moved, the worker builds the new index on its event
loop in slices of about a millisecond, between its questions, and swaps it whole: a question is
answered by the old index or the new, never fails, and goes first: while messages are being
handled the rebuild takes one slice in every five milliseconds. Must not import handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import Callable, Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.knowledge.slices import in_slices
from troly.bot.knowledge.source import Records, build_in_steps, load_source, read_generation
from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex

logger = logging.getLogger(__name__)


class LiveIndex:
    """Holds the index in use; readers take ``current`` once per question."""

    def __init__(self, index: ProcedureIndex, *, generation: int = 0) -> None:
        self._index = index
        self._generation = generation
        self._answering = 0

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Marks a message being handled: a rebuild gives way to it."""
        self._answering += 1
        try:
            yield
        finally:
            self._answering -= 1

    def busy(self) -> bool:
        """Whether a message is being handled now."""
        return self._answering > 0

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
"""Seconds another thread may hold the interpreter while an index is rebuilt (Python's default,
0.005, would make each of a question's hand-offs to a database thread wait behind a slice)."""


class _GentleRebuild:
    """While an index is rebuilt, keep the event loop answering.

    Threads hand the interpreter back every ``REBUILD_SWITCH_INTERVAL``, and the cyclic
    collector waits: its full passes over a heap growing by an index stop everything for
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

LET_GO_POLL_SECONDS = 0.1
LET_GO_PATIENCE_SECONDS = 900.0


async def _let_go(
    box: list[ProcedureIndex], *, busy: Callable[[], bool], settled: asyncio.Event
) -> None:
    """Frees a replaced index in slices, once nothing but this holds it.

    Freed at once, its objects would hold the event loop for ~40 ms. A question or a teach's
    check may still be using it (``settled`` is set then: nothing to wait for); after
    ``LET_GO_PATIENCE_SECONDS`` it is left to whoever lets go of it last.
    """
    waited = 0.0
    try:
        # Held by ``box`` and by getrefcount's own argument: nothing else uses it.
        while sys.getrefcount(box[0]) > 2:
            settled.set()
            if waited >= LET_GO_PATIENCE_SECONDS:
                return
            await asyncio.sleep(LET_GO_POLL_SECONDS)
            waited += LET_GO_POLL_SECONDS
        await in_slices(box[0].dismantled(), busy=busy)
        box.clear()
    finally:
        settled.set()


class KnowledgeReloader:
    """Rebuilds and swaps a worker's index when the knowledge generation moves."""

    def __init__(
        self,
        *,
        live: LiveIndex,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        records: Records | None = None,
        freeze: bool = False,
    ) -> None:
        self.live = live
        self.freeze = freeze
        """Whether each new index is frozen (``gc.freeze``) when swapped in: set by a worker
        that froze its first index at start, so that no collection ever walks an index."""
        self._sessions = sessions
        self._settings = settings
        self.records = records or Records(settings, kb=live.current.kb)
        self._lock = asyncio.Lock()
        self._letting_go: set[asyncio.Task[None]] = set()
        self._settling: list[asyncio.Event] = []
        self.last_rebuild_seconds: float | None = None

    async def check(self) -> bool:
        """Reloads if the generation moved since the current index was built; True if it did."""
        async with self._lock:
            async with self._sessions() as session:
                if await read_generation(session) == self.live.generation:
                    return False
            with gentle_rebuild():
                async with self._sessions() as session:
                    source = await load_source(session, self.records, busy=self.live.busy)
                started = time.perf_counter()
                index = await in_slices(build_in_steps(source, self._settings), busy=self.live.busy)
                self.last_rebuild_seconds = time.perf_counter() - started
                replaced = [self.live.current]
                self.live.swap(index, generation=source.generation)
                del index
                # A worker that froze its first index at start (so no collection walks it)
                # freezes the new one too, before the collector runs again (``gc.freeze`` is
                # cheap; ``gc.get_freeze_count`` is not: it counts the millions of frozen
                # objects, ~30 ms of a held loop). The replaced one has no reference cycles:
                # it is emptied in slices once nothing uses it.
                if self.freeze:
                    gc.freeze()
            settled = asyncio.Event()
            self._settling = [e for e in self._settling if not e.is_set()] + [settled]
            task = asyncio.create_task(_let_go(replaced, busy=self.live.busy, settled=settled))
            del replaced
            self._letting_go.add(task)
            task.add_done_callback(self._letting_go.discard)
            logger.info(
                "knowledge generation %s in use (index rebuilt in %.1f s)",
                source.generation,
                self.last_rebuild_seconds,
            )
            return True

    async def settled(self) -> None:
        """Waits until the replaced indexes are freed or found still in use (tests, benches)."""
        await asyncio.gather(*(e.wait() for e in self._settling))

    async def run(self) -> None:
        """Checks every ``knowledge_check_seconds`` until cancelled; a failure waits a turn."""
        while True:
            await asyncio.sleep(self._settings.knowledge_check_seconds)
            try:
                await self.check()
            except Exception:
                logger.exception("knowledge reload failed; the next check retries")
