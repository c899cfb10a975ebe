"""The public pages (``/cong-khai``): read-only, anonymised views for anyone, no sign-in.

``public_routes`` mounts the landing page, the stylesheet and every section of
``sections.SECTIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from troly.bot.settings import Settings
from troly.handlers.public.sections import SECTIONS, Section
from troly.handlers.public.site import ASSETS, PREFIX, Site


def public_routes(
    *,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Callable[[], datetime],
    sections: tuple[Section, ...] = SECTIONS,
) -> Mount:
    """The public pages, mounted at ``/cong-khai``."""
    site = Site(sessions=sessions, settings=settings, clock=clock)

    async def landing(request: Request) -> Response:
        return site.render(request, "home.html", {"sections": sections})

    routes: list[BaseRoute] = [Route("/", landing, methods=["GET"], name="home")]
    for section in sections:
        routes.extend(section.routes(site))
    routes.append(Mount("/static", app=StaticFiles(directory=ASSETS / "static"), name="static"))

    async def missing(request: Request) -> Response:
        return site.not_found(request)

    routes.append(Route("/{rest:path}", missing, methods=["GET"], name="missing"))
    return Mount(PREFIX, routes=routes, name="public")
