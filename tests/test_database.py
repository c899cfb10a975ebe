"""The SQLite connection: statements on the loop's thread, lock waits off it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import text

from troly.bot.storage.database import create_engine


async def test_a_write_waiting_for_another_connections_lock_leaves_the_loop_free(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        holder = sqlite3.connect(path, isolation_level=None)  # another process, say a CLI
        holder.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('sau')"))

        writing = asyncio.create_task(write())
        # While the write waits for the lock, the loop serves others: a read answers.
        async with engine.connect() as connection:
            seen = (await connection.execute(text("SELECT count(*) FROM notes"))).scalar()
        for _ in range(20):
            await asyncio.sleep(0)

        assert (seen, writing.done()) == (0, False)
        holder.execute("INSERT INTO notes VALUES ('trước')")
        holder.execute("COMMIT")
        await asyncio.wait_for(writing, 30)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
        assert rows == ["trước", "sau"]
        holder.close()
    finally:
        await engine.dispose()


async def test_an_error_other_than_a_lock_is_raised_at_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT UNIQUE)"))
            await connection.execute(text("INSERT INTO notes VALUES ('một')"))
        raised = None
        try:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('một')"))
        except Exception as exc:  # the driver's IntegrityError, as SQLAlchemy wraps it
            raised = type(exc).__name__
        assert raised == "IntegrityError"
    finally:
        await engine.dispose()
