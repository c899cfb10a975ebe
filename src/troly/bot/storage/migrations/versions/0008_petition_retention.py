"""Petition retention: when a petition's personal data was erased, and who a shared file is for.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("petitions") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("shared_files") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
    op.create_index("ix_shared_files_owner", "shared_files", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_shared_files_owner", table_name="shared_files")
    with op.batch_alter_table("shared_files") as batch:
        batch.drop_column("owner")
    with op.batch_alter_table("petitions") as batch:
        batch.drop_column("erased_at")
