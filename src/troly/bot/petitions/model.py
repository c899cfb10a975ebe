"""The petition tables: petitions, their audit trail of events, and staff forum topics.

Typed SQLAlchemy models on the shared ``Base``; migration ``0005_petitions`` owns the schema.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime


class Status(StrEnum):
    """A petition's lifecycle: received → assigned → in progress → answered → closed."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)


class Petition(Base):
    """A business's petition. Name, tax code and phone are kept only with consent."""

    __tablename__ = "petitions"
    __table_args__ = (
        UniqueConstraint("code", name="uq_petitions_code"),
        Index("ix_petitions_owner", "channel", "user_id"),
        Index("ix_petitions_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    topic: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    commune_code: Mapped[str | None] = mapped_column(String(8))
    commune_name: Mapped[str | None] = mapped_column(String(120))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    business_name: Mapped[str | None] = mapped_column(String(200))
    tax_code: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED.value)
    assignee: Mapped[str | None] = mapped_column(String(64))
    assignee_name: Mapped[str | None] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    original_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    new_date_reason: Mapped[str | None] = mapped_column(String(500))
    apologised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(1000))
    round: Mapped[int] = mapped_column(Integer, default=1)
    department: Mapped[str | None] = mapped_column(String(120))
    """The department whose queue it is in (``petitions.routing``), set at filing."""
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the retention job erased its personal data (None while it is kept)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def is_open(self) -> bool:
        """Tells whether staff still owe an answer."""
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        """Tells whether the (possibly moved) deadline passed without an answer."""
        return self.is_open and now > self.deadline

    @property
    def new_date_set(self) -> bool:
        """Tells whether the one allowed new date has been given."""
        return self.apologised_at is not None


class PetitionEvent(Base):
    """One change or message in a petition's life: who, when, what (the audit trail)."""

    __tablename__ = "petition_events"
    __table_args__ = (Index("ix_petition_events_petition", "petition_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(16))
    """``business``, ``staff`` or ``system``."""
    actor_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
