"""The live queue: businesses waiting for a person, and the conversations staff are having.

A door only: it calls the channel-blind use cases of ``bot.handoff.service`` (take, send,
end, turn into a petition), the same the Telegram topic's buttons call, so of a web and a
Telegram officer taking a chat at once one wins and the other is told who has it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.handoff import service
from troly.bot.topics import TOPICS
from troly.handlers.console.guard import Ctx, Gate

MAX_TEXT = 2000
ACTIONS = ("take", "send", "end", "petition")


def officer_of(ctx: Ctx) -> service.Officer:
    """The staff member as the handoff rules know them."""
    member = ctx.member
    leads = ctx.role in ("admin", "supervisor")
    return service.Officer(member.user_id, member.name, channel="web", supervisor=leads)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value[:MAX_TEXT].strip() if isinstance(value, str) else ""


class LivePages:
    """The live queue and a live conversation's page over the gate."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def _queue(self, request: Request, ctx: Ctx, template: str) -> Response:
        async with self.gate.tx() as session:
            chats = await service.queue(session)
        context = {"ctx": ctx, "locale": ctx.locale, "nav": "live", "chats": chats}
        return self.gate.render(request, template, context)

    async def queue(self, request: Request, ctx: Ctx) -> Response:
        """Waiting chats first (oldest first), then live ones."""
        return await self._queue(request, ctx, "live.html")

    async def queue_rows(self, request: Request, ctx: Ctx) -> Response:
        """The queue alone, for htmx to poll."""
        return await self._queue(request, ctx, "_live_rows.html")

    async def _chat(self, request: Request, ctx: Ctx) -> tuple[Any, str]:
        code = str(request.path_params["code"]).strip().upper()
        async with self.gate.tx() as session:
            chat = await service.by_code(session, code)
            if chat is not None:
                audit(
                    session,
                    ctx.member,
                    "view_live_chat",
                    now=self.gate.clock(),
                    address=ctx.address,
                    target=code,
                )
        return chat, code

    async def chat(
        self,
        request: Request,
        ctx: Ctx,
        *,
        messages: tuple[str, ...] = (),
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        """One conversation: the business's recent questions, the messages, the actions."""
        chat, _code = await self._chat(request, ctx)
        if chat is None:
            return self.gate.refusal(request, ctx, "console.live_not_found", 404)
        done = request.query_params.get("done", "")
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "live",
            "chat": chat,
            "mine": chat.assignee == ctx.member.user_id or ctx.role in ("admin", "supervisor"),
            "topics": TOPICS,
            "messages": messages,
            "typed": typed or {},
            "done": done if done in ACTIONS else "",
        }
        return self.gate.render(request, "live_chat.html", context, status=status)

    async def chat_messages(self, request: Request, ctx: Ctx) -> Response:
        """The conversation's messages alone, for htmx to poll."""
        chat, _code = await self._chat(request, ctx)
        if chat is None:
            return self.gate.refusal(request, ctx, "console.live_not_found", 404)
        context = {"ctx": ctx, "locale": ctx.locale, "chat": chat}
        return self.gate.render(request, "_live_messages.html", context)

    async def act(self, request: Request, ctx: Ctx) -> Response:
        """Take, write, end with a summary, or turn into a petition."""
        code = str(request.path_params["code"]).strip().upper()
        form = await request.form()
        action, text, topic = _text(form, "action"), _text(form, "text"), _text(form, "topic")
        officer, now, settings = officer_of(ctx), self.gate.clock(), self.gate.settings
        async with self.gate.tx() as session:
            if action == "take":
                notice = await service.take(session, code, officer, now=now, settings=settings)
            elif action == "send":
                notice = await service.send(
                    session, code, officer, text, now=now, settings=settings, echo=True
                )
            elif action == "end":
                notice = await service.end(session, code, officer, text, now=now, settings=settings)
            elif action == "petition":
                notice = await service.to_petition(
                    session, code, officer, topic=topic, now=now, settings=settings
                )
            else:
                notice = None
            if notice is not None:
                what = f"live.{action}" + ("" if notice.ok else ".refused")
                audit(session, ctx.member, what, now=now, address=ctx.address, target=code)
            send = self.gate.deliver(session)
        send()
        if notice is None:
            return self.gate.refusal(request, ctx, "console.action_unknown", 409)
        if notice.ok:
            return RedirectResponse(f"/console/live/{code}?done={action}", status_code=303)
        typed = {"action": action, "text": text}
        return await self.chat(
            request, ctx, messages=(notice.text(ctx.locale),), typed=typed, status=409
        )
