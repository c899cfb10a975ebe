"""The staff console: web logins on the roster, server-side sessions, sign-in failures, audit.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        batch.add_column(sa.Column("console_role", sa.String(16), nullable=True))
        batch.add_column(sa.Column("locale", sa.String(8), nullable=False, server_default="vi"))
        batch.add_column(sa.Column("topics", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_unique_constraint("uq_staff_email", ["email"])
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "staff_id", sa.Integer(), sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
    )
    op.create_index("ix_console_sessions_staff", "console_sessions", ["staff_id"])
    op.create_table(
        "console_login_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_console_login_failures_email", "console_login_failures", ["email", "at"])
    op.create_index(
        "ix_console_login_failures_address", "console_login_failures", ["address", "at"]
    )
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_name", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])


def downgrade() -> None:
    op.drop_table("console_audit")
    op.drop_table("console_login_failures")
    op.drop_table("console_sessions")
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint("uq_staff_email", type_="unique")
        for name in ("password_changed_at", "topics", "locale", "console_role", "password_hash"):
            batch.drop_column(name)
        batch.drop_column("email")
