"""What staff teach the assistant, the knowledge generation every worker watches, the picks.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taught_questions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("question", sa.String(1000), nullable=False),
        sa.Column("folded", sa.String(1000), nullable=False),
        sa.Column("code", sa.String(16), nullable=True),
        sa.Column("reply_kind", sa.String(16), nullable=True),
        sa.Column("taught_by", sa.String(254), nullable=False),
        sa.Column("taught_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(254), nullable=True),
        sa.Column("check_result", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "(code IS NULL) <> (reply_kind IS NULL)", name="ck_taught_code_or_reply"
        ),
    )
    op.create_index("ix_taught_questions_folded", "taught_questions", ["folded"])
    op.create_table(
        "knowledge_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute("INSERT INTO knowledge_state (id, generation) VALUES (1, 0)")
    with op.batch_alter_table("question_log") as batch:
        batch.add_column(sa.Column("picked_code", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question_log") as batch:
        batch.drop_column("picked_code")
    op.drop_table("knowledge_state")
    op.drop_index("ix_taught_questions_folded", table_name="taught_questions")
    op.drop_table("taught_questions")
