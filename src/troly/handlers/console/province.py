"""The province's details page: the service center's address, hours, hotline, map, the portal,
the communes' hours (admins edit them), the local notes per procedure (staff add them), and
the imports of the procedure records (``troly kb import``)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.knowledge import imports
from troly.bot.province import store
from troly.bot.province.details import MAX_DETAIL, MAX_NOTE
from troly.handlers.console.guard import Ctx, Gate


def _field(form: object, name: str, limit: int) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    # One more than allowed, so a value that is too long is refused rather than cut.
    return value[: limit + 1].strip() if isinstance(value, str) else ""


class ProvincePages:
    """The details table, its save action, and the local notes."""

    def __init__(
        self,
        gate: Gate,
        *,
        procedure_name: Callable[[str], str | None],
        changed: Callable[[], None],
    ) -> None:
        self.gate = gate
        self.procedure_name = procedure_name
        self.changed = changed

    async def page(
        self,
        request: Request,
        ctx: Ctx,
        *,
        error: str | None = None,
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        """The details in use (and which an admin set), then the local notes."""
        async with self.gate.tx() as session:
            rows = await store.detail_rows(session, self.gate.settings)
            notes = await store.notes(session)
            imported = await imports.history(session)
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "province",
            "province": self.gate.settings.province,
            "rows": rows,
            "notes": [(n, self.procedure_name(n.code) or "") for n in notes],
            "saved": request.query_params.get("saved", ""),
            "error": error,
            "typed": typed or {},
            "imports": imported,
        }
        return self.gate.render(request, "province.html", context, status=status)

    async def save(self, request: Request, ctx: Ctx) -> Response:
        """Sets one detail (admins); a blank value goes back to the setting."""
        form = await request.form()
        name, value = _field(form, "name", 32), _field(form, "value", MAX_DETAIL)
        now = self.gate.clock()
        async with self.gate.tx() as session:
            problem = await store.set_detail(session, name, value, now=now, by=ctx.member.name)
            if problem is None:
                audit(
                    session, ctx.member, "province.set", now=now, address=ctx.address, target=name
                )
        if problem is not None:
            typed = {"name": name, "value": value}
            return await self.page(request, ctx, error=problem, typed=typed, status=409)
        self.changed()
        return RedirectResponse(f"/console/province?saved={name}", status_code=303)

    async def note(self, request: Request, ctx: Ctx) -> Response:
        """Sets (or, blank, removes) a procedure's local note (staff who act)."""
        form = await request.form()
        code, text = _field(form, "code", 32), _field(form, "note", MAX_NOTE)
        if self.procedure_name(code) is None:
            typed = {"code": code, "note": text}
            return await self.page(
                request, ctx, error="province.unknown_code", typed=typed, status=409
            )
        now = self.gate.clock()
        async with self.gate.tx() as session:
            problem = await store.set_note(session, code, text, now=now, by=ctx.member.name)
            if problem is None:
                audit(
                    session, ctx.member, "province.note", now=now, address=ctx.address, target=code
                )
        if problem is not None:
            typed = {"code": code, "note": text}
            return await self.page(request, ctx, error=problem, typed=typed, status=409)
        self.changed()
        return RedirectResponse(f"/console/province?saved={code}", status_code=303)
