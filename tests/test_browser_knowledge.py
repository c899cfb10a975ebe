"""Teaching in a real headless Chromium: a business's question goes unanswered on the web
chat; a supervisor finds the record with the picker (htmx, no inline script), teaches it, and
the business's next question is answered with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, serve
from console_support import PASSWORD, PEOPLE, add_people
from troly.bot.settings import Settings
from troly.handlers.app import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

QUESTION = "mở tiệm bán rượu thì làm thủ tục gì"


def test_a_supervisor_picks_the_record_teaches_it_and_the_chat_answers_with_it(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'kb.db'}")
    add_people(settings)
    app, _ = create_app(settings)
    errors: list[str] = []
    with serve(app, lifespan="on") as base_url:
        business = chromium.new_context(viewport={"width": 390, "height": 844})
        chat = business.new_page()
        chat.goto(base_url + "/")
        messages = chat.get_by_test_id("messages")

        def ask() -> None:
            chat.get_by_test_id("input").fill(QUESTION)
            chat.get_by_test_id("send").click()

        ask()
        expect(messages.locator(".bubble").last).not_to_contain_text(QUESTION, timeout=10_000)
        expect(messages).not_to_contain_text("Hồ sơ mua tem điện tử")

        staff = chromium.new_context(viewport={"width": 1366, "height": 768})
        desk = staff.new_page()
        desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        desk.goto(base_url + "/console/knowledge")
        desk.get_by_label("Thư điện tử").fill(PEOPLE["supervisor"][0])
        desk.get_by_label("Mật khẩu").fill(PASSWORD)
        desk.get_by_role("button", name="Đăng nhập").click()
        desk.goto(base_url + "/console/knowledge")
        expect(desk.get_by_test_id("question-1")).to_have_text(
            "mo tiem ban ruou thi lam thu tuc gi"
        )
        desk.get_by_test_id("find-1").fill("tem điện tử rượu nhập khẩu")
        pick = desk.get_by_test_id("pick-1-1.013479")
        expect(pick).to_be_visible(timeout=10_000)
        pick.check()
        desk.get_by_test_id("teach-1").click()
        expect(desk.get_by_test_id("done")).to_contain_text("Đã dạy (#1)")
        expect(desk.get_by_test_id("taught-1")).to_contain_text("1.013479")
        # The guard's finding replaces "Checking…" by itself (the rows are polled).
        expect(desk.get_by_test_id("checking")).to_have_count(0, timeout=60_000)
        desk.screenshot(path="/tmp/console-taught.png", full_page=True)

        ask()
        expect(messages.locator(".bubble").last).to_contain_text(
            "Hồ sơ mua tem điện tử", timeout=10_000
        )
        for context in (business, staff):
            context.close()
    assert errors == []
