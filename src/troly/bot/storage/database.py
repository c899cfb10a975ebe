"""The async engine, the session factory, and applying migrations on start.

``sqlite:///x.db`` and ``postgresql://…`` URLs are accepted; the async driver is chosen here.
"""

from __future__ import annotations

import asyncio
import logging
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.pool import StaticPool

from troly.bot.settings import to_async_url

# Loggers that quote a statement's parameters (what people wrote, phones, outbox payloads)
# at DEBUG or INFO: held at WARNING whatever the root logger's level, so a deployment that
# turns on DEBUG logging does not write personal data to its logs.
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg")


def quiet_parameter_loggers() -> None:
    """Keeps the database drivers' parameter-quoting loggers at WARNING."""
    for name in PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def create_engine(url: str) -> AsyncEngine:
    """Builds the async engine for an ordinary database URL."""
    quiet_parameter_loggers()
    async_url = to_async_url(url)
    kwargs: dict[str, Any] = {}
    if async_url.startswith("sqlite"):
        if ":memory:" in async_url or async_url.rstrip("/").endswith("sqlite+aiosqlite:"):
            kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(async_url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The factory that opens one session (one transaction) per message or tick."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """The Alembic configuration pointing at the migrations shipped in the package."""
    config = Config()
    location = resources.files("troly.bot.storage").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Applies the migrations up to ``revision`` (idempotent; run on every start)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


HEALTH_SECONDS = 3.0
"""How long a health check waits for the database (a HEALTHCHECK's own timeout is longer)."""


async def answers(engine: AsyncEngine) -> bool:
    """Whether the database answers a trivial query within ``HEALTH_SECONDS``."""
    try:
        async with asyncio.timeout(HEALTH_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError):
        return False
    return True


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)
