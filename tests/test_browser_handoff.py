"""Live handoff in a real headless Chromium: the web chat page talks with an officer who
writes in the staff group's topic, and the officer's lines arrive within seconds."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from browser import CHROMIUM, serve
from support import VN, Clock
from troly.bot.dialogue import Dialogue
from troly.bot.handoff.model import LiveChat
from troly.bot.messages import Incoming
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.bot.staff_topics import StaffTopics
from troly.bot.storage.database import create_engine, session_factory
from troly.bot.wiring import effect_appliers
from troly.handlers.app import build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

GROUP = "-1001234"
LAN = "11"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=VN)
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs the officer's side on its own loop and thread (the page's server has its own)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Officer:
    """Lan in the staff group, acting through the dialogue on the same database file."""

    def __init__(self, settings: Settings, index: ProcedureIndex) -> None:
        self.settings = settings
        self.index = index
        self.thread: str | None = None

    async def _roster(self) -> None:
        engine = create_engine(self.settings.database_url)
        try:
            async with session_factory(engine).begin() as session:
                await add_staff(
                    session, channel="telegram", user_id=LAN, name="Lan", role="agent", now=MONDAY_9
                )
        finally:
            await engine.dispose()

    async def _topic(self) -> tuple[str, str | None]:
        """The chat's code, and its forum topic as the Telegram door would create it."""
        engine = create_engine(self.settings.database_url)
        try:
            sessions = session_factory(engine)
            async with sessions() as session:
                code = (await session.execute(select(LiveChat.code))).scalar_one()

            async def create(_name: str) -> str:
                return "321"

            return code, await StaffTopics(sessions).resolve(f"topic:live:{code}", create)
        finally:
            await engine.dispose()

    async def _handle(self, incoming: Incoming) -> None:
        engine = create_engine(self.settings.database_url)
        try:
            dialogue = Dialogue(
                sessions=session_factory(engine),
                index=self.index,
                settings=self.settings,
                clock=Clock(MONDAY_9),
                appliers=effect_appliers(self.settings),
            )
            await dialogue.handle(incoming)
        finally:
            await engine.dispose()

    async def _status(self) -> tuple[str, str | None]:
        engine = create_engine(self.settings.database_url)
        try:
            async with session_factory(engine)() as session:
                chat = (await session.execute(select(LiveChat))).scalar_one()
                return chat.status, chat.end_reason
        finally:
            await engine.dispose()

    def chat_status(self) -> tuple[str, str | None]:
        return _run(self._status())

    def join_roster(self) -> None:
        _run(self._roster())

    def find_chat(self) -> str:
        code, self.thread = _run(self._topic())
        return code

    def act(self, *, choice: str | None = None, text: str | None = None) -> None:
        incoming = Incoming(
            channel="telegram",
            user_id=LAN,
            choice=choice,
            text=text,
            chat_id=GROUP,
            thread=self.thread,
            display_name="Lan",
        )
        _run(self._handle(incoming))


def test_the_page_asks_for_a_person_and_the_officers_lines_arrive_within_seconds(
    chromium: Any, tmp_path: Path, index: ProcedureIndex
) -> None:
    from playwright.sync_api import expect

    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'handoff.db'}",
        staff_chat_id=int(GROUP),
    )
    runtime = build_runtime(settings, index=index, clock=Clock(MONDAY_9))
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    officer = Officer(settings, index)
    with serve(app, lifespan="on") as base_url:
        officer.join_roster()
        context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        page.get_by_role("button", name="🙋 Gặp cán bộ hỗ trợ").click()
        expect(messages).to_contain_text("Đang mời cán bộ hỗ trợ")
        page.get_by_test_id("input").fill("Hồ sơ xin giấy phép xây dựng của tôi đến đâu rồi?")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Đã ghi lại")

        code = officer.find_chat()
        officer.act(choice=f"hs:take:{code}")
        # Faster than the page's usual 15-second poll: an officer is in the conversation.
        expect(messages).to_contain_text("Cán bộ Lan đã tham gia", timeout=6_000)
        officer.act(text="Hồ sơ đang chờ ý kiến Sở Xây dựng, dự kiến thứ Sáu.")
        expect(messages).to_contain_text("👤 Lan: Hồ sơ đang chờ ý kiến", timeout=6_000)

        page.get_by_test_id("input").fill("/huy")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Đã kết thúc cuộc trò chuyện với cán bộ")
        page.screenshot(path="/tmp/web-chat-handoff.png")
        context.close()


def test_a_kiosk_that_starts_over_leaves_the_chat_it_had_open(
    chromium: Any, tmp_path: Path, index: ProcedureIndex
) -> None:
    from playwright.sync_api import expect

    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'kiosk.db'}",
        staff_chat_id=int(GROUP),
        kiosk_idle_seconds=10,
    )
    runtime = build_runtime(settings, index=index, clock=Clock(MONDAY_9))
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    officer = Officer(settings, index)
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 1080, "height": 1920})
        page = context.new_page()
        page.goto(base_url + "/?kiosk=1")
        messages = page.get_by_test_id("messages")
        page.get_by_test_id("input").fill("tôi muốn gặp cán bộ")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Đang mời cán bộ hỗ trợ")
        expect(messages).not_to_contain_text("Đang mời cán bộ hỗ trợ", timeout=20_000)
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        for _ in range(50):
            if officer.chat_status() == ("ended", "business"):
                break
            page.wait_for_timeout(100)
        assert officer.chat_status() == ("ended", "business")
        context.close()
