"""The real assistant in a real headless Chromium: web chat and kiosk over the whole stack."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, serve
from troly.bot.settings import Settings
from troly.handlers.app import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def test_a_business_owner_asks_presses_a_button_and_sees_the_card(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'web.db'}")
    app, _ = create_app(settings, scheduler=False)
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        page.get_by_test_id("input").fill("khoi phuc ma so thue can giay to gi")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("📄 Khôi phục mã số thuế")
        page.get_by_role("button", name="📑 Xem đủ hồ sơ").last.click()
        expect(messages.locator(".bubble").last).to_contain_text("Hồ sơ cần chuẩn bị")
        page.get_by_test_id("input").fill("nấu canh chua thế nào")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("chưa tìm thấy thủ tục")
        page.screenshot(path="/tmp/web-chat-real.png")
        context.close()


def test_the_kiosk_shows_a_card_follows_it_with_the_qr_and_starts_over_when_idle(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'kiosk.db'}",
        kiosk_idle_seconds=10,
        telegram_bot_username="TroLyDN_bot",
    )
    app, _ = create_app(settings, scheduler=False)
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(viewport={"width": 1080, "height": 1920})
        page = context.new_page()
        page.goto(base_url + "/?kiosk=1")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        page.get_by_test_id("input").fill("đăng ký thành lập hộ kinh doanh cần giấy tờ gì")
        page.get_by_test_id("send").click()
        qr = page.get_by_test_id("kiosk-qr")
        expect(qr).to_have_attribute("src", "/qr/continue.png?p=1.001612")
        page.screenshot(path="/tmp/web-kiosk-real.png")
        expect(messages).not_to_contain_text("📄 Đăng ký thành lập", timeout=20_000)
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        expect(qr).to_have_attribute("src", "/qr/continue.png")
        context.close()


def test_a_message_whose_answer_was_lost_is_answered_on_retry(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import Route, expect

    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'retry.db'}")
    app, _ = create_app(settings, scheduler=False)
    sent: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        body = route.request.post_data or ""
        sent.append(body)
        response = route.fetch()  # the server handles and commits the message
        first_try = "khoi phuc" in body and sum("khoi phuc" in b for b in sent) == 1
        if first_try:  # its answer is lost on the way back, as behind a proxy's 504
            route.fulfill(status=504, json={"error": "Gateway Timeout"})
        else:
            route.fulfill(response=response)

    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.route("**/api/chat", lose_the_first_answer)
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        page.get_by_test_id("input").fill("khoi phuc ma so thue")
        page.get_by_test_id("send").click()
        error = page.get_by_test_id("error")
        expect(error).to_be_visible()
        error.get_by_role("button").click()
        expect(messages).to_contain_text("📄 Khôi phục mã số thuế")
        expect(error).to_have_count(0)
        context.close()

    retried = [body for body in sent if "khoi phuc" in body]
    assert len(retried) == 2
    assert retried[0] == retried[1]
