"""Outbox edits: the platform's id of a sent message, and rows that edit an earlier one.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("message_ref", sa.String(64), nullable=True))
        batch.add_column(sa.Column("edit_of", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("edit_of")
        batch.drop_column("message_ref")
