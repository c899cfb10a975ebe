"""The staff console in tests: accounts made with the CLI, a browser-like client per person,
and petitions filed through the web chat, all on one moved clock."""

from __future__ import annotations

import asyncio
import io
import re
import warnings
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from support import Clock
from troly.bot.settings import Settings
from troly.handlers import cli, console_cli
from troly.handlers.app import Runtime, build_runtime, create_app
from troly.knowledge.index import ProcedureIndex

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

T = TypeVar("T")
PASSWORD = "mua-xuan-tren-song-ma-2026"
ADDRESS = "testclient"
PEOPLE: dict[str, tuple[str, str, str, str | None]] = {
    "admin": ("quantri@thanhhoa.gov.vn", "Lê Quản Trị", "admin", None),
    "supervisor": ("lanhdao@thanhhoa.gov.vn", "Phạm Lãnh Đạo", "supervisor", None),
    "officer": ("lan@thanhhoa.gov.vn", "Nguyễn Thị Lan", "officer", "xaydung,thue"),
    "other_officer": ("minh@thanhhoa.gov.vn", "Trần Văn Minh", "officer", "dautu"),
    "viewer": ("theodoi@thanhhoa.gov.vn", "Hoàng Theo Dõi", "viewer", None),
}
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def add_user(settings: Settings, *argv: str, password: str = PASSWORD) -> tuple[int, str]:
    """Runs ``troly console …`` with the password on standard input."""
    args = cli.parser().parse_args(["console", *argv])
    out = io.StringIO()
    stdin = io.StringIO(password + "\n")
    # Its own thread and loop: a test may already run one (Playwright's sync API does).
    with ThreadPoolExecutor(1) as pool:
        code = pool.submit(asyncio.run, console_cli.run(args, settings, out, stdin)).result()
    return code, out.getvalue()


def add_people(settings: Settings) -> None:
    """Creates the accounts of ``PEOPLE``."""
    for email, name, role, topics in PEOPLE.values():
        extra = ["--topics", topics] if topics else []
        code, out = add_user(settings, "add-user", email, "--name", name, "--role", role, *extra)
        assert code == 0, out


@dataclass
class Console:
    """One running app and its test client; ``as_(who)`` makes requests as that person."""

    client: TestClient
    runtime: Runtime
    clock: Clock
    settings: Settings
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    chat_session: str = "7a1c0e5b2d3f4a5b6c7d8e9f00112233"

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Runs a coroutine in the app's event loop (to read or set up the database)."""
        portal = self.client.portal
        assert portal is not None
        return portal.call(work)

    def sign_in(self, who: str, *, password: str = PASSWORD) -> Any:
        """Opens the sign-in page and posts the form, as ``who``'s browser."""
        self.client.cookies.clear()
        page = self.client.get("/console/login")
        found = CSRF_FIELD.search(page.text)
        assert found is not None
        form = {"email": PEOPLE[who][0], "password": password, "csrf": found.group(1)}
        response = self.client.post("/console/login", data=form, follow_redirects=False)
        if response.status_code == 303:
            self.cookies[who] = {c.name: c.value or "" for c in self.client.cookies.jar}
        return response

    @contextmanager
    def as_(self, who: str | None) -> Iterator[TestClient]:
        """The client with ``who``'s cookies (None: nobody signed in)."""
        self.client.cookies.clear()
        for name, value in (self.cookies.get(who, {}) if who else {}).items():
            self.client.cookies.set(name, value)
        try:
            yield self.client
        finally:
            if who is not None:
                self.cookies[who] = {c.name: c.value or "" for c in self.client.cookies.jar}

    def csrf(self, who: str) -> str:
        """The CSRF token of ``who``'s session, read from a page as a browser would."""
        with self.as_(who) as client:
            page = client.get("/console/petitions")
        found = CSRF_FIELD.search(page.text)
        assert found is not None, page.text[:300]
        return found.group(1)

    def chat(self, **message: Any) -> list[str]:
        """Sends one web chat message as the business; returns the replies' texts."""
        self.client.cookies.clear()
        body = {"session": self.chat_session, **message}
        response = self.client.post("/api/chat", json=body)
        assert response.status_code == 200, response.text
        return [reply["text"] for reply in response.json()["replies"]]

    def chat_pending(self) -> list[str]:
        """What the web chat page would fetch: replies queued for the business."""
        self.client.cookies.clear()
        response = self.client.post("/api/chat/pending", json={"session": self.chat_session})
        return [reply["text"] for reply in response.json()["replies"]]

    def file_petition(
        self,
        description: str,
        *,
        topic: str = "xaydung",
        consent: bool = False,
        files: tuple[tuple[str, bytes, str], ...] = (),
        public: bool = False,
        commune: str | None = None,
    ) -> str:
        """Files a petition through the web chat (with ``files``: name, bytes, type, uploaded
        at the files step; ``commune``: typed, naming one; ``public``: the opt-in pressed);
        returns its tracking code."""
        self.chat(text="/phananh")
        self.chat(choice=f"pf:topic:{topic}")
        self.chat(text=description)
        for name, content, kind in files:
            fields = {"session": self.chat_session, "locale": "vi"}
            sent = self.client.post(
                "/api/chat/file", data=fields, files={"file": (name, content, kind)}
            )
            assert sent.status_code == 200, sent.text
        self.chat(choice="pf:done")
        if commune is None:
            self.chat(choice="pf:commune:none")
        else:
            self.chat(text=commune)
        self.chat(choice=f"pf:public:{int(public)}")
        if consent:
            self.chat(choice="pf:consent:1")
            self.chat(text="Công ty TNHH Sông Mã")
            self.chat(text="0300588569")
            self.chat(text="0912345678")
        else:
            self.chat(choice="pf:consent:0")
        filed = self.chat(choice="pf:submit")
        return filed[0].split("Mã theo dõi: ")[1].split()[0]


@contextmanager
def console_app(
    tmp_path: Path, index: ProcedureIndex, clock: Clock, **overrides: Any
) -> Iterator[Console]:
    """The whole app (web chat and console) with the people of ``PEOPLE`` signed up."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": f"sqlite:///{tmp_path / 'console.db'}",
        "staff_chat_id": -1001234,
        **overrides,
    }
    settings = Settings(**values)
    add_people(settings)
    runtime = build_runtime(settings, clock=clock, index=index)
    app, _ = create_app(settings, runtime=runtime, scheduler=False)
    with TestClient(app) as client:
        yield Console(client, runtime, clock, settings)


def make_session(console: Console, *, seats: int = 1, businesses: int = 2) -> tuple[int, list[str]]:
    """A session on Thursday 17/12/2026 at 14:00 with ``businesses`` web bookings; returns its
    id and the booking codes (beyond ``seats``, the waitlist)."""
    from datetime import datetime

    from support import VN
    from troly.bot.sessions import seats as seating
    from troly.bot.sessions import service

    async def work() -> tuple[int, list[str]]:
        async with console.runtime.sessions.begin() as session:
            row = await service.create_session(
                session,
                starts_at=datetime(2026, 12, 17, 14, 0, tzinfo=VN),
                now=console.clock(),
                settings=console.settings,
                seats=seats,
            )
            codes = []
            for n in range(businesses):
                details = {
                    "tax_code": f"280000{n:03d}" + "0",
                    "business_name": f"Công ty TNHH Số {n + 1}",
                    "representative": f"Người Đại Diện {n + 1}",
                    "phone": f"09123456{n:02d}",
                    "topic": "thue",
                    "question": f"Vướng mắc hoàn thuế số {n + 1}",
                }
                booked = await seating.book_seat(
                    session,
                    session_id=row.id,
                    channel="web",
                    user_id=f"biz{n}",
                    locale="vi",
                    details=details,
                    now=console.clock(),
                )
                codes.append(booked.booking.code)
            return row.id, codes

    return console.run(work)


def open_live_chat(console: Console) -> str:
    """The web chat's business asks for a person; returns the live chat's code."""
    from sqlalchemy import select

    from troly.bot.handoff.model import LiveChat

    console.chat(text="Cho tôi gặp cán bộ")

    async def newest() -> str:
        async with console.runtime.sessions() as session:
            query = select(LiveChat.code).order_by(LiveChat.id.desc()).limit(1)
            return str((await session.execute(query)).scalar_one())

    return console.run(newest)
