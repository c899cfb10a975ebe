"""The live-chat table: one row per request to talk with a person, waiting, live or ended.

Typed SQLAlchemy model on the shared ``Base``; migration ``0010_live_chats`` owns the schema.
The conversation's messages are kept only while it is open: when it ends they are erased
(a petition it became keeps them in its own timeline).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime


class Status(StrEnum):
    """A live chat's life: waiting for an officer → live with one → ended."""

    WAITING = "waiting"
    LIVE = "live"
    ENDED = "ended"


class EndReason(StrEnum):
    """How a live chat ended."""

    OFFICER = "officer"
    """The officer ended it with a summary."""
    PETITION = "petition"
    """The officer turned it into a petition."""
    BUSINESS = "business"
    """The business left (``/huy``)."""
    TIMEOUT = "timeout"
    """Nobody took it in time; the business was offered a petition."""
    IDLE = "idle"
    """The officer wrote nothing for a long while; the business was offered a petition."""


OPEN_STATUSES = (Status.WAITING, Status.LIVE)


class LiveChat(Base):
    """A business's request to talk with a person, and the conversation while it lasts."""

    __tablename__ = "live_chats"
    __table_args__ = (
        UniqueConstraint("code", name="uq_live_chats_code"),
        Index("ix_live_chats_status", "status", "requested_at"),
        Index("ix_live_chats_owner", "channel", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    status: Mapped[str] = mapped_column(String(12), default=Status.WAITING.value)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The last questions the bot was asked in that conversation (erased at the end)."""
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Both sides' messages, oldest first: ``{"at", "by", "name", "text", "files"}``."""
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    assignee: Mapped[str | None] = mapped_column(String(64))
    assignee_name: Mapped[str | None] = mapped_column(String(120))
    assignee_channel: Mapped[str | None] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(12))
    summary: Mapped[str | None] = mapped_column(Text)
    petition_code: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def is_open(self) -> bool:
        """Tells whether the chat is still waiting or live."""
        return self.status in OPEN_STATUSES
