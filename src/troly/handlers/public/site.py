"""What every public page shares: its language, its headers, its layout and the minimum count.

Public pages are read by anyone, signed in or not: no cookie is read or set, every page may
be cached (``TROLY_PUBLIC_CACHE_SECONDS``), and a figure rests on enough records to be
anonymous (``TROLY_PUBLIC_MIN_COUNT``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from troly.bot import localised
from troly.bot.settings import Settings
from troly.bot.texts import LOCALES, t
from troly.bot.topics import topic_label
from troly.handlers.console.guard import HEADERS

ASSETS = Path(__file__).parent
PREFIX = "/cong-khai"
SECURITY_HEADERS = {name: value for name, value in HEADERS.items() if name != "Cache-Control"}
"""The console's policy (no inline script or style, no framing), without its ``no-store``."""


def accepted_locale(header: str) -> str | None:
    """The first language of an ``Accept-Language`` header we speak, by its weight."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().split("-")[0].lower()
        if language in LOCALES and weight > 0:
            ranked.append((-weight, position, language))
    return min(ranked)[2] if ranked else None


class Site:
    """The public pages' collaborators and rules, shared by every section."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self.zone = ZoneInfo(settings.timezone)
        self.templates = Jinja2Templates(directory=ASSETS / "templates")

    @property
    def min_count(self) -> int:
        """How many records a list, a figure or a cell needs before it is shown."""
        return self.settings.public_min_count

    def enough(self, count: int) -> bool:
        """Whether ``count`` records are enough to show what rests on them."""
        return count >= self.min_count

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """One read-only session: the public pages never write, so no write lock is taken."""
        async with self.sessions() as session:
            yield session

    def locale(self, request: Request) -> str:
        """The page's language: ``?lang=``, else the browser's ``Accept-Language``, else the
        province's default."""
        chosen = request.query_params.get("lang")
        if chosen in LOCALES:
            return chosen
        return accepted_locale(request.headers.get("accept-language", "")) or (
            self.settings.default_locale
        )

    def headers(self, *, status: int = 200) -> dict[str, str]:
        """The headers of a public page: cacheable (errors briefly), varying by language."""
        seconds = self.settings.public_cache_seconds if status == 200 else 60
        cache = f"public, max-age={seconds}" if seconds else "no-cache"
        return {**SECURITY_HEADERS, "Cache-Control": cache, "Vary": "Accept-Language"}

    def render(
        self, request: Request, template: str, context: dict[str, Any], *, status: int = 200
    ) -> Response:
        """A public page in the request's language, with ``tr``, ``url`` and ``switch_url``."""
        locale = self.locale(request)
        pinned = request.query_params.get("lang") in LOCALES
        zone = self.zone

        def tr(key: str, **values: object) -> str:
            return t(key, locale, **values)

        def url(path: str, **query: object) -> str:
            # A language chosen with the switch stays chosen on the next page.
            kept = {k: v for k, v in query.items() if v not in (None, "")}
            if pinned:
                kept["lang"] = locale
            return f"{PREFIX}{path}" + (f"?{urlencode(kept)}" if kept else "")

        def day(moment: datetime | None) -> str:
            return moment.astimezone(zone).strftime("%d/%m/%Y") if moment else ""

        def topic(key: str) -> str:
            return topic_label(key, locale)

        other = "en" if locale == "vi" else "vi"
        query = {**request.query_params, "lang": other}
        helpers = {
            "tr": tr,
            "url": url,
            "day": day,
            "topic": topic,
            "locale": locale,
            "other_locale": other,
            "switch_url": f"{request.url.path}?{urlencode(query)}",
            "min_count": self.min_count,
            "province": localised.province(self.settings, locale),
        }
        return self.templates.TemplateResponse(
            request,
            template,
            {**helpers, **context},
            status_code=status,
            headers=self.headers(status=status),
        )

    def not_found(self, request: Request) -> Response:
        """The public 404 page, in the request's language."""
        return self.render(request, "not_found.html", {}, status=404)
