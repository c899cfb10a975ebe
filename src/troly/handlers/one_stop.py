"""The one-stop system's JSON HTTP endpoint as a ``DossierSource`` (httpx).

``GET TROLY_DOSSIER_URL`` (``{code}`` in it is replaced, else ``?code=``) with the key in a
header; the answer's fields are found by the dotted paths of ``TROLY_DOSSIER_FIELDS``. A
404 or an answer without the code field is "not found"; a timeout, a 5xx, a refused key or an
answer that is not JSON is "unavailable", and the system is then left alone for
``dossier_cooldown_seconds``. The log names the failure, never the key or the dossier's data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from troly.bot.dossiers.model import (
    DossierStatus,
    Lookup,
    NotFound,
    Unavailable,
    is_overdue,
    parse_date,
    state_of,
)
from troly.bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_TEXT = 300


def field_at(data: Any, path: str) -> Any:
    """The value at a dotted path (``data.0.dossierNo``: keys, and indexes into lists)."""
    value = data
    for part in path.split(".") if path else ():
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())[:MAX_TEXT]


class JsonDossierSource:
    """Looks dossiers up at a configurable JSON endpoint."""

    def __init__(
        self,
        *,
        settings: Settings,
        client: httpx.AsyncClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        assert settings.dossier_url is not None
        self._url = settings.dossier_url
        self._fields = dict(settings.dossier_fields)
        self._words = dict(settings.dossier_statuses)
        self._headers: dict[str, str] = {"Accept": "application/json"}
        if settings.dossier_key is not None:
            key = settings.dossier_key.get_secret_value()
            header = settings.dossier_key_header
            self._headers[header] = f"Bearer {key}" if header.lower() == "authorization" else key
        self._client = client or httpx.AsyncClient(
            timeout=settings.dossier_timeout_seconds, trust_env=False
        )
        self._owns_client = client is None
        self._cooldown = settings.dossier_cooldown_seconds
        self._monotonic = monotonic
        self._resting_until = 0.0

    async def close(self) -> None:
        """Closes the HTTP client (when it made its own)."""
        if self._owns_client:
            await self._client.aclose()

    def _request(self, code: str) -> tuple[str, dict[str, str]]:
        if "{code}" in self._url:
            return self._url.replace("{code}", quote(code, safe="")), {}
        return self._url, {"code": code}

    async def lookup(self, code: str) -> Lookup:
        """The dossier's status, ``NotFound`` or ``Unavailable``; never raises."""
        if self._monotonic() < self._resting_until:
            return Unavailable("resting after a failure")
        url, params = self._request(code)
        try:
            response = await self._client.get(url, params=params, headers=self._headers)
        except httpx.TimeoutException:
            return self._failed("timeout")
        except httpx.HTTPError as exc:
            return self._failed(f"network: {type(exc).__name__}")
        if response.status_code == 404:
            return NotFound(code)
        if response.status_code in (401, 403):
            logger.error("one-stop system refused the key: check TROLY_DOSSIER_KEY and its header")
            return self._failed(f"HTTP {response.status_code}")
        if response.status_code != 200:
            return self._failed(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            return self._failed("the answer is not JSON")
        return self._read(code, data)

    def _failed(self, reason: str) -> Unavailable:
        self._resting_until = self._monotonic() + self._cooldown
        logger.warning("one-stop system unavailable: %s", reason)
        return Unavailable(reason)

    def _read(self, code: str, data: Any) -> Lookup:
        def get(name: str) -> Any:
            path = self._fields.get(name)
            return field_at(data, path) if path else None

        found_code = _text(get("code"))
        if not found_code:
            if isinstance(data, Mapping | list):
                return NotFound(code)
            return self._failed("the answer has no record")
        label = _text(get("status"))
        return DossierStatus(
            code=found_code,
            label=label,
            state=state_of(label, self._words),
            received=parse_date(get("received")),
            due=parse_date(get("due")),
            agency=_text(get("agency")),
            procedure=_text(get("procedure")),
            overdue=is_overdue(get("overdue")),
        )


def dossier_source(settings: Settings) -> JsonDossierSource | None:
    """The configured one-stop system, or None without ``TROLY_DOSSIER_URL``."""
    return JsonDossierSource(settings=settings) if settings.dossier_url else None
