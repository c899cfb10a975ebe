"""Publishing an answered petition on the public pages, from its case page.

A door only: leaders approve the edited question and answer (``bot.petitions.publication``),
anyone who acts on petitions can withdraw it; both are audited and on the timeline.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.petitions import desk
from troly.bot.petitions.publication import NotPublishable, approve, withdraw
from troly.bot.texts import t
from troly.handlers.console.guard import Ctx, Gate
from troly.handlers.console.petitions import MAX_TEXT, PetitionPages, actor_of, scope_of


class PublishingPages:
    """The approve and withdraw actions of the case page."""

    def __init__(self, gate: Gate, petitions: PetitionPages) -> None:
        self.gate, self.petitions = gate, petitions

    async def publish(self, request: Request, ctx: Ctx) -> Response:
        """Publishes the petition with the texts as edited; a refusal keeps what was typed."""
        code = str(request.path_params["code"]).strip().upper()
        form = await request.form()
        typed = {"action": "publish"}
        for name in ("question", "answer"):
            value = form.get(name)
            # One more character than allowed, so an over-long text is refused, not cut.
            typed[name] = value[: MAX_TEXT + 1] if isinstance(value, str) else ""
        now = self.gate.clock()
        refused: str | None = None
        async with self.gate.tx() as session:
            if await desk.case(session, scope_of(ctx), code) is None:
                return self.gate.refusal(request, ctx, "console.not_found", 404)
            try:
                await approve(
                    session,
                    code,
                    question=typed["question"],
                    answer=typed["answer"],
                    actor=actor_of(ctx),
                    now=now,
                )
            except NotPublishable as why:
                refused = why.key
            what = "petition.publish" + (".refused" if refused else "")
            audit(session, ctx.member, what, now=now, address=ctx.address, target=code)
        if refused is not None:
            message = t(f"console.publish_refused_{refused}", ctx.locale)
            return await self.petitions.case(
                request, ctx, messages=(message,), typed=typed, status=409
            )
        return RedirectResponse(f"/console/petitions/{code}?done=publish", status_code=303)

    async def unpublish(self, request: Request, ctx: Ctx) -> Response:
        """Takes the petition off the public pages."""
        code = str(request.path_params["code"]).strip().upper()
        now = self.gate.clock()
        async with self.gate.tx() as session:
            if await desk.case(session, scope_of(ctx), code) is None:
                return self.gate.refusal(request, ctx, "console.not_found", 404)
            changed = await withdraw(session, code, actor=actor_of(ctx), now=now)
            what = "petition.unpublish" + ("" if changed else ".refused")
            audit(session, ctx.member, what, now=now, address=ctx.address, target=code)
        if not changed:
            message = t("console.publish_refused_not_published", ctx.locale)
            return await self.petitions.case(request, ctx, messages=(message,), status=409)
        return RedirectResponse(f"/console/petitions/{code}?done=unpublish", status_code=303)
