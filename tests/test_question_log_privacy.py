"""The question log keeps no personal numbers and no question forever: transcripts on a moved
clock (a name or phone typed after a flow ended is masked, and deleted after the retention)."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import World
from support import VN, Clock
from troly.bot.answers import mask_personal
from troly.bot.petitions.retention import ensure_retention
from troly.bot.settings import Settings
from troly.bot.storage.models import QuestionLog
from troly.knowledge.index import ProcedureIndex

START = datetime(2026, 11, 23, 9, 0, tzinfo=VN)


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    return World(sessions, index, Clock(START))


async def _logged(world: World) -> list[str]:
    async with world.sessions() as session:
        rows = (await session.execute(select(QuestionLog).order_by(QuestionLog.id))).scalars()
        return [row.folded for row in rows]


async def test_a_phone_tax_code_or_email_typed_after_a_flow_is_masked_in_the_log(
    world: World,
) -> None:
    code = await world.file()
    # The flow is over: what the business types next is asked about once (is it for the open
    # petition?); "no" makes it a question, and it is logged, as is what follows that day.
    [asked] = await world.say("Nguyễn Văn An, điện thoại 0912 345 678")
    assert asked.kind == "petition:open"
    await world.press(f"pb:notfor:{code}")
    await world.say("MST 0300588569-001, email an.nguyen@congty.vn")
    await world.say("+84 912.345.678 hỏi thủ tục 1.001612 đăng ký hộ kinh doanh")
    logged = await _logged(world)
    assert logged[-3:] == [
        "nguyen van an dien thoai [số]",
        "mst [số] email [email]",
        "[số] hoi thu tuc 1 001612 dang ky ho kinh doanh",
    ]
    everything = " ".join(logged)
    for secret in ("0912", "345", "678", "0300588569", "an.nguyen", "congty"):
        assert secret not in everything
    # A question with nothing to mask is logged as it was understood.
    await world.say("Đăng ký hộ kinh doanh mất bao lâu?")
    assert (await _logged(world))[-1] == "dang ky ho kinh doanh mat bao lau"


def test_masking_keeps_procedure_codes_dates_and_short_numbers() -> None:
    assert mask_personal("thủ tục 1.001612 và 2.000123 ngày 17/12/2026") == (
        "thủ tục 1.001612 và 2.000123 ngày 17/12/2026"
    )
    assert mask_personal("gọi 0912345678.") == "gọi [số]."
    assert mask_personal("số nhà 123, 45 người") == "số nhà 123, 45 người"


async def test_logged_questions_are_deleted_after_the_retention_by_the_daily_run(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    settings = Settings(environment="test", question_log_retention_days=30)
    world = World(sessions, index, Clock(START), settings=settings)
    async with world.sessions.begin() as session:
        await ensure_retention(session, now=world.clock(), settings=settings)
    await world.say("Tôi là Lê Thị Hoa, hỏi đăng ký hộ kinh doanh")
    await world.at(datetime(2026, 12, 10, 9, 0, tzinfo=VN))
    await world.say("Hoàn thuế giá trị gia tăng")
    assert len(await _logged(world)) == 2

    # The run of 23 December (day 30 is not yet past) keeps both.
    await world.at(datetime(2026, 12, 23, 1, 45, tzinfo=VN))
    assert len(await _logged(world)) == 2
    # The next night the first question is older than 30 days: it goes, the later one stays.
    await world.at(datetime(2026, 12, 24, 1, 45, tzinfo=VN))
    assert await _logged(world) == ["hoan thue gia tri gia tang"]


def test_the_question_log_retention_is_a_setting_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TROLY_QUESTION_LOG_RETENTION_DAYS", "90")
    assert Settings().question_log_retention_days == 90
    monkeypatch.delenv("TROLY_QUESTION_LOG_RETENTION_DAYS")
    assert Settings().question_log_retention_days == 365


async def test_debug_logging_does_not_write_what_people_typed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # An operator turns every logger to DEBUG: the database drivers quote each statement's
    # parameters there (the outbox payloads, the phone), and are kept at WARNING.
    caplog.set_level(logging.DEBUG)
    await world.file()
    await world.say("Nguyễn Văn An, điện thoại 0912 345 678")
    assert caplog.records, "DEBUG logging is on"
    assert "0912 345 678" not in caplog.text
    assert "Nguyễn Văn An" not in caplog.text
