"""Refreshing the procedure records: check a new export, see what it changes, store it, roll back.

An import is checked (malformed records reported by code and field and left out, never a
crash), compared with the set in use, stored in the database and made active in one
transaction that moves the knowledge generation: every worker then rebuilds its index between
its questions and swaps it, answering with the old one meanwhile. Must not import handlers.
"""

from __future__ import annotations

import asyncio
import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from troly.bot.knowledge.imported import (
    ACTIVE,
    CHECKED,
    REPLACED,
    ROLLED_BACK,
    KnowledgeImport,
)
from troly.bot.knowledge.model import TaughtQuestion
from troly.bot.knowledge.source import bump_generation
from troly.bot.province.store import ProcedureNote
from troly.knowledge.aliases import EVERYDAY
from troly.knowledge.record_diff import RecordDiff, diff_records
from troly.knowledge.records import KnowledgeBase, LoadProblem, export_text, parse_lines

MAX_PROBLEMS_KEPT = 50

_PIECE = 1 << 20
"""Characters of an export encoded and compressed at a time (see ``gzipped``)."""


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


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What importing a checked export would do, as ``troly kb import --dry-run`` prints it.

    ``same_as``: the import in use is this very file (nothing to do); ``base``: the import in
    use when it was checked (None: the bundled set); ``too_many_removed``: it drops more than
    half the records (a truncated download?), imported only when forced.
    """

    checked: CheckedExport
    diff: RecordDiff
    left: list[LeftBehind]
    base: int | None
    same_as: int | None
    too_many_removed: bool


async def plan_import(
    session: AsyncSession, checked: CheckedExport, in_use: KnowledgeBase
) -> ImportPlan:
    """Compares a checked export with the set in use (the command line's and the console's)."""
    current = await active_import(session)
    if current is not None and current.sha256 == checked.sha256:
        return ImportPlan(checked, RecordDiff((), (), (), ()), [], current.id, current.id, False)
    diff = await asyncio.to_thread(diff_records, in_use, checked.kb)
    return ImportPlan(
        checked,
        diff,
        await left_behind(session, diff),
        current.id if current is not None else None,
        None,
        len(diff.removed) * 2 > len(in_use),
    )


def gzipped(text: str) -> bytes:
    """The text in UTF-8, gzip-compressed a piece at a time: run it in a thread.

    Compressing a 23 MB export takes ~0.4 s of CPU: on a worker's event loop (the console's
    check page) that held every question. zlib lets go of the interpreter while it compresses,
    and each piece's encoding is short, so in a thread the loop goes on answering.
    """
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip member
    pieces = [
        packer.compress(text[i : i + _PIECE].encode("utf-8")) for i in range(0, len(text), _PIECE)
    ]
    pieces.append(packer.flush())
    return b"".join(pieces)


def _import_row(
    checked: CheckedExport,
    diff: RecordDiff,
    *,
    content: bytes,
    filename: str,
    by: str,
    now: datetime,
    status: str,
) -> KnowledgeImport:
    problems = [
        {"code": p.code, "field": p.field, "message": p.message}
        for p in checked.problems[:MAX_PROBLEMS_KEPT]
    ]
    return KnowledgeImport(
        imported_at=now,
        imported_by=by[:254],
        filename=filename[-255:],
        sha256=checked.sha256,
        records=len(checked.kb),
        problems=len(checked.problems),
        summary={**diff.counts(), "malformed": problems},
        content=content,
        status=status,
    )


async def _make_active(
    session: AsyncSession, row: KnowledgeImport, *, by: str, now: datetime
) -> None:
    """Makes ``row`` the set every worker uses (the one in use is replaced)."""
    await session.execute(
        update(KnowledgeImport)
        .where(KnowledgeImport.status == ACTIVE, KnowledgeImport.id != row.id)
        .values(status=REPLACED, changed_at=now, changed_by=by[:254])
    )
    row.status = ACTIVE
    await bump_generation(session, now=now)
    await session.flush()


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
    content = await asyncio.to_thread(gzipped, checked.text)
    row = _import_row(
        checked, diff, content=content, filename=filename, by=by, now=now, status=CHECKED
    )
    session.add(row)
    await session.flush()
    await _make_active(session, row, by=by, now=now)
    return row


async def keep_checked(
    session: AsyncSession, plan: ImportPlan, *, filename: str, by: str, now: datetime
) -> KnowledgeImport:
    """Keeps a checked export until an admin confirms it (the console's second step).

    An earlier export checked and never confirmed is dropped: only the last one waits.
    """
    # Compressed before the first write: SQLite's single writer is not held meanwhile.
    content = await asyncio.to_thread(gzipped, plan.checked.text)
    await session.execute(delete(KnowledgeImport).where(KnowledgeImport.status == CHECKED))
    row = _import_row(
        plan.checked, plan.diff, content=content, filename=filename, by=by, now=now, status=CHECKED
    )
    row.summary = {**row.summary, "base": plan.base, "force_needed": plan.too_many_removed}
    session.add(row)
    await session.flush()
    return row


class ImportStale(LookupError):
    """The checked export is gone (confirmed or replaced), or the set in use changed since."""


class ImportNeedsForce(ValueError):
    """The checked export drops more than half the records and was not forced."""


async def confirm_checked(
    session: AsyncSession,
    import_id: int,
    *,
    sha256: str,
    by: str,
    now: datetime,
    force: bool = False,
) -> KnowledgeImport:
    """Stores a checked export as the set every worker uses, as ``store_import`` does.

    ``sha256`` names the file that was shown (an id alone could be another's check since).
    Raises ``ImportStale`` when it is no longer waiting, or when another import or a rollback
    changed the set in use since it was checked (its difference would be another), and
    ``ImportNeedsForce`` when it drops more than half the records and ``force`` is not set.
    """
    row = await session.scalar(
        select(KnowledgeImport).where(
            KnowledgeImport.id == import_id, KnowledgeImport.status == CHECKED
        )
    )
    if row is None or row.sha256 != sha256:
        raise ImportStale
    current = await active_import(session)
    if row.summary.get("base") != (current.id if current is not None else None):
        raise ImportStale
    if row.summary.get("force_needed") and not force:
        raise ImportNeedsForce
    row.imported_at, row.imported_by = now, by[:254]
    row.summary = {k: v for k, v in row.summary.items() if k not in ("base", "force_needed")}
    await _make_active(session, row, by=by, now=now)
    return row


async def checked_import(session: AsyncSession, import_id: int) -> KnowledgeImport | None:
    """A checked export still waiting for its confirmation."""
    return await session.scalar(
        select(KnowledgeImport).where(
            KnowledgeImport.id == import_id, KnowledgeImport.status == CHECKED
        )
    )


async def active_import(session: AsyncSession) -> KnowledgeImport | None:
    """The import in use (None: the bundled export)."""
    return await session.scalar(select(KnowledgeImport).where(KnowledgeImport.status == ACTIVE))


async def history(session: AsyncSession) -> list[KnowledgeImport]:
    """Every import, newest first (not an export checked and waiting for its confirmation)."""
    return list(
        await session.scalars(
            select(KnowledgeImport)
            .where(KnowledgeImport.status != CHECKED)
            .order_by(KnowledgeImport.id.desc())
        )
    )


class NothingToRollBack(LookupError):
    """The bundled export is in use: there is no import to leave."""


async def rollback_target(
    session: AsyncSession,
) -> tuple[KnowledgeImport, KnowledgeImport | None]:
    """What a rollback would do: (the import it leaves, the one it goes back to or None).

    Raises ``NothingToRollBack`` when no import is in use.
    """
    current = await active_import(session)
    if current is None:
        raise NothingToRollBack
    previous = await session.scalar(
        select(KnowledgeImport)
        .where(KnowledgeImport.id < current.id, KnowledgeImport.status == REPLACED)
        .order_by(KnowledgeImport.id.desc())
        .limit(1)
    )
    return current, previous


async def rollback(
    session: AsyncSession, *, by: str, now: datetime
) -> tuple[KnowledgeImport, KnowledgeImport | None]:
    """Leaves the import in use for the one before it (None: the bundled export).

    Returns (the import left, the one now in use); the generation moves, so every worker
    swaps back. Raises ``NothingToRollBack`` when no import is in use.
    """
    current, previous = await rollback_target(session)
    current.status, current.changed_at, current.changed_by = ROLLED_BACK, now, by[:254]
    if previous is not None:
        previous.status, previous.changed_at, previous.changed_by = ACTIVE, now, by[:254]
    await bump_generation(session, now=now)
    await session.flush()
    return current, previous
