"""Refreshing the procedure records: check a new export, see what it changes, store it, roll back.

An import is checked (malformed records reported by code and field and left out, never a
crash), compared with the set in use, stored in the database and made active in one
transaction that moves the knowledge generation: every worker then rebuilds its index in a
thread and swaps it, answering with the old one meanwhile. Must not import handlers.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.knowledge.imported import ACTIVE, REPLACED, ROLLED_BACK, KnowledgeImport
from troly.bot.knowledge.model import TaughtQuestion
from troly.bot.knowledge.source import bump_generation
from troly.bot.province.store import ProcedureNote
from troly.knowledge.aliases import EVERYDAY
from troly.knowledge.record_diff import RecordDiff
from troly.knowledge.records import KnowledgeBase, LoadProblem, export_text, parse_lines

MAX_PROBLEMS_KEPT = 50


@dataclass(frozen=True, slots=True)
class CheckedExport:
    """A file read as an export: its records, its malformed ones, its text and fingerprint."""

    kb: KnowledgeBase
    text: str
    sha256: str

    @property
    def problems(self) -> list[LoadProblem]:
        """The malformed records, by code (or line) and field."""
        return self.kb.problems


def check_export(data: bytes) -> CheckedExport:
    """Reads a JSON-lines export, gzipped or not; raises ``ExportError`` if it is not one."""
    text = export_text(data)
    return CheckedExport(
        parse_lines(text.splitlines()), text, hashlib.sha256(text.encode()).hexdigest()
    )


@dataclass(frozen=True, slots=True)
class LeftBehind:
    """What staff kept about a removed record: its everyday names, taught questions, note."""

    code: str
    name: str
    everyday: tuple[str, ...]
    taught: tuple[str, ...]
    note: str | None


async def left_behind(session: AsyncSession, diff: RecordDiff) -> list[LeftBehind]:
    """For each removed record that had any, the vocabulary that no longer leads anywhere."""
    codes = [p.code for p in diff.removed]
    if not codes:
        return []
    taught: dict[str, list[str]] = {}
    rows = await session.scalars(
        select(TaughtQuestion)
        .where(TaughtQuestion.code.in_(codes), TaughtQuestion.undone_at.is_(None))
        .order_by(TaughtQuestion.id)
    )
    for row in rows:
        taught.setdefault(str(row.code), []).append(row.question)
    notes = {
        n.code: n.note
        for n in await session.scalars(select(ProcedureNote).where(ProcedureNote.code.in_(codes)))
    }
    found = []
    for p in diff.removed:
        entry = EVERYDAY.get(p.code)
        names = entry.names if entry is not None else ()
        if names or p.code in taught or p.code in notes:
            found.append(
                LeftBehind(p.code, p.name, names, tuple(taught.get(p.code, ())), notes.get(p.code))
            )
    return found


async def store_import(
    session: AsyncSession,
    checked: CheckedExport,
    diff: RecordDiff,
    *,
    filename: str,
    by: str,
    now: datetime,
) -> KnowledgeImport:
    """Stores the export and makes it the set every worker uses (the caller commits)."""
    await session.execute(
        update(KnowledgeImport)
        .where(KnowledgeImport.status == ACTIVE)
        .values(status=REPLACED, changed_at=now, changed_by=by)
    )
    problems = [
        {"code": p.code, "field": p.field, "message": p.message}
        for p in checked.problems[:MAX_PROBLEMS_KEPT]
    ]
    row = KnowledgeImport(
        imported_at=now,
        imported_by=by[:254],
        filename=filename[-255:],
        sha256=checked.sha256,
        records=len(checked.kb),
        problems=len(checked.problems),
        summary={**diff.counts(), "malformed": problems},
        content=gzip.compress(checked.text.encode("utf-8"), compresslevel=6),
        status=ACTIVE,
    )
    session.add(row)
    await bump_generation(session, now=now)
    await session.flush()
    return row


async def active_import(session: AsyncSession) -> KnowledgeImport | None:
    """The import in use (None: the bundled export)."""
    return await session.scalar(select(KnowledgeImport).where(KnowledgeImport.status == ACTIVE))


async def history(session: AsyncSession) -> list[KnowledgeImport]:
    """Every import, newest first."""
    return list(await session.scalars(select(KnowledgeImport).order_by(KnowledgeImport.id.desc())))


class NothingToRollBack(LookupError):
    """The bundled export is in use: there is no import to leave."""


async def rollback(
    session: AsyncSession, *, by: str, now: datetime
) -> tuple[KnowledgeImport, KnowledgeImport | None]:
    """Leaves the import in use for the one before it (None: the bundled export).

    Returns (the import left, the one now in use); the generation moves, so every worker
    swaps back. Raises ``NothingToRollBack`` when no import is in use.
    """
    current = await active_import(session)
    if current is None:
        raise NothingToRollBack
    current.status, current.changed_at, current.changed_by = ROLLED_BACK, now, by[:254]
    previous = await session.scalar(
        select(KnowledgeImport)
        .where(KnowledgeImport.id < current.id, KnowledgeImport.status == REPLACED)
        .order_by(KnowledgeImport.id.desc())
        .limit(1)
    )
    if previous is not None:
        previous.status, previous.changed_at, previous.changed_by = ACTIVE, now, by[:254]
    await bump_generation(session, now=now)
    await session.flush()
    return current, previous
