"""The province's own details as admins override them, and staff's local note per procedure.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "province_details",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=True),
    )
    op.create_table(
        "procedure_notes",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("note", sa.String(600), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("procedure_notes")
    op.drop_table("province_details")
