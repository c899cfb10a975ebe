"""The routing pages: the topic -> department table (admins edit it) and a supervisor's
re-routing of one petition, with its reason."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.petitions import routing
from troly.bot.petitions.communes import communes_of
from troly.bot.petitions.service import by_code, lock_many
from troly.handlers.console.guard import Ctx, Gate
from troly.handlers.console.petitions import PetitionPages, scope_of

MAX_FIELD = 500


def _field(form: object, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return value[:MAX_FIELD].strip() if isinstance(value, str) else ""


class RoutingPages:
    """The routing table page and the re-route action over the gate."""

    def __init__(self, gate: Gate, petitions: PetitionPages) -> None:
        self.gate = gate
        self.petitions = petitions

    async def table(
        self, request: Request, ctx: Ctx, *, error: str | None = None, status: int = 200
    ) -> Response:
        """Every topic with the department its new petitions go to."""
        async with self.gate.tx() as session:
            rows = await routing.routes(session, self.gate.settings)
            specials = await routing.commune_routes(session)
        communes = communes_of(self.gate.settings.province)
        names = {c.code: c.name for c in communes}
        context = {
            "specials": [(r, names.get(r.commune_code, r.commune_code)) for r in specials],
            "communes": communes,
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "routing",
            "rows": rows,
            "saved": request.query_params.get("saved", ""),
            "error": error,
        }
        return self.gate.render(request, "routing.html", context, status=status)

    async def save(self, request: Request, ctx: Ctx) -> Response:
        """Sets one topic's department (admins)."""
        form = await request.form()
        topic, department = _field(form, "topic"), _field(form, "department")
        now = self.gate.clock()
        async with self.gate.tx() as session:
            done = await routing.set_route(session, topic, department, now=now, by=ctx.member.name)
            if done:
                audit(
                    session, ctx.member, "routing.set", now=now, address=ctx.address, target=topic
                )
        if not done:
            return await self.table(request, ctx, error="console.routing_invalid", status=409)
        return RedirectResponse(f"/console/routing?saved={topic}", status_code=303)

    async def save_commune(self, request: Request, ctx: Ctx) -> Response:
        """Sets (or, with no department, removes) one topic's department for one commune."""
        form = await request.form()
        topic, commune = _field(form, "topic"), _field(form, "commune")
        department = _field(form, "department")
        known = frozenset(c.code for c in communes_of(self.gate.settings.province))
        now = self.gate.clock()
        async with self.gate.tx() as session:
            done = await routing.set_commune_route(
                session,
                topic,
                commune,
                department,
                known_communes=known,
                now=now,
                by=ctx.member.name,
            )
            if done:
                audit(
                    session,
                    ctx.member,
                    "routing.commune",
                    now=now,
                    address=ctx.address,
                    target=f"{topic}/{commune}",
                )
        if not done:
            return await self.table(request, ctx, error="console.routing_invalid", status=409)
        return RedirectResponse(f"/console/routing?saved={topic}", status_code=303)

    async def reroute(self, request: Request, ctx: Ctx) -> Response:
        """Moves one petition to another department's queue, with a reason (supervisors)."""
        code = str(request.path_params["code"]).strip().upper()
        form = await request.form()
        department, reason = _field(form, "department"), _field(form, "reason")
        now = self.gate.clock()
        async with self.gate.tx() as session:
            await lock_many(session, [code])
            petition = await by_code(session, code, lock=True)
            if petition is None or not scope_of(ctx).sees(petition):
                return self.gate.refusal(request, ctx, "console.not_found", 404)
            refusal = await routing.reroute(
                session,
                petition,
                department,
                reason=reason,
                actor_id=ctx.member.user_id,
                actor_name=ctx.member.name,
                now=now,
                settings=self.gate.settings,
            )
            what = "petition.reroute" if refusal is None else "petition.reroute.refused"
            audit(session, ctx.member, what, now=now, address=ctx.address, target=code)
            send = self.gate.deliver(session)
        send()
        if refusal is None:
            return RedirectResponse(f"/console/petitions/{code}?done=reroute", status_code=303)
        typed = {"action": "reroute", "department": department, "text": reason}
        message = self.petitions.text(ctx, refusal)
        return await self.petitions.case(request, ctx, messages=(message,), typed=typed, status=409)
