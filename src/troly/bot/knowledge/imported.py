"""Imported procedure records, kept in the database so every worker uses the same set.

One row per ``troly kb import``: the export's text (gzip-compressed), who imported it and
when, what it changed; at most one row is ``active``. With none, the bundled export is in use.
Must not import handlers.
"""

from __future__ import annotations

import gzip
import io
from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, Index, Integer, LargeBinary, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime
from troly.knowledge.records import KnowledgeBase, parse_in_steps
from troly.knowledge.steps import Steps, finished

ACTIVE: Final = "active"
REPLACED: Final = "replaced"
ROLLED_BACK: Final = "rolled_back"
CHECKED: Final = "checked"
"""Checked in the console and waiting for an admin's confirmation: not in the history."""


class KnowledgeImport(Base):
    """An imported export of the national portal: the records every worker uses while active."""

    __tablename__ = "knowledge_imports"
    __table_args__ = (Index("ix_knowledge_imports_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(254))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer)
    problems: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The diff's counts against the set it replaced, and the first malformed records."""
    content: Mapped[bytes] = mapped_column(LargeBinary)
    """The export's text, gzip-compressed."""
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_by: Mapped[str | None] = mapped_column(String(254))


async def active_import_id(session: AsyncSession) -> int | None:
    """The id of the import in use, or None (the bundled export)."""
    found = await session.scalar(select(KnowledgeImport.id).where(KnowledgeImport.status == ACTIVE))
    return int(found) if found is not None else None


async def stored_text(session: AsyncSession, import_id: int) -> bytes:
    """The compressed text of one import."""
    found = await session.scalar(
        select(KnowledgeImport.content).where(KnowledgeImport.id == import_id)
    )
    return bytes(found or b"")


def records_of(content: bytes) -> KnowledgeBase:
    """The records of a stored import (CPU: the command line's)."""
    return finished(records_in_steps(content))


def records_in_steps(content: bytes) -> Steps[KnowledgeBase]:
    """The records of a stored import, read a line at a time (see ``in_slices``).

    Decoding the whole text in one call would hold a worker's event loop for ~100 ms.
    """
    with (
        gzip.GzipFile(fileobj=io.BytesIO(content)) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as text,
    ):
        return (yield from parse_in_steps(line.rstrip("\r\n") for line in text))
