"""Answered petitions published on the public pages (/cong-khai), approved by staff.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "petition_publications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "petition_id",
            sa.Integer,
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("public_id", sa.String(24), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("commune_code", sa.String(8), nullable=True),
        sa.Column("commune_name", sa.String(120), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("approved_by_name", sa.String(120), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(64), nullable=True),
        sa.Column("withdrawn_by_name", sa.String(120), nullable=True),
        sa.UniqueConstraint("petition_id", name="uq_petition_publications_petition"),
        sa.UniqueConstraint("public_id", name="uq_petition_publications_public_id"),
    )
    op.create_index(
        "ix_petition_publications_live", "petition_publications", ["withdrawn_at", "answered_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_petition_publications_live", table_name="petition_publications")
    op.drop_table("petition_publications")
