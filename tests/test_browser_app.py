"""The real assistant in a real headless Chromium: web chat and kiosk over the whole stack."""

from __future__ import annotations

import importlib.util
import sqlite3
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
        context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        page.get_by_test_id("input").fill("khoi phuc ma so thue can giay to gi")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("📄 Khôi phục mã số thuế")
        expect(messages.locator(".bubble").last).to_contain_text(
            "📑 Hồ sơ cần chuẩn bị (trang 1/2)"
        )
        page.get_by_role("button", name="Xem tiếp ▶").last.click()
        expect(messages.locator(".bubble").last).to_contain_text("(trang 2/2)")
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
        context = chromium.new_context(locale="vi-VN", viewport={"width": 1080, "height": 1920})
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
        context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
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


def test_the_attach_button_appears_at_the_files_step_and_sends_the_chosen_photo(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    db = tmp_path / "files.db"
    photo = tmp_path / "duong-ngap.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"the flooded road, photographed" * 20)
    settings = Settings(environment="test", database_url=f"sqlite:///{db}")
    app, _ = create_app(settings, scheduler=False)
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(
            locale="vi-VN", viewport={"width": 390, "height": 844}, has_touch=True
        )
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        attach = page.get_by_role("button", name="Đính kèm ảnh hoặc tệp PDF")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        expect(attach).to_be_hidden()  # nothing takes a file yet
        chooser_input = page.get_by_test_id("attach-input")
        expect(chooser_input).to_have_attribute("accept", "image/*,application/pdf")
        page.get_by_test_id("input").fill("/phananh")
        page.get_by_test_id("send").click()
        page.get_by_role("button", name="Thuế").click()
        page.get_by_test_id("input").fill("Hoàn thuế GTGT chậm 2 tháng")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Bạn có ảnh hoặc tệp PDF kèm theo không")
        expect(attach).to_be_visible()
        page.get_by_test_id("input").fill("Ảnh chụp sáng 20/11")
        with page.expect_file_chooser() as chosen:
            attach.click()
        chosen.value.set_files(str(photo))
        expect(messages).to_contain_text("📎 Đã nhận 1/5 tệp.")
        expect(messages.locator(".message.user").last).to_contain_text("📎 duong-ngap.png")
        expect(messages.locator(".message.user").last).to_contain_text("Ảnh chụp sáng 20/11")
        expect(page.get_by_test_id("input")).to_have_value("")
        page.get_by_role("button", name="✔️ Xong, tiếp tục").last.click()
        expect(messages).to_contain_text("Vấn đề xảy ra ở xã, phường nào")
        expect(attach).to_be_hidden()  # the commune step takes no file
        page.screenshot(path="/tmp/web-chat-attach.png")
        context.close()

    with sqlite3.connect(db) as connection:
        kept = list(connection.execute("SELECT filename, content FROM shared_files"))
    assert kept == [("duong-ngap.png", photo.read_bytes())]


def test_a_message_sent_too_fast_is_kept_in_the_box_to_send_again(
    chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # The page's opening "start" and one question use the burst of two; a minute refills one.
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'limits.db'}",
        rate_per_minute=1,
        rate_burst=2,
    )
    app, _ = create_app(settings, scheduler=False)
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        box = page.get_by_test_id("input")
        box.fill("khoi phuc ma so thue")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("📄 Khôi phục mã số thuế")
        box.fill("nấu canh chua thế nào")
        page.get_by_test_id("send").click()
        error = page.get_by_test_id("error")
        expect(error).to_contain_text("Bạn gửi nhanh quá nên trợ lý chưa nhận tin này")
        expect(box).to_have_value("nấu canh chua thế nào")
        expect(messages).not_to_contain_text("chưa tìm thấy thủ tục")
        context.close()


@pytest.mark.parametrize(
    ("lang", "welcome", "tile", "asked", "restart"),
    [
        ("vi", "Bạn chạm vào một chủ đề", "🏗 Xây dựng", "Cấp giấy phép xây dựng", "Muốn dừng"),
        ("en", "Touch a topic below", "🏗 Construction", "Cấp giấy phép xây dựng", "To stop"),
    ],
)
def test_the_kiosk_start_screen_offers_common_topics_as_big_tiles_at_1366x768(
    chromium: Any, tmp_path: Path, lang: str, welcome: str, tile: str, asked: str, restart: str
) -> None:
    from playwright.sync_api import expect

    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'tiles.db'}")
    app, _ = create_app(settings, scheduler=False)
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(
            locale="vi-VN", viewport={"width": 1366, "height": 768}, has_touch=True
        )
        page = context.new_page()
        page.goto(base_url + f"/?kiosk=1&lang={lang}")
        messages = page.get_by_test_id("messages")
        # The page said it is the kiosk: the welcome points at the screen, not at /huy.
        expect(messages).to_contain_text(welcome)
        expect(messages).not_to_contain_text("/huy")
        tiles = page.get_by_test_id("tile")
        expect(tiles).to_have_count(8)
        page.screenshot(path=f"/tmp/web-kiosk-tiles-{lang}.png")
        # Every tile is on the screen without scrolling and big enough for a finger.
        boxes = [tiles.nth(i).bounding_box() for i in range(8)]
        assert all(box is not None for box in boxes)
        sizes = [(box["width"] >= 160, box["height"] >= 64) for box in boxes if box]
        inside = [
            box["y"] + box["height"] <= 768 and box["x"] + box["width"] <= 1366
            for box in boxes
            if box
        ]
        assert (sizes, inside) == ([(True, True)] * 8, [True] * 8)
        page.get_by_test_id("tile").filter(has_text=tile).tap()
        expect(messages).to_contain_text(asked)
        # A job's tile opens it: the petition asks for its field, in the kiosk's words.
        page.get_by_test_id("kiosk-restart").click()
        expect(page.get_by_test_id("tile")).to_have_count(8)
        page.get_by_test_id("tile").nth(6).tap()
        expect(messages.locator(".bubble").last).to_contain_text(restart)
        expect(messages).not_to_contain_text("/huy")
        context.close()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (768, 1024)])
def test_the_kiosk_on_a_portrait_screen_fits_its_width_and_shows_the_latest_reply(
    chromium: Any, tmp_path: Path, width: int, height: int
) -> None:
    from playwright.sync_api import expect

    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'p.db'}")
    app, _ = create_app(settings, scheduler=False)
    with serve(app, lifespan="on") as base_url:
        context = chromium.new_context(
            locale="vi-VN", viewport={"width": width, "height": height}, has_touch=True
        )
        page = context.new_page()
        page.goto(base_url + "/?kiosk=1")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text("Tôi là Trợ lý Doanh nghiệp")
        # Nothing wider than the screen: no sideways scrolling, the province is not cut.
        overflow = page.evaluate(
            "[document.documentElement.scrollWidth, (e => e.scrollWidth - e.clientWidth)"
            "(document.querySelector('[data-testid=province]'))]"
        )
        assert overflow == [width, 0]
        for testid in ["kiosk-restart", "kiosk-erase", "menu-help", "input", "send", "kiosk-qr"]:
            expect(page.get_by_test_id(testid)).to_be_in_viewport(ratio=1)
        expect(page.get_by_test_id("tile").first).to_be_in_viewport(ratio=1)
        page.get_by_test_id("input").fill("đăng ký thành lập hộ kinh doanh")
        page.get_by_test_id("send").click()
        expect(messages.locator(".bubble").last).to_contain_text("📄 Đăng ký thành lập")
        page.screenshot(path=f"/tmp/web-kiosk-portrait-{width}x{height}.png")
        # The latest reply starts inside the conversation, above the input bar, with room to read.
        reply = messages.locator(".message").last.bounding_box()
        conversation = page.locator("#conversation").bounding_box()
        assert reply is not None and conversation is not None
        bottom = conversation["y"] + conversation["height"]
        assert (conversation["y"] <= reply["y"], reply["y"] + 200 <= bottom) == (True, True)
        assert page.evaluate("document.documentElement.scrollWidth") == width
        context.close()
