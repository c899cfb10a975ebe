"""The guard against teaching that breaks something: the question sets before and after a teach.

After a teach (or an undo), the golden questions and the development set are run against the
index without it and the index with it; a golden question right before and wrong after is a
warning shown with the teach (console and CLI). The result is kept on the taught row, so every
worker's page shows it. Must not import handlers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.knowledge.live import KnowledgeReloader, LiveIndex
from troly.bot.knowledge.model import TaughtQuestion
from troly.bot.knowledge.source import Records
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.questions import (
    LabelledQuestion,
    Outcome,
    golden_questions,
    judge_all,
    read_questions,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QuestionSets:
    """The sets a teach is checked against: the golden questions, and the dev set if found."""

    golden: tuple[LabelledQuestion, ...]
    dev: tuple[LabelledQuestion, ...] = ()

    @classmethod
    def load(cls, dev_path: Path | None) -> QuestionSets:
        """The package's golden questions and, when the file exists, the development set."""
        dev = read_questions(dev_path) if dev_path is not None and dev_path.is_file() else []
        return cls(tuple(golden_questions()), tuple(dev))


def _broken(before: Sequence[Outcome], after: Sequence[Outcome]) -> list[dict[str, Any]]:
    return [
        {"question": b.question.question, "expected": list(b.question.expected), "got": list(a.top)}
        for b, a in zip(before, after, strict=True)
        if b.right and not a.right
    ]


def compare(before: ProcedureIndex, after: ProcedureIndex, sets: QuestionSets) -> dict[str, Any]:
    """What a change did to the question sets (CPU: run it in a thread).

    ``golden_broken``: golden questions right before and wrong after; ``dev_before`` /
    ``dev_after``: how many of the development set were right; ``dev_broken`` likewise.
    """
    golden = (judge_all(before, sets.golden), judge_all(after, sets.golden))
    dev = (
        judge_all(before, sets.dev, unknown_required=True),
        judge_all(after, sets.dev, unknown_required=True),
    )
    return {
        "golden_total": len(sets.golden),
        "golden_right": sum(o.right for o in golden[1]),
        "golden_broken": _broken(*golden),
        "dev_total": len(sets.dev),
        "dev_before": sum(o.right for o in dev[0]),
        "dev_after": sum(o.right for o in dev[1]),
        "dev_broken": _broken(*dev),
    }


def warns(check: dict[str, Any] | None) -> bool:
    """Whether a teach's (or an undo's) check found a golden question it made wrong."""
    return bool(check and check.get("golden_broken"))


UNDO: Final = "undo"
"""Where an undo's check is kept in the taught row's ``check_result`` (None: still running)."""


async def keep_check(
    sessions: async_sessionmaker[AsyncSession],
    taught_id: int,
    check: dict[str, Any],
    *,
    undo: bool = False,
) -> None:
    """Stores a check's result on the taught row (an undo's beside the teach's)."""
    async with sessions.begin() as session:
        row = await session.get(TaughtQuestion, taught_id)
        if row is not None:
            row.check_result = {**(row.check_result or {}), UNDO: check} if undo else check


class TeachGuard:
    """Runs the check of a teach in the background of the worker that made it."""

    def __init__(
        self,
        *,
        reloader: KnowledgeReloader,
        sessions: async_sessionmaker[AsyncSession],
        sets: QuestionSets,
    ) -> None:
        self._reloader = reloader
        self._sessions = sessions
        self._sets = sets
        self._running: set[asyncio.Task[dict[str, Any] | None]] = set()

    @property
    def live(self) -> LiveIndex:
        """The worker's index in use."""
        return self._reloader.live

    @property
    def records(self) -> Records:
        """The worker's procedure records (each set read once)."""
        return self._reloader.records

    def reload_soon(self) -> None:
        """Rebuilds this worker's index in the background now (after an import or rollback)."""
        self._start(self._reload())

    async def _reload(self) -> dict[str, Any] | None:
        try:
            await self._reloader.check()
        except Exception:
            logger.exception("reloading the knowledge failed; the next check retries")
        return None

    def _start(
        self, work: Coroutine[Any, Any, dict[str, Any] | None]
    ) -> asyncio.Task[dict[str, Any] | None]:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    def after_teach(
        self, taught_id: int, *, before: ProcedureIndex
    ) -> asyncio.Task[dict[str, Any] | None]:
        """Starts the check of a committed teach: this worker reloads, then compares."""
        return self._start(self.check(taught_id, before=before))

    def after_undo(
        self, taught_id: int, *, before: ProcedureIndex
    ) -> asyncio.Task[dict[str, Any] | None]:
        """Starts the check of a committed undo, as of a teach.

        An undo can break a golden question too: one the teach had put right.
        """
        return self._start(self.check(taught_id, before=before, undo=True))

    async def check(
        self, taught_id: int, *, before: ProcedureIndex, undo: bool = False
    ) -> dict[str, Any] | None:
        """Reloads this worker's index (the change is in use here at once) and compares."""
        try:
            await self._reloader.check()
            after = self._reloader.live.current
            result = await asyncio.to_thread(compare, before, after, self._sets)
            await keep_check(self._sessions, taught_id, result, undo=undo)
        except Exception:
            logger.exception("the check of teach %s failed", taught_id)
            return None
        return result

    async def wait(self) -> None:
        """Waits for the checks still running (at shutdown, and in tests)."""
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
