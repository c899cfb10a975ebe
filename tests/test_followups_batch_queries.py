"""A batch of petition follow-ups asks the database a fixed number of times, whatever its
size: the batch's petitions are locked, and their topics loaded, by one query each."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, text

from troly.bot.followups import Followups
from troly.bot.petitions.model import PetitionEvent
from troly.bot.storage.database import create_engine, session_factory
from troly.bot.storage.models import Followup, OutboxMessage
from troly.bot.wiring import followup_handlers, followup_preloaders

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


async def _one_pass(url: str, n: int) -> tuple[list[str], int, int, int]:
    """Seeds n due reminders and runs them in one pass (one batch).

    Returns the statements sent, the follow-ups done, the reminder events and outbox rows.
    """
    from followup_worker import seed, settings_for

    await seed(url, n)
    engine = create_engine(url)
    settings = settings_for(url)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    try:
        followups = Followups(
            sessions=session_factory(engine),
            handlers=followup_handlers(settings),
            preloaders=followup_preloaders(),
            clock=lambda: datetime.now(ZONE) + timedelta(seconds=1),
            settings=settings,
            batch=100,
        )
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        report = await followups.run_due(limit=100)
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        async with session_factory(engine)() as session:
            events = await session.execute(
                select(func.count()).where(PetitionEvent.kind == "reminded")
            )
            outbox = await session.execute(select(func.count(OutboxMessage.id)))
            left = await session.execute(select(func.count()).where(Followup.status == "pending"))
            assert left.scalar_one() == 0
            return statements, report.done, events.scalar_one(), outbox.scalar_one()
    finally:
        await engine.dispose()


def _reads_and_updates(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.lstrip().upper().startswith("INSERT")]


async def test_a_batch_of_reminders_reads_the_same_for_5_or_60(tmp_path: Path) -> None:
    small = await _one_pass(f"sqlite:///{tmp_path / 'small.db'}", 5)
    large = await _one_pass(f"sqlite:///{tmp_path / 'large.db'}", 60)
    # Every reminder ran once: one event, a topic message and a private one each.
    assert small[1:] == (5, 5, 10)
    assert large[1:] == (60, 60, 120)
    # The database was asked the same queries for both (SQLite gets one INSERT per row:
    # SQLAlchemy cannot match RETURNING rows to parameters there, and it costs no round trip).
    assert len(_reads_and_updates(small[0])) == len(_reads_and_updates(large[0]))


@pytest.mark.postgres
async def test_on_postgresql_a_batch_of_reminders_sends_the_same_statements_for_5_or_60(
    pg_url: str,
) -> None:
    small = await _one_pass(pg_url, 5)
    engine = create_engine(pg_url)
    async with engine.begin() as connection:
        for table in ("outbox", "petition_events", "followups", "staff_topics", "petitions"):
            await connection.execute(text(f"DELETE FROM {table}"))
    await engine.dispose()
    large = await _one_pass(pg_url, 60)
    assert small[1:] == (5, 5, 10)
    assert large[1:] == (60, 60, 120)
    # Reads, locks, updates and inserts alike: one round trip each per batch.
    assert len(small[0]) == len(large[0])
