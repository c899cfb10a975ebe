"""Tables of the dialogue sessions: sessions, bookings, promises, remembered businesses.

Rules that races decide are backed by constraints: a seat is taken by an atomic
``UPDATE … WHERE seats_left > 0`` (checked ``seats_left >= 0``), one booking per business per
session (unique), one place per waitlist number (unique).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from troly.bot.storage.models import Base
from troly.bot.storage.types import UTCDateTime


class SessionStatus(StrEnum):
    """A session's life: planned → open → closed → held → minutes (or cancelled)."""

    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    HELD = "held"
    MINUTES = "minutes"
    CANCELLED = "cancelled"


class BookingStatus(StrEnum):
    """A booking's life: pending (seat held, being screened) → confirmed → attended."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


ERASED_MARK = "~"
"""An erased booking's tax code is this mark and its own code: the business's tax code is gone,
one booking per tax code and session stays unique, and no real tax code (digits) matches it."""

SEATED = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
"""The statuses that hold a seat."""
LIVE = (*SEATED, BookingStatus.WAITLISTED)
"""The statuses of a booking that is still going ahead."""


class DialogueSession(Base):
    """One reception of businesses by the chairman: when, where, how many seats."""

    __tablename__ = "dialogue_sessions"
    __table_args__ = (
        CheckConstraint("seats_left >= 0 AND seats_left <= seats", name="ck_session_seats"),
        UniqueConstraint("rule_month", name="uq_session_rule_month"),
        Index("ix_dialogue_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(300))
    seats: Mapped[int] = mapped_column(Integer)
    seats_left: Mapped[int] = mapped_column(Integer)
    waitlist_next: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.PLANNED)
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    rule_month: Mapped[str | None] = mapped_column(String(7))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def is_open_for_registration(self, now: datetime) -> bool:
        """Tells whether a business may register now (by the clock, not only the status)."""
        live = self.status in (SessionStatus.PLANNED, SessionStatus.OPEN)
        return live and self.opens_at <= now < self.closes_at

    def has_seat(self) -> bool:
        """Tells whether a seat is left (the atomic update decides; this is for display)."""
        return self.seats_left > 0


class Booking(Base):
    """A business's registration for a session (đăng ký tham dự), with its code."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("code", name="uq_bookings_code"),
        UniqueConstraint("session_id", "tax_code", name="uq_bookings_business"),
        UniqueConstraint("session_id", "waitlist_seq", name="uq_bookings_waitlist"),
        Index("ix_bookings_user", "channel", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(12))
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_sessions.id"))
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    tax_code: Mapped[str] = mapped_column(String(14))
    business_name: Mapped[str] = mapped_column(String(200))
    representative: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(String(4000))
    status: Mapped[str] = mapped_column(String(16))
    waitlist_seq: Mapped[int | None] = mapped_column(Integer)
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    screened_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_late: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who cancelled: None for the business itself, else the officer's user id, with the
    # reason the business was given (a staff cancellation of a confirmed booking).
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    conclusion: Mapped[str | None] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def business_tax_code(self) -> str:
        """The business's tax code, or "" once its personal data was erased on request."""
        return "" if self.tax_code.startswith(ERASED_MARK) else self.tax_code


class Promise(Base):
    """Something the chairman's conclusion promised a business, tracked to done (cam kết)."""

    __tablename__ = "session_promises"
    __table_args__ = (UniqueConstraint("code", name="uq_session_promises_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(12))
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    department: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(String(4000))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def is_overdue(self, now: datetime) -> bool:
        """Tells whether the promise is late."""
        return self.status != "done" and now > self.due_at


class BusinessProfile(Base):
    """A business's details remembered for its next booking, only with its consent."""

    __tablename__ = "business_profiles"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
