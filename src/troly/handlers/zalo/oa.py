"""The Zalo Official Account door: signed webhook, customer-service messages, OAuth tokens.

The webhook is checked (``oa_events``) and answered 200 at once; the work happens after the
acknowledgement. Errors come as HTTP 200 with a negative ``error``: an expired token is
refreshed and the send retried once, outside the window the row is held, a rate limit backs off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from troly.bot.choices import ChoiceMenus
from troly.bot.messages import Button, Reply
from troly.bot.outbox import Held, RetryLater, Undeliverable
from troly.bot.settings import Settings
from troly.bot.tokens import Grant, TokenRefreshFailed, TokenStore
from troly.handlers.json_body import parse_json
from troly.handlers.zalo import oa_auth
from troly.handlers.zalo.common import (
    MAX_TEXT,
    Road,
    ZaloFiles,
    document_text,
    is_photo,
    render_numbered,
)
from troly.handlers.zalo.oa_events import (
    CHANNEL,
    expected_signature,
    sent_within,
    signature_ok,
    to_incoming,
)
from troly.handlers.zalo.zns import ZnsSender

__all__ = [
    "CHANNEL",
    "ZaloOAClient",
    "ZaloOADoor",
    "ZaloOASender",
    "expected_signature",
    "render",
    "signature_ok",
    "to_incoming",
]

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
TOKEN_NAME = "zalo_oa"
MAX_BODY_BYTES = 256 * 1024
# Community code assumes 5 buttons per message; the real limit is unconfirmed.
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100

EXPIRED_TOKEN = {-216, -220}
OUTSIDE_WINDOW = {-230, -232}
RATE_LIMITED = -32
NOT_FOLLOWER = -213
RATE_LIMIT_BACKOFF = 60.0


def _button(button: Button) -> dict[str, Any]:
    title = button.label[:MAX_BUTTON_TITLE]
    if button.url is not None:
        return {"title": title, "type": "oa.open.url", "payload": {"url": button.url}}
    return {"title": title, "type": "oa.query.show", "payload": button.choice}


def render(
    reply: Reply, locale: str = "vi", *, start: int = 1
) -> tuple[list[dict[str, Any]], list[str]]:
    """A reply as ``message`` objects (≤ 2,000 characters each) and the choices they offer.

    Up to five buttons are Zalo buttons (``oa.query.show`` with the choice as its payload,
    ``oa.open.url`` for links) on the last piece; more are numbered lines.
    """
    buttons = reply.all_buttons()
    if len(buttons) > MAX_BUTTONS:
        numbered = render_numbered(reply, locale, start=start)
        return [{"text": piece} for piece in numbered.pieces], numbered.choices
    plain = Reply(reply.text, document=reply.document, kind=reply.kind)
    pieces = render_numbered(plain, locale, limit=MAX_TEXT).pieces
    messages: list[dict[str, Any]] = [{"text": piece} for piece in pieces]
    if buttons:
        messages[-1]["attachment"] = {
            "type": "template",
            "payload": {"buttons": [_button(b) for b in buttons]},
        }
    return messages, [b.choice for b in buttons if b.choice is not None]


def media_message(url: str) -> dict[str, Any]:
    """A photo by URL, as the OA's media template."""
    payload = {"template_type": "media", "elements": [{"media_type": "image", "url": url}]}
    return {"attachment": {"type": "template", "payload": payload}}


class ZaloOAError(Exception):
    """A negative ``error`` in the answer's body."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"zalo oa error {code}: {message}")
        self.code = code
        self.message = message


class ZaloOAClient:
    """The OA Open API over httpx: customer-service messages and the OAuth v4 refresh."""

    def __init__(self, *, settings: Settings, client: httpx.AsyncClient) -> None:
        assert settings.zalo_oa_app_id is not None and settings.zalo_oa_app_secret is not None
        self._api = settings.zalo_oa_api_url.rstrip("/")
        self._oauth = settings.zalo_oa_oauth_url.rstrip("/")
        self._app_id = settings.zalo_oa_app_id
        self._app_secret = settings.zalo_oa_app_secret
        self._client = client

    async def send_cs(self, access_token: str, user_id: str, message: dict[str, Any]) -> None:
        """Sends one consultation message; a non-zero ``error`` raises ``ZaloOAError``."""
        response = await self._client.post(
            f"{self._api}/v3.0/oa/message/cs",
            json={"recipient": {"user_id": user_id}, "message": message},
            headers={"access_token": access_token},
        )
        body = _json(response)
        error = _int(body.get("error", -1 if response.status_code != 200 else 0))
        if error != 0 or response.status_code != 200:
            raise ZaloOAError(error or -response.status_code, str(body.get("message", "")))

    async def refresh(self, refresh_token: str) -> Grant:
        """Trades the (single-use) refresh token for a new pair."""
        return await self._token_call(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def exchange_code(self, code: str, verifier: str) -> Grant:
        """Trades an authorisation code (single use, 10 minutes) and its verifier for a pair."""
        return await self._token_call(
            {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
        )

    async def _token_call(self, form: dict[str, str]) -> Grant:
        try:
            response = await self._client.post(
                f"{self._oauth}/v4/oa/access_token",
                data={"app_id": self._app_id, **form},
                headers={"secret_key": self._app_secret.get_secret_value()},
            )
        except httpx.HTTPError as exc:
            raise TokenRefreshFailed(f"network: {type(exc).__name__}") from exc
        body = _json(response)
        access, new_refresh = body.get("access_token"), body.get("refresh_token")
        if not access or not new_refresh:
            raise TokenRefreshFailed(f"refused: {body.get('error')} {body.get('message', '')}")
        # expires_in comes as a string ("90000").
        return Grant(str(access), str(new_refresh), float(str(body.get("expires_in", "3600"))))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class ZaloOASender:
    """Delivers replies as consultation messages, mapping Zalo's error codes to the outbox's."""

    def __init__(
        self, *, client: ZaloOAClient, tokens: TokenStore, menus: ChoiceMenus, files: ZaloFiles
    ) -> None:
        self._client = client
        self._tokens = tokens
        self._menus = menus
        self._files = files

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> None:
        """Sends the reply's pieces in order; an expired token is refreshed and retried once."""
        locale = await self._menus.locale(CHANNEL, recipient)
        # An aside (a staff message, a reminder) keeps the menu the user may be answering.
        start = await self._menus.first_number(CHANNEL, recipient) if reply.aside else 1
        messages, choices = render(reply, locale, start=start)
        if reply.document is not None:
            url = await self._files.url_for(reply.document)
            if url is not None and is_photo(reply.document):
                messages.append(media_message(url))
            else:
                messages.append({"text": document_text(reply.document, url, locale)})
        try:
            for message in messages:
                await self._send_one(recipient, message)
        except ZaloOAError as exc:
            raise _outbox_error(exc) from exc
        except TokenRefreshFailed as exc:
            logger.error("zalo oa token refresh failed: %s", exc)
            raise RetryLater(f"zalo oa token refresh failed: {exc}") from exc
        except httpx.HTTPError as exc:
            raise RetryLater(f"zalo oa network: {type(exc).__name__}") from exc
        await self._menus.remember(CHANNEL, recipient, choices, after=start - 1)

    async def _send_one(self, recipient: str, message: dict[str, Any]) -> None:
        token = await self._tokens.access_token()
        try:
            await self._client.send_cs(token, recipient, message)
        except ZaloOAError as exc:
            if exc.code not in EXPIRED_TOKEN:
                raise
            logger.info("zalo oa access token rejected (%s): refreshing", exc.code)
            token = await self._tokens.access_token(rejected=token)
            await self._client.send_cs(token, recipient, message)


def _outbox_error(exc: ZaloOAError) -> Exception:
    if exc.code in OUTSIDE_WINDOW:
        return Held(f"waiting for the user (zalo oa {exc.code}: outside the interaction window)")
    if exc.code == RATE_LIMITED:
        return RetryLater("zalo oa rate limited", after=RATE_LIMIT_BACKOFF)
    if exc.code == NOT_FOLLOWER:
        return Undeliverable("zalo oa: the user does not follow the OA", blocked=True)
    if exc.code == -201:
        return Undeliverable(f"zalo oa rejected the message: {exc.message}")
    return RetryLater(f"zalo oa error {exc.code}: {exc.message}")


class ZaloOADoor:
    """The OA wired to the dialogue: the signed webhook route, the sender, the token store."""

    def __init__(
        self,
        *,
        settings: Settings,
        road: Road,
        menus: ChoiceMenus,
        files: ZaloFiles,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
    ) -> None:
        assert settings.zalo_oa_app_id is not None and settings.zalo_oa_secret is not None
        self._settings = settings
        self._road = road
        self._app_id = settings.zalo_oa_app_id
        self._oa_secret = settings.zalo_oa_secret.get_secret_value()
        self._clock = clock
        self._http = httpx.AsyncClient(timeout=10.0, trust_env=False)
        self.client = ZaloOAClient(settings=settings, client=self._http)
        self.tokens = TokenStore(
            name=TOKEN_NAME,
            sessions=sessions,
            refresher=self.client.refresh,
            clock=clock,
            ahead=timedelta(seconds=settings.zalo_oa_refresh_ahead_seconds),
        )
        self.sender = ZaloOASender(client=self.client, tokens=self.tokens, menus=menus, files=files)
        # Held time-critical messages are announced by ZNS only for kinds with a template.
        self.notices: ZnsSender | None = None
        if settings.zalo_zns_templates:
            self.notices = ZnsSender(
                settings=settings, client=self._http, tokens=self.tokens, sessions=sessions
            )

    def routes(self) -> list[BaseRoute]:
        """The webhook route and the authorisation's callback."""
        return [
            Route(WEBHOOK_PATH, self.on_webhook, methods=["POST"]),
            Route(oa_auth.CALLBACK_PATH, self.on_authorized, methods=["GET"]),
        ]

    async def start(self) -> None:
        """Seeds the token store from the settings (the database wins after a first refresh).

        Without a refresh token in the settings the door waits for ``troly zalo authorize``.
        """
        refresh = self._settings.zalo_oa_refresh_token
        if refresh is None:
            if not await self.tokens.stored():
                logger.warning("zalo oa not connected yet: run `troly zalo authorize`")
            return
        access = self._settings.zalo_oa_access_token
        await self.tokens.seed(
            refresh_token=refresh.get_secret_value(),
            access_token=access.get_secret_value() if access is not None else None,
        )

    async def stop(self) -> None:
        """Closes the HTTP client."""
        await self._http.aclose()

    async def keep_token_fresh(self) -> None:
        """A scheduler job: refreshes ahead of expiry even when nobody writes."""
        try:
            await self.tokens.refresh_if_due()
        except TokenRefreshFailed as exc:
            logger.error("zalo oa token refresh failed: %s", exc)

    async def on_authorized(self, request: Request) -> Response:
        """Zalo sent the OA's admin back with a code: trade it for the first token pair."""
        now = self._clock()
        state, code = request.query_params.get("state", ""), request.query_params.get("code", "")
        verifier = oa_auth.verifier_of_state(state, self._settings, now)
        if verifier is None or not code:
            return HTMLResponse(
                oa_auth.page(
                    "Liên kết không hợp lệ hoặc đã hết hạn",
                    "Hãy chạy lại `troly zalo authorize` và mở liên kết mới trong 10 phút. "
                    "/ The link is invalid or expired: run `troly zalo authorize` again.",
                    ok=False,
                ),
                status_code=400,
            )
        try:
            grant = await self.client.exchange_code(code, verifier)
        except TokenRefreshFailed as exc:
            logger.error("zalo oa authorisation refused: %s", exc)
            return HTMLResponse(
                oa_auth.page(
                    "Zalo không chấp nhận mã uỷ quyền",
                    "Mã chỉ dùng được một lần và trong 10 phút: hãy chạy lại "
                    "`troly zalo authorize`. / Zalo refused the code: authorise again.",
                    ok=False,
                ),
                status_code=400,
            )
        await self.tokens.install(grant)
        logger.info("zalo oa connected (oa %s)", request.query_params.get("oa_id", "?"))
        return HTMLResponse(
            oa_auth.page(
                "Đã kết nối Zalo OA",
                "Trợ lý đã nhận quyền gửi tin qua Official Account và tự gia hạn khoá truy cập. "
                "Bạn có thể đóng trang này. / The assistant is connected to the OA.",
                ok=True,
            )
        )

    async def on_webhook(self, request: Request) -> Response:
        """Verifies the signature over the raw bytes, answers 200 at once, works after."""
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        header = request.headers.get(SIGNATURE_HEADER)
        if not signature_ok(raw, header, app_id=self._app_id, oa_secret=self._oa_secret):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        data = parse_json(raw)
        window = self._settings.zalo_replay_seconds
        if not sent_within(data, now=self._clock(), seconds=window):
            logger.warning("zalo oa event outside the %ss replay window refused", window)
            return JSONResponse({"error": "bad signature"}, status_code=401)
        incoming = to_incoming(data)
        if incoming is None:
            return Response(status_code=200)
        return Response(status_code=200, background=BackgroundTask(self._road.handle, incoming))
