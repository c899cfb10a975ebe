"""A fake Zalo Bot API server (the Telegram-like Zalo Bot platform) for end-to-end tests.

A Starlette app served by uvicorn on 127.0.0.1 inside the test's event loop. It enforces the
rules of /work/shared/facts/channels.md ("What a local fake server must enforce" -> "Zalo Bot
fake"): ``/bot<token>/<method>`` with POST JSON; answers ``{ok, result}`` or
``{ok: false, error_code, description}`` *with HTTP 200*; ``chat_id`` a string and text of
1–2,000 characters; ``parse_mode`` markdown or html; ``sendChatAction`` typing only;
``sendVoice`` .aac in private chats only; ``sendPhoto`` takes a URL the fake downloads (loopback
only in ``local_mode``); ``setWebhook`` needs both fields, a secret of 8–256
characters and a public HTTPS URL (loopback allowed only in ``local_mode``); ``getUpdates``
fails while a webhook is set or while another poll is open; webhook deliveries carry
``X-Bot-Api-Secret-Token``, have no update id, and are sent again when not answered 200 in
time. Descriptions marked "fake wording" are ours (Zalo's error codes are undocumented).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import secrets
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakes.telegram_server import serve_asgi
from fakes.waiting import StateChanges

MAX_TEXT = 2000


@dataclass
class BotError:
    """One ``ok: false`` answer."""

    method: str
    code: int
    description: str
    injected: bool = False


@dataclass
class BotDelivery:
    """One POST of an update to the webhook."""

    message_id: str
    status: int | None
    error: str | None
    secret_header: str | None


class _Failure(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def is_public_https(url: str) -> bool:
    """Whether Zalo would accept the webhook URL: HTTPS, not localhost or a private address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host or host == "localhost":
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_private or address.is_loopback or address.is_link_local)


class ZaloBotFake(StateChanges):
    """The Zalo Bot API in memory with a real HTTP front end."""

    def __init__(
        self,
        token: str = "3197463892017:ZaloBotFakeSecretPart",
        *,
        local_mode: bool = True,
        webhook_timeout: float = 5.0,
        retry_delay: float = 0.05,
        max_attempts: int | None = 6,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Creates the fake; ``local_mode`` also accepts http://127.0.0.1 webhooks.

        ``clock`` dates the messages (the app's clock when a test moves one).
        """
        self.token = token
        self.clock = clock or (lambda: datetime.now(UTC))
        self.local_mode = local_mode
        self.webhook_timeout = webhook_timeout
        self.retry_delay = retry_delay
        self.max_attempts = max_attempts
        self.errors: list[BotError] = []
        self.injected: list[BotError] = []
        self.deliveries: list[BotDelivery] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_updated_at = 0
        self._sent: list[dict[str, Any]] = []
        self._chats: dict[str, str] = {}  # chat id -> PRIVATE | GROUP
        self._queue: deque[dict[str, Any]] = deque()
        self._polling = False
        self._injections: list[tuple[int, str, frozenset[str] | None]] = []
        self._event = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: contextlib.AbstractAsyncContextManager[str] | None = None
        self._root = ""
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["POST"])]
        )

    async def __aenter__(self) -> ZaloBotFake:
        self._server = serve_asgi(self.app)
        self._root = await self._server.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._bump()
        if self._server is not None:
            server, self._server = self._server, None
            await server.__aexit__(None, None, None)

    @property
    def api_url(self) -> str:
        """For ``TROLY_ZALO_BOT_API_URL``."""
        return self._root

    # ------------------------------------------------------------------ control

    def inject(
        self, code: int, description: str, *, times: int = 1, methods: list[str] | None = None
    ) -> None:
        """Makes the next ``times`` calls (of ``methods``) answer ``ok: false`` with HTTP 200."""
        only = frozenset(methods) if methods is not None else None
        self._injections.extend([(code, description, only)] * times)

    def sent_to(self, chat_id: str) -> list[dict[str, Any]]:
        """What the bot sent to one chat, in order."""
        return [m for m in self._sent if m["chat_id"] == chat_id]

    async def wait_for_messages(
        self,
        chat_id: str,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Waits until the bot sent ``count`` messages to the chat; returns them all."""
        await self.wait_until(lambda: len(self.sent_to(chat_id)) >= count, timeout)
        return self.sent_to(chat_id)

    # ------------------------------------------------------------------ users

    def update(
        self,
        chat_id: str,
        *,
        event_name: str = "message.text.received",
        text: str | None = None,
        chat_type: str = "PRIVATE",
        sender_id: str | None = None,
        display_name: str = "Ted",
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A webhook body: one object, no update id, the message id a hex string."""
        message: dict[str, Any] = {
            "from": {"id": sender_id or chat_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": chat_type},
            "message_id": message_id or secrets.token_hex(10),
            "date": int(self.clock().timestamp() * 1000),
        }
        if text is not None:
            message["text"] = text
        self._chats[chat_id] = chat_type
        return {"ok": True, "result": {"event_name": event_name, "message": message}}

    async def user_says(self, chat_id: str, text: str) -> dict[str, Any]:
        """A private text message, delivered to the webhook or queued for getUpdates."""
        return await self.push(self.update(chat_id, text=text))

    async def user_sends_unsupported(self, chat_id: str) -> dict[str, Any]:
        """``message.unsupported.received``: a valid event with no content."""
        return await self.push(self.update(chat_id, event_name="message.unsupported.received"))

    async def push(self, body: dict[str, Any]) -> dict[str, Any]:
        """Delivers an update (webhook set) or queues it for getUpdates; returns it."""
        if self.webhook_url:
            task = asyncio.create_task(self._deliver(body))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.sleep(0)
        else:
            self._queue.append(body)
            self._bump()
        return body

    async def _deliver(self, body: dict[str, Any]) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        key = str(body["result"]["message"]["message_id"])
        attempt = 0
        while self.webhook_url:
            attempt += 1
            headers = {"Content-Type": "application/json"}
            if self.webhook_secret:
                headers["X-Bot-Api-Secret-Token"] = self.webhook_secret
            status: int | None = None
            error: str | None = None
            try:
                async with httpx.AsyncClient(timeout=self.webhook_timeout, trust_env=False) as c:
                    response = await c.post(self.webhook_url, content=raw, headers=headers)
                status = response.status_code
                error = None if status == 200 else f"webhook answered {status}"
            except httpx.TimeoutException:
                error = "timeout"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            self.deliveries.append(BotDelivery(key, status, error, headers.get(
                "X-Bot-Api-Secret-Token")))  # fmt: skip
            self._bump()
            if error is None or (self.max_attempts is not None and attempt >= self.max_attempts):
                return
            await asyncio.sleep(self.retry_delay)

    # ------------------------------------------------------------------ HTTP

    async def _endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        try:
            if request.path_params["token"] != self.token:
                raise _Failure(401, "Unauthorized")
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise _Failure(404, f"Method {method} not found (fake wording)")
            if not request.headers.get("content-type", "").startswith("application/json"):
                raise _Failure(400, "Body must be JSON (fake wording)")
            try:
                params = json.loads(await request.body() or b"{}")
            except ValueError:
                raise _Failure(400, "Body is not valid JSON (fake wording)") from None
            if not isinstance(params, dict):
                raise _Failure(400, "Body must be an object (fake wording)")
            for code, description, only in self._injections:
                if only is None or method in only:
                    self._injections.remove((code, description, only))
                    self.injected.append(BotError(method, code, description, True))
                    self._bump()
                    return JSONResponse(
                        {"ok": False, "error_code": code, "description": description}
                    )
            result = await handler(params)
        except _Failure as failure:
            self.errors.append(BotError(method, failure.code, failure.description))
            self._bump()
            # Zalo answers errors with HTTP 200 too: clients must read "ok".
            return JSONResponse(
                {"ok": False, "error_code": failure.code, "description": failure.description}
            )
        return JSONResponse({"ok": True, "result": result})

    async def _m_getMe(self, p: dict[str, Any]) -> Any:
        bot_id = self.token.split(":", 1)[0]
        return {"id": bot_id, "account_name": "Bot Trợ lý Test", "account_type": "BASIC",
                "can_join_groups": False}  # fmt: skip

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise _Failure(409, "Can't use getUpdates while a webhook is set (fake wording)")
        if self._polling:
            raise _Failure(409, "Another getUpdates request is open (fake wording)")
        timeout = float(p.get("timeout", 30))
        self._polling = True
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(timeout, 30)):
                    while not self._queue:
                        event = self._event
                        await event.wait()
        finally:
            self._polling = False
        if not self._queue:
            return None
        # Documented as a single object shaped like the webhook's result.
        return self._queue.popleft()["result"]

    async def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        url, secret = p.get("url"), p.get("secret_token")
        if not isinstance(url, str) or not url or not isinstance(secret, str) or not secret:
            raise _Failure(400, "url and secret_token are required (fake wording)")
        if not 8 <= len(secret) <= 256:
            raise _Failure(400, "secret_token must be 8 to 256 characters (fake wording)")
        loopback = (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost")
        if not is_public_https(url) and not (self.local_mode and loopback):
            raise _Failure(400, "url must be public HTTPS (fake wording)")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_updated_at = int(time.time() * 1000)
        self._bump()
        return {"url": url, "updated_at": self.webhook_updated_at}

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook_url, self.webhook_secret = "", None
        self.webhook_updated_at = int(time.time() * 1000)
        return {"url": "", "updated_at": self.webhook_updated_at}

    async def _m_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        return {"url": self.webhook_url, "updated_at": self.webhook_updated_at}

    def _chat(self, p: dict[str, Any]) -> str:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            raise _Failure(400, "chat_id must be a string (fake wording)")
        if chat_id not in self._chats:
            # Whether a bot may write first is unconfirmed: the fake says no.
            raise _Failure(400, "chat not found (fake wording)")
        return chat_id

    @staticmethod
    def _text(value: Any, name: str, *, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise _Failure(400, f"{name} must be 1 to {MAX_TEXT} characters (fake wording)")
        if len(unicodedata.normalize("NFC", value)) > MAX_TEXT:
            raise _Failure(400, f"{name} is longer than {MAX_TEXT} characters (fake wording)")
        return value

    def _record(self, chat_id: str, kind: str, **fields: Any) -> dict[str, Any]:
        message_id = secrets.token_hex(10)
        date = int(time.time() * 1000)
        self._sent.append({"chat_id": chat_id, "kind": kind, "message_id": message_id, **fields})
        self._bump()
        return {"message_id": message_id, "date": date}

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        chat_id = self._chat(p)
        text = self._text(p.get("text"), "text")
        mode = p.get("parse_mode")
        if mode is not None and mode not in ("markdown", "html"):
            raise _Failure(400, "parse_mode must be markdown or html (fake wording)")
        return self._record(chat_id, "text", text=text, parse_mode=mode)

    async def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        chat_id = self._chat(p)
        photo = p.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("https://", "http://")):
            raise _Failure(400, "photo must be a URL (fake wording)")
        caption = self._text(p.get("caption"), "caption", required=False)
        content = await self._fetch(photo)
        return self._record(chat_id, "photo", photo=photo, text=caption, size=len(content))

    async def _fetch(self, url: str) -> bytes:
        """Downloads the photo as Zalo would; loopback only in local mode, never elsewhere."""
        loopback = (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost")
        if not loopback:
            if not is_public_https(url):
                raise _Failure(400, "photo URL must be public HTTPS (fake wording)")
            return b""  # the fake does not go to the internet
        if not self.local_mode:
            raise _Failure(400, "photo URL must be public HTTPS (fake wording)")
        try:
            async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                response = await client.get(url)
        except httpx.HTTPError:
            raise _Failure(400, "photo URL cannot be fetched (fake wording)") from None
        kind = response.headers.get("content-type", "")
        if response.status_code != 200 or not kind.startswith("image/"):
            raise _Failure(400, "photo URL is not an image (fake wording)")
        return response.content

    async def _m_sendSticker(self, p: dict[str, Any]) -> Any:
        chat_id = self._chat(p)
        if not p.get("sticker"):
            raise _Failure(400, "sticker is required (fake wording)")
        return self._record(chat_id, "sticker", sticker=p["sticker"])

    async def _m_sendChatAction(self, p: dict[str, Any]) -> Any:
        self._chat(p)
        if p.get("action") != "typing":
            raise _Failure(400, "action must be typing (fake wording)")
        return True

    async def _m_sendVoice(self, p: dict[str, Any]) -> Any:
        chat_id = self._chat(p)
        voice = p.get("voice_url")
        if not isinstance(voice, str) or not voice.lower().endswith(".aac"):
            raise _Failure(400, "voice_url must be an .aac file (fake wording)")
        if self._chats[chat_id] != "PRIVATE":
            raise _Failure(400, "sendVoice works in private chats only (fake wording)")
        return self._record(chat_id, "voice", voice_url=voice)
