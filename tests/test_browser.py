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
from troly.handlers.web import ChatAnswer, ContinueLinks, web_routes

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

    async def answer(self, incoming: Incoming) -> ChatAnswer:
        self.received.append(incoming)
        if incoming.choice == "start":
            menu = (
                (Button("Hỏi thủ tục", choice="menu:ask"),),
                (Button("🌐 English", choice="lang:en"),),
            )
            return ChatAnswer([Reply(WELCOME, buttons=menu)])
        if incoming.choice == "proc:1.001612":
            link = Button("Cổng DVC", url="https://dichvucong.gov.vn")
            return ChatAnswer([Reply(CARD, buttons=((link,),))])
        if incoming.text == "thẻ dài":
            lines = [f"Dòng {n} của thẻ dài" for n in range(2, 80)]
            return ChatAnswer([Reply("\n".join(["Đầu thẻ: tên thủ tục", *lines]))])
        if incoming.choice == "lang:en" or incoming.text == "/en":
            return ChatAnswer([Reply("Switched to English.")], "en")
        if incoming.text == "/vi":
            return ChatAnswer([Reply("Đã chuyển sang tiếng Việt.")], "vi")
        if incoming.choice is not None:
            return ChatAnswer([Reply(f"Bạn chọn {incoming.choice}")])
        return ChatAnswer(
            [
                Reply(
                    f"Bạn hỏi: {incoming.text}\nCó phải bạn muốn hỏi:",
                    buttons=((Button("Thành lập doanh nghiệp tư nhân", choice="proc:1.001612"),),),
                )
            ]
        )

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
        context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
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
        expect(messages).to_contain_text("Switched to English.")
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


def test_a_long_card_is_shown_from_its_top_on_a_phone(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text(WELCOME)

        page.get_by_test_id("input").fill("thẻ dài")
        page.get_by_test_id("send").click()

        expect(messages).to_contain_text("Dòng 79 của thẻ dài")
        card = messages.locator(".bubble", has_text="Đầu thẻ").last
        card_top = card.evaluate("e => e.getBoundingClientRect().top")
        card_bottom = card.evaluate("e => e.getBoundingClientRect().bottom")
        assert 0 <= card_top < 844 / 2  # the top of the card is on the screen…
        assert card_bottom > 844  # …and its end is still below
        context.close()


def test_the_chat_page_opens_on_a_procedure_from_its_link(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
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
        context = chromium.new_context(locale="vi-VN", viewport={"width": 1080, "height": 1920})
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

    first = chat.received[0]
    starts = [m for m in chat.received if m.choice == "start"]
    forgotten = [m.user_id for m in chat.received if m.choice == "forget"]
    # Reset, the person's session is forgotten on the server (and the next one's as the page
    # closes).
    assert (starts[-1].user_id != first.user_id, forgotten[0]) == (True, first.user_id)


def test_the_kiosk_has_one_menu_and_big_buttons_that_start_over_and_erase(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 1080, "height": 1920})
        page = context.new_page()
        page.goto(base_url + "/?kiosk=1")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text(WELCOME)
        # The welcome's "Hỏi thủ tục" is a tile already: not a second menu under the message.
        expect(messages.get_by_role("button", name="Hỏi thủ tục")).to_have_count(0)
        expect(messages.get_by_role("button", name="🌐 English")).to_have_count(1)
        page.get_by_test_id("input").fill("Công ty TNHH Sông Mã, 0912345678")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Sông Mã")

        page.get_by_test_id("kiosk-erase").click()
        expect(messages).not_to_contain_text("Sông Mã")
        expect(messages).to_contain_text("Đã xóa thông tin bạn nhập trên màn hình này.")
        expect(messages).to_contain_text(WELCOME)
        page.get_by_test_id("input").fill("câu hỏi thứ hai")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("câu hỏi thứ hai")
        page.get_by_test_id("kiosk-restart").click()
        expect(messages).not_to_contain_text("câu hỏi thứ hai")
        expect(messages).to_contain_text(WELCOME)
        page.screenshot(path="/tmp/web-kiosk-actions.png")
        page.get_by_test_id("lang-en").click()
        expect(page.get_by_test_id("kiosk-restart")).to_contain_text("Start again")
        context.close()

    users = list(dict.fromkeys(m.user_id for m in chat.received if m.choice == "start"))
    forgotten = [m.user_id for m in chat.received if m.choice == "forget"]
    # Each person's session is forgotten on the server the moment they press a button.
    assert (len(users), forgotten[:2]) == (3, users[:2])


def test_a_long_petition_goes_whole_and_an_overlong_one_says_by_how_much(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    settings = Settings(petition_max_description_chars=2000)
    with serve(run_app(chat, settings)) as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(base_url + "/")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text(WELCOME)
        question = page.get_by_test_id("input")
        counter = page.get_by_test_id("counter")
        short_height = question.bounding_box()["height"]

        question.fill("Dòng một")
        question.press("Shift+Enter")
        question.press_sequentially("dòng hai ")
        question.evaluate(
            "(e) => { e.value += 'x'.repeat(1490); e.dispatchEvent(new Event('input')); }"
        )
        assert question.bounding_box()["height"] > short_height
        expect(counter).to_be_hidden()
        question.press("Enter")
        expect(messages).to_contain_text("Bạn hỏi: Dòng một")
        expect(question).to_have_value("")

        limit = 4096
        question.fill("y" * (limit + 25))
        expect(counter).to_be_visible()
        expect(counter).to_contain_text("Dài quá 25 ký tự")
        page.get_by_test_id("send").click()
        expect(question).to_have_value("y" * (limit + 25))
        question.press("End")
        for _ in range(25):
            question.press("Backspace")
        expect(counter).to_be_hidden()
        page.screenshot(path="/tmp/web-long.png")
        context.close()

    texts = [incoming.text for incoming in chat.received if incoming.text]
    assert texts == ["Dòng một\ndòng hai " + "x" * 1490]


def test_on_a_phone_enter_makes_a_new_line_and_the_button_sends(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(
            locale="vi-VN", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
        )
        page = context.new_page()
        page.goto(base_url + "/")
        expect(page.get_by_test_id("messages")).to_contain_text(WELCOME)
        question = page.get_by_test_id("input")
        question.press_sequentially("một")
        question.press("Enter")
        question.press_sequentially("hai")
        expect(question).to_have_value("một\nhai")
        page.get_by_test_id("send").tap()
        expect(page.get_by_test_id("messages")).to_contain_text("Bạn hỏi: một\nhai")
        context.close()


def test_the_page_follows_the_conversation_language(chromium: Any) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": 1080, "height": 1920})
        page = context.new_page()
        page.goto(base_url + "/?kiosk=1")
        messages = page.get_by_test_id("messages")
        expect(messages).to_contain_text(WELCOME)
        expect(page.locator("html")).to_have_attribute("lang", "vi")

        page.get_by_role("button", name="🌐 English").click()
        expect(messages).to_contain_text("Switched to English.")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("input")).to_have_attribute("placeholder", "Type your question…")
        expect(page.get_by_test_id("menu-ask")).to_have_text(re.compile("Ask about a procedure"))
        expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")

        page.get_by_test_id("input").fill("/vi")
        page.get_by_test_id("send").click()
        expect(messages).to_contain_text("Đã chuyển sang tiếng Việt.")
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.get_by_test_id("menu-ask")).to_have_text(re.compile("Hỏi thủ tục"))
        expect(page.get_by_test_id("send")).to_have_text("Gửi")

        page.get_by_test_id("input").fill("/en")
        page.get_by_test_id("send").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_test_id("send")).to_have_text("Send")
        context.close()


@pytest.mark.parametrize(
    ("width", "height"), [(1366, 768), (1280, 720), (1920, 1080), (1080, 1920)]
)
def test_the_kiosk_leaves_the_conversation_room_on_every_screen(
    chromium: Any, width: int, height: int
) -> None:
    from playwright.sync_api import expect

    chat = ScriptedChat()
    with serve(run_app(chat, Settings())) as base_url:
        context = chromium.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(base_url + "/?kiosk=1")
        expect(page.get_by_test_id("messages")).to_contain_text(WELCOME)
        page.screenshot(path=f"/tmp/web-kiosk-{width}x{height}.png")

        conversation = page.locator("#conversation").bounding_box()
        assert conversation is not None
        assert conversation["height"] >= 0.5 * height
        visible = ["menu-ask", "menu-petition", "menu-booking", "menu-help", "input", "send"]
        visible += ["kiosk-restart", "kiosk-erase"]
        for testid in [*visible, "kiosk-qr"]:
            element = page.get_by_test_id(testid)
            expect(element).to_be_in_viewport(ratio=1)
        context.close()
