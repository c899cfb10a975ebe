"""The console's tables: server-side sign-in sessions, sign-in failures, the audit log.

Typed SQLAlchemy models on the shared ``Base``; migration ``0012_console`` owns the schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime


class ConsoleSession(Base):
    """A signed-in browser: the cookie holds the id, the row holds only its hash.

    Signing out deletes the row, so a copied cookie is worth nothing afterwards.
    """

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_staff", "staff_id"),)

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """A wrong password, by account and by address, so every worker throttles alike."""

    __tablename__ = "console_login_failures"
    __table_args__ = (
        Index("ix_console_login_failures_email", "email", "at"),
        Index("ix_console_login_failures_address", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """Who did or saw what, when, from where: every view of personal data, every action."""

    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
