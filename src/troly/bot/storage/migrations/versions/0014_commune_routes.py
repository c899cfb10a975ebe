"""Petition routing by commune: a topic's petitions from one commune may go elsewhere.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "petition_commune_routes",
        sa.Column("topic", sa.String(32), primary_key=True),
        sa.Column("commune_code", sa.String(8), primary_key=True),
        sa.Column("department", sa.String(120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("petition_commune_routes")
