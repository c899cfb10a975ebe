"""Alembic environment: runs on the connection handed over by ``troly.bot.storage.database``."""

from alembic import context

from troly.bot.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `troly db upgrade` (it opens the connection)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
