"""The fake Telegram Bot API enforces Telegram's rules, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import time
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update, helpers
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from fakes.telegram_server import (
    CALLBACK_INVALID,
    FloodLimits,
    HtmlParseError,
    ManualClock,
    TelegramFake,
    parse_telegram_html,
    serve_asgi,
    utf16_len,
)

T = "123456:TEST-token"
USER = 1001
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
async def fake() -> AsyncIterator[TelegramFake]:
    async with TelegramFake(token=T, local_mode=True) as f:
        yield f


@pytest.fixture
async def bot(fake: TelegramFake) -> AsyncIterator[Bot]:
    async with Bot(T, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it PTB 22 warns (PTBDeprecationWarning) whenever it builds a RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def build_app(fake: TelegramFake, **kw: Any) -> Application:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(fake.token).base_url(fake.base_url)
    builder = builder.base_file_url(fake.base_file_url)
    if "rate_limiter" in kw:
        builder = builder.rate_limiter(kw["rate_limiter"])
    return builder.build()


# --------------------------------------------------------------------------- HTML parser


def test_html_unescaped_price_rejected_escaped_accepted() -> None:
    with pytest.raises(HtmlParseError):
        parse_telegram_html("<5 triệu & A")
    assert parse_telegram_html(html.escape("<5 triệu & A", quote=False)) == ("<5 triệu & A", [])


@pytest.mark.parametrize("bad", [
    "A & B", "A > B", "&nbsp;", "&copy;", "<div>x</div>", "<br>", "<p>x</p>", "<b>x",
    "x</b>", "<b><i>x</b></i>", "<span>x</span>", '<span class="other">x</span>',
    "<code><b>x</b></code>", "<blockquote><blockquote>x</blockquote></blockquote>",
    "<tg-emoji>x</tg-emoji>", '<a href="x">y', "&#0;",
])  # fmt: skip
def test_html_violations(bad: str) -> None:
    with pytest.raises(HtmlParseError):
        parse_telegram_html(bad)


def test_html_entities_and_offsets_in_utf16() -> None:
    text, ents = parse_telegram_html(
        "😀 <B>Đậm</B> <i>nghiêng <u>gạch</u></i> &#272;&#x1F600;&quot; "
        '<a href="https://x.vn/?a=1&amp;b=2">link</a> '
        '<span class="tg-spoiler">ẩn</span> <tg-spoiler>ẩn</tg-spoiler>'
    )
    assert text == '😀 Đậm nghiêng gạch Đ😀" link ẩn ẩn'
    bold = next(e for e in ents if e["type"] == "bold")
    assert (bold["offset"], bold["length"]) == (3, 3)  # the emoji takes two UTF-16 units
    assert {e["type"] for e in ents} == {"bold", "italic", "underline", "text_link", "spoiler"}
    assert next(e for e in ents if e["type"] == "text_link")["url"] == "https://x.vn/?a=1&b=2"


def test_html_pre_code_language_and_expandable_blockquote() -> None:
    text, ents = parse_telegram_html(
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>trích</blockquote><code>c</code>"
    )
    assert text == "x = 1tríchc"
    assert ents == [
        {"type": "pre", "language": "python", "offset": 0, "length": 5},
        {"type": "expandable_blockquote", "offset": 5, "length": 5},
        {"type": "code", "offset": 10, "length": 1},
    ]


def test_nfd_vietnamese_counts_more_utf16_units() -> None:
    nfc = "Nghị định về thuế"
    nfd = unicodedata.normalize("NFD", nfc)
    assert utf16_len(nfc) == len(nfc) == 17
    assert utf16_len(nfd) > 20
    assert utf16_len("😀") == 2


# --------------------------------------------------------------------------- routing and bodies


async def test_routing_tokens_and_methods(fake: TelegramFake, bot: Bot) -> None:
    async with httpx.AsyncClient() as raw:
        r = await raw.post(f"{fake.base_url}999:WRONG-token/getMe")
        assert (r.status_code, r.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
        me = (await raw.get(f"{fake.base_url}{T}/GETME")).json()["result"]
        assert me["username"] == fake.bot_username
        assert (await raw.post(f"{fake.base_url}{T}/noSuchMethod")).status_code == 404
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    wrong = Bot("999:WRONG-token", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()  # getMe
    await wrong.shutdown()
    assert [e.status for e in fake.errors] == [401, 404, 404, 401]


async def test_json_query_and_form_bodies_decode_complex_fields(fake: TelegramFake) -> None:
    await fake.user_says(USER, "/start")
    markup = {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    async with httpx.AsyncClient(base_url=f"{fake.base_url}{T}/") as raw:
        r1 = await raw.post(
            "sendMessage", json={"chat_id": USER, "text": "json", "reply_markup": markup}
        )
        r2 = await raw.get("sendMessage", params={"chat_id": str(USER), "text": "query"})
        r3 = await raw.post(
            "sendMessage", data={"chat_id": str(USER), "text": "form", "reply_markup": str(markup)}
        )  # not JSON
    assert r1.json()["result"]["reply_markup"] == markup
    assert r2.json()["result"]["text"] == "query"
    assert r3.status_code == 400
    assert "can't parse reply keyboard markup" in r3.json()["description"]
    assert [m["text"] for m in fake.sent_to(USER)] == ["json", "query"]


async def test_message_objects_parse_in_ptb(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    msg = await bot.send_message(
        USER, "<b>Chào</b> bạn", parse_mode="HTML", reply_markup=keyboard([("Hỏi", "ask:1")])
    )
    assert msg.text == "Chào bạn"
    assert msg.from_user is not None and msg.from_user.is_bot
    assert msg.chat.id == USER
    assert msg.reply_markup == keyboard([("Hỏi", "ask:1")])
    record = fake.sent_to(USER)[0]
    assert record["raw_text"] == "<b>Chào</b> bạn"
    assert record["parse_mode"] == "HTML"
    assert record["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ask:1"
    assert fake.errors == []


# --------------------------------------------------------------------------- text rules


async def test_text_length_and_emptiness(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    for text in ("", "   "):
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(USER, text)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # tags are free
    await bot.send_message(USER, "ệ" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, unicodedata.normalize("NFD", "ệ" * 1366))  # 4098 units
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "😀" * 2049)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(USER, b"%PDF-1.4", filename="a.pdf", caption="x" * 1025)
    assert len(fake.sent_to(USER)) == 2


async def test_unescaped_html_is_bad_request(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "Vốn <5 triệu & A", parse_mode="HTML")
    await bot.send_message(USER, html.escape("Vốn <5 triệu & A"), parse_mode="HTML")
    assert fake.sent_to(USER)[0]["text"] == "Vốn <5 triệu & A"
    assert [e.description.split(":")[1].strip() for e in fake.errors] == ["can't parse entities"]


# --------------------------------------------------------------------------- keyboards


async def test_callback_data_is_limited_in_utf8_bytes(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    await bot.send_message(USER, "ok", reply_markup=keyboard([("x", "a" * 64)]))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard([("x", "a" * 65)]))
    viet = "chọn:thủ tục đăng ký"  # 20 characters, more bytes
    assert len(viet) <= 64 < len((viet * 3).encode())
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard([("x", viet * 3)]))


async def test_inline_keyboard_shape(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    no_action = InlineKeyboardMarkup([[InlineKeyboardButton("chỉ chữ")]])
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(USER, "x", reply_markup=no_action)
    two = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="https://a.vn", callback_data="d")]])
    with pytest.raises(BadRequest, match=r"(?i)exactly one"):
        await bot.send_message(USER, "x", reply_markup=two)
    with pytest.raises(BadRequest, match=r"(?i)in a row"):
        await bot.send_message(
            USER, "x", reply_markup=keyboard([(str(i), str(i)) for i in range(9)])
        )
    rows = [[(f"{r}{c}", f"{r}:{c}") for c in range(8)] for r in range(13)]  # 104 buttons
    with pytest.raises(BadRequest, match=r"(?i)too many"):
        await bot.send_message(USER, "x", reply_markup=keyboard(*rows))
    await bot.send_message(USER, "x", reply_markup=keyboard(*rows[:12]))  # 96 buttons


# --------------------------------------------------------------------------- callbacks


async def test_callback_queries_must_be_answered_once(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    msg = await bot.send_message(USER, "Chọn", reply_markup=keyboard([("A", "a"), ("B", "b")]))
    with pytest.raises(ValueError, match="no button"):
        await fake.user_presses(USER, msg.message_id, "zzz")
    await fake.user_presses(USER, msg.message_id, "a")
    await fake.user_presses(USER, msg.message_id, "b")
    updates = await bot.get_updates()
    first, second = (u.callback_query for u in updates[1:])
    assert first is not None and second is not None and first.data == "a"
    assert first.message is not None and first.message.message_id == msg.message_id
    assert await first.answer("Đã nhận")
    with pytest.raises(BadRequest) as exc:
        await first.answer()
    assert CALLBACK_INVALID.lower().endswith(exc.value.message.lower())
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("123")
    with pytest.raises(BadRequest):
        await second.answer("x" * 201)
    assert fake.unanswered_callbacks() == [
        {
            "id": second.id,
            "user_id": USER,
            "chat_id": USER,
            "message_id": msg.message_id,
            "data": "b",
        }
    ]
    assert fake.callback_answer(first.id) == {
        "text": "Đã nhận",
        "show_alert": False,
        "url": None,
        "cache_time": None,
    }


async def test_callback_query_expires() -> None:
    clock = ManualClock()
    async with (
        TelegramFake(token=T, clock=clock, callback_ttl=15) as fake,
        Bot(T, base_url=fake.base_url) as bot,
    ):
        await fake.user_says(USER, "/start")
        msg = await bot.send_message(USER, "Chọn", reply_markup=keyboard([("A", "a")]))
        update = await fake.user_presses(USER, msg.message_id, "a")
        clock.advance(16)
        with pytest.raises(BadRequest, match=r"(?i)too old"):
            await bot.answer_callback_query(update["callback_query"]["id"])


# --------------------------------------------------------------------------- flood control


async def test_flood_per_chat(ptb_timedelta: None) -> None:
    clock = ManualClock()
    async with (
        TelegramFake(token=T, clock=clock, flood=FloodLimits(per_chat_burst=2)) as fake,
        Bot(T, base_url=fake.base_url) as bot,
    ):
        await fake.user_says(USER, "/start")
        await bot.send_message(USER, "1")
        await bot.send_message(USER, "2")
        with pytest.raises(RetryAfter) as exc:
            await bot.send_message(USER, "3")
        assert exc.value.retry_after == dtm.timedelta(seconds=1)
        assert fake.errors[0].description == "Too Many Requests: retry after 1"
        assert fake.errors[0].parameters == {"retry_after": 1}
        clock.advance(1)
        await bot.send_message(USER, "3")
        fake.flood.enabled = False
        for i in range(5):
            await bot.send_message(USER, str(i))
        assert len(fake.sent_to(USER)) == 8


async def test_flood_group_and_global(ptb_timedelta: None) -> None:
    clock = ManualClock()
    limits = FloodLimits(per_chat_burst=100, group_per_minute=3, global_per_second=5)
    async with (
        TelegramFake(token=T, clock=clock, flood=limits) as fake,
        Bot(T, base_url=fake.base_url) as bot,
    ):
        fake.add_group(-100123)
        for i in range(3):
            await bot.send_message(-100123, str(i))
        with pytest.raises(RetryAfter) as exc:
            await bot.send_message(-100123, "4")
        assert exc.value.retry_after == dtm.timedelta(seconds=60)
        clock.advance(60)
        await bot.send_message(-100123, "4")
        for uid in range(1, 6):
            await fake.user_says(uid, "/start")
        for uid in range(1, 5):  # 4 + the group message above = 5 in this second
            await bot.send_message(uid, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(5, "x")
        clock.advance(1)
        await bot.send_message(5, "x")


async def test_injected_429_and_rate_limiter_retry(
    fake: TelegramFake, bot: Bot, ptb_timedelta: None
) -> None:
    await fake.user_says(USER, "/start")
    fake.inject_429(times=1, retry_after=3)
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(USER, "x")
    assert exc.value.retry_after == dtm.timedelta(seconds=3)
    assert fake.sent_to(USER) == [] and fake.errors == []
    assert [(e.status, e.parameters) for e in fake.injected] == [(429, {"retry_after": 3})]

    app = build_app(fake, rate_limiter=AIORateLimiter(max_retries=1))
    async with app:
        fake.inject_429(times=1, retry_after=1, methods=["sendMessage"])
        started = time.monotonic()
        await app.bot.send_message(USER, "sau khi chờ")
        assert time.monotonic() - started >= 1.0
    assert [m["text"] for m in fake.sent_to(USER)] == ["sau khi chờ"]
    assert len(fake.injected) == 2 and fake.errors == []


async def test_injected_5xx_and_slow_responses(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    fake.inject_error(status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
            await bot.send_message(USER, "x")
    fake.inject_delay(0.5, methods=["sendMessage"])
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "chậm", read_timeout=0.1)
    # Like Telegram, the slow request was still executed: a naive retry would duplicate it.
    assert [m["text"] for m in await fake.wait_for_messages(USER, 1)] == ["chậm"]
    assert fake.errors == [] and len(fake.injected) == 2


# --------------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_early_when_update_arrives(fake: TelegramFake, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_until(lambda: fake.polling)
    sent = await fake.user_says(USER, "xin chào")
    updates = await poll
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [sent["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "xin chào"


async def test_long_poll_waits_for_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.95


async def test_offset_limit_and_increasing_ids(fake: TelegramFake, bot: Bot) -> None:
    for i in range(5):
        await fake.user_says(USER, f"m{i}")
    ids = [u.update_id for u in await bot.get_updates()]
    assert ids == sorted(ids) and len(set(ids)) == 5 and ids[-1] - ids[0] == 4
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2])] == ids[2:]  # confirms 0-1
    assert [u["update_id"] for u in fake.pending_updates()] == ids[2:]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]  # forgets others
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert fake.pending_updates() == []
    new = await fake.user_says(USER, "sau")
    assert new["update_id"] > ids[-1]


async def test_allowed_updates_filter(fake: TelegramFake, bot: Bot) -> None:
    member = {"chat": {"id": -100123, "type": "supergroup", "title": "x"}}
    assert fake.push_update("chat_member", member)["update_id"] is None  # default excludes it
    assert fake.push_update("message_reaction", {})["update_id"] is None
    await bot.get_updates(allowed_updates=["message", "chat_member"])
    assert fake.push_update("chat_member", member)["update_id"] is not None
    assert fake.push_update("callback_query", {"id": "1"})["update_id"] is None
    assert [next(k for k in u if k != "update_id") for u in fake.pending_updates()] == [
        "chat_member"
    ]
    assert len(fake.dropped_updates) == 3


async def test_get_updates_conflicts(fake: TelegramFake, bot: Bot) -> None:
    async with Bot(T, base_url=fake.base_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await fake.wait_until(lambda: fake.polling)
        assert await other.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
            await first
    await bot.set_webhook("https://example.com/hook")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert [e.status for e in fake.errors] == [409, 409]


# --------------------------------------------------------------------------- webhooks


async def test_set_webhook_rules() -> None:
    async with TelegramFake(token=T) as strict, Bot(T, base_url=strict.base_url) as bot:
        for url in (
            "http://example.com/hook",
            "https://example.com:8080/hook",
            "http://127.0.0.1:9999/hook",
        ):
            with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
                await bot.set_webhook(url)
        for bad in (
            {"secret_token": "có dấu"},
            {"secret_token": "a" * 257},
            {"max_connections": 0},
            {"max_connections": 101},
        ):
            with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
                await bot.set_webhook("https://example.com/hook", **bad)
        await strict.user_says(USER, "đang chờ")
        assert await bot.set_webhook(
            "https://example.com:8443/hook", secret_token="s-1_A", max_connections=1
        )
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count, info.max_connections) == (
            "https://example.com:8443/hook",
            1,
            1,
        )
        await bot.set_webhook("https://example.com:88/hook", drop_pending_updates=True)
        assert (await bot.get_webhook_info()).pending_update_count == 0
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    async with (
        TelegramFake(token=T, local_mode=True) as local,
        Bot(T, base_url=local.base_url) as bot,
    ):
        assert await bot.set_webhook("http://127.0.0.1:9999/hook")
        with pytest.raises(BadRequest, match=r"(?i)HTTPS"):
            await bot.set_webhook("http://example.com/hook")


async def test_webhook_redelivers_same_update_after_500(fake: TelegramFake, bot: Bot) -> None:
    seen: list[tuple[int, str | None, str]] = []

    async def hook(request: Request) -> Response:
        body = await request.json()
        seen.append(
            (
                body["update_id"],
                request.headers.get("x-telegram-bot-api-secret-token"),
                request.headers["content-type"],
            )
        )
        return Response(status_code=500 if len(seen) == 1 else 200)

    async with serve_asgi(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as base:
        await bot.set_webhook(f"{base}/hook", secret_token="bi-mat_1")
        update = await fake.user_says(USER, "qua webhook")
        await fake.wait_until(lambda: any(a.ok for a in fake.webhook.attempts))
    uid = update["update_id"]
    assert seen == [(uid, "bi-mat_1", "application/json")] * 2
    assert [(a.update_id, a.status) for a in fake.webhook.attempts] == [(uid, 500), (uid, 200)]
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None


async def test_webhook_slow_reply_is_redelivered() -> None:
    release = asyncio.Event()
    calls: list[int] = []

    async def hook(request: Request) -> Response:
        calls.append((await request.json())["update_id"])
        if len(calls) == 1:
            await release.wait()  # answers only after the fake gave up waiting
        return Response()

    async with (
        TelegramFake(token=T, local_mode=True, webhook_timeout=0.2) as fake,
        Bot(T, base_url=fake.base_url) as bot,
        serve_asgi(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as base,
    ):
        await bot.set_webhook(f"{base}/hook")
        update = await fake.user_says(USER, "chậm")
        await fake.wait_until(lambda: any(a.ok for a in fake.webhook.attempts))
        release.set()
        assert calls == [update["update_id"]] * 2
        assert fake.webhook.attempts[0].error == "Read timeout expired"


async def test_webhook_gives_up_after_max_attempts() -> None:
    async def hook(request: Request) -> Response:
        return Response(status_code=502)

    async with (
        TelegramFake(token=T, local_mode=True, webhook_max_attempts=3) as fake,
        Bot(T, base_url=fake.base_url) as bot,
        serve_asgi(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as base,
    ):
        await bot.set_webhook(f"{base}/hook")
        update = await fake.user_says(USER, "mất")
        await fake.wait_until(lambda: fake.webhook.gave_up)
        assert [a.update_id for a in fake.webhook.attempts] == [update["update_id"]] * 3
        assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_updates_expire_after_24_hours() -> None:
    clock = ManualClock()
    async with TelegramFake(token=T, clock=clock) as fake, Bot(T, base_url=fake.base_url) as bot:
        await fake.user_says(USER, "cũ")
        clock.advance(24 * 3600 - 1)
        await fake.user_says(USER, "mới")
        clock.advance(2)
        assert [u.message.text for u in await bot.get_updates() if u.message] == ["mới"]


async def test_ptb_application_behind_a_webhook(fake: TelegramFake) -> None:
    app = ApplicationBuilder().token(T).base_url(fake.base_url).updater(None).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text.upper())

    app.add_handler(MessageHandler(filters.TEXT, echo))

    async def hook(request: Request) -> Response:
        if request.headers.get("x-telegram-bot-api-secret-token") != "s3cret":
            return Response(status_code=403)
        await app.update_queue.put(Update.de_json(await request.json(), app.bot))
        return Response()

    async with app, serve_asgi(Starlette(routes=[Route("/tg", hook, methods=["POST"])])) as base:
        await app.start()
        await app.bot.set_webhook(f"{base}/tg", secret_token="s3cret")
        await fake.user_says(USER, "xin chào")
        replies = await fake.wait_for_messages(USER, 1)
        await app.stop()
    assert replies[0]["text"] == "XIN CHÀO"
    assert fake.errors == [] and fake.pending_updates() == []


# --------------------------------------------------------------------------- chats


async def test_chat_rules(fake: TelegramFake, bot: Bot) -> None:
    fake.add_user(2002, "Bình")  # known (e.g. from a group) but never pressed Start
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(2002, "chào")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(3003, "chào")
    await fake.user_says(USER, "/start")
    msg = await bot.send_message(USER, "Đang xử lý")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Đang xử lý", USER, msg.message_id)
    await bot.edit_message_text("Xong", USER, msg.message_id)
    assert fake.sent_to(USER)[0]["text"] == "Xong"
    assert fake.sent_to(USER)[0]["edits"][0]["text"] == "Đang xử lý"
    fake.block(USER)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(USER, "còn đó không?")
    fake.add_group(-100500)
    fake.migrate_group(-100500, -1009999)
    with pytest.raises(ChatMigrated) as exc:
        await bot.send_message(-100500, "x")
    assert exc.value.new_chat_id == -1009999
    await bot.send_message(-1009999, "x")
    fake.kick_bot(-1009999)
    with pytest.raises(Forbidden, match=r"(?i)kicked"):
        await bot.send_message(-1009999, "x")


async def test_edit_text_without_markup_drops_keyboard(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    msg = await bot.send_message(USER, "Chọn", reply_markup=keyboard([("A", "a")]))
    edited = await bot.edit_message_text("Đã chọn A", USER, msg.message_id)
    assert isinstance(edited, type(msg)) and edited.reply_markup is None
    with pytest.raises(ValueError, match="no button"):
        await fake.user_presses(USER, msg.message_id, "a")
    await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard([("B", "b")]))
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(
            USER, msg.message_id, reply_markup=keyboard([("B", "b")])
        )


async def test_files_multipart_and_download(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    doc = await bot.send_document(
        USER, "Hồ sơ".encode(), filename="ho-so.txt", caption="<b>Hồ sơ</b>", parse_mode="HTML"
    )
    assert doc.document is not None and doc.caption == "Hồ sơ"
    photo = await bot.send_photo(USER, PNG, caption="ảnh")
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(USER, b"%PDF-1.4 not an image")
    record = fake.sent_to(USER)[0]
    assert (record["file_name"], record["document"]["content"]) == ("ho-so.txt", "Hồ sơ".encode())
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == "Hồ sơ".encode()
    again = await bot.send_document(USER, doc.document.file_id)  # resend by file_id
    assert again.document is not None
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(USER, "no-such-file-id")
    assert photo.photo and fake.sent_to(USER)[1]["caption"] == "ảnh"


async def test_chat_action_and_commands(fake: TelegramFake, bot: Bot) -> None:
    await fake.user_says(USER, "/start")
    assert await bot.send_chat_action(USER, "typing")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(USER, "dancing")
    assert await bot.set_my_commands([("start", "Bắt đầu"), ("thu_tuc", "Tra cứu thủ tục")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "thu_tuc"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("ThuTuc", "viết hoa")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


# --------------------------------------------------------------------------- forums


async def test_forum_topics(fake: TelegramFake, bot: Bot) -> None:
    fake.add_group(-100777, "Cán bộ", forum=True, bot_can_manage_topics=True)
    fake.add_group(-100888, "Nhóm thường")
    fake.add_group(-100999, "Diễn đàn khác", forum=True)  # bot lacks can_manage_topics
    topic = await bot.create_forum_topic(-100777, "Hồ sơ #42")
    assert topic.name == "Hồ sơ #42" and topic.icon_color == 7322096
    msg = await bot.send_message(-100777, "Có hồ sơ mới", message_thread_id=topic.message_thread_id)
    assert msg.message_thread_id == topic.message_thread_id and msg.is_topic_message
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(-100777, "x", message_thread_id=topic.message_thread_id + 50)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(-100888, "x", message_thread_id=topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.create_forum_topic(-100999, "x")
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.create_forum_topic(-100888, "x")
    with pytest.raises(BadRequest, match=r"(?i)1-128"):
        await bot.create_forum_topic(-100777, "x" * 129)
    assert fake.sent_to(-100777)[0]["message_thread_id"] == topic.message_thread_id


# --------------------------------------------------------------------------- whole application


async def test_application_polling_replies_and_answers_callbacks(fake: TelegramFake) -> None:
    app = build_app(fake)
    starts: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        starts.append(list(context.args or []))
        await update.message.reply_text("Chào bạn!", reply_markup=keyboard([("Hỏi", "ask:1")]))

    async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"Bạn nói: {update.message.text}")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Đã chọn {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, text))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        link = helpers.create_deep_linked_url(fake.bot_username, "hs_2024-01")
        await fake.open_deep_link(USER, link, first_name="An")
        [welcome] = await fake.wait_for_messages(USER, 1)
        await fake.user_presses(USER, welcome["message_id"], "ask:1")
        await fake.user_says(USER, "xin chào")
        await fake.wait_for_messages(USER, 2)
        await fake.wait_until(lambda: fake.sent_to(USER)[0]["text"] == "Đã chọn ask:1")
        fake.add_group(-100777, forum=True)
        thread = fake.add_topic(-100777, "Hỏi đáp")
        await fake.group_member_says(-100777, 7, "trong chủ đề", thread_id=thread)
        [in_topic] = await fake.wait_for_messages(-100777, 1)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert starts == [["hs_2024-01"]]
    assert [m["text"] for m in fake.sent_to(USER)] == ["Đã chọn ask:1", "Bạn nói: xin chào"]
    assert in_topic["message_thread_id"] == thread
    assert fake.unanswered_callbacks() == []
    assert fake.errors == []
    assert fake.pending_updates() == []  # PTB confirmed everything on stop


async def test_deep_link_payload_rules(fake: TelegramFake) -> None:
    update = await fake.user_starts(USER, "a" * 64)
    assert update["message"]["text"] == "/start " + "a" * 64
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    for bad in ("a" * 65, "có dấu", "a b", "x!"):
        with pytest.raises(ValueError, match="deep-link payload"):
            await fake.user_starts(USER, bad)
    with pytest.raises(ValueError, match="not a link"):
        await fake.open_deep_link(USER, "https://t.me/other_bot?start=x")
