"""The tables, as SQLAlchemy 2 typed models. Alembic migrations own the schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from troly.bot.storage.types import UTCDateTime


class Base(DeclarativeBase):
    """The declarative base of every table."""


class QuestionLog(Base):
    """A question asked of the knowledge base, so staff can see what went unanswered.

    Holds the folded question only: no user id, no name, nothing else personal.
    """

    __tablename__ = "question_log"
    __table_args__ = (Index("ix_question_log_asked_at", "asked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(16))
    folded: Mapped[str] = mapped_column(String(1000))
    aspect: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(8))
    best_code: Mapped[str | None] = mapped_column(String(16))
    best_score: Mapped[float] = mapped_column(Float)
