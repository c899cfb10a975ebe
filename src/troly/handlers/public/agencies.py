"""The on-time and satisfaction index per agency (``/cong-khai/chi-so``), SIPAS-style.

Month by month, per department (or per topic): the share of petitions answered by the
original deadline and the mean rating, each with the count it rests on; a cell resting on
fewer than ``TROLY_PUBLIC_MIN_COUNT`` petitions is left empty. The figures come from
``bot.reports.agencies``.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from troly.bot.petitions.service import work_calendar
from troly.bot.reports.agencies import BY, agency_index
from troly.bot.texts import t
from troly.bot.topics import topic_label
from troly.handlers import charts
from troly.handlers.public.site import Site

YEARS_BACK = 3
"""How many earlier years the page links to."""


def routes(site: Site) -> Sequence[BaseRoute]:
    """The index page."""

    async def index(request: Request) -> Response:
        locale = site.locale(request)
        calendar = work_calendar(site.settings)
        now = site.clock()
        this_year = now.astimezone(calendar.tz).year
        raw_year = request.query_params.get("nam", "")
        year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else this_year
        if not this_year - YEARS_BACK <= year <= this_year:
            return site.not_found(request)
        by = request.query_params.get("theo", "department")
        if by not in BY:
            by = "department"
        async with site.read() as session:
            built = await agency_index(
                session, year, by=by, now=now, calendar=calendar, min_count=site.min_count
            )

        def group(key: str) -> str:
            if by == "topic":
                return topic_label(key, locale)
            return key or t("public.index_unrouted", locale)

        shown = [row for row in built.rows if row.total.on_time_share is not None]
        title = t("public.index_chart_title", locale, year=year)
        chart = charts.bars(
            title,
            [(group(row.group), 100 * (row.total.on_time_share or 0)) for row in shown],
            desc=t("public.index_chart_desc", locale),
            shown=lambda value: f"{value:.1f}%",
            width=360,
        )
        context = {
            "index": built,
            "year": year,
            "years": range(this_year, this_year - YEARS_BACK - 1, -1),
            "by": by,
            "group": group,
            "chart": chart if shown else None,
            "enough": built.total.total.due >= site.min_count,
        }
        return site.render(request, "agencies.html", context)

    return [Route("/chi-so", index, methods=["GET"], name="index")]
