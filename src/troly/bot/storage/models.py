"""The tables, as SQLAlchemy 2 typed models. Alembic migrations own the schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
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
    picked_code: Mapped[str | None] = mapped_column(String(16))
    """For a question answered with choices: the record the person then picked, if any."""


class Conversation(Base):
    """One user's conversation on one channel: the active flow, its step and a small draft."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_conversation_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedEvent(Base):
    """A platform delivery already handled (Telegram update_id, Zalo message id, web mid)."""

    __tablename__ = "processed_events"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A reply waiting to be delivered, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_recipient", "channel", "recipient", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))
    thread: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    via: Mapped[str | None] = mapped_column(String(16))
    """How a row held outside its channel's window was announced meanwhile ("zns")."""
    message_ref: Mapped[str | None] = mapped_column(String(64))
    """The platform's id of the sent message that carries the buttons (Telegram's message_id)."""
    edit_of: Mapped[int | None] = mapped_column(Integer)
    """Set on an edit: the row whose sent message this one rewrites (text and buttons)."""


class Followup(Base):
    """Something to do at a due time (a reminder, an escalation, a digest): durable truth.

    A ticker claims due rows with a lease and marks them done in the same transaction as
    their effects; ``key`` makes scheduling idempotent.
    """

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_due", "status", "due_at"),
        Index("ix_followups_ref", "ref"),
        UniqueConstraint("key", name="uq_followups_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(160))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))


class StaffMember(Base):
    """A support officer allowed to act on petitions and bookings, with a role.

    ``role`` is "agent" (claims and answers) or "supervisor" (also reassigns, is alerted on
    escalations); "viewer" for a web-only reader. Only people on this roster can act from the
    staff group. Someone with a web login (``email``) has a console role too; a web-only
    account lives on the ``console`` channel.
    """

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_staff_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The web console's login (``troly console add-user``): the same person, one row.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    console_role: Mapped[str | None] = mapped_column(String(16))
    """``admin``, ``supervisor``, ``officer`` or ``viewer``; None: no web login."""
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The petition topics an officer works (the console shows an officer only these)."""
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    department: Mapped[str | None] = mapped_column(String(120))
    """The department an officer works in: its petitions are in their queue."""


class ZaloToken(Base):
    """An OAuth token pair (the Zalo OA's), refreshed under a row lock; survives restarts.

    The refresh token works once: whoever refreshes must hold the row (PostgreSQL
    ``FOR UPDATE``; SQLite's write lock) so two workers never spend the same one.
    """

    __tablename__ = "zalo_tokens"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    access_token: Mapped[str] = mapped_column(String(1024))
    refresh_token: Mapped[str] = mapped_column(String(1024))
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seed_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=0)


class ChoiceMenu(Base):
    """The numbered choices last shown to a user on a channel without buttons ("1" picks one).

    Kept in the database, not in memory, so the answer works after a restart and on any worker.
    """

    __tablename__ = "choice_menus"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    choices: Mapped[list[str]] = mapped_column(JSON)
    # Payloads of earlier menus too: a Zalo button tapped higher up the chat still works.
    recent: Mapped[list[str]] = mapped_column(JSON, default=list)
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SharedFile(Base):
    """A file a reply carries, kept so a platform that takes only URLs (Zalo) can fetch it.

    The key is a keyed hash of the content: unguessable, and the same file is stored once.
    """

    __tablename__ = "shared_files"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    owner: Mapped[str | None] = mapped_column(String(64), index=True)
    """Whose file it is (``petition:<code>``), so it can be erased with that record's data."""


class Lease(Base):
    """A job only one worker may run at a time (a poller), and which worker holds it until when.

    The holder renews it well before ``expires_at``; a worker that dies stops renewing, and
    another takes it over once it has expired.
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
