"""The question log: one row per question, folded text only, nothing about who asked."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from troly.bot.answers import search_and_log
from troly.bot.storage.models import QuestionLog
from troly.handlers.cli import main
from troly.knowledge.index import ProcedureIndex

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
# picked_code: the record a person picked from the choices, a procedure code, nothing personal.
COLUMNS = {
    "id",
    "asked_at",
    "channel",
    "folded",
    "aspect",
    "decision",
    "best_code",
    "best_score",
    "picked_code",
}


async def logged(sessions: async_sessionmaker[AsyncSession]) -> list[QuestionLog]:
    async with sessions() as session:
        return list((await session.scalars(select(QuestionLog).order_by(QuestionLog.id))).all())


async def test_search_and_log_writes_one_row_with_what_was_understood(
    index: ProcedureIndex, sessions: async_sessionmaker[AsyncSession]
) -> None:
    question = "Đăng ký hộ kinh doanh mất bao lâu?"

    async with sessions.begin() as session:
        result = search_and_log(session, index, question, channel="telegram", now=NOW)

    rows = await logged(sessions)
    assert len(rows) == 1
    row = rows[0]
    assert row.folded == "dang ky ho kinh doanh mat bao lau"
    assert row.best_code == "1.001612"
    assert row.best_score == result.best_score
    assert row.decision == result.decision.value
    assert row.aspect == "time"
    assert row.channel == "telegram"


async def test_the_time_asked_is_stored_aware_and_as_the_same_moment(
    index: ProcedureIndex, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        search_and_log(session, index, "giải thể doanh nghiệp", channel="web", now=NOW)

    (row,) = await logged(sessions)
    assert row.asked_at.tzinfo is not None
    assert row.asked_at == NOW
    assert row.asked_at.utcoffset() == timedelta(0)


async def test_an_unknown_question_is_logged_with_its_decision(
    index: ProcedureIndex, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        search_and_log(session, index, "hello", channel="cli", now=NOW)

    (row,) = await logged(sessions)
    assert (row.folded, row.decision, row.aspect) == ("hello", "unknown", "general")


async def test_a_rolled_back_transaction_logs_nothing(
    index: ProcedureIndex, sessions: async_sessionmaker[AsyncSession]
) -> None:
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            search_and_log(session, index, "hello", channel="cli", now=NOW)
            raise RuntimeError("the reply could not be sent")

    assert await logged(sessions) == []


async def test_every_question_of_a_transaction_is_logged_in_order(
    index: ProcedureIndex, sessions: async_sessionmaker[AsyncSession]
) -> None:
    questions = ["đăng ký hộ kinh doanh", "hello", "hoàn thuế gtgt"]

    async with sessions.begin() as session:
        for question in questions:
            search_and_log(session, index, question, channel="web", now=NOW)

    rows = await logged(sessions)
    assert [r.folded for r in rows] == [
        "dang ky ho kinh doanh",
        "hello",
        "hoan thue gia tri gia tang",
    ]


async def test_a_naive_time_is_refused(
    index: ProcedureIndex, sessions: async_sessionmaker[AsyncSession]
) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with sessions.begin() as session:
            search_and_log(session, index, "hello", channel="cli", now=NOW.replace(tzinfo=None))

    assert await logged(sessions) == []


def test_the_model_has_no_column_for_raw_text_or_who_asked() -> None:
    assert {c.name for c in QuestionLog.__table__.columns} == COLUMNS


async def test_the_migrated_table_has_no_column_for_raw_text_or_who_asked(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("question_log")}
        )

    assert columns == COLUMNS


async def test_the_raw_question_is_stored_nowhere(
    index: ProcedureIndex, sessions: async_sessionmaker[AsyncSession]
) -> None:
    question = "Chị Lan ở Thanh Hóa: Đăng ký hộ kinh doanh mất bao lâu?"

    async with sessions.begin() as session:
        search_and_log(session, index, question, channel="telegram", now=NOW)

    (row,) = await logged(sessions)
    stored = [str(getattr(row, name)) for name in sorted(COLUMNS)]
    assert [value for value in stored if question in value or "Thanh Hóa" in value] == []
    assert row.folded == "chi lan o thanh hoa dang ky ho kinh doanh mat bao lau"


def test_the_cli_logs_every_question_to_its_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.db"
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setattr("sys.stdin", io.StringIO("Đăng ký hộ kinh doanh\nhello\n"))

    assert main(["ask", "--json", "-"]) == 0
    capsys.readouterr()

    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT channel, folded, decision, best_code FROM question_log ORDER BY id"
        ).fetchall()
    assert [(channel, folded) for channel, folded, _, _ in rows] == [
        ("cli", "dang ky ho kinh doanh"),
        ("cli", "hello"),
    ]
    assert rows[0][3] == "1.001612"
    assert rows[1][2] == "unknown"
