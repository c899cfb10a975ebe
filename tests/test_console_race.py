"""A claim from the console and one from the Telegram group at the same moment, on
PostgreSQL with two workers' engines: the petition row is locked, one wins, the other is
told who has it."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from support import VN
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Incoming
from troly.bot.petitions import desk, service
from troly.bot.petitions.model import Petition
from troly.bot.petitions.staff_actions import Actor
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.wiring import effect_appliers
from troly.knowledge.index import ProcedureIndex

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN)
GROUP = -1001234


@pytest.mark.postgres
async def test_a_web_and_a_telegram_claim_at_once_have_one_winner_on_postgresql(
    pg_url: str, index: ProcedureIndex
) -> None:
    settings = Settings(environment="test", database_url=pg_url, staff_chat_id=GROUP)
    web_engine, telegram_engine = create_engine(pg_url), create_engine(pg_url)
    try:
        await upgrade(web_engine)
        web_sessions, telegram_sessions = (
            session_factory(web_engine),
            session_factory(telegram_engine),
        )
        codes = []
        async with web_sessions.begin() as session:
            await add_staff(
                session,
                channel="telegram",
                user_id="11",
                name="Cán bộ Hải",
                role="agent",
                now=MONDAY,
            )
            for n in range(8):
                draft = {"topic": "xaydung", "description": f"Cấp phép xây dựng chậm {n}"}
                petition = await service.create(
                    session,
                    draft,
                    channel="web",
                    user_id=f"biz{n}",
                    locale="vi",
                    now=MONDAY,
                    settings=settings,
                )
                codes.append(petition.code)
        dialogue = Dialogue(
            sessions=telegram_sessions,
            index=index,
            settings=settings,
            clock=lambda: MONDAY,
            appliers=effect_appliers(settings),
        )
        scope = desk.Scope("supervisor", "console:lan")
        actor = Actor("console:lan", "Nguyễn Thị Lan", "supervisor")

        async def on_the_web(code: str) -> desk.Done | None:
            async with web_sessions.begin() as session:
                return await desk.act(
                    session, scope, actor, code, "claim", now=MONDAY, settings=settings
                )

        async def in_telegram(code: str) -> list[str]:
            tap = Incoming(
                channel="telegram", user_id="11", choice=f"ps:claim:{code}", chat_id=str(GROUP)
            )
            return [reply.text for reply in (await dialogue.handle(tap)).replies]

        outcomes = await asyncio.gather(
            *(asyncio.gather(on_the_web(code), in_telegram(code)) for code in codes)
        )
        async with web_sessions() as session:
            rows = {
                p.code: p.assignee_name for p in (await session.execute(select(Petition))).scalars()
            }
        for code, (web, telegram) in zip(codes, outcomes, strict=True):
            assert web is not None
            if web.changed:  # the web won: Telegram was told who has it
                assert rows[code] == "Nguyễn Thị Lan"
                assert any("đang do Nguyễn Thị Lan xử lý" in text for text in telegram)
            else:  # Telegram won: the web was told who has it
                assert rows[code] == "Cán bộ Hải"
                assert any("đang do Cán bộ Hải xử lý" in text for text in web.messages)
    finally:
        await web_engine.dispose()
        await telegram_engine.dispose()
