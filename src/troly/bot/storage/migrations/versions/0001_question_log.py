"""The question log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("folded", sa.String(1000), nullable=False),
        sa.Column("aspect", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("best_code", sa.String(16), nullable=True),
        sa.Column("best_score", sa.Float(), nullable=False),
    )
    op.create_index("ix_question_log_asked_at", "question_log", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_question_log_asked_at", table_name="question_log")
    op.drop_table("question_log")
