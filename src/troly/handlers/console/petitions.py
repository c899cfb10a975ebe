"""The petitions pages: the inbox (and its polled partial), the case page, the actions.

A door only: it parses the query or the form, calls ``bot.petitions.desk``, and renders.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.files import FileUnavailable
from troly.bot.outbox import RetryLater
from troly.bot.petitions import desk
from troly.bot.petitions.model import Petition, Status
from troly.bot.petitions.publication import draft_of, publication_of, refusal
from troly.bot.petitions.published import live_total
from troly.bot.petitions.staff_actions import Actor
from troly.bot.staff import assignable_staff
from troly.bot.texts import t
from troly.bot.topics import TOPICS
from troly.handlers.console.access import LEADERS, WORKERS
from troly.handlers.console.guard import Ctx, Gate

CHANNELS = ("telegram", "zalo_bot", "zalo_oa", "web")
ACTIONS = (
    "claim",
    "assign",
    "write",
    "answer",
    "ask_info",
    "new_date",
    "close",
    "reopen",
    "reroute",
    "publish",
    "unpublish",
)
MAX_TEXT = 4000
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
"""A file opened on its own runs nothing (the browser's PDF viewer needs its inline style)."""


def scope_of(ctx: Ctx) -> desk.Scope:
    """What this staff member's desk shows."""
    member = ctx.member
    return desk.Scope(ctx.role, member.user_id, tuple(member.topics or ()), member.department)


def actor_of(ctx: Ctx) -> Actor:
    """The staff member as the petition rules know them."""
    role = "supervisor" if ctx.role in ("admin", "supervisor") else "agent"
    return Actor(ctx.member.user_id, ctx.member.name, role)


def filters_of(request: Request) -> desk.Filters:
    """The inbox's filters from the query string (unknown values are ignored)."""
    q = request.query_params

    def pick(name: str, allowed: tuple[str, ...] | frozenset[str]) -> str:
        value = q.get(name, "")
        return value if value in allowed else ""

    public = q.get("public", "")
    return desk.Filters(
        list=pick("list", desk.LISTS) or "open",
        topic=pick("topic", tuple(key for key, _, _ in TOPICS)),
        commune=q.get("commune", "")[:8],
        channel=pick("channel", CHANNELS),
        status=pick("status", tuple(s.value for s in Status)),
        public="yes" if public == "yes" else "no" if public == "no" else "",
        q=q.get("q", "")[:200],
    )


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value[:MAX_TEXT].strip() if isinstance(value, str) else ""


class PetitionPages:
    """The petitions inbox and case pages over the gate."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def _inbox_context(self, request: Request, ctx: Ctx) -> dict[str, Any]:
        filters = filters_of(request)
        now, settings = self.gate.clock(), self.gate.settings
        async with self.gate.tx() as session:
            found = await desk.inbox(session, scope_of(ctx), filters, now=now, settings=settings)
        return {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "inbox",
            "inbox": found,
            "filters": filters,
            "lists": desk.LISTS,
            "topics": TOPICS,
            "channels": CHANNELS,
            "statuses": [s.value for s in Status],
            "deadlines": {p.code: desk.deadline_of(p, now, settings) for p in found.rows},
            "query": request.url.query,
        }

    async def inbox(self, request: Request, ctx: Ctx) -> Response:
        """The inbox page."""
        return self.gate.render(request, "inbox.html", await self._inbox_context(request, ctx))

    async def inbox_rows(self, request: Request, ctx: Ctx) -> Response:
        """The inbox's counts and rows alone, for htmx to poll."""
        context = await self._inbox_context(request, ctx)
        return self.gate.render(request, "_inbox.html", context)

    async def alert(self, request: Request, ctx: Ctx) -> Response:
        """The nav's count of untaken petitions in this person's queue (htmx polls it)."""
        async with self.gate.tx() as session:
            count = await desk.waiting_count(session, scope_of(ctx))
        context = {"ctx": ctx, "locale": ctx.locale, "count": count}
        return self.gate.render(request, "_alert.html", context)

    async def case(
        self,
        request: Request,
        ctx: Ctx,
        *,
        messages: tuple[str, ...] = (),
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        """A petition's card, timeline and actions (404 for a petition this desk cannot see)."""
        code = str(request.path_params["code"])
        async with self.gate.tx() as session:
            petition = await desk.case(session, scope_of(ctx), code)
            if petition is None:
                return self.gate.refusal(request, ctx, "console.not_found", 404)
            events = await desk.timeline(session, petition)
            people = await assignable_staff(session) if ctx.role in WORKERS else []
            publication = await publication_of(session, petition)
            published_now = await live_total(session)
        done = request.query_params.get("done", "")
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "inbox",
            "p": petition,
            "events": events,
            "people": people,
            "deadline": desk.deadline_of(petition, self.gate.clock(), self.gate.settings),
            "can_act": ctx.role in WORKERS,
            "can_reroute": ctx.role in ("admin", "supervisor"),
            "publication": publication,
            "publish_draft": draft_of(petition, publication),
            "publish_refusal": refusal(petition),
            "published_now": published_now,
            "public_min": self.gate.settings.public_min_count,
            "can_publish": ctx.role in LEADERS,
            "messages": messages,
            "done": done if done in ACTIONS else "",
            "typed": typed or {},
        }
        return self.gate.render(request, "case.html", context, status=status)

    async def timeline(self, request: Request, ctx: Ctx) -> Response:
        """The case's timeline alone, for htmx to poll (a colleague's action shows up)."""
        code = str(request.path_params["code"])
        async with self.gate.tx() as session:
            petition = await desk.case(session, scope_of(ctx), code)
            events = await desk.timeline(session, petition) if petition is not None else []
        if petition is None:
            return self.gate.refusal(request, ctx, "console.not_found", 404)
        context = {"ctx": ctx, "locale": ctx.locale, "p": petition, "events": events}
        return self.gate.render(request, "_timeline.html", context)

    async def details(self, request: Request, ctx: Ctx) -> Response:
        """The business's details (name, tax code, phone): each view is in the audit log."""
        code = str(request.path_params["code"])
        now = self.gate.clock()
        async with self.gate.tx() as session:
            petition = await desk.case(session, scope_of(ctx), code)
            if petition is not None:
                audit(
                    session,
                    ctx.member,
                    "view_business",
                    now=now,
                    address=ctx.address,
                    target=petition.code,
                )
        if petition is None:
            return self.gate.refusal(request, ctx, "console.not_found", 404)
        partial = request.headers.get("hx-request") == "true"
        template = "_details.html" if partial else "details.html"
        context = {"ctx": ctx, "locale": ctx.locale, "nav": "inbox", "p": petition}
        return self.gate.render(request, template, context)

    async def file(self, request: Request, ctx: Ctx) -> Response:
        """One of the petition's files, fetched from where it lives (audited): pictures and
        PDFs shown in the browser, anything else downloaded."""
        code = str(request.path_params["code"])
        raw = str(request.path_params["number"])
        now = self.gate.clock()
        async with self.gate.tx() as session:
            petition = await desk.case(session, scope_of(ctx), code)
            document = None
            if petition is not None and raw.isdigit() and len(raw) < 4:
                document = desk.attachment(petition, int(raw))
            if document is not None and petition is not None:
                audit(
                    session,
                    ctx.member,
                    "view_file",
                    now=now,
                    address=ctx.address,
                    target=f"{petition.code}#{raw}",
                )
        if document is None:
            return self.gate.refusal(request, ctx, "console.not_found", 404)
        try:
            filled = await self.gate.files.filled(document)
        except (FileUnavailable, RetryLater):
            return self.gate.refusal(request, ctx, "console.file_unavailable", 502)
        inline = filled.mime_type in desk.PREVIEWABLE
        name = quote(filled.filename)
        disposition = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{name}"
        headers = {
            "Content-Disposition": disposition,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": FILE_CSP,
        }
        media = filled.mime_type if inline else "application/octet-stream"
        return Response(filled.content, media_type=media, headers=headers)

    async def act(self, request: Request, ctx: Ctx) -> Response:
        """One action on the petition, by the staff group's rules; refusals keep the form."""
        code = str(request.path_params["code"])
        form = await request.form()
        action = _text(form, "action")
        typed = {name: _text(form, name) for name in ("action", "text", "arg", "day")}
        try:
            day = date.fromisoformat(typed["day"]) if typed["day"] else None
        except ValueError:
            day = None
        now = self.gate.clock()
        async with self.gate.tx() as session:
            done = await desk.act(
                session,
                scope_of(ctx),
                actor_of(ctx),
                code.strip().upper(),
                action,
                text=typed["text"],
                arg=typed["arg"],
                day=day,
                now=now,
                settings=self.gate.settings,
                locale=ctx.locale,
            )
            if done is not None:
                what = f"petition.{action}" if done.changed else f"petition.{action}.refused"
                audit(session, ctx.member, what, now=now, address=ctx.address, target=code)
            send = self.gate.deliver(session)
        send()
        if done is None:
            return self.gate.refusal(request, ctx, "console.not_found", 404)
        if done.changed:
            target = f"/console/petitions/{code.strip().upper()}?done={action}"
            return RedirectResponse(target, status_code=303)
        messages = done.messages or (self._unknown(ctx),)
        return await self.case(request, ctx, messages=messages, typed=typed, status=409)

    @staticmethod
    def _unknown(ctx: Ctx) -> str:
        return t("console.action_unknown", ctx.locale)

    @staticmethod
    def text(ctx: Ctx, key: str) -> str:
        """A catalogue sentence in the staff member's language."""
        return t(key, ctx.locale)


def petition_title(p: Petition) -> str:
    """The short title of a petition in lists."""
    first = p.description.strip().splitlines()[0] if p.description.strip() else ""
    return first[:120]
