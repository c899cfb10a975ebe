"""Petition routing: the department each topic goes to, and each petition's department.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "petition_routes",
        sa.Column("topic", sa.String(32), primary_key=True),
        sa.Column("department", sa.String(120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=True),
    )
    with op.batch_alter_table("petitions") as batch:
        batch.add_column(sa.Column("department", sa.String(120), nullable=True))
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("department", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("department")
    with op.batch_alter_table("petitions") as batch:
        batch.drop_column("department")
    op.drop_table("petition_routes")
