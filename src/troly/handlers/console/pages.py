"""The console's own pages: sign in, sign out, the language switch, the audit log."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from troly.bot.console.accounts import web_accounts
from troly.bot.console.audit import audit, recent
from troly.bot.console.logins import Refused, sign_in, sign_out
from troly.handlers.console.guard import Ctx, Gate, address_of

MAX_FIELD = 1000


def _field(form: object, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return value[:MAX_FIELD] if isinstance(value, str) else ""


class Pages:
    """Sign-in and account pages over the gate."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def sign_in_page(self, request: Request) -> Response:
        """The sign-in form, with a fresh nonce in the cookie and in the hidden field."""
        token = self.gate.session_token(request)
        if token and await self.gate.signed_in(request, token) is not None:
            return RedirectResponse("/console/", status_code=303)
        return self._form(request, email="", error=None, status=200)

    def _form(
        self, request: Request, *, email: str, error: str | None, status: int, seconds: int = 0
    ) -> Response:
        nonce = secrets.token_urlsafe(24)
        locale = "en" if request.query_params.get("lang") == "en" else "vi"
        context = {
            "locale": locale,
            "csrf": nonce,
            "email": email,
            "error": error,
            "seconds": seconds,
        }
        response = self.gate.render(request, "login.html", context, status=status)
        self.gate.set_login_nonce(response, nonce)
        return response

    async def sign_in_post(self, request: Request) -> Response:
        """Checks the nonce and the password, then opens a new session (a new id)."""
        form = await request.form()
        nonce = self.gate.login_nonce(request)
        sent = _field(form, "csrf")
        if nonce is None or not hmac.compare_digest(sent.encode(), nonce.encode()):
            return self._form(request, email="", error="console.csrf_failed", status=403)
        email, password = _field(form, "email"), _field(form, "password")
        address = address_of(request)
        now = self.gate.clock()
        async with self.gate.tx() as session:
            outcome = await sign_in(
                session,
                email=email,
                password=password,
                address=address,
                now=now,
                settings=self.gate.settings,
                previous=self.gate.session_token(request),
            )
            if not isinstance(outcome, Refused):
                audit(session, outcome.member, "sign_in", now=now, address=address)
        if isinstance(outcome, Refused):
            status = 429 if outcome.key == "console.login_slowed" else 401
            return self._form(
                request, email=email, error=outcome.key, status=status, seconds=outcome.seconds
            )
        response = RedirectResponse("/console/", status_code=303)
        self.gate.set_session(response, outcome.token)
        self.gate.forget(response, self.gate.login_cookie)
        return response

    async def sign_out(self, request: Request, ctx: Ctx) -> Response:
        """Ends the session on the server: the old cookie opens nothing any more."""
        now = self.gate.clock()
        async with self.gate.tx() as session:
            await sign_out(session, ctx.token)
            audit(session, ctx.member, "sign_out", now=now, address=ctx.address)
        response = RedirectResponse("/console/login", status_code=303)
        self.gate.forget(response)
        return response

    async def home(self, request: Request, ctx: Ctx) -> Response:
        """The console's first page is the petitions inbox."""
        return RedirectResponse("/console/petitions", status_code=303)

    async def set_locale(self, request: Request, ctx: Ctx) -> Response:
        """Switches the console's language for this staff member."""
        form = await request.form()
        locale = _field(form, "locale")
        if locale in ("vi", "en"):
            async with self.gate.tx() as session:
                member = await session.get(type(ctx.member), ctx.member.id)
                if member is not None:
                    member.locale = locale
        back = _field(form, "next")
        target = back if back.startswith("/console/") and "//" not in back else "/console/"
        return RedirectResponse(target, status_code=303)

    async def accounts(self, request: Request, ctx: Ctx) -> Response:
        """The web accounts (made and changed with ``troly console add-user``)."""
        async with self.gate.tx() as session:
            members = await web_accounts(session)
        context = {"ctx": ctx, "locale": ctx.locale, "members": members, "nav": "accounts"}
        return self.gate.render(request, "accounts.html", context)

    async def audit_log(self, request: Request, ctx: Ctx) -> Response:
        """The audit log, newest first, a page at a time."""
        before_raw = request.query_params.get("before", "")
        before = int(before_raw) if before_raw.isdigit() else None
        async with self.gate.tx() as session:
            rows = await recent(session, before=before)
        context = {"ctx": ctx, "locale": ctx.locale, "rows": rows, "nav": "audit"}
        return self.gate.render(request, "audit.html", context)
