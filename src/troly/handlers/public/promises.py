"""The chairman's promise tracker (``/cong-khai/cam-ket``): held sessions, their conclusions
and promises, overdue ones in red. A door only: it reads ``bot.sessions.tracker``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from troly.bot.sessions.tracker import STATES, promise_tracker
from troly.handlers.public.site import Site


def promise_routes(site: Site) -> list[BaseRoute]:
    """The promise tracker's page."""

    async def tracker_page(request: Request) -> Response:
        async with site.read() as session:
            tracker = await promise_tracker(session, now=site.clock(), min_count=site.min_count)
        return site.render(request, "promises.html", {"tracker": tracker, "states": STATES})

    return [Route("/cam-ket", tracker_page, methods=["GET"], name="promises")]
