"""Dialogue sessions: sessions, bookings, promises, remembered businesses.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dialogue_sessions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("starts_at", _AT, nullable=False),
        sa.Column("ends_at", _AT, nullable=False),
        sa.Column("opens_at", _AT, nullable=False),
        sa.Column("closes_at", _AT, nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_left", sa.Integer(), nullable=False),
        sa.Column("waitlist_next", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("rule_month", sa.String(7), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.CheckConstraint("seats_left >= 0 AND seats_left <= seats", name="ck_session_seats"),
        sa.UniqueConstraint("rule_month", name="uq_session_rule_month"),
    )
    op.create_index("ix_dialogue_sessions_starts_at", "dialogue_sessions", ["starts_at"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("dialogue_sessions.id"), nullable=False
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("tax_code", sa.String(14), nullable=False),
        sa.Column("business_name", sa.String(200), nullable=False),
        sa.Column("representative", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("question", sa.String(4000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("waitlist_seq", sa.Integer(), nullable=True),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("decline_reason", sa.String(500), nullable=True),
        sa.Column("screened_by", sa.String(64), nullable=True),
        sa.Column("cancelled_late", sa.Boolean(), nullable=False),
        sa.Column("conclusion", sa.String(4000), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.UniqueConstraint("code", name="uq_bookings_code"),
        sa.UniqueConstraint("session_id", "tax_code", name="uq_bookings_business"),
        sa.UniqueConstraint("session_id", "waitlist_seq", name="uq_bookings_waitlist"),
    )
    op.create_index("ix_bookings_user", "bookings", ["channel", "user_id"])
    op.create_table(
        "session_promises",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("content", sa.String(4000), nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("done_at", _AT, nullable=True),
        sa.UniqueConstraint("code", name="uq_session_promises_code"),
    )
    op.create_table(
        "business_profiles",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("consented_at", _AT, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("business_profiles")
    op.drop_table("session_promises")
    op.drop_index("ix_bookings_user", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index("ix_dialogue_sessions_starts_at", table_name="dialogue_sessions")
    op.drop_table("dialogue_sessions")
