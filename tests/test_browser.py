"""The web chat and the kiosk in a real headless Chromium (Playwright), against a fake bot."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from browser import CHROMIUM, serve
from troly.bot.messages import Button, Incoming, Reply
from troly.bot.settings import Settings
from troly.handlers.web import ContinueLinks, web_routes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="needs the playwright Python package (pip install playwright)",
    ),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

WELCOME = "Xin chào! Tôi là Trợ lý Doanh nghiệp."
CARD = (
    "Thành lập doanh nghiệp tư nhân\nThời hạn: 3 ngày làm việc\nNộp tại https://dichvucong.gov.vn"
)


class ScriptedChat:
    """A recording ChatPort with a short script: welcome, a question, a procedure card."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []

    async def handle(self, incoming: Incoming) -> list[Reply]:
        self.received.append(incoming)
        if incoming.choice == "start":
            return [Reply(WELCOME, buttons=((Button("Hỏi thủ tục", choice="menu:ask"),),))]
        if incoming.choice == "proc:1.001612":
            return [Reply(CARD, buttons=((Button("Cổng DVC", url="https://dichvucong.gov.vn"),),))]
        if incoming.choice is not None:
            return [Reply(f"Bạn chọn {incoming.choice}")]
        return [
            Reply(
                f"Bạn hỏi: {incoming.text}\nCó phải bạn muốn hỏi:",
                buttons=((Button("Thành lập doanh nghiệp tư nhân", choice="proc:1.001612"),),),
            )
        ]

    async def pending(self, channel: str, user_id: str) -> list[Reply]:
        return []

    def procedure_card(self, code: str, locale: str) -> Reply | None:
        return Reply(CARD) if code == "1.001612" else None


def run_app(chat: ScriptedChat, settings: Settings) -> Starlette:
    return Starlette(routes=web_routes(chat=chat, settings=settings, links=ContinueLinks(settings)))


def test_a_question_and_a_button_on_a_phone(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text(WELCOME)

        page.get_by_test_id("input").fill("thanh lap doanh nghiep")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Bạn hỏi: thanh lap doanh nghiep")
        expect(page.get_by_test_id("input")).to_be_focused()
        expect(page.get_by_test_id("input")).to_have_value("")

        page.get_by_role("button", name="Thành lập doanh nghiệp tư nhân").click()
        expect(messages).to_contain_text("Thời hạn: 3 ngày làm việc")
        card_link = messages.locator(".bubble a", has_text="https://dichvucong.gov.vn").last
        expect(card_link).to_have_attribute("href", "https://dichvucong.gov.vn/")
        portal = page.get_by_role("link", name="Cổng DVC")
        expect(portal).to_have_attribute("target", "_blank")
        page.screenshot(path="/tmp/web-chat.png")

        page.get_by_test_id("input").fill('<img src=x onerror="document.title=1">')
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text('Bạn hỏi: <img src=x onerror="document.title=1">')
        assert messages.locator("img").count() == 0

        page.get_by_test_id("lang-en").click()
        question = page.get_by_test_id("input")
        expect(question).to_have_attribute("placeholder", re.compile("question"))
        expect(messages).to_contain_text("Bạn chọn lang:en")
        context.close()

    sessions = {incoming.user_id for incoming in chat.received}
    assert len(sessions) == 1
    assert [(i.text, i.choice) for i in chat.received] == [
        (None, "start"),
        ("thanh lap doanh nghiep", None),
        (None, "proc:1.001612"),
        ('<img src=x onerror="document.title=1">', None),
        (None, "lang:en"),
    ]
    assert chat.received[-1].locale == "en"
    assert all(incoming.event_id for incoming in chat.received)


def test_the_chat_page_opens_on_a_procedure_from_its_link(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(base_url + "/?p=1.001612")
        expect(page.get_by_test_id("messages")).to_contain_text("Thời hạn: 3 ngày làm việc")
        context.close()

    assert chat.received[0].choice == "proc:1.001612"


def test_the_kiosk_resets_after_idle_and_offers_a_qr(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    settings = Settings(kiosk_idle_seconds=10, telegram_bot_username="TroLyDN_bot")
    with serve(run_app(chat, settings)) as base_url:
        context = chromium.new_context(viewport={"width": 1080, "height": 1920})
        page = context.new_page()
        page.goto(base_url + "/?kiosk=1")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text(WELCOME)
        qr = page.get_by_test_id("kiosk-qr")
        expect(qr).to_have_attribute("src", "/qr/continue.png")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        font_size = page.get_by_test_id("input").evaluate("e => getComputedStyle(e).fontSize")
        assert float(font_size.removesuffix("px")) >= 24

        page.get_by_test_id("menu-ask").click()
        expect(messages).to_contain_text("Bạn chọn menu:ask")
        page.get_by_test_id("input").fill("thanh lap doanh nghiep")
        page.get_by_test_id("send").click()
        page.get_by_role("button", name="Thành lập doanh nghiệp tư nhân").click()
        expect(messages).to_contain_text("Thời hạn: 3 ngày làm việc")
        expect(qr).to_have_attribute("src", "/qr/continue.png?p=1.001612")
        page.screenshot(path="/tmp/web-kiosk.png")

        countdown = page.get_by_test_id("countdown")
        expect(countdown).to_be_visible(timeout=5_000)
        expect(countdown).to_contain_text("giây")
        page.screenshot(path="/tmp/web-kiosk-countdown.png")
        expect(messages).not_to_contain_text("Bạn hỏi", timeout=15_000)
        expect(messages).to_contain_text(WELCOME)
        expect(countdown).to_be_hidden()
        expect(qr).to_have_attribute("src", "/qr/continue.png")
        context.close()

    first, last = chat.received[0], chat.received[-1]
    assert last.choice == "start"
    assert last.user_id != first.user_id
