"""A fake Zalo Official Account API (Open API v3 + OAuth v4) and webhook emitter for tests.

A Starlette app served by uvicorn on 127.0.0.1 inside the test's event loop. It enforces the
rules of /work/shared/facts/channels.md ("What a local fake server must enforce" -> "Zalo OA
fake"): the ``access_token`` header (``Authorization: Bearer`` alone is refused), errors as
HTTP 200 with a negative ``error``, ``expires_in`` as a string, a single-use refresh token whose
use also kills the old access token, the 7-day window (and the 48-hour free tier) on a
settable clock, a rate limit answering ``-32`` with ``X-RateLimit-*`` headers, the body and
button shapes, media templates whose image URL must be fetchable, and a webhook emitter
signing the raw bytes with ``mac=sha256(...)`` that sends an event again, with a
``num_retry`` header, when the receiver does not answer 200 in time.
It also serves ZNS (``POST /message/template``, facts/channels.md F): the OA's token, a phone
written 84xxxxxxxxx, an approved template whose named parameters ``template_data`` must carry
exactly and within their lengths, a daily quota, a balance, and phones that cannot receive;
every ZNS message is billable. ZNS codes are those of zalo.cloud's ZNS error guide.
Error codes are Zalo's where known; messages marked "fake wording" are ours.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
import secrets
import unicodedata
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakes.telegram_server import serve_asgi
from fakes.waiting import StateChanges

BUTTON_TYPES = {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone"}
MAX_TEXT = 2000

DEFAULT_IMAGE = b"\xff\xd8\xff\xe0" + b"a photo a Zalo user sent" * 20


@dataclass
class OAError:
    """One error answer of the fake (always HTTP 200, negative ``error``)."""

    path: str
    code: int
    message: str
    injected: bool = False


@dataclass
class Delivery:
    """One POST of an event to the webhook."""

    event_name: str
    key: str
    num_retry: int
    status: int | None
    error: str | None


@dataclass
class SentMessage:
    """A consultation message the fake accepted."""

    user_id: str
    message: dict[str, Any]
    at: datetime
    quota_type: str
    billable: bool
    kind: str = "cs"

    @property
    def text(self) -> str:
        """The message text."""
        return str(self.message.get("text", ""))

    @property
    def media_url(self) -> str:
        """The image URL of a media template ("" for other messages)."""
        payload = (self.message.get("attachment") or {}).get("payload") or {}
        elements = payload.get("elements") or [{}]
        return str(elements[0].get("url", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The template's buttons (empty without an attachment)."""
        attachment = self.message.get("attachment") or {}
        return list((attachment.get("payload") or {}).get("buttons") or [])


@dataclass
class ZnsMessage:
    """A ZNS template message the fake accepted (always billable)."""

    phone: str
    template_id: str
    data: dict[str, str]
    tracking_id: str
    at: datetime
    billable: bool = True


# ZNS error codes (zalo.cloud/zns/guidelines/handle-error-code).
ZNS_UNKNOWN = -100
ZNS_BAD_PHONE = -108
ZNS_BAD_TEMPLATE = -109
ZNS_EMPTY_DATA = -111
ZNS_BAD_DATA = -112
ZNS_OUT_OF_QUOTA = -115
ZNS_NO_ACCOUNT = -118
ZNS_CANNOT_RECEIVE = -119
ZNS_BAD_TOKEN = -124
ZNS_DAILY_QUOTA = -144
_ZNS_PHONE = re.compile(r"^84\d{9,10}$")


@dataclass
class _Token:
    value: str
    expires_at: datetime
    revoked: bool = False


class _Failure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def signature(raw: bytes, *, app_id: str, timestamp: str, oa_secret: str) -> str:
    """Zalo's webhook signature: hex sha256 of app id + raw body + timestamp + OA secret."""
    return hashlib.sha256(
        app_id.encode() + raw + timestamp.encode() + oa_secret.encode()
    ).hexdigest()


async def fetch_image(url: str) -> bytes:
    """Downloads an image the way Zalo does before showing it; a failure is a -201."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise _Failure(-201, "media url must be https (fake wording)")
    try:
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        raise _Failure(-201, "media url cannot be fetched (fake wording)") from None
    if response.status_code != 200 or not response.headers.get("content-type", "").startswith(
        "image/"
    ):
        raise _Failure(-201, "media url is not an image (fake wording)")
    return response.content


class ZaloOAFake(StateChanges):
    """The OA API and its webhook, in memory with a real HTTP front end."""

    def __init__(
        self,
        *,
        app_id: str = "4318712907561234567",
        app_secret: str = "fake-app-secret-key",
        oa_secret: str = "fake-oa-secret-key",
        oa_id: str = "579745863508352884",
        clock: Callable[[], datetime] | None = None,
        access_lifetime: timedelta = timedelta(seconds=90000),
        window: timedelta = timedelta(days=7),
        free_window: timedelta = timedelta(hours=48),
        max_buttons: int = 5,
        rate_per_minute: int | None = None,
        webhook_timeout: float = 2.0,
        retry_schedule: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5),
        refresh_delay: float = 0.0,
        zns_templates: dict[str, dict[str, int]] | None = None,
        zns_daily_quota: int = 500,
    ) -> None:
        """Creates the fake. ``retry_schedule`` compresses Zalo's 30 s, 5, 15, 30 min, 1 h."""
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_secret = oa_secret
        self.oa_id = oa_id
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.access_lifetime = access_lifetime
        self.window = window
        self.free_window = free_window
        self.max_buttons = max_buttons
        self.rate_per_minute = rate_per_minute
        self.webhook_timeout = webhook_timeout
        self.retry_schedule = retry_schedule
        self.refresh_delay = refresh_delay
        self.webhook_url: str | None = None
        self.media: dict[str, bytes] = {}  # what users sent, served at {root}/media/<name>
        self.media_fetches = 0
        # The app's registered callback URL: the permission page sends only there.
        self.callback_url: str | None = None
        self.code_lifetime = timedelta(minutes=10)
        self._codes: dict[str, tuple[str, datetime]] = {}  # code -> (challenge, issued)

        self.errors: list[OAError] = []
        self.sent: list[SentMessage] = []
        self.deliveries: list[Delivery] = []
        self.refresh_calls: list[str] = []  # "ok" or why it failed
        self.last_interaction: dict[str, datetime] = {}
        self.fetched: list[bytes] = []  # images Zalo downloaded from the bot's URLs
        self.followers: set[str] = set()
        self.require_follow = False
        # ZNS: approved templates (id -> parameter -> max length), what was sent, the quota.
        self.zns_templates = dict(zns_templates or {})
        self.zns_daily_quota = zns_daily_quota
        self.zns_sent: list[ZnsMessage] = []
        self.zns_balance_empty = False
        self.zns_no_account: set[str] = set()  # phones with no Zalo account
        self.zns_cannot_receive: set[str] = set()  # phones whose user turned ZNS off

        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, bool] = {}  # refresh token -> still usable
        self.refresh_token = self._new_refresh()
        self.access_token = self._new_access().value
        self._injections: list[tuple[int, str]] = []
        self._calls: deque[datetime] = deque()
        self._event = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: contextlib.AbstractAsyncContextManager[str] | None = None
        self._root = ""
        self._counter = 0
        self.app = Starlette(
            routes=[
                Route("/v3.0/oa/message/{kind}", self._message, methods=["POST"]),
                Route("/v4/oa/access_token", self._oauth, methods=["POST"]),
                Route("/v4/oa/permission", self._permission, methods=["GET"]),
                Route("/media/{name}", self._media, methods=["GET"]),
                Route("/message/template", self._zns, methods=["POST"]),
            ]
        )

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> ZaloOAFake:
        self._server = serve_asgi(self.app)
        self._root = await self._server.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            server, self._server = self._server, None
            await server.__aexit__(None, None, None)

    @property
    def api_url(self) -> str:
        """For ``TROLY_ZALO_OA_API_URL``."""
        return self._root

    @property
    def oauth_url(self) -> str:
        """For ``TROLY_ZALO_OA_OAUTH_URL``."""
        return self._root

    # ------------------------------------------------------------------ control

    def inject(
        self, code: int, *, times: int = 1, message: str = "injected (fake wording)"
    ) -> None:
        """Makes the next ``times`` message calls fail with ``code``."""
        self._injections.extend([(code, message)] * times)

    def expire_access_tokens(self) -> None:
        """Ends every access token's life now (as if 25 hours had passed for them)."""
        for token in self._access.values():
            token.expires_at = min(token.expires_at, self.clock())

    def sent_to(self, user_id: str) -> list[SentMessage]:
        """The messages accepted for one user, in order."""
        return [m for m in self.sent if m.user_id == user_id]

    async def wait_for_messages(
        self,
        user_id: str,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Waits until ``count`` messages were sent to the user; returns them all."""
        await self.wait_until(lambda: len(self.sent_to(user_id)) >= count, timeout)
        return self.sent_to(user_id)

    # ------------------------------------------------------------------ events

    def _next_id(self) -> str:
        self._counter += 1
        return secrets.token_hex(10) + f"{self._counter:04x}"

    def _timestamp(self) -> str:
        return str(int(self.clock().timestamp() * 1000))

    def _interacted(self, user_id: str) -> None:
        self.last_interaction[user_id] = self.clock()

    def text_event(self, user_id: str, text: str) -> dict[str, Any]:
        """A ``user_send_text`` event (the user also interacts, for the window)."""
        return {
            "app_id": self.app_id,
            "user_id_by_app": "88" + user_id,
            "event_name": "user_send_text",
            "sender": {"id": user_id},
            "recipient": {"id": self.oa_id},
            "message": {"text": text, "msg_id": self._next_id()},
            "timestamp": self._timestamp(),
        }

    async def user_says(self, user_id: str, text: str, **how: Any) -> Delivery:
        """The user writes to the OA; the event is posted to the webhook."""
        self._interacted(user_id)
        return await self.emit(self.text_event(user_id, text), **how)

    async def user_taps(self, user_id: str, button: dict[str, Any]) -> Delivery:
        """The user taps an ``oa.query.*`` button: its payload arrives as their text."""
        assert button["type"] in {"oa.query.show", "oa.query.hide"}, button
        return await self.user_says(user_id, str(button["payload"]))

    async def user_sends_image(self, user_id: str, content: bytes = DEFAULT_IMAGE) -> Delivery:
        """A ``user_send_image`` event with an attachment, kept on the fake's own "CDN"."""
        self._interacted(user_id)
        event = self.text_event(user_id, "")
        event["event_name"] = "user_send_image"
        name = f"{self._next_id()}.jpg"
        self.media[name] = content
        url = f"{self._root}/media/{name}"
        event["message"] = {
            "msg_id": self._next_id(),
            "attachments": [{"type": "image", "payload": {"url": url, "thumbnail": url}}],
        }
        return await self.emit(event)

    async def _media(self, request: Request) -> Response:
        """Zalo's CDN: the files users sent, by the address the event gave."""
        content = self.media.get(request.path_params["name"])
        if content is None:
            return Response(status_code=404)
        self.media_fetches += 1
        return Response(content, media_type="image/jpeg")

    async def user_follows(self, user_id: str) -> Delivery:
        """A ``follow`` event: ``follower.id``, no sender."""
        self._interacted(user_id)
        self.followers.add(user_id)
        return await self.emit(self._follow_event("follow", user_id))

    async def user_unfollows(self, user_id: str) -> Delivery:
        """An ``unfollow`` event."""
        self.followers.discard(user_id)
        return await self.emit(self._follow_event("unfollow", user_id))

    def _follow_event(self, name: str, user_id: str) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "oa_id": self.oa_id,
            "follower": {"id": user_id},
            "user_id_by_app": "88" + user_id,
            "source": "oa_profile",
            "event_name": name,
            "timestamp": self._timestamp(),
        }

    async def receipt(self, user_id: str, name: str = "user_seen_message") -> Delivery:
        """A ``user_seen_message`` (``msg_ids`` array) or ``user_received_message`` event."""
        message: dict[str, Any] = (
            {"msg_ids": [self._next_id()]} if name == "user_seen_message"
            else {"msg_id": self._next_id()}
        )  # fmt: skip
        event = {
            "app_id": self.app_id,
            "event_name": name,
            "sender": {"id": user_id},
            "recipient": {"id": self.oa_id},
            "message": message,
            "timestamp": self._timestamp(),
        }
        return await self.emit(event)

    async def oa_echo(self, user_id: str, text: str) -> Delivery:
        """An ``oa_send_text`` echo: the OA itself is the sender."""
        event = {
            "app_id": self.app_id,
            "event_name": "oa_send_text",
            "sender": {"id": self.oa_id},
            "recipient": {"id": user_id},
            "message": {"text": text, "msg_id": self._next_id()},
            "timestamp": self._timestamp(),
        }
        return await self.emit(event)

    async def unknown_event(self, user_id: str, name: str = "user_did_something_new") -> Delivery:
        """An event name the bot does not know."""
        event = {"app_id": self.app_id, "event_name": name, "sender": {"id": user_id},
                 "timestamp": self._timestamp()}  # fmt: skip
        return await self.emit(event)

    def sign(self, raw: bytes, *, prefix: bool = True, secret: str | None = None) -> str:
        """The ``X-ZEvent-Signature`` value of a body."""
        data = json.loads(raw)
        digest = signature(
            raw,
            app_id=str(data.get("app_id", "")),
            timestamp=str(data.get("timestamp", "")),
            oa_secret=secret if secret is not None else self.oa_secret,
        )
        return f"mac={digest}" if prefix else digest

    async def emit(
        self,
        event: dict[str, Any],
        *,
        prefix: bool = True,
        secret: str | None = None,
        signed: bool = True,
        tamper: Callable[[bytes], bytes] | None = None,
    ) -> Delivery:
        """Posts an event (first attempt awaited); failures are sent again in the background.

        The body keeps Python's default separators and raw UTF-8, so a receiver that checks a
        re-serialised body instead of the raw bytes fails.
        """
        assert self.webhook_url, "set fake.webhook_url first"
        raw = json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-ZEvent-Signature"] = self.sign(raw, prefix=prefix, secret=secret)
        if tamper is not None:
            raw = tamper(raw)
        key = str((event.get("message") or {}).get("msg_id") or event.get("timestamp"))
        first = await self._post(event["event_name"], key, raw, headers, 0)
        if first.status != 200:
            task = asyncio.create_task(self._redeliver(event["event_name"], key, raw, headers))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return first

    async def _redeliver(self, name: str, key: str, raw: bytes, headers: dict[str, str]) -> None:
        for attempt, delay in enumerate(self.retry_schedule, start=1):
            await asyncio.sleep(delay)
            done = await self._post(name, key, raw, {**headers, "num_retry": str(attempt)}, attempt)
            if done.status == 200:
                return

    async def _post(
        self, name: str, key: str, raw: bytes, headers: dict[str, str], retry: int
    ) -> Delivery:
        assert self.webhook_url is not None
        status: int | None = None
        error: str | None = None
        try:
            async with httpx.AsyncClient(timeout=self.webhook_timeout, trust_env=False) as client:
                response = await client.post(self.webhook_url, content=raw, headers=headers)
            status = response.status_code
            if status != 200:
                error = f"webhook answered {status}"
        except httpx.TimeoutException:
            error = f"no answer within {self.webhook_timeout}s"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        delivery = Delivery(name, key, retry, status, error)
        self.deliveries.append(delivery)
        self._bump()
        return delivery

    # ------------------------------------------------------------------ API

    def _new_refresh(self) -> str:
        token = "rt-" + secrets.token_urlsafe(24)
        self._refresh[token] = True
        return token

    def _new_access(self) -> _Token:
        token = _Token("at-" + secrets.token_urlsafe(24), self.clock() + self.access_lifetime)
        self._access[token.value] = token
        return token

    def _fail(self, path: str, code: int, message: str, *, injected: bool = False) -> JSONResponse:
        self.errors.append(OAError(path, code, message, injected))
        self._bump()
        return JSONResponse({"error": code, "message": message}, headers=self._rate_headers())

    def _rate_headers(self) -> dict[str, str]:
        if self.rate_per_minute is None:
            return {}
        remain = max(self.rate_per_minute - len(self._calls), 0)
        return {"X-RateLimit-Limit": str(self.rate_per_minute), "X-RateLimit-Remain": str(remain)}

    async def _message(self, request: Request) -> Response:
        path = request.url.path
        try:
            token = request.headers.get("access_token")
            if not token:
                raise _Failure(-216, "Access token is invalid (no access_token header)")
            known = self._access.get(token)
            if known is None or known.revoked:
                raise _Failure(-216, "Access token is invalid")
            if known.expires_at <= self.clock():
                raise _Failure(-220, "Access token has expired")
            self._rate_check()
            if self._injections:
                code, message = self._injections.pop(0)
                return self._fail(path, code, message, injected=True)
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise _Failure(-201, "Body is not JSON (fake wording)") from None
            user_id, message = await self._check_body(body)
            now = self.clock()
            last = self.last_interaction.get(user_id)
            if last is None:
                raise _Failure(-232, "User has no interaction with the OA (fake wording)")
            if now - last > self.window:
                raise _Failure(-230, "User has not interacted with the OA in the past 7 days")
            if self.require_follow and user_id not in self.followers:
                raise _Failure(-213, "User has not followed the OA")
        except _Failure as failure:
            return self._fail(path, failure.code, failure.message)
        free = now - last <= self.free_window
        kind = request.path_params["kind"]
        self.sent.append(SentMessage(user_id, message, now, "reply" if free else "consult",
                                     not free, kind))  # fmt: skip
        self._bump()
        data = {
            "message_id": self._next_id(),
            "user_id": user_id,
            "sent_time": str(int(now.timestamp() * 1000)),
            "quota": {"quota_type": "reply" if free else "consult", "remain": 8, "total": 8},
        }
        return JSONResponse({"data": data, "error": 0, "message": "Success"},
                            headers=self._rate_headers())  # fmt: skip

    @property
    def zns_url(self) -> str:
        """For ``TROLY_ZALO_ZNS_API_URL``."""
        return self._root

    async def _zns(self, request: Request) -> Response:
        path = request.url.path
        try:
            token = request.headers.get("access_token")
            known = self._access.get(token or "")
            if known is None or known.revoked or known.expires_at <= self.clock():
                raise _Failure(ZNS_BAD_TOKEN, "Access token is invalid")
            self._rate_check()
            if self._injections:
                code, message = self._injections.pop(0)
                return self._fail(path, code, message, injected=True)
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise _Failure(ZNS_UNKNOWN, "Body is not JSON (fake wording)") from None
            phone, template_id, data, tracking = self._check_zns(body)
            today = self.clock().date()
            used = sum(1 for m in self.zns_sent if m.at.date() == today)
            if self.zns_balance_empty:
                raise _Failure(ZNS_OUT_OF_QUOTA, "Out of quota")
            if used >= self.zns_daily_quota:
                raise _Failure(ZNS_DAILY_QUOTA, "OA has exceeded the daily quota (fake wording)")
            if phone in self.zns_no_account:
                raise _Failure(ZNS_NO_ACCOUNT, "Zalo account not existed")
            if phone in self.zns_cannot_receive:
                raise _Failure(ZNS_CANNOT_RECEIVE, "Account can not receive ZNS")
        except _Failure as failure:
            return self._fail(path, failure.code, failure.message)
        now = self.clock()
        self.zns_sent.append(ZnsMessage(phone, template_id, data, tracking, now))
        self._bump()
        remaining = self.zns_daily_quota - used - 1
        data_out = {
            "msg_id": self._next_id(),
            "sent_time": str(int(now.timestamp() * 1000)),
            "quota": {"dailyQuota": str(self.zns_daily_quota), "remainingQuota": str(remaining)},
        }
        return JSONResponse({"error": 0, "message": "Success", "data": data_out},
                            headers=self._rate_headers())  # fmt: skip

    def _check_zns(self, body: Any) -> tuple[str, str, dict[str, str], str]:
        if not isinstance(body, dict):
            raise _Failure(ZNS_UNKNOWN, "Body must be an object (fake wording)")
        phone = body.get("phone")
        if not isinstance(phone, str) or not _ZNS_PHONE.match(phone):
            raise _Failure(ZNS_BAD_PHONE, "Phone number invalid")
        template_id = body.get("template_id")
        params = self.zns_templates.get(template_id) if isinstance(template_id, str) else None
        if params is None:
            raise _Failure(ZNS_BAD_TEMPLATE, "Template ID invalid")
        data = body.get("template_data")
        if not isinstance(data, dict) or not data:
            raise _Failure(ZNS_EMPTY_DATA, "Template data empty")
        if set(data) != set(params):
            raise _Failure(ZNS_BAD_DATA, "Template data invalid (parameters differ)")
        for name, value in data.items():
            if not isinstance(value, str) or not value or len(value) > params[name]:
                raise _Failure(ZNS_BAD_DATA, f"Template data invalid ({name}) (fake wording)")
        tracking = body.get("tracking_id", "")
        return phone, template_id, {k: str(v) for k, v in data.items()}, str(tracking)

    def _rate_check(self) -> None:
        now = self.clock()
        while self._calls and now - self._calls[0] >= timedelta(minutes=1):
            self._calls.popleft()
        if self.rate_per_minute is not None and len(self._calls) >= self.rate_per_minute:
            raise _Failure(-32, "The request rate exceeded the limit")
        self._calls.append(now)

    async def _check_media(self, payload: dict[str, Any]) -> None:
        elements = payload.get("elements")
        if not isinstance(elements, list) or len(elements) != 1:
            raise _Failure(-201, "a media template has one element (fake wording)")
        [element] = elements
        url = element.get("url") if isinstance(element, dict) else None
        if element.get("media_type") != "image" or not isinstance(url, str):
            raise _Failure(-201, "media element needs media_type image and url (fake wording)")
        self.fetched.append(await fetch_image(url))

    async def _check_body(self, body: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(body, dict):
            raise _Failure(-201, "Body must be an object (fake wording)")
        recipient = body.get("recipient")
        user_id = recipient.get("user_id") if isinstance(recipient, dict) else None
        if not isinstance(user_id, str) or not user_id.isdigit():
            raise _Failure(-201, "recipient.user_id must be a string of digits (fake wording)")
        message = body.get("message")
        if not isinstance(message, dict):
            raise _Failure(-201, "message is missing (fake wording)")
        text = message.get("text")
        attachment = message.get("attachment")
        if text is None and attachment is None:
            raise _Failure(-201, "message needs text or an attachment (fake wording)")
        if text is not None:
            if not isinstance(text, str) or not text.strip():
                raise _Failure(-201, "message.text must be non-empty (fake wording)")
            if len(unicodedata.normalize("NFC", text)) > MAX_TEXT:
                raise _Failure(-201, "message.text is longer than 2000 characters (fake wording)")
        if attachment is not None:
            await self._check_attachment(attachment)
        return user_id, message

    async def _check_attachment(self, attachment: Any) -> None:
        if not isinstance(attachment, dict) or attachment.get("type") != "template":
            raise _Failure(-201, "attachment.type must be template (fake wording)")
        payload = attachment.get("payload")
        if isinstance(payload, dict) and payload.get("template_type") == "media":
            await self._check_media(payload)
            return
        buttons = payload.get("buttons") if isinstance(payload, dict) else None
        if not isinstance(buttons, list) or not buttons:
            raise _Failure(-201, "payload.buttons must be a non-empty list (fake wording)")
        if len(buttons) > self.max_buttons:
            raise _Failure(-201, f"at most {self.max_buttons} buttons (fake wording)")
        for button in buttons:
            if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
                raise _Failure(-201, "unknown button type (fake wording)")
            title = button.get("title")
            if not isinstance(title, str) or not title.strip():
                raise _Failure(-201, "button title must be non-empty (fake wording)")
            kind, value = button["type"], button.get("payload")
            if kind.startswith("oa.query.") and not (isinstance(value, str) and value):
                raise _Failure(-201, f"{kind} payload must be a non-empty string (fake wording)")
            if kind == "oa.open.url" and not (
                isinstance(value, dict)
                and str(value.get("url", "")).startswith(("https://", "http://"))
            ):
                raise _Failure(-201, "oa.open.url payload must be {url} (fake wording)")
            if kind in {"oa.open.sms", "oa.open.phone"} and not (
                isinstance(value, dict) and isinstance(value.get("phone_code"), str)
            ):
                raise _Failure(-201, f"{kind} payload needs phone_code (fake wording)")

    async def _oauth(self, request: Request) -> Response:
        path = request.url.path
        if request.headers.get("secret_key") != self.app_secret:
            self.refresh_calls.append("bad secret_key")
            return self._fail(path, -14002, "Invalid secret_key (fake wording)")
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            self.refresh_calls.append("not form-encoded")
            return self._fail(path, -14003, "Body must be form-urlencoded (fake wording)")
        form = await request.form()
        grant_type = form.get("grant_type")
        if form.get("app_id") != self.app_id or grant_type not in (
            "refresh_token",
            "authorization_code",
        ):
            self.refresh_calls.append("bad form")
            return self._fail(path, -14003, "app_id and grant_type required (fake wording)")
        if grant_type == "authorization_code":
            return self._exchange(path, str(form.get("code", "")), form.get("code_verifier"))
        given = str(form.get("refresh_token", ""))
        if not self._refresh.get(given):
            self.refresh_calls.append("refresh token spent or unknown")
            return self._fail(
                path, -14014, "Invalid refresh token (fake wording: code unconfirmed)"
            )
        # Single use: spent at once, before the (optional) delay that widens race windows.
        self._refresh[given] = False
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        # The previous access token dies with its refresh token.
        for token in self._access.values():
            token.revoked = True
        self.refresh_token = self._new_refresh()
        new = self._new_access()
        self.access_token = new.value
        self.refresh_calls.append("ok")
        return self._grant()

    def _grant(self) -> JSONResponse:
        """A new pair (the first, or after a refresh); ``expires_in`` as a string."""
        self._bump()
        seconds = int(self.access_lifetime.total_seconds())
        return JSONResponse(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": str(seconds),
            }
        )

    # ------------------------------------------------------------------ authorisation (PKCE)

    async def _permission(self, request: Request) -> Response:
        """The OA's admin grants the app: back to the registered callback with a code."""
        query = request.query_params
        challenge, redirect = query.get("code_challenge", ""), query.get("redirect_uri", "")
        if query.get("app_id") != self.app_id:
            return Response("unknown app_id (fake wording)", status_code=400)
        if len(challenge) != 43 or not set(challenge) <= _B64URL:
            return Response("code_challenge must be S256, base64url (fake)", status_code=400)
        if self.callback_url is None or redirect != self.callback_url:
            return Response("redirect_uri is not the app's callback URL (fake)", status_code=400)
        code = "code-" + secrets.token_urlsafe(24)
        self._codes[code] = (challenge, self.clock())
        back = httpx.URL(redirect).copy_merge_params(
            {"oa_id": self.oa_id, "code": code, "state": query.get("state", "")}
        )
        return Response(status_code=302, headers={"location": str(back)})

    def _exchange(self, path: str, code: str, verifier: object) -> JSONResponse:
        """Code + verifier for the first pair: single use, 10 minutes, S256 checked."""
        known = self._codes.pop(code, None)  # a code works once, right or wrong
        if known is None:
            self.refresh_calls.append("code spent or unknown")
            return self._fail(path, -14019, "Invalid authorization code (fake wording)")
        challenge, issued = known
        if self.clock() - issued > self.code_lifetime:
            self.refresh_calls.append("code expired")
            return self._fail(path, -14019, "Authorization code expired (fake wording)")
        if not isinstance(verifier, str) or len(verifier) != 43:
            self.refresh_calls.append("bad code_verifier")
            return self._fail(path, -14020, "code_verifier must be 43 characters (fake)")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
            self.refresh_calls.append("verifier does not match")
            return self._fail(path, -14020, "code_verifier does not match (fake wording)")
        self.refresh_token = self._new_refresh()
        new = self._new_access()
        self.access_token = new.value
        self.refresh_calls.append("code ok")
        return self._grant()


_B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@contextlib.asynccontextmanager
async def zalo_oa_fake(**kwargs: Any) -> AsyncIterator[ZaloOAFake]:
    """``async with zalo_oa_fake(...) as fake:`` — the same as ``async with ZaloOAFake(...)``."""
    async with ZaloOAFake(**kwargs) as fake:
        yield fake
