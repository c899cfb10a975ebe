"""The knowledge tables: what staff taught, and the generation every worker watches.

Typed SQLAlchemy models on the shared ``Base``; migration ``0015_taught_questions`` owns them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime


class TaughtQuestion(Base):
    """A question staff taught: the record it means, or the standard reply it gets.

    Undoing keeps the row (``undone_at``), so the list shows who taught and who undid what.
    ``check_result`` is what the guard found after the teach (golden questions and the
    development set against the index with it).
    """

    __tablename__ = "taught_questions"
    __table_args__ = (Index("ix_taught_questions_folded", "folded"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(String(1000))
    folded: Mapped[str] = mapped_column(String(1000))
    code: Mapped[str | None] = mapped_column(String(16))
    reply_kind: Mapped[str | None] = mapped_column(String(16))
    taught_by: Mapped[str] = mapped_column(String(254))
    taught_at: Mapped[datetime] = mapped_column(UTCDateTime())
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(254))
    check_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class KnowledgeState(Base):
    """One row: the knowledge generation, moved by every teach, undo and import."""

    __tablename__ = "knowledge_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
