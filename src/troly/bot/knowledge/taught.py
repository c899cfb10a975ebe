"""Teaching the assistant: a question means a record, or is not about a procedure; undo; list.

Each change is a row in ``taught_questions`` and a move of the knowledge generation, in the
caller's transaction, so every worker rebuilds its index within a check interval. What is
stored is masked like the question log (no phone numbers, tax codes or e-mail addresses).
Must not import handlers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.answers import mask_personal
from troly.bot.knowledge.model import TaughtQuestion
from troly.bot.knowledge.source import bump_generation
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.records import Procedure

REPLY_KINDS: Final = ("out_of_remit", "contact_center", "small_talk")
"""The standard replies a question that is not about a procedure can be taught to get."""
MAX_QUESTION: Final = 300


class TeachProblem(ValueError):
    """Why a teach was refused: a message-catalogue key and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


async def teach(
    session: AsyncSession,
    index: ProcedureIndex,
    question: str,
    *,
    code: str | None = None,
    reply_kind: str | None = None,
    by: str,
    now: datetime,
) -> TaughtQuestion:
    """Records that ``question`` means record ``code`` (or gets the ``reply_kind`` reply).

    Teaching the same words again replaces what they were taught before.
    """
    text = " ".join(mask_personal(question).split())
    if not text:
        raise TeachProblem("teach.empty")
    if len(text) > MAX_QUESTION:
        raise TeachProblem("teach.too_long", limit=MAX_QUESTION)
    if (code is None) == (reply_kind is None):
        raise TeachProblem("teach.code_or_kind")
    if code is not None and index.kb.get(code.strip()) is None:
        raise TeachProblem("teach.unknown_code", code=code)
    if reply_kind is not None and reply_kind not in REPLY_KINDS:
        raise TeachProblem("teach.unknown_kind", kinds=", ".join(REPLY_KINDS))
    folded = index.understand(text).folded[:1000]
    for earlier in await _active_with(session, folded):
        earlier.undone_at, earlier.undone_by = now, by
    row = TaughtQuestion(
        question=text,
        folded=folded,
        code=code.strip() if code is not None else None,
        reply_kind=reply_kind,
        taught_by=by,
        taught_at=now,
    )
    session.add(row)
    await bump_generation(session, now=now)
    await session.flush()
    return row


async def untaught(session: AsyncSession, taught_id: int, *, by: str, now: datetime) -> bool:
    """Undoes a teach; False if there is no such teach in force."""
    row = await session.get(TaughtQuestion, taught_id, with_for_update=True)
    if row is None or row.undone_at is not None:
        return False
    row.undone_at, row.undone_by = now, by
    # The undo's own check (the guard's) is pending until it is kept here.
    row.check_result = {**(row.check_result or {}), "undo": None}
    await bump_generation(session, now=now)
    return True


async def taught_questions(
    session: AsyncSession, *, with_undone: bool = False
) -> Sequence[TaughtQuestion]:
    """What was taught, newest first (with what was undone, when asked)."""
    query = select(TaughtQuestion).order_by(TaughtQuestion.id.desc())
    if not with_undone:
        query = query.where(TaughtQuestion.undone_at.is_(None))
    return (await session.scalars(query)).all()


async def taught_folded(session: AsyncSession) -> dict[str, TaughtQuestion]:
    """The teaches in force by their folded question (to mark groups already taught)."""
    return {row.folded: row for row in reversed(await taught_questions(session))}


async def _active_with(session: AsyncSession, folded: str) -> Sequence[TaughtQuestion]:
    rows = await session.scalars(
        select(TaughtQuestion)
        .where(TaughtQuestion.folded == folded)
        .where(TaughtQuestion.undone_at.is_(None))
    )
    return rows.all()


def find_records(index: ProcedureIndex, text: str, *, limit: int = 8) -> list[Procedure]:
    """Records for the teach form's picker: the one with that code, then the best by name."""
    text = " ".join(text.split())[:MAX_QUESTION]
    if not text:
        return []
    exact = index.kb.get(text)
    found = [exact] if exact is not None else []
    found += [m.procedure for m in index.search(text, k=limit).matches if m.procedure != exact]
    return found[:limit]
