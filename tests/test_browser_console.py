"""The staff console in a real headless Chromium, with the web chat beside it: a business
files a petition on the web chat; an officer signs in, finds it, claims it and answers it;
the answer arrives in the business's chat."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, serve
from console_support import PASSWORD, PEOPLE, add_people
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.handlers.app import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None, reason="playwright is not installed"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def test_an_officer_claims_and_answers_a_web_chat_petition_and_the_business_sees_it(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'console.db'}",
        outbox_tick_seconds=0.5,
    )
    add_people(settings)
    app, _ = create_app(settings)
    errors: list[str] = []
    with serve(app, lifespan="on") as base_url:
        business = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        chat = business.new_page()
        chat.goto(base_url + "/")
        messages = chat.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")

        def say(text: str) -> None:
            chat.get_by_test_id("input").fill(text)
            chat.get_by_test_id("send").click()

        def press(label: str) -> None:
            chat.get_by_role("button", name=label).last.click()

        say("/phananh")
        press("Xây dựng")
        expect(messages.locator(".bubble").last).not_to_contain_text("Xây dựng", timeout=5000)
        say("Giấy phép xây dựng nhà xưởng nộp 40 ngày chưa có kết quả")
        press(t("petition.files_none"))
        press(t("petition.commune_none"))
        press(t("petition.public_no"))
        press(t("identity.consent_no"))
        press(t("petition.submit"))
        expect(messages).to_contain_text("Mã theo dõi: ")
        code = messages.inner_text().split("Mã theo dõi: ")[1].split()[0]

        staff = chromium.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768})
        desk = staff.new_page()
        desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        desk.goto(base_url + "/console/petitions")
        expect(desk).to_have_url(base_url + "/console/login")
        desk.get_by_label("Thư điện tử").fill(PEOPLE["officer"][0])
        desk.get_by_label("Mật khẩu").fill(PASSWORD)
        desk.get_by_role("button", name="Đăng nhập").click()
        expect(desk).to_have_url(base_url + "/console/petitions")
        desk.get_by_test_id("search").fill(code)
        desk.keyboard.press("Enter")
        desk.get_by_test_id(f"row-{code}").click()
        expect(desk.get_by_test_id("case-code")).to_contain_text(code)
        desk.get_by_test_id("claim").click()
        expect(desk.get_by_test_id("done")).to_have_text("Bạn đã nhận xử lý phản ánh.")
        expect(desk.get_by_test_id("assignee")).to_have_text("Nguyễn Thị Lan")
        desk.get_by_test_id("text-answer").fill("Sở Xây dựng đã cấp giấy phép ngày 05/12/2026.")
        desk.get_by_test_id("submit-answer").click()
        expect(desk.get_by_test_id("status")).to_have_text("Đã trả lời")
        desk.screenshot(path="/tmp/console-case.png", full_page=True)

        chat.reload()  # the page fetches what staff sent at once (it also polls)
        expect(chat.get_by_test_id("messages")).to_contain_text(
            "Sở Xây dựng đã cấp giấy phép ngày 05/12/2026.", timeout=20_000
        )
        chat.screenshot(path="/tmp/console-chat-answer.png")
        desk.goto(base_url + "/console/petitions?list=awaiting_rating")
        expect(desk.get_by_test_id(f"row-{code}")).to_be_visible()
        phone = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        small = phone.new_page()
        small.context.add_cookies(staff.cookies())
        small.goto(base_url + "/console/petitions?list=awaiting_rating")
        expect(small.get_by_test_id(f"row-{code}")).to_be_visible()
        small.screenshot(path="/tmp/console-phone.png", full_page=True)
        for context in (business, staff, phone):
            context.close()
    assert errors == []
