"""The published petitions (``/cong-khai/phan-anh``): a searchable list and a page each.

A door only: it reads ``bot.petitions.published`` and renders; the page of one petition is
found by its public id, never by the tracking code.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from troly.bot.petitions.published import Search, listing, published
from troly.bot.topics import TOPIC_KEYS, TOPICS
from troly.handlers.public.site import Site

PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{8,24}")


def search_of(request: Request) -> Search:
    """The reader's search from the query string (unknown values are ignored)."""
    q = request.query_params
    topic = q.get("topic", "")
    page = q.get("page", "1")
    return Search(
        topic=topic if topic in TOPIC_KEYS else "",
        commune=q.get("commune", "")[:8],
        q=q.get("q", "")[:100],
        page=int(page) if page.isdigit() and len(page) < 5 else 1,
    )


def petition_routes(site: Site) -> list[BaseRoute]:
    """The list of published petitions and the page of each."""

    async def listing_page(request: Request) -> Response:
        search = search_of(request)
        async with site.read() as session:
            found = await listing(session, search, min_count=site.min_count)
        context = {"found": found, "search": search, "topics": TOPICS}
        return site.render(request, "petitions.html", context)

    async def petition_page(request: Request) -> Response:
        public_id = str(request.path_params["public_id"])
        if not PUBLIC_ID.fullmatch(public_id):
            return site.not_found(request)
        async with site.read() as session:
            found = await published(session, public_id, min_count=site.min_count)
        if found is None:
            return site.not_found(request)
        row, communes = found
        return site.render(request, "petition.html", {"p": row, "communes": communes})

    return [
        Route("/phan-anh", listing_page, methods=["GET"], name="petitions"),
        Route("/phan-anh/{public_id}", petition_page, methods=["GET"], name="petition"),
    ]
