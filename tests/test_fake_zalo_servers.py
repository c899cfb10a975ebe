"""The fake Zalo servers enforce the platforms' rules (facts/channels.md, "What a local fake
server must enforce"), so the end-to-end tests mean something."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fakes.telegram_server import serve_asgi
from fakes.zalo_bot_server import ZaloBotFake, is_public_https
from fakes.zalo_oa_server import ZaloOAFake
from support import Clock

USER = "8123456789012345678"


@asynccontextmanager
async def receiver(*statuses: int, delay: float = 0.0) -> AsyncIterator[tuple[str, list[Any]]]:
    """A webhook receiver answering the given statuses in turn (then 200); records requests."""
    seen: list[tuple[dict[str, str], bytes]] = []
    answers = list(statuses)

    async def endpoint(request: Request) -> Response:
        seen.append((dict(request.headers), await request.body()))
        if delay and len(seen) == 1:
            await asyncio.sleep(delay)
        return Response(status_code=answers.pop(0) if answers else 200)

    app = Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])
    async with serve_asgi(app) as url:
        yield f"{url}/hook", seen


# --------------------------------------------------------------------------- OA


async def _cs(fake: ZaloOAFake, body: Any, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{fake.api_url}/v3.0/oa/message/cs", json=body, headers=headers)


async def _refresh(fake: ZaloOAFake, token: str, **override: Any) -> httpx.Response:
    form = {"app_id": fake.app_id, "grant_type": "refresh_token", "refresh_token": token}
    headers = {"secret_key": fake.app_secret, **override.pop("headers", {})}
    async with httpx.AsyncClient() as client:
        if override.pop("as_json", False):
            return await client.post(f"{fake.oauth_url}/v4/oa/access_token", json=form,
                                     headers=headers)  # fmt: skip
        return await client.post(f"{fake.oauth_url}/v4/oa/access_token", data=form,
                                 headers=headers)  # fmt: skip


def _text(user: Any, text: str = "Xin chào") -> dict[str, Any]:
    return {"recipient": {"user_id": user}, "message": {"text": text}}


async def test_oa_fake_wants_the_access_token_header_and_answers_errors_with_200() -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake:
        fake.last_interaction[USER] = clock()
        bearer = await _cs(fake, _text(USER), Authorization=f"Bearer {fake.access_token}")
        ok = await _cs(fake, _text(USER), access_token=fake.access_token)
        clock.advance(hours=25)
        fake.last_interaction[USER] = clock()
        expired = await _cs(fake, _text(USER), access_token=fake.access_token)
    assert [r.status_code for r in (bearer, ok, expired)] == [200, 200, 200]
    assert [r.json()["error"] for r in (bearer, ok, expired)] == [-216, 0, -220]
    assert ok.json()["data"]["quota"]["quota_type"] == "reply"


async def test_oa_fake_refresh_tokens_work_once_and_kill_the_old_access_token() -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake:
        fake.last_interaction[USER] = clock()
        old_access, old_refresh = fake.access_token, fake.refresh_token
        first = await _refresh(fake, old_refresh)
        again = await _refresh(fake, old_refresh)
        stale = await _cs(fake, _text(USER), access_token=old_access)
        fresh = await _cs(fake, _text(USER), access_token=first.json()["access_token"])
        no_secret = await _refresh(fake, fake.refresh_token, headers={"secret_key": "wrong"})
        as_json = await _refresh(fake, fake.refresh_token, as_json=True)
    assert first.json()["expires_in"] == "90000"
    assert first.json()["refresh_token"] != old_refresh
    assert again.json()["error"] < 0
    assert (stale.json()["error"], fresh.json()["error"]) == (-216, 0)
    assert no_secret.json()["error"] < 0 and as_json.json()["error"] < 0
    assert fake.refresh_calls == [
        "ok", "refresh token spent or unknown", "bad secret_key", "not form-encoded",
    ]  # fmt: skip


async def test_oa_fake_keeps_the_7_day_window_and_flags_billable_messages() -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock, access_lifetime=timedelta(days=30)) as fake:
        never = await _cs(fake, _text(USER), access_token=fake.access_token)
        fake.last_interaction[USER] = clock()
        clock.advance(days=3)
        billable = await _cs(fake, _text(USER), access_token=fake.access_token)
        clock.advance(days=4, seconds=1)
        outside = await _cs(fake, _text(USER), access_token=fake.access_token)
    assert [r.json()["error"] for r in (never, billable, outside)] == [-232, 0, -230]
    assert [m.billable for m in fake.sent] == [True]


async def test_oa_fake_checks_the_body_and_the_buttons() -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake:
        fake.last_interaction[USER] = clock()
        token = fake.access_token

        def buttons(*items: dict[str, Any]) -> dict[str, Any]:
            return {"recipient": {"user_id": USER}, "message": {"text": "x", "attachment": {
                "type": "template", "payload": {"buttons": list(items)}}}}  # fmt: skip

        show = {"title": "Một", "type": "oa.query.show", "payload": "docs:1"}
        bodies = [
            _text(int(USER)),
            _text(USER, "x" * 2001),
            _text(USER, ""),
            buttons(*[show] * 6),
            buttons({"title": "Một", "type": "oa.click.me", "payload": "x"}),
            buttons({"title": "Web", "type": "oa.open.url", "payload": "https://x.vn"}),
            buttons({"title": "Hỏi", "type": "oa.query.show", "payload": {"q": 1}}),
            buttons(
                show,
                {
                    "title": "Web",
                    "type": "oa.open.url",
                    "payload": {"url": "https://dichvucong.gov.vn"},
                },
            ),
            _text(USER, "x" * 2000),
        ]
        answers = [(await _cs(fake, body, access_token=token)).json()["error"] for body in bodies]
    assert answers == [-201] * 7 + [0, 0]


async def test_oa_fake_rate_limit_answers_minus_32_with_its_headers() -> None:
    clock = Clock()
    async with ZaloOAFake(clock=clock, rate_per_minute=2) as fake:
        fake.last_interaction[USER] = clock()
        answers = [await _cs(fake, _text(USER), access_token=fake.access_token) for _ in range(3)]
        clock.advance(seconds=60)
        later = await _cs(fake, _text(USER), access_token=fake.access_token)
    assert [r.json()["error"] for r in (*answers, later)] == [0, 0, -32, 0]
    assert answers[2].headers["X-RateLimit-Limit"] == "2"
    assert answers[2].headers["X-RateLimit-Remain"] == "0"


async def test_oa_fake_signs_the_raw_body_and_sends_again_with_num_retry() -> None:
    async with ZaloOAFake() as fake, receiver(500, 503) as (url, seen):
        fake.webhook_url = url
        first = await fake.user_says(USER, "Xin chào & tạm biệt")
        await fake.wait_until(lambda: len(fake.deliveries) == 3)
    assert first.status == 500
    [(headers, raw), *_] = seen
    data = json.loads(raw)
    assert isinstance(data["timestamp"], str) and isinstance(data["sender"]["id"], str)
    expected = hashlib.sha256(
        data["app_id"].encode() + raw + data["timestamp"].encode() + fake.oa_secret.encode()
    ).hexdigest()
    assert headers["x-zevent-signature"] == f"mac={expected}"
    assert "Xin chào".encode() in raw  # raw UTF-8, not \\u escapes
    assert [h.get("num_retry") for h, _ in seen] == [None, "1", "2"]
    assert {b for _, b in seen} == {raw}
    assert [d.status for d in fake.deliveries] == [500, 503, 200]


async def test_oa_fake_sends_again_when_the_webhook_is_slower_than_2_seconds() -> None:
    async with ZaloOAFake(webhook_timeout=0.2) as fake, receiver(delay=0.5) as (url, seen):
        fake.webhook_url = url
        first = await fake.user_says(USER, "chậm")
        await fake.wait_until(lambda: any(d.status == 200 for d in fake.deliveries))
    assert first.status is None and first.error is not None
    assert [h.get("num_retry") for h, _ in seen][:2] == [None, "1"]


# --------------------------------------------------------------------------- Zalo Bot


async def _call(fake: ZaloBotFake, method: str, body: Any, token: str | None = None) -> Any:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{fake.api_url}/bot{token or fake.token}/{method}", json=body, timeout=10
        )
    assert response.status_code == 200  # errors too
    return response.json()


async def test_bot_fake_answers_every_error_with_http_200_and_ok_false() -> None:
    async with ZaloBotFake() as fake:
        await fake.user_says("u1", "xin chào")
        results = [
            await _call(fake, "getMe", {}, token="1:wrong"),
            await _call(fake, "sendSomething", {}),
            await _call(fake, "sendMessage", {"chat_id": "u1", "text": "x" * 2001}),
            await _call(fake, "sendMessage", {"chat_id": "u1", "text": ""}),
            await _call(fake, "sendMessage", {"chat_id": 1, "text": "x"}),
            await _call(fake, "sendMessage", {"chat_id": "u1", "text": "x", "parse_mode": "HTML"}),
            await _call(fake, "sendMessage", {"chat_id": "stranger", "text": "x"}),
            await _call(fake, "sendChatAction", {"chat_id": "u1", "action": "upload_photo"}),
            await _call(fake, "sendVoice", {"chat_id": "u1", "voice_url": "https://x/a.mp3"}),
            await _call(fake, "sendMessage", {"chat_id": "u1", "text": "x" * 2000}),
        ]
    assert [r["ok"] for r in results] == [False] * 9 + [True]
    assert [r.get("error_code") for r in results[:2]] == [401, 404]
    assert set(results[-1]["result"]) == {"message_id", "date"}


async def test_bot_fake_set_webhook_rules_and_no_polling_while_it_is_set() -> None:
    assert is_public_https("https://troly.example.vn/zalo/bot")
    for url in ("http://troly.example.vn/x", "https://127.0.0.1/x", "https://10.0.0.5/x",
                "https://localhost/x"):  # fmt: skip
        assert not is_public_https(url)
    async with ZaloBotFake(local_mode=False) as strict:
        local = await _call(strict, "setWebhook", {"url": "http://127.0.0.1:9/x",
                                                   "secret_token": "12345678"})  # fmt: skip
    assert local["ok"] is False
    async with ZaloBotFake() as fake, receiver() as (url, seen):
        short = await _call(fake, "setWebhook", {"url": url, "secret_token": "1234567"})
        missing = await _call(fake, "setWebhook", {"url": url})
        ok = await _call(fake, "setWebhook", {"url": url, "secret_token": "s3cret-token"})
        info = await _call(fake, "getWebhookInfo", {})
        polling = await _call(fake, "getUpdates", {"timeout": 0})
        await fake.user_says("u1", "xin chào")
        await fake.wait_until(lambda: seen)
    assert [short["ok"], missing["ok"], ok["ok"], polling["ok"]] == [False, False, True, False]
    assert set(info["result"]) == {"url", "updated_at"}
    [(headers, raw)] = seen
    assert headers["x-bot-api-secret-token"] == "s3cret-token"
    body = json.loads(raw)
    assert "update_id" not in body and body["result"]["event_name"] == "message.text.received"


async def test_bot_fake_get_updates_returns_one_update_and_refuses_a_second_poller() -> None:
    async with ZaloBotFake() as fake:
        first = asyncio.create_task(_call(fake, "getUpdates", {"timeout": 2}))
        await asyncio.sleep(0.2)
        second = await _call(fake, "getUpdates", {"timeout": 0})
        await fake.user_says("u1", "xin chào")
        result = await first
    assert second["ok"] is False and second["error_code"] == 409
    assert result["result"]["message"]["text"] == "xin chào"


async def test_bot_fake_sends_a_webhook_update_again_until_it_gets_200() -> None:
    async with ZaloBotFake() as fake, receiver(500) as (url, seen):
        await _call(fake, "setWebhook", {"url": url, "secret_token": "s3cret-token"})
        await fake.user_says("u1", "xin chào")
        await fake.wait_until(lambda: len(fake.deliveries) == 2)
    assert [d.status for d in fake.deliveries] == [500, 200]
    assert seen[0][1] == seen[1][1]


@pytest.mark.parametrize("chat_type", ["GROUP"])
async def test_bot_fake_voice_is_for_private_chats_only(chat_type: str) -> None:
    async with ZaloBotFake() as fake:
        await fake.push(fake.update("g1", text="hi", chat_type=chat_type))
        answer = await _call(fake, "sendVoice", {"chat_id": "g1", "voice_url": "https://x/a.aac"})
    assert answer["ok"] is False


async def test_media_and_photos_must_be_urls_the_fakes_can_download() -> None:
    media = {"template_type": "media", "elements": [{"media_type": "image", "url": ""}]}
    clock = Clock()
    async with ZaloOAFake(clock=clock) as fake, receiver(404) as (url, _):
        fake.last_interaction[USER] = clock()
        media["elements"][0]["url"] = url
        body = {"recipient": {"user_id": USER},
                "message": {"attachment": {"type": "template", "payload": media}}}  # fmt: skip
        missing = await _cs(fake, body, access_token=fake.access_token)
    assert missing.json()["error"] == -201
    async with ZaloBotFake() as bot:
        await bot.user_says("u1", "xin chào")
        not_url = await _call(bot, "sendPhoto", {"chat_id": "u1", "photo": "ma-qr.png"})
        private = await _call(
            bot, "sendPhoto", {"chat_id": "u1", "photo": "https://10.0.0.1/a.png"}
        )
    assert (not_url["ok"], private["ok"]) == (False, False)
