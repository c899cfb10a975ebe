"""End to end: the real PTB Application (polling and webhook) against the fake Bot API server."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from fakes.telegram_server import TelegramFake
from troly.bot.cards import render_card
from troly.bot.messages import Incoming
from troly.bot.settings import Settings
from troly.handlers.app import create_app
from troly.handlers.telegram import render, split_text, utf16_units, webhook_secret
from troly.knowledge.aspects import Aspect

USER = 1001
DOCS = Aspect.DOCUMENTS


def _settings(fake: TelegramFake, tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'tg.db'}",
        telegram_token=SecretStr(fake.token),
        telegram_api_url=fake.base_url.removesuffix("/bot"),
        **extra,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[object]:
    app, runtime = create_app(settings, scheduler=False)
    async with app.router.lifespan_context(app):
        yield runtime


async def _button(message: dict[str, object], prefix: str) -> str:
    markup = message["reply_markup"]
    assert isinstance(markup, dict)
    for row in markup["inline_keyboard"]:
        for button in row:
            if button.get("callback_data", "").startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no button {prefix!r}")


async def test_polling_bot_answers_a_question_and_a_button_press_breaking_no_rule(
    tmp_path: Path,
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)):
            await fake.user_says(USER, "khôi phục mã số thuế")
            [card] = await fake.wait_for_messages(USER, 1)
            assert card["text"].startswith("📄 Khôi phục mã số thuế")
            assert len(card["text"]) <= 700
            assert card["parse_mode"] == "HTML"
            data = await _button(card, "sec:1.008510:docs:0")
            await fake.user_presses(USER, int(card["message_id"]), data)
            messages = await fake.wait_for_messages(USER, 2)
            assert messages[1]["text"].startswith("📑 Hồ sơ cần chuẩn bị")
            await fake.user_starts(USER, "p_1_001612")
            messages = await fake.wait_for_messages(USER, 3)
            assert "Đăng ký thành lập hộ kinh doanh" in messages[2]["text"]
        assert fake.unanswered_callbacks() == []
        assert fake.errors == []


async def test_follow_ups_and_typed_numbers_on_telegram(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)):
            await fake.user_says(USER, "khôi phục mã số thuế")
            await fake.user_says(USER, "thế còn lệ phí?")
            fee = (await fake.wait_for_messages(USER, 2))[1]
            assert fee["text"].splitlines()[:2] == ["📄 Khôi phục mã số thuế", "💰 Phí, lệ phí"]
            await fake.user_says(USER, "gia han giay phep xay dung")
            offer = (await fake.wait_for_messages(USER, 3))[2]
            assert offer["text"].startswith("Ý bạn là")
            rows = offer["reply_markup"]["inline_keyboard"]  # type: ignore[index]
            second = rows[1][0]["callback_data"]
            await fake.user_says(USER, "số 2")
            card = (await fake.wait_for_messages(USER, 4))[3]
            code = second.split(":")[1]
            assert f"Mã thủ tục: {code}" in card["text"]
            assert len(card["text"]) <= 700
        assert fake.errors == []


async def test_an_english_card_and_follow_up_on_telegram(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)):
            await fake.user_says(USER, "/en")
            await fake.wait_for_messages(USER, 1)
            await fake.user_says(USER, "household business registration")
            card = (await fake.wait_for_messages(USER, 2))[1]
            await fake.user_says(USER, "what about the fee?")
            fee = (await fake.wait_for_messages(USER, 3))[2]
        assert "⏱ Processing time: 3 working days" in card["text"]
        assert len(card["text"]) <= 700
        labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == [
            "📑 Documents to prepare",
            "🧭 Steps",
            "⚖️ Legal basis",
            "🌐 Submit online",
            "🔎 Ask about another procedure",
        ]
        assert fee["text"].splitlines()[:2] == ["📄 Đăng ký thành lập hộ kinh doanh", "💰 Fees"]
        assert "150.000 VND" in fee["text"]
        assert fake.errors == []


async def test_commands_are_registered_in_both_languages(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)):
            calls = [c for c in fake.calls if c.method.lower() == "setmycommands"]
        languages = sorted(str(c.params.get("language_code", "")) for c in calls)
        assert languages == ["", "en", "vi"]
        assert fake.errors == []


async def test_a_long_document_list_comes_in_pages_with_a_more_button(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)) as runtime:
            index = runtime.index  # type: ignore[attr-defined]
            longest = max(
                index.kb, key=lambda p: len(render_card(p, all_documents=True, aspect=DOCS))
            )
            assert len(render_card(longest, all_documents=True, aspect=DOCS)) > 4096
            await fake.user_starts(USER, "p_" + longest.code.replace(".", "_"))
            [card] = await fake.wait_for_messages(USER, 1)
            assert len(card["text"]) <= 700
            data = await _button(card, f"sec:{longest.code}:docs:0")
            await fake.user_presses(USER, int(card["message_id"]), data)
            first_page = (await fake.wait_for_messages(USER, 2))[1]
            assert "(trang 1/" in first_page["text"]
            more = await _button(first_page, f"sec:{longest.code}:docs:1")
            await fake.user_presses(USER, int(first_page["message_id"]), more)
            second_page = (await fake.wait_for_messages(USER, 3))[2]
            assert "(trang 2/" in second_page["text"]
        assert [len(m["text"]) <= 950 for m in fake.sent_to(USER)] == [True] * 3
        assert fake.unanswered_callbacks() == []
        assert fake.errors == []


def test_user_text_with_html_characters_is_escaped() -> None:
    from troly.bot.messages import Reply

    [(text, _)] = render(Reply("Doanh thu <5 triệu & A > B"))
    assert text == "Doanh thu &lt;5 triệu &amp; A &gt; B"


def test_splitting_counts_utf16_units_and_prefers_line_breaks() -> None:
    text = ("Dòng có dấu tiếng Việt 😀\n" * 400).strip()
    pieces = split_text(text, limit=4096)
    assert len(pieces) > 1
    assert all(utf16_units(p) <= 4096 for p in pieces)
    assert all(p.endswith("😀") for p in pieces)


def _free_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def test_webhook_mode_checks_the_secret_and_handles_a_redelivery_once(
    tmp_path: Path,
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        sock = _free_port()
        port = sock.getsockname()[1]
        settings = _settings(fake, tmp_path, public_url=f"http://127.0.0.1:{port}")
        app, _ = create_app(settings, scheduler=False)
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", lifespan="on", log_config=None)
        )
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes no startup event
                await asyncio.sleep(0.02)
            assert fake.webhook.url == f"http://127.0.0.1:{port}/telegram/webhook"
            await fake.user_says(USER, "khôi phục mã số thuế")
            [card] = await fake.wait_for_messages(USER, 1)
            assert card["text"].startswith("📄 Khôi phục mã số thuế")

            update = {
                "update_id": 777,
                "message": {
                    "message_id": 5,
                    "date": 1_700_000_000,
                    "chat": {"id": USER, "type": "private"},
                    "from": {"id": USER, "is_bot": False, "first_name": "An"},
                    "text": "/trogiup",
                },
            }
            url = f"http://127.0.0.1:{port}/telegram/webhook"
            secret = webhook_secret(settings)
            async with httpx.AsyncClient() as client:
                wrong = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
                )
                first = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
                again = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
                garbage = await client.post(
                    url, content=b"{", headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
                deep = await client.post(
                    url,
                    content=b"[" * 5000 + b"]" * 5000,
                    headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                )
            assert (wrong.status_code, first.status_code, again.status_code) == (403, 200, 200)
            assert (garbage.status_code, deep.status_code) == (400, 400)
            await fake.wait_for_messages(USER, 2)
            await asyncio.sleep(0.3)
            helps = [m for m in fake.sent_to(USER) if "Cách dùng" in m["text"]]
            assert len(helps) == 1
        finally:
            server.should_exit = True
            await task
        assert fake.errors == []


async def test_a_flood_limited_send_is_retried_by_the_outbox(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)) as runtime:
            fake.inject_429(times=1, retry_after=1, methods=["sendMessage"])
            await fake.user_says(USER, "/trogiup")
            await fake.wait_until(lambda: len(fake.injected) == 1, timeout=5)
            assert fake.sent_to(USER) == []
            await asyncio.sleep(1.1)
            await runtime.tick()  # type: ignore[attr-defined]
            [reply] = await fake.wait_for_messages(USER, 1)
            assert "Cách dùng" in reply["text"]
        assert fake.errors == []


async def test_a_user_who_blocked_the_bot_is_not_retried(tmp_path: Path) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)) as runtime:
            await fake.user_says(USER, "/start")
            await fake.wait_for_messages(USER, 1)
            fake.block(USER)
            # A reply produced while the user had blocked the bot (e.g. a scheduled one).
            dialogue = runtime.dialogue  # type: ignore[attr-defined]
            await dialogue.handle(Incoming(channel="telegram", user_id=str(USER), text="/menu"))
            await dialogue.handle(Incoming(channel="telegram", user_id=str(USER), text="/help"))
            await runtime.tick()  # type: ignore[attr-defined]
            await runtime.tick()  # type: ignore[attr-defined]
        assert [e.status for e in fake.errors] == [403]


def test_the_update_json_shape_is_not_parsed_by_hand() -> None:
    # to_incoming works on PTB objects; this guards the literal Telegram JSON it is fed.
    from telegram import Bot, Update

    from troly.handlers.telegram import to_incoming

    data = json.loads(
        '{"update_id": 9, "callback_query": {"id": "c1", "chat_instance": "x",'
        ' "data": "docs:1.008510",'
        ' "from": {"id": 5, "is_bot": false, "first_name": "B", "language_code": "en"},'
        ' "message": {"message_id": 3, "date": 1, "chat": {"id": 5, "type": "private"}}}}'
    )
    incoming = to_incoming(Update.de_json(data, Bot("1:x")))
    assert incoming is not None
    assert (incoming.choice, incoming.user_id, incoming.locale, incoming.event_id) == (
        "docs:1.008510",
        "5",
        "en",
        "9",
    )


@pytest.mark.parametrize("payload", ["p_1_001612", "p_2_002042"])
def test_deep_link_payloads_follow_telegrams_rules(payload: str) -> None:
    import re

    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)
