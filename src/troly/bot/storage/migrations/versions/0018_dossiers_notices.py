"""Dossier follows, phones given for template notices (ZNS), and how an outbox row went.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_follows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=True),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("due", sa.String(10), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("channel", "user_id", "code", name="uq_dossier_follow"),
    )
    op.create_index("ix_dossier_follows_user", "dossier_follows", ["channel", "user_id"])
    op.create_table(
        "notice_phones",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("via", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("via")
    op.drop_table("notice_phones")
    op.drop_index("ix_dossier_follows_user", table_name="dossier_follows")
    op.drop_table("dossier_follows")
