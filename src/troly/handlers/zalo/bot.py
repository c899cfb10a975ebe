"""The Zalo Bot door (the Telegram-like Zalo Bot API): webhook or polling, rendering, delivery.

The webhook is checked with ``X-Bot-Api-Secret-Token`` in constant time. There is no update id:
a redelivery is recognised by the message id. HTTP 200 may carry ``ok: false``: that is an
error. The API has no buttons, so choices are numbered ("Trả lời 1, 2 hoặc 3").
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from troly.bot.choices import ChoiceMenus
from troly.bot.clean import clean_incoming, says_nothing
from troly.bot.leases import Leases, Singleton
from troly.bot.messages import Attachment, Channel, Incoming, Reply
from troly.bot.outbox import RetryLater, Undeliverable
from troly.bot.settings import Settings
from troly.handlers.json_body import parse_json
from troly.handlers.zalo.common import (
    Numbered,
    Road,
    ZaloFiles,
    document_text,
    is_photo,
    render_numbered,
)

logger = logging.getLogger(__name__)

CHANNEL: Channel = "zalo_bot"
WEBHOOK_PATH = "/zalo/bot"
POLLER_LEASE = "zalo-bot-poller"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 256 * 1024
_ATTACHMENT_EVENTS = {
    "message.image.received",
    "message.sticker.received",
    "message.voice.received",
    "message.unsupported.received",
}


def to_incoming(data: dict[str, Any]) -> Incoming | None:
    """The channel-blind message of a Zalo Bot update (webhook body or getUpdates result)."""
    update = data.get("result", data) if "ok" in data else data
    if not isinstance(update, dict):
        return None
    event = update.get("event_name")
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(event, str):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    if chat.get("chat_type", "PRIVATE") != "PRIVATE" or sender.get("is_bot"):
        return None
    chat_id, message_id = chat.get("id"), message.get("message_id")
    if chat_id is None or message_id is None:
        return None
    if event == "message.text.received":
        text = message.get("text")
        if not isinstance(text, str):
            return None
        attachments: tuple[Attachment, ...] = ()
    elif event in _ATTACHMENT_EVENTS:
        text = message.get("caption") if isinstance(message.get("caption"), str) else None
        ref = message.get("photo_url") or message.get("url") or str(message_id)
        photo = event == "message.image.received"
        attachments = (Attachment("photo" if photo else "other", str(ref)),)
    else:
        return None
    incoming = clean_incoming(
        Incoming(
            channel=CHANNEL,
            user_id=str(chat_id),
            text=text,
            attachments=attachments,
            event_id=str(message_id),
            display_name=sender.get("display_name"),
        )
    )
    return None if says_nothing(incoming) else incoming


def sent_within(data: dict[str, Any], *, now: datetime, seconds: int) -> bool:
    """Whether an update's message ``date`` (epoch milliseconds), when it has one, is within
    ``seconds`` of now: a webhook body recorded and posted again later is refused."""
    update = data.get("result", data) if "ok" in data else data
    message = update.get("message") if isinstance(update, dict) else None
    date = message.get("date") if isinstance(message, dict) else None
    if date is None:
        return True
    try:
        sent = int(str(date)) / 1000
    except ValueError:
        return False
    return abs(now.timestamp() - sent) <= seconds


def render(reply: Reply, locale: str = "vi", *, start: int = 1) -> Numbered:
    """A reply as sendMessage texts (≤ 2,000 characters each), its buttons numbered."""
    return render_numbered(reply, locale, start=start)


def webhook_secret(settings: Settings) -> str:
    """The webhook's secret: the configured one, or 64 hex characters derived from the token."""
    if settings.zalo_bot_webhook_secret is not None:
        return settings.zalo_bot_webhook_secret.get_secret_value()
    assert settings.zalo_bot_token is not None
    token = settings.zalo_bot_token.get_secret_value()
    return hashlib.sha256(b"troly-zalo-bot:" + token.encode()).hexdigest()


class ZaloBotError(Exception):
    """An ``ok: false`` answer (whatever the HTTP status)."""

    def __init__(self, method: str, code: int | None, description: str) -> None:
        super().__init__(f"{method}: {code} {description}")
        self.code = code
        self.description = description


class ZaloBotClient:
    """The Bot API over httpx: ``POST {base}/bot{token}/{method}`` with a JSON body."""

    def __init__(self, *, base_url: str, token: str, client: httpx.AsyncClient) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/"
        self._client = client

    async def call(self, method: str, params: dict[str, Any], *, wait: float = 10.0) -> Any:
        """Calls a method and returns its ``result``; ``ok: false`` raises ``ZaloBotError``."""
        response = await self._client.post(self._url + method, json=params, timeout=wait)
        try:
            body = response.json()
        except ValueError:
            raise ZaloBotError(method, response.status_code, "not JSON") from None
        if not isinstance(body, dict) or body.get("ok") is not True:
            body = body if isinstance(body, dict) else {}
            code = body.get("error_code", response.status_code)
            raise ZaloBotError(method, code, str(body.get("description", "")))
        return body.get("result")


class ZaloBotSender:
    """Delivers replies with sendMessage and records the numbered choices shown."""

    holds = False
    """The Zalo Bot API has no interaction window: this sender never raises ``Held``."""

    def __init__(self, *, client: ZaloBotClient, menus: ChoiceMenus, files: ZaloFiles) -> None:
        self._client = client
        self._menus = menus
        self._files = files

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> None:
        """Sends the reply's pieces in order, then its document (a photo by URL, or a link)."""
        locale = await self._menus.locale(CHANNEL, recipient)
        # An aside (a staff message, a reminder) numbers its choices after the menu the user
        # may be answering, so "1" keeps meaning what it meant.
        start = await self._menus.first_number(CHANNEL, recipient) if reply.aside else 1
        rendered = render(reply, locale, start=start)
        try:
            for piece in rendered.pieces:
                await self._client.call("sendMessage", {"chat_id": recipient, "text": piece})
            if reply.document is not None:
                url = await self._files.url_for(reply.document)
                if url is not None and is_photo(reply.document):
                    await self._client.call("sendPhoto", {"chat_id": recipient, "photo": url})
                else:
                    text = document_text(reply.document, url, locale)
                    await self._client.call("sendMessage", {"chat_id": recipient, "text": text})
        except ZaloBotError as exc:
            if exc.code == 429:
                raise RetryLater("zalo bot rate limited", after=30.0) from exc
            if exc.code == 403:
                raise Undeliverable(f"zalo bot forbidden: {exc.description}", blocked=True) from exc
            if exc.code == 400:
                raise Undeliverable(f"zalo bot rejected the message: {exc.description}") from exc
            raise RetryLater(f"zalo bot error {exc.code}: {exc.description}") from exc
        except httpx.HTTPError as exc:
            raise RetryLater(f"zalo bot network: {type(exc).__name__}") from exc
        await self._menus.remember(CHANNEL, recipient, rendered.choices, after=start - 1)


class ZaloBotDoor:
    """The Zalo Bot wired to the dialogue: a webhook route, or polling with getUpdates."""

    def __init__(
        self,
        *,
        settings: Settings,
        road: Road,
        menus: ChoiceMenus,
        files: ZaloFiles,
        clock: Callable[[], datetime],
        leases: Leases | None = None,
    ) -> None:
        assert settings.zalo_bot_token is not None
        self._leases = leases
        self._settings = settings
        self._clock = clock
        self._road = road
        self._webhook = settings.public_url is not None
        self._secret = webhook_secret(settings)
        self._http = httpx.AsyncClient(timeout=10.0, trust_env=False)
        self.client = ZaloBotClient(
            base_url=settings.zalo_bot_api_url,
            token=settings.zalo_bot_token.get_secret_value(),
            client=self._http,
        )
        self.sender = ZaloBotSender(client=self.client, menus=menus, files=files)
        self._poller: asyncio.Task[None] | None = None
        self._polling: asyncio.Task[None] | None = None

    def routes(self) -> list[BaseRoute]:
        """The webhook route (present only in webhook mode)."""
        if not self._webhook:
            return []
        return [Route(WEBHOOK_PATH, self.on_webhook, methods=["POST"])]

    async def start(self) -> None:
        """Sets the webhook, or removes it and starts polling."""
        if self._webhook:
            assert self._settings.public_url is not None
            url = self._settings.public_url.rstrip("/") + WEBHOOK_PATH
            await self.client.call("setWebhook", {"url": url, "secret_token": self._secret})
            return
        await self.client.call("deleteWebhook", {})
        if self._leases is None:
            await self._start_polling()
            return
        # One poller among the workers, under a lease (taken over if its worker dies).
        singleton = Singleton(
            self._leases,
            POLLER_LEASE,
            start=self._start_polling,
            stop=self._stop_polling,
            every=self._settings.lease_renew_seconds,
        )
        await singleton.tick()
        self._polling = asyncio.create_task(singleton.run())

    async def _start_polling(self) -> None:
        self._poller = asyncio.create_task(self._poll())

    async def _stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def stop(self) -> None:
        """Stops polling (giving its lease back) and closes the HTTP client."""
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        await self._stop_polling()
        await self._http.aclose()

    async def on_webhook(self, request: Request) -> Response:
        """Checks the secret in constant time, answers 200 at once and handles the update after."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            data: Any = parse_json(raw)
        except ValueError:
            return JSONResponse({"error": "bad update"}, status_code=400)
        incoming = to_incoming(data) if isinstance(data, dict) else None
        if incoming is None:
            return Response(status_code=200)
        window = self._settings.zalo_replay_seconds
        if not sent_within(data, now=self._clock(), seconds=window):
            logger.warning("zalo bot message outside the %ss replay window refused", window)
            return JSONResponse({"error": "forbidden"}, status_code=403)
        return Response(status_code=200, background=BackgroundTask(self._road.handle, incoming))

    async def _poll(self) -> None:
        timeout = self._settings.zalo_bot_poll_timeout
        failures = 0
        while True:
            try:
                result = await self.client.call(
                    "getUpdates", {"timeout": timeout}, wait=timeout + 10
                )
                failures = 0
            except (ZaloBotError, httpx.HTTPError) as exc:
                failures += 1
                logger.warning("zalo bot getUpdates failed: %s", type(exc).__name__)
                await asyncio.sleep(min(2.0**failures, 60.0))
                continue
            # Documented as one object; a list is accepted too (batching is unconfirmed).
            updates = result if isinstance(result, list) else [result] if result else []
            for update in updates:
                incoming = to_incoming(update) if isinstance(update, dict) else None
                if incoming is not None:
                    await self._road.handle(incoming)
