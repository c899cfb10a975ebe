"""Retention of petitions' personal data, on a moved clock: a year after a petition closed, the
daily job erases what could identify the business and keeps the anonymous record."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import AGENT, BUSINESS, SUPERVISOR, VALID_TAX_CODE, World
from support import VN, Clock
from troly.bot.followups import pending
from troly.bot.petitions.model import Petition, PetitionEvent
from troly.bot.petitions.retention import ensure_retention, forget_closed_petitions
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import OutboxMessage
from troly.handlers.app import build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

THIRD = "503"
NAME = "Công ty TNHH Nông sản Xanh"
PHONE = "0912345678"
SECRETS = (NAME, VALID_TAX_CODE, PHONE, "Nguyễn Văn Bình", "0987654321", "hop-dong.pdf")


@pytest.fixture
def world(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> World:
    return World(sessions, index, Clock(datetime(2026, 11, 23, 9, 0, tzinfo=VN)))


@pytest_asyncio.fixture
async def pg_world(pg_url: str, index: ProcedureIndex) -> AsyncIterator[World]:
    """The same world on PostgreSQL (skipped when none answers)."""
    engine = create_engine(pg_url)
    await upgrade(engine)
    try:
        yield World(session_factory(engine), index, Clock(datetime(2026, 11, 23, 9, 0, tzinfo=VN)))
    finally:
        await engine.dispose()


async def _file_with_consent(world: World, *, user: str = BUSINESS, phone: str = PHONE) -> str:
    await world.say("/phananh", user=user)
    await world.press("pf:topic:datdai", user=user)
    await world.say("Ông Nguyễn Văn Bình (0987654321) chờ sổ đỏ đã 3 tháng", user=user)
    await world.press("pf:done", user=user)
    await world.press("pf:commune:none", user=user)
    await world.press("pf:public:0", user=user)
    await world.press("pf:consent:1", user=user)
    await world.say(NAME, user=user)
    await world.say(VALID_TAX_CODE, user=user)
    await world.say(phone, user=user)
    [filed] = await world.press("pf:submit", user=user)
    return filed.text.split("Mã theo dõi: ")[1].split()[0]


Rows = dict[tuple[str, int], dict[str, Any]]


async def _snapshot(world: World) -> Rows:
    """Every petition and event, column by column (what the job might change)."""
    async with world.sessions() as session:
        rows: Rows = {}
        for model in (Petition, PetitionEvent):
            for row in (await session.execute(select(model))).scalars():
                columns = {c.key: getattr(row, c.key) for c in model.__table__.columns}
                rows[(model.__tablename__, row.id)] = columns
        return rows


async def _outbox(world: World) -> list[str]:
    """The outbox's rows, as text."""
    async with world.sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars()
        return [json.dumps(row.payload, ensure_ascii=False) for row in rows]


def _of(rows: Rows, petition_id: int) -> Rows:
    """The rows of one petition: itself and its events."""
    return {
        key: row
        for key, row in rows.items()
        if key == ("petitions", petition_id) or row.get("petition_id") == petition_id
    }


async def test_a_year_after_closing_the_personal_data_is_erased_and_the_record_stays(
    world: World,
) -> None:
    await _a_year_after_closing(world)


async def test_the_same_erasure_on_postgresql(pg_world: World) -> None:
    await _a_year_after_closing(pg_world)


async def _a_year_after_closing(world: World) -> None:
    await world.roster()
    async with world.sessions.begin() as session:
        assert await ensure_retention(session, now=world.clock(), settings=world.settings)
    code = await _file_with_consent(world)
    other = await world.file()
    await world.sent()
    thread = await world.topic_thread(code)
    await world.staff_press(AGENT, f"ps:claim:{code}", thread=thread)
    await world.staff_say(AGENT, "Anh Nguyễn Văn Bình gửi giúp hợp đồng.", thread=thread)
    await world.press(f"pb:add:{code}")
    await world.send_file("hop-dong.pdf", text="Hợp đồng của Nguyễn Văn Bình, ĐT 0987654321")
    await world.staff_press(AGENT, f"ps:answer:{code}", thread=thread)
    await world.staff_say(AGENT, "Đã cấp sổ cho ông Nguyễn Văn Bình.", thread=thread)
    await world.press(f"pb:rate:{code}:5")
    await world.say("Cảm ơn chị Lan, 0987654321")
    assert (await world.petition(code)).status == "closed"

    # Another business's petition, closed eleven months later: still within the retention.
    await world.at(datetime(2027, 10, 29, 9, 0, tzinfo=VN))
    recent = await _file_with_consent(world, user=THIRD, phone="0905111222")
    recent_thread = await world.topic_thread(recent)
    await world.staff_press(SUPERVISOR, f"ps:close:{recent}", thread=recent_thread)
    await world.staff_say(SUPERVISOR, "Trùng với phản ánh khác.", thread=recent_thread)
    await world.sent()

    # The day before the year is up, nothing is erased; every other follow-up is drained.
    await world.at(datetime(2027, 11, 23, 1, 45, tzinfo=VN))
    assert (await world.petition(code)).business_name == NAME
    before = await _snapshot(world)
    await world.sent()

    await world.at(datetime(2027, 11, 24, 1, 45, tzinfo=VN))
    assert await world.sent() == []  # quietly: nobody is told
    after = await _snapshot(world)
    erased = await world.petition(code)
    assert (erased.code, erased.topic, erased.status, erased.rating) == (
        code,
        "datdai",
        "closed",
        5,
    )
    assert erased.erased_at == datetime(2027, 11, 24, 1, 45, tzinfo=VN)
    assert (erased.user_id, erased.consent, erased.business_name, erased.tax_code) == (
        "",
        False,
        None,
        None,
    )
    assert (erased.phone, erased.description, erased.answer, erased.rating_comment) == (
        None,
        "",
        None,
        None,
    )
    assert erased.attachments == []
    everything = repr(_of(after, erased.id))
    assert [secret for secret in SECRETS if secret in everything] == []
    # The outbox's copies of the year-old messages (the card with the phone) are gone too.
    messages = await _outbox(world)
    assert [m for m in messages if code in m or PHONE in m] == []
    assert any(recent in m for m in messages)
    # The open petition and the recently closed one are exactly as they were.
    for kept in (other, recent):
        petition = await world.petition(kept)
        assert _of(after, petition.id) == _of(before, petition.id)
    assert (await world.petition(recent)).business_name == NAME

    # Staff still find the anonymous record; the erasure is in its history, with when.
    [status] = await world.staff_say(AGENT, f"/tracuu {code}", thread=thread)
    assert "Trạng thái: Đã đóng" in status.text
    assert status.text.endswith("• 01:45 24/11/2027: Xóa dữ liệu cá nhân (hết thời hạn lưu trữ)")
    assert [secret for secret in SECRETS if secret in status.text] == []
    # The business's account is no longer linked to it.
    [theirs] = await world.say(f"/tracuu {code}")
    [unknown] = await world.say("/tracuu PA-ZZZZZZ")
    assert theirs.text == unknown.text
    [mine] = await world.say("/cuatoi")
    assert code not in mine.text and other in mine.text
    [data] = await world.say("/dulieu")
    assert "không lưu thông tin cá nhân" in data.text

    # Running again (the next day, or twice at once) changes nothing.
    await world.at(datetime(2027, 11, 25, 1, 45, tzinfo=VN))
    async with world.sessions.begin() as session:
        again = await forget_closed_petitions(session, now=world.clock(), settings=world.settings)
    assert again == 0
    assert await _snapshot(world) == after
    async with world.sessions() as session:
        due = [f.due_at for f in await pending(session, ref="petitions")]
    assert due == [datetime(2027, 11, 26, 1, 30, tzinfo=VN)]


async def test_a_closing_reason_is_erased_with_the_personal_data(world: World) -> None:
    await world.roster()
    code = await _file_with_consent(world)
    thread = await world.topic_thread(code)
    await world.staff_press(SUPERVISOR, f"ps:close:{code}", thread=thread)
    reason = "Ông Nguyễn Văn Bình đã rút yêu cầu qua điện thoại 0987654321."
    await world.staff_say(SUPERVISOR, reason, thread=thread)
    petition = await world.petition(code)
    assert petition.status == "closed"

    def closing_notes(rows: Rows) -> list[str | None]:
        return [
            row["note"]
            for key, row in _of(rows, petition.id).items()
            if key[0] == "petition_events" and row["kind"] == "closed"
        ]

    assert closing_notes(await _snapshot(world)) == [reason]
    async with world.sessions.begin() as session:
        later = world.clock() + timedelta(days=366)
        assert await forget_closed_petitions(session, now=later, settings=world.settings) == 1
    assert closing_notes(await _snapshot(world)) == [None]


async def test_the_retention_is_a_setting_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TROLY_PETITION_RETENTION_DAYS", "90")
    assert Settings().petition_retention_days == 90
    monkeypatch.delenv("TROLY_PETITION_RETENTION_DAYS")
    assert Settings().petition_retention_days == 365


async def test_the_app_schedules_the_daily_retention_run_once_on_start(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'r.db'}")
    clock = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=VN))
    for _ in range(2):
        app, runtime = create_app(
            settings, runtime=build_runtime(settings, clock=clock, index=index), scheduler=False
        )
        async with app.router.lifespan_context(app), runtime.sessions() as session:
            due = [(f.kind, f.due_at) for f in await pending(session, ref="petitions")]
    assert due == [("petition.retention", datetime(2026, 12, 2, 1, 30, tzinfo=VN))]
