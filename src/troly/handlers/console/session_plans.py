"""Supervisors planning sessions in the console: add one, move, cancel, record the minutes.

A door only: it parses the form and calls ``bot.sessions.planning`` (the rules of
``troly sessions create|move|cancel|minutes``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.audit import audit
from troly.bot.sessions import planning
from troly.bot.sessions.desk import Outcome
from troly.bot.sessions.model import DialogueSession
from troly.bot.texts import t
from troly.handlers.console.guard import Ctx, Gate
from troly.handlers.console.sessions import SessionPages, session_id_of

MAX_PLACE = 300
MAX_SEATS = 1000


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value[:MAX_PLACE].strip() if isinstance(value, str) else ""


def local_start(raw: str, zone: ZoneInfo) -> datetime | None:
    """A ``datetime-local`` field (``2026-12-18T09:00``) in the province's zone, or None."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


class SessionPlans:
    """Adding, moving, cancelling sessions and recording minutes over the gate."""

    def __init__(self, gate: Gate, pages: SessionPages) -> None:
        self.gate = gate
        self.pages = pages

    def _refusal(self, ctx: Ctx, reason: str) -> str:
        return t(f"console.session_refused_{reason}", ctx.locale)

    async def add(self, request: Request, ctx: Ctx) -> Response:
        """Adds a session at the typed time (a day off only when ticked)."""
        form = await request.form()
        zone = ZoneInfo(self.gate.settings.timezone)
        starts_at = local_start(_text(form, "starts_at"), zone)
        seats_raw = _text(form, "seats")
        seats = int(seats_raw) if seats_raw.isdigit() and 0 < int(seats_raw) <= MAX_SEATS else None
        place = _text(form, "place") or None
        now = self.gate.clock()
        if starts_at is None:
            message = self._refusal(ctx, "bad_start")
            return await self.pages.listing(request, ctx, messages=(message,), status=409)
        async with self.gate.tx() as session:
            outcome = await planning.add(
                session,
                starts_at=starts_at,
                place=place,
                seats=seats,
                force=form.get("force") == "1",
                now=now,
                settings=self.gate.settings,
            )
            if outcome.changed:
                audit(
                    session,
                    ctx.member,
                    "session.add",
                    now=now,
                    address=ctx.address,
                    target=f"session:{outcome.message}",
                )
        if not outcome.changed:
            message = self._refusal(ctx, outcome.reason)
            return await self.pages.listing(request, ctx, messages=(message,), status=409)
        return RedirectResponse(f"/console/sessions/{outcome.message}?done=plan", 303)

    async def manage(self, request: Request, ctx: Ctx) -> Response:
        """Moves (businesses told), cancels (businesses told) or records the minutes."""
        number = session_id_of(request)
        form = await request.form()
        action = _text(form, "action")
        now, settings = self.gate.clock(), self.gate.settings
        async with self.gate.tx() as session:
            row = await session.get(DialogueSession, number) if number is not None else None
            if row is None:
                return self.gate.refusal(request, ctx, "console.session_not_found", 404)
            if action == "move":
                starts_at = local_start(_text(form, "starts_at"), ZoneInfo(settings.timezone))
                if starts_at is None:
                    outcome = Outcome(False, reason="bad_start")
                else:
                    outcome = await planning.move(
                        session,
                        row,
                        starts_at=starts_at,
                        place=_text(form, "place") or None,
                        force=form.get("force") == "1",
                        now=now,
                        settings=settings,
                    )
            elif action == "cancel" and form.get("confirm") == "1":
                outcome = await planning.cancel(session, row, now=now, settings=settings)
            elif action == "cancel":
                outcome = Outcome(False, reason="confirm")
            elif action == "minutes":
                outcome = await planning.minutes(session, row, now=now)
            else:
                return self.gate.refusal(request, ctx, "console.action_unknown", 409)
            what = f"session.{action}" + ("" if outcome.changed else ".refused")
            audit(
                session, ctx.member, what, now=now, address=ctx.address, target=f"session:{row.id}"
            )
            send = self.gate.deliver(session)
        send()
        if outcome.changed:
            return RedirectResponse(f"/console/sessions/{row.id}?done={action}", 303)
        message = self._refusal(ctx, outcome.reason)
        typed = {"action": action, "starts_at": _text(form, "starts_at")}
        return await self.pages.page(request, ctx, messages=(message,), typed=typed, status=409)
