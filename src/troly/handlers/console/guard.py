"""The console's one gate: the signed session cookie, the CSRF token, the route's roles.

Every console endpoint is wrapped by ``Gate.page``: anonymous requests are sent to the
sign-in page with no data, a state change without the session's CSRF token gets 403 and
changes nothing, and the role is checked against ``access.ACCESS`` by the route's name.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, Signer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from troly.bot import localised
from troly.bot.console.accounts import console_role
from troly.bot.console.logins import visit
from troly.bot.files import FileSources
from troly.bot.outbox import Queued, enqueued
from troly.bot.settings import Settings
from troly.bot.storage.models import StaffMember
from troly.bot.texts import t
from troly.bot.topics import topic_label
from troly.handlers.console.access import allowed

ASSETS = Path(__file__).parent
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_URL = "/console/login"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Ctx:
    """A signed-in request: who, with which role and CSRF token, in which language."""

    request: Request
    member: StaffMember
    role: str
    csrf: str
    token: str
    address: str

    @property
    def locale(self) -> str:
        """The staff member's language for the console."""
        return self.member.locale if self.member.locale in ("vi", "en") else "vi"


Endpoint = Callable[[Request, Ctx], Awaitable[Response]]


class Gate:
    """The console's collaborators and its cookie rules, shared by every page."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Callable[[], datetime],
        write_lock: asyncio.Lock | None = None,
        deliver: Callable[[Sequence[Queued]], None] | None = None,
        files: FileSources | None = None,
    ) -> None:
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self.files = files or FileSources()
        self._deliver = deliver
        self._lock = write_lock
        secret = settings.console_secret
        key = secret.get_secret_value() if secret is not None else secrets.token_hex(32)
        self._session_signer = Signer(key, salt="troly-console-session")
        self._login_signer = Signer(key, salt="troly-console-login")
        self.secure = (settings.public_url or "").startswith("https://")
        prefix = "__Host-" if self.secure else ""
        self.session_cookie = f"{prefix}troly_console"
        self.login_cookie = f"{prefix}troly_console_login"
        self.templates = Jinja2Templates(directory=ASSETS / "templates")

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[AsyncSession]:
        """One transaction (behind the SQLite write lock, like every other door)."""
        if self._lock is None:
            async with self.sessions.begin() as session:
                yield session
            return
        async with self._lock, self.sessions.begin() as session:
            yield session

    def deliver(self, session: AsyncSession) -> Callable[[], None]:
        """What to call after the commit: the action's messages go out in the background
        (to the business, to the Telegram topic), as the other doors' do."""
        rows = [Queued(row.id, row.channel, row.recipient) for row in enqueued(session)]

        def now() -> None:
            if self._deliver is not None and rows:
                self._deliver(rows)

        return now

    def set_cookie(self, response: Response, name: str, value: str, signer: Signer) -> None:
        """Sets a signed HttpOnly, SameSite=Lax cookie (Secure and ``__Host-`` under https)."""
        signed = signer.sign(value).decode("ascii")
        response.set_cookie(
            name, signed, path="/", httponly=True, samesite="lax", secure=self.secure
        )

    def set_session(self, response: Response, token: str) -> None:
        """Gives the browser its new session id."""
        self.set_cookie(response, self.session_cookie, token, self._session_signer)

    def set_login_nonce(self, response: Response, nonce: str) -> None:
        """Gives the sign-in form's browser the nonce its hidden field must repeat."""
        self.set_cookie(response, self.login_cookie, nonce, self._login_signer)

    def forget(self, response: Response, name: str | None = None) -> None:
        """Clears the session cookie (or ``name``), with the attributes it was set with: a
        ``__Host-`` cookie is only replaced by a Secure one."""
        response.delete_cookie(
            name or self.session_cookie, path="/", httponly=True, samesite="lax", secure=self.secure
        )

    def _read(self, request: Request, name: str, signer: Signer) -> str | None:
        raw = request.cookies.get(name)
        if not raw:
            return None
        try:
            return signer.unsign(raw).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None

    def session_token(self, request: Request) -> str | None:
        """The session id the browser holds, if its signature is ours."""
        return self._read(request, self.session_cookie, self._session_signer)

    def login_nonce(self, request: Request) -> str | None:
        """The sign-in nonce the browser holds, if its signature is ours."""
        return self._read(request, self.login_cookie, self._login_signer)

    def render(
        self, request: Request, template: str, context: dict[str, Any], *, status: int = 200
    ) -> Response:
        """A page with the console's headers; ``tr`` looks texts up in the page's language."""
        locale = str(context.get("locale") or "vi")

        zone = ZoneInfo(self.settings.timezone)

        def tr(key: str, **values: object) -> str:
            return t(key, locale, **values)

        def local_time(moment: datetime) -> str:
            return moment.astimezone(zone).strftime("%H:%M %d/%m/%Y")

        def topic(key: str) -> str:
            return topic_label(key, locale)

        def days(value: float) -> str:
            # "11", not "11.0"; a half day as "10,5" in Vietnamese and "10.5" in English.
            return localised.decimal(value, locale, whole=True)

        helpers = {
            "tr": tr,
            "weekdays": WEEKDAYS,
            "local_time": local_time,
            "topic": topic,
            "days": days,
        }
        full = {**helpers, **context}
        return self.templates.TemplateResponse(
            request, template, full, status_code=status, headers=HEADERS
        )

    def page(self, name: str, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        """Wraps an endpoint: signed in, CSRF on state changes, the route's roles."""

        async def gated(request: Request) -> Response:
            try:
                return await checked(request)
            finally:
                # An uploaded file (spooled to disk) is closed however the request ended.
                await request.close()

        async def checked(request: Request) -> Response:
            token = self.session_token(request)
            ctx = await self.signed_in(request, token) if token else None
            if ctx is None:
                if request.headers.get("hx-request") == "true":
                    # An htmx swap would put the sign-in page inside the inbox: the whole
                    # page goes there instead.
                    response = Response(status_code=200, headers={"HX-Redirect": LOGIN_URL})
                else:
                    response = RedirectResponse(LOGIN_URL, status_code=303)
                if token:
                    self.forget(response)
                return response
            if request.method not in SAFE_METHODS and not await csrf_ok(request, ctx.csrf):
                return self.refusal(request, ctx, "console.csrf_failed", 403)
            if not allowed(name, ctx.role):
                return self.refusal(request, ctx, "console.forbidden", 403)
            return await endpoint(request, ctx)

        gated.__name__ = name.replace(":", "_")
        return gated

    async def signed_in(self, request: Request, token: str) -> Ctx | None:
        async with self.tx() as session:
            # The inbox's own refresh is not someone at the desk: it does not keep a session.
            touch = request.headers.get("x-console-poll") != "1"
            found = await visit(
                session, token, now=self.clock(), settings=self.settings, touch=touch
            )
        if found is None:
            return None
        role = console_role(found.member)
        if role is None:
            return None
        return Ctx(request, found.member, role, found.row.csrf, token, address_of(request))

    def refusal(self, request: Request, ctx: Ctx, key: str, status: int) -> Response:
        """The error page (403, 404), in the signed-in user's language."""
        context = {"ctx": ctx, "locale": ctx.locale, "message_key": key, "status": status}
        return self.render(request, "error.html", context, status=status)


async def csrf_ok(request: Request, expected: str) -> bool:
    """Whether the request carries the token: the ``X-CSRF-Token`` header or a ``csrf`` field."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get("csrf")
            sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


def address_of(request: Request) -> str:
    """The client's address, for the audit log and the sign-in throttle."""
    return request.client.host if request.client is not None else "-"
