"""The reports pages (``/console/reports/…``): charts with their tables, a CSV per table.

A door only: the figures come from ``bot.reports`` (through ``report_tables``); the period
comes from the picker's query. Reports hold no personal data, so a view is not audited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.petitions.service import work_calendar
from troly.bot.reports import period as periods
from troly.handlers.console.guard import Ctx, Gate
from troly.handlers.console.report_tables import BUILDERS, PAGES, Table, Words


class ReportPages:
    """The reports' pages over the gate."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def _period(self, request: Request) -> periods.Period:
        calendar = work_calendar(self.gate.settings)
        today = self.gate.clock().astimezone(calendar.tz).date()
        return periods.picked(request.query_params, today)

    async def _tables(self, page: str, period: periods.Period, w: Words) -> list[Table]:
        calendar = work_calendar(self.gate.settings)
        async with self.gate.tx() as session:
            return await BUILDERS[page](
                session, period, now=self.gate.clock(), calendar=calendar, w=w
            )

    async def home(self, request: Request, ctx: Ctx) -> Response:
        """The reports start with the petitions."""
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/console/reports/petitions{query}", status_code=303)

    async def page(self, request: Request, ctx: Ctx) -> Response:
        """One reports page for the picked period."""
        page = str(request.path_params["page"])
        if page not in PAGES:
            return self.gate.refusal(request, ctx, "reports.not_found", 404)
        period = self._period(request)
        w = Words(ctx.locale)
        tables = await self._tables(page, period, w)
        today = self.gate.clock().astimezone(work_calendar(self.gate.settings).tz).date()
        last_month = periods.month(today.year, today.month)
        before = periods.month(
            today.year - (today.month == 1), 12 if today.month == 1 else today.month - 1
        )
        quick = [
            (w("this_month"), last_month.key),
            (w("last_month"), before.key),
            (w("this_quarter"), periods.quarter(today.year, (today.month - 1) // 3 + 1).key),
            (w("this_year"), periods.year(today.year).key),
        ]
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "reports",
            "page": page,
            "pages": PAGES,
            "w": w,
            "period": period,
            "period_label": w.period(period),
            "query": urlencode({"period": period.key}),
            "quick": quick,
            "tables": tables,
            "years": range(today.year - 4, today.year + 1),
        }
        return self.gate.render(request, "reports.html", context)

    async def csv(self, request: Request, ctx: Ctx) -> Response:
        """One table of a page as CSV, the same rows the page shows."""
        page, name = str(request.path_params["page"]), str(request.path_params["table"])
        if page not in PAGES:
            return self.gate.refusal(request, ctx, "reports.not_found", 404)
        period = self._period(request)
        built = await self._tables(page, period, Words(ctx.locale))
        tables = {table.name: table for table in built}
        if name not in tables:
            return self.gate.refusal(request, ctx, "reports.not_found", 404)
        filename = f"{name}-{period.key.replace('..', '_')}.csv"
        headers = {
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        # A byte-order mark, so a spreadsheet opens the Vietnamese as UTF-8.
        body = "\ufeff" + tables[name].csv()
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
