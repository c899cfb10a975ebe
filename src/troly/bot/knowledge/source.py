"""The knowledge source: everything an index is built from, gathered in one place.

The procedure records (the import in use, else the bundled export or ``TROLY_KNOWLEDGE_PATH``),
the bundled everyday vocabulary and the layer staff taught, read with the knowledge generation
they belong to. Every rebuild goes through ``load_source`` then ``build_from`` (or, in a worker,
``build_in_steps``). Must not import handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.knowledge.imported import active_import_id, records_in_steps, stored_text
from troly.bot.knowledge.model import KnowledgeState, TaughtQuestion
from troly.bot.knowledge.slices import in_slices
from troly.bot.settings import Settings
from troly.knowledge.aliases import EVERYDAY, Everyday
from troly.knowledge.index import ProcedureIndex, Thresholds
from troly.knowledge.records import KnowledgeBase, load_knowledge
from troly.knowledge.steps import Steps, finished
from troly.knowledge.taught import Taught, TaughtPhrase


def thresholds(settings: Settings) -> Thresholds:
    """The decision's thresholds from the settings."""
    return Thresholds(
        scope=settings.scope_threshold,
        answer=settings.answer_threshold,
        margin=settings.answer_margin,
        confidence=settings.answer_confidence,
        max_choices=settings.max_choices,
    )


def build_index(settings: Settings) -> ProcedureIndex:
    """The index over the bundled (or configured) records and vocabulary, nothing taught."""
    return ProcedureIndex(load_knowledge(settings.knowledge_path), thresholds(settings))


@dataclass(frozen=True, slots=True)
class KnowledgeSource:
    """One consistent input for an index: what the database held at ``generation``."""

    generation: int
    kb: KnowledgeBase
    everyday: Mapping[str, Everyday]
    taught: Taught


def _idle() -> bool:
    return False


class Records:
    """Where the procedure records come from: the import in use, else the bundled export.

    Each set is read once and kept; ``troly kb import`` and ``rollback`` change which is used.
    """

    def __init__(self, settings: Settings, *, kb: KnowledgeBase | None = None) -> None:
        self._settings = settings
        self._kb = kb
        self._imported: tuple[int, KnowledgeBase] | None = None
        self._lock = asyncio.Lock()

    async def load(
        self, session: AsyncSession, *, busy: Callable[[], bool] | None = None
    ) -> KnowledgeBase:
        """The records in use, as ``session`` (the database) says which set that is.

        ``busy``: whether the worker is answering now (reading an import gives way to it).
        """
        active = await active_import_id(session)
        async with self._lock:
            if active is not None:
                if self._imported is None or self._imported[0] != active:
                    content = await stored_text(session, active)
                    read = await in_slices(records_in_steps(content), busy=busy or _idle)
                    self._imported = (active, read)
                return self._imported[1]
            if self._kb is None:
                self._kb = await asyncio.to_thread(load_knowledge, self._settings.knowledge_path)
            return self._kb


async def read_generation(session: AsyncSession) -> int:
    """The knowledge generation in the database (0: nothing was ever taught or imported)."""
    found = await session.scalar(select(KnowledgeState.generation).where(KnowledgeState.id == 1))
    return int(found or 0)


async def bump_generation(session: AsyncSession, *, now: datetime) -> None:
    """Moves the knowledge generation on, in the caller's transaction: every worker reloads."""
    await session.execute(
        update(KnowledgeState)
        .where(KnowledgeState.id == 1)
        .values(generation=KnowledgeState.generation + 1, changed_at=now)
    )


async def taught_layer(session: AsyncSession) -> Taught:
    """The taught questions in force, oldest first."""
    rows = await session.scalars(
        select(TaughtQuestion).where(TaughtQuestion.undone_at.is_(None)).order_by(TaughtQuestion.id)
    )
    return Taught(
        tuple(TaughtPhrase(row.question, code=row.code, reply_kind=row.reply_kind) for row in rows)
    )


async def load_source(
    session: AsyncSession, records: Records, *, busy: Callable[[], bool] | None = None
) -> KnowledgeSource:
    """Reads everything an index is built from, as of one generation (one transaction)."""
    generation = await read_generation(session)
    taught = await taught_layer(session)
    kb = await records.load(session, busy=busy)
    return KnowledgeSource(generation=generation, kb=kb, everyday=EVERYDAY, taught=taught)


def build_from(source: KnowledgeSource, settings: Settings) -> ProcedureIndex:
    """Builds the index from a knowledge source (seconds of CPU: run it in a thread)."""
    return finished(build_in_steps(source, settings))


def build_in_steps(source: KnowledgeSource, settings: Settings) -> Steps[ProcedureIndex]:
    """The same build a small step at a time (a worker runs it between its questions)."""
    return ProcedureIndex.in_steps(
        source.kb, thresholds(settings), everyday=source.everyday, taught=source.taught
    )


async def index_from_database(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, records: Records | None = None
) -> tuple[ProcedureIndex, int]:
    """The index as the database's knowledge stands now, and its generation (the CLI's)."""
    async with sessions() as session:
        source = await load_source(session, records or Records(settings))
    return await asyncio.to_thread(build_from, source, settings), source.generation
