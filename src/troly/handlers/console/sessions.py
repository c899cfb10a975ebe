"""The dialogue-sessions pages: the list, a session with its bookings (screening, cancelling,
the roll call, conclusions and promises), the guest list to print, the report as CSV.

A door only: it parses, calls ``bot.sessions.desk`` (the staff group's and the CLI's rules),
and renders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.sessions import desk, notices, report
from troly.bot.sessions.model import DialogueSession
from troly.bot.texts import t
from troly.bot.topics import TOPICS
from troly.handlers.console.access import WORKERS
from troly.handlers.console.guard import Ctx, Gate

MAX_TEXT = 4000


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value[:MAX_TEXT].strip() if isinstance(value, str) else ""


def session_id_of(request: Request) -> int | None:
    """The session number in the path, or None when it is not one."""
    raw = str(request.path_params["id"])
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


class SessionPages:
    """The dialogue sessions' pages over the gate."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def listing(
        self, request: Request, ctx: Ctx, *, messages: tuple[str, ...] = (), status: int = 200
    ) -> Response:
        """Upcoming sessions (all with ``?all=1``): seats, registered, waitlist, status."""
        everything = request.query_params.get("all") == "1"
        async with self.gate.tx() as session:
            lines = await desk.session_lines(session, now=self.gate.clock(), everything=everything)
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "sessions",
            "lines": lines,
            "everything": everything,
            "label": lambda row: notices.session_label(row, self.gate.settings),
            "can_lead": ctx.role in ("admin", "supervisor"),
            "messages": messages,
        }
        return self.gate.render(request, "sessions.html", context, status=status)

    async def page(
        self,
        request: Request,
        ctx: Ctx,
        *,
        messages: tuple[str, ...] = (),
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        """A session and its bookings; business names and tax codes only for staff who act
        (each view audited)."""
        number = session_id_of(request)
        now = self.gate.clock()
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            if row is None:
                return self.gate.refusal(request, ctx, "console.session_not_found", 404)
            bookings = await desk.bookings_of(session, row)
            made = await desk.session_promises(session, row)
            if ctx.role in WORKERS and bookings:
                audit(
                    session,
                    ctx.member,
                    "view_bookings",
                    now=now,
                    address=ctx.address,
                    target=f"session:{row.id}",
                )
        done = request.query_params.get("done", "")
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "sessions",
            "row": row,
            "label": notices.session_label(row, self.gate.settings),
            "bookings": bookings,
            "promises": made,
            "now": now,
            "can_act": ctx.role in WORKERS,
            "can_lead": ctx.role in ("admin", "supervisor"),
            "reasons": notices.DECLINE_REASONS,
            "topics": TOPICS,
            "messages": messages,
            "typed": typed or {},
            "done": done
            if done
            in ("screen", "attendance", "conclude", "plan", "move", "cancel", "minutes", "promise")
            else "",
        }
        return self.gate.render(request, "session.html", context, status=status)

    async def screen(self, request: Request, ctx: Ctx) -> Response:
        """Approve, merge into a topic, decline (preset or typed reason), cancel a confirmed
        booking with a reason: the staff group's screening, word for word."""
        number = session_id_of(request)
        form = await request.form()
        code = _text(form, "code").upper()
        action, arg = _text(form, "action"), _text(form, "arg")
        now = self.gate.clock()
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            outcome = None
            if row is not None:
                outcome = await desk.screen_booking(
                    session,
                    row,
                    code,
                    action=action,
                    arg=arg,
                    staff_id=ctx.member.user_id,
                    now=now,
                    settings=self.gate.settings,
                )
            if outcome is not None:
                what = f"booking.{action}" + ("" if outcome.changed else ".refused")
                audit(session, ctx.member, what, now=now, address=ctx.address, target=code)
            send = self.gate.deliver(session)
        send()
        if row is None or outcome is None:
            return self.gate.refusal(request, ctx, "console.session_not_found", 404)
        if outcome.changed:
            return RedirectResponse(f"/console/sessions/{row.id}?done=screen", status_code=303)
        typed = {"code": code, "action": action, "arg": arg}
        return await self.page(request, ctx, messages=(outcome.message,), typed=typed, status=409)

    async def attendance(self, request: Request, ctx: Ctx) -> Response:
        """The roll call: the ticked bookings came, the other confirmed ones did not."""
        number = session_id_of(request)
        form = await request.form()
        present = [str(v).strip().upper() for v in form.getlist("present") if isinstance(v, str)]
        now = self.gate.clock()
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            outcome = await desk.roll_call(session, row, present, now=now) if row else None
            if outcome is not None and outcome.changed and row is not None:
                audit(
                    session,
                    ctx.member,
                    "session.attendance",
                    now=now,
                    address=ctx.address,
                    target=f"session:{row.id}",
                )
        if row is None or outcome is None:
            return self.gate.refusal(request, ctx, "console.session_not_found", 404)
        if outcome.changed:
            return RedirectResponse(f"/console/sessions/{row.id}?done=attendance", 303)
        message = t(f"console.session_refused_{outcome.reason}", ctx.locale)
        return await self.page(request, ctx, messages=(message,), status=409)

    async def conclude(self, request: Request, ctx: Ctx) -> Response:
        """The chairman's conclusion for one booking, and the promise made, if any."""
        number = session_id_of(request)
        form = await request.form()
        typed = {n: _text(form, n) for n in ("code", "text", "promise", "department", "due")}
        try:
            due = date.fromisoformat(typed["due"]) if typed["due"] else None
        except ValueError:
            due = None
        now = self.gate.clock()
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            outcome = None
            if row is not None:
                outcome = await desk.conclude(
                    session,
                    row,
                    typed["code"].upper(),
                    conclusion=typed["text"],
                    promise=typed["promise"] or None,
                    department=typed["department"] or None,
                    due=due,
                    now=now,
                    settings=self.gate.settings,
                )
            if outcome is not None and outcome.changed:
                audit(
                    session,
                    ctx.member,
                    "booking.conclude",
                    now=now,
                    address=ctx.address,
                    target=typed["code"].upper(),
                )
            send = self.gate.deliver(session)
        send()
        if row is None or outcome is None:
            return self.gate.refusal(request, ctx, "console.session_not_found", 404)
        if outcome.changed:
            return RedirectResponse(f"/console/sessions/{row.id}?done=conclude", 303)
        message = t(f"console.session_refused_{outcome.reason}", ctx.locale)
        typed["action"] = "conclude"
        return await self.page(request, ctx, messages=(message,), typed=typed, status=409)

    async def promise_done(self, request: Request, ctx: Ctx) -> Response:
        """A promise kept: the business is told and the department's reminders stop."""
        number = session_id_of(request)
        form = await request.form()
        code, note = _text(form, "code").upper(), _text(form, "note")
        now = self.gate.clock()
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            outcome = None
            if row is not None:
                outcome = await desk.promise_done(session, row, code, note=note, now=now)
            if outcome is not None:
                what = "promise.done" + ("" if outcome.changed else ".refused")
                audit(session, ctx.member, what, now=now, address=ctx.address, target=code)
            send = self.gate.deliver(session)
        send()
        if row is None or outcome is None:
            return self.gate.refusal(request, ctx, "console.session_not_found", 404)
        if outcome.changed:
            return RedirectResponse(f"/console/sessions/{row.id}?done=promise", 303)
        message = t(f"console.session_refused_{outcome.reason}", ctx.locale)
        return await self.page(request, ctx, messages=(message,), status=409)

    async def plan(self, request: Request, ctx: Ctx) -> Response:
        """Creates the coming sessions by rule (the daily job does it too; twice is harmless)."""
        now = self.gate.clock()
        async with self.gate.tx() as session:
            outcome = await desk.plan(session, now=now, settings=self.gate.settings)
            audit(session, ctx.member, "sessions.plan", now=now, address=ctx.address)
        key = "console.sessions_planned" if outcome.changed else "console.sessions_planned_none"
        message = t(key, ctx.locale, n=outcome.message)
        return await self.listing(request, ctx, messages=(message,))

    async def guest_list(self, request: Request, ctx: Ctx) -> Response:
        """Who to let in, to print: names and phones of the representatives (audited)."""
        number = session_id_of(request)
        now = self.gate.clock()
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            if row is None:
                return self.gate.refusal(request, ctx, "console.session_not_found", 404)
            people = await desk.guests(session, row)
            audit(
                session,
                ctx.member,
                "view_guests",
                now=now,
                address=ctx.address,
                target=f"session:{row.id}",
            )
        context = {
            "ctx": ctx,
            "locale": ctx.locale,
            "nav": "sessions",
            "row": row,
            "label": notices.session_label(row, self.gate.settings),
            "people": people,
        }
        return self.gate.render(request, "guests.html", context)

    async def report_csv(self, request: Request, ctx: Ctx) -> Response:
        """The session report as CSV (business names and tax codes; audited)."""
        number = session_id_of(request)
        now = self.gate.clock()
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            if row is None:
                return self.gate.refusal(request, ctx, "console.session_not_found", 404)
            built = await report.session_report(session, row, now=now, settings=self.gate.settings)
            audit(
                session,
                ctx.member,
                "export_report",
                now=now,
                address=ctx.address,
                target=f"session:{row.id}",
            )
        headers = {
            "Content-Disposition": f'attachment; filename="session-{row.id}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        return Response(built.csv(), media_type="text/csv; charset=utf-8", headers=headers)
