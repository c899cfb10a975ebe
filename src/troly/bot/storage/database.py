"""The async engine, the session factory, and applying migrations on start.

``sqlite:///x.db`` and ``postgresql://…`` URLs are accepted; the async driver is chosen here.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url, text
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
        kwargs["async_creator"] = _inline_connect(async_url)
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(async_url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Statements run on the event loop's thread and never wait there: a statement that
    # meets another connection's lock is handed to the connection's thread, which waits.
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


SQLITE_BUSY = 5
WAIT_FOR_LOCKS = "PRAGMA busy_timeout=30000"
"""A statement that met another connection's lock waits for it up to 30 s (off the loop)."""


class _InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run on the event loop's thread.

    A statement on a local SQLite file takes microseconds; handing each to aiosqlite's thread
    and back costs more than the statement (a GIL handover each way, several per statement).
    What could wait (another connection holding the write lock) is refused at once
    (``busy_timeout`` 0) and retried in the connection's own thread with a real timeout, so
    the loop never sleeps on a lock.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != SQLITE_BUSY:
                raise
        return await super()._execute(self._waiting, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    def _waiting(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._conn.execute(WAIT_FOR_LOCKS)
        try:
            return fn(*args, **kwargs)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")


def _inline_connect(async_url: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    database = make_url(async_url).database or ":memory:"

    async def connect() -> aiosqlite.Connection:
        def connector() -> sqlite3.Connection:
            # timeout 0: even the connection's first pragmas never sleep on the loop.
            return sqlite3.connect(database, timeout=0, check_same_thread=False)

        connection = _InlineConnection(connector, 64)
        connection._thread.daemon = True
        return await connection

    return connect


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
