"""Petitions, their events (the audit trail) and the staff group's forum topics.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "petitions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("commune_code", sa.String(8), nullable=True),
        sa.Column("commune_name", sa.String(120), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("business_name", sa.String(200), nullable=True),
        sa.Column("tax_code", sa.String(16), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("assignee_name", sa.String(120), nullable=True),
        sa.Column("received_at", _AT, nullable=False),
        sa.Column("deadline", _AT, nullable=False),
        sa.Column("original_deadline", _AT, nullable=False),
        sa.Column("new_date_reason", sa.String(500), nullable=True),
        sa.Column("apologised_at", _AT, nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", _AT, nullable=True),
        sa.Column("closed_at", _AT, nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.String(1000), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.UniqueConstraint("code", name="uq_petitions_code"),
        # No personal data without consent (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15).
        sa.CheckConstraint(
            "consent OR (business_name IS NULL AND tax_code IS NULL AND phone IS NULL)",
            name="ck_petitions_consent",
        ),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_petitions_rating"),
    )
    op.create_index("ix_petitions_owner", "petitions", ["channel", "user_id"])
    op.create_index("ix_petitions_status_deadline", "petitions", ["status", "deadline"])
    op.create_table(
        "petition_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_petition_events_petition", "petition_events", ["petition_id", "id"])
    op.create_table(
        "staff_topics",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("chat_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("thread_id", sa.String(32), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
    )
    op.create_index("ix_staff_topics_thread", "staff_topics", ["chat_id", "thread_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_topics_thread", table_name="staff_topics")
    op.drop_table("staff_topics")
    op.drop_index("ix_petition_events_petition", table_name="petition_events")
    op.drop_table("petition_events")
    op.drop_index("ix_petitions_status_deadline", table_name="petitions")
    op.drop_index("ix_petitions_owner", table_name="petitions")
    op.drop_table("petitions")
