"""Live chats: a business's request to talk with a person, and the conversation while it lasts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_chats",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.Column("message_count", sa.Integer, nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("assignee_name", sa.String(120), nullable=True),
        sa.Column("assignee_channel", sa.String(16), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(12), nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("petition_code", sa.String(16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_live_chats_code"),
    )
    op.create_index("ix_live_chats_status", "live_chats", ["status", "requested_at"])
    op.create_index("ix_live_chats_owner", "live_chats", ["channel", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_live_chats_owner", table_name="live_chats")
    op.drop_index("ix_live_chats_status", table_name="live_chats")
    op.drop_table("live_chats")
