"""Zalo Notification Service: a held time-critical message announced by template, by phone.

Used by the outbox (``NoticeSender``) for a Zalo OA user whose window has closed, when the
message's kind has a template id in the settings and the business gave its phone with consent
(``bot/notice_phones.py``). The body is ``{phone: "84…", template_id, template_data,
tracking_id}`` with the OA's access token (facts/channels.md, section F). Error codes are
those of zalo.cloud's ZNS guide; every refusal leaves the message waiting in the chat.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.messages import Notice
from troly.bot.notice_phones import phone_for
from troly.bot.outbox import Held, RetryLater
from troly.bot.settings import Settings
from troly.bot.tokens import TokenRefreshFailed, TokenStore
from troly.handlers.zalo.oa_events import CHANNEL

logger = logging.getLogger(__name__)

TEMPLATE_PATH = "/message/template"
# The ZNS API answers an expired or wrong OA token with -124 (the OA API uses -216/-220).
EXPIRED_TOKEN = {-124, -216, -220}
RATE_LIMITED = -32
MAX_PARAM = 400


def international(phone: str) -> str:
    """A Vietnamese number as ZNS wants it: ``0912345678`` -> ``84912345678`` (no ``+``)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("84"):
        return digits
    return "84" + digits[1:] if digits.startswith("0") else digits


class ZnsError(Exception):
    """A non-zero ``error`` in the ZNS answer."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"zns error {code}: {message}")
        self.code = code


class ZnsSender:
    """Sends a notice as the template configured for its kind, to the consented phone."""

    name = "zns"

    def __init__(
        self,
        *,
        settings: Settings,
        client: httpx.AsyncClient,
        tokens: TokenStore,
        sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        self._url = settings.zalo_zns_api_url.rstrip("/") + TEMPLATE_PATH
        self._templates = dict(settings.zalo_zns_templates)
        self._client = client
        self._tokens = tokens
        self._sessions = sessions

    async def send_notice(self, recipient: str, notice: Notice, *, tracking: str) -> None:
        """Sends it; ``Held`` when it cannot (no template, no phone, refused), or ``RetryLater``."""
        template = self._templates.get(notice.kind)
        if not template:
            raise Held(f"no zns template for {notice.kind}")
        async with self._sessions() as session:
            phone = await phone_for(session, CHANNEL, recipient)
        if phone is None:
            raise Held("no phone given for zns")
        body = {
            "phone": international(phone),
            "template_id": template,
            "template_data": {k: v[:MAX_PARAM] for k, v in notice.params.items()},
            "tracking_id": tracking,
        }
        try:
            await self._post(body)
        except ZnsError as exc:
            if exc.code == RATE_LIMITED:
                raise RetryLater("zns rate limited") from exc
            raise Held(f"zns refused ({exc.code})") from exc
        except TokenRefreshFailed as exc:
            raise RetryLater(f"zalo oa token refresh failed: {exc}") from exc
        except httpx.HTTPError as exc:
            raise RetryLater(f"zns network: {type(exc).__name__}") from exc

    async def _post(self, body: dict[str, Any]) -> None:
        token = await self._tokens.access_token()
        try:
            await self._call(token, body)
        except ZnsError as exc:
            if exc.code not in EXPIRED_TOKEN:
                raise
            logger.info("zns: access token rejected (%s), refreshing", exc.code)
            await self._call(await self._tokens.access_token(rejected=token), body)

    async def _call(self, token: str, body: dict[str, Any]) -> None:
        response = await self._client.post(self._url, json=body, headers={"access_token": token})
        try:
            data = response.json()
        except ValueError:
            data = {}
        error = data.get("error") if isinstance(data, dict) else None
        if response.status_code != 200 or not isinstance(error, int) or error != 0:
            code = error if isinstance(error, int) and error else -response.status_code
            message = str(data.get("message", "")) if isinstance(data, dict) else ""
            raise ZnsError(code, message)
