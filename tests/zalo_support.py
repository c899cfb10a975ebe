"""Zalo test harness: the real app served on 127.0.0.1 against the fake Zalo servers, and a
chat driver that reads as a transcript on either Zalo channel::

    async with oa_app(tmp_path, fake, clock) as runtime:
        chat = OAChat(runtime, fake, user="8123")
        [card] = await chat.say("khôi phục mã số thuế")
        [docs] = await chat.say("1")

The petition and booking transcripts on Zalo only need new ``chat.say`` lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import SecretStr
from sqlalchemy import select

from fakes.zalo_bot_server import ZaloBotFake
from fakes.zalo_oa_server import ZaloOAFake
from troly.bot.settings import Settings
from troly.bot.storage.models import OutboxMessage
from troly.handlers.app import Runtime, build_runtime, create_app
from troly.knowledge.index import ProcedureIndex


@dataclass(frozen=True)
class Said:
    """One message the bot sent on Zalo: its text and (OA) its buttons."""

    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)


def oa_settings(fake: ZaloOAFake, tmp_path: Path, **extra: Any) -> Settings:
    """Settings turning the OA door on against the fake, seeded with its refresh token
    (``zalo_oa_refresh_token=None`` leaves it to ``troly zalo authorize``)."""
    extra.setdefault("zalo_oa_refresh_token", SecretStr(fake.refresh_token))
    return Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'zalo.db'}",
        zalo_oa_app_id=fake.app_id,
        zalo_oa_app_secret=SecretStr(fake.app_secret),
        zalo_oa_secret=SecretStr(fake.oa_secret),
        zalo_oa_api_url=fake.api_url,
        zalo_oa_oauth_url=fake.oauth_url,
        **extra,
    )


def bot_settings(fake: ZaloBotFake, tmp_path: Path, **extra: Any) -> Settings:
    """Settings turning the Zalo Bot door on against the fake."""
    return Settings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'zalo.db'}",
        zalo_bot_token=SecretStr(fake.token),
        zalo_bot_api_url=fake.api_url,
        zalo_bot_poll_timeout=1,
        **extra,
    )


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def serve_app(
    make_settings: Callable[[str], Settings],
    *,
    clock: Callable[[], datetime] | None = None,
    index: ProcedureIndex | None = None,
) -> AsyncIterator[tuple[Runtime, str]]:
    """Builds the app for settings that know its address, runs its lifespan and serves it.

    Give the session's ``index`` fixture to skip building the knowledge index again.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = make_settings(base)
    runtime = build_runtime(settings, clock=clock, index=index)
    app, runtime = create_app(settings, runtime=runtime, scheduler=False)
    config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off")
    server = _QuietServer(config)
    async with app.router.lifespan_context(app):
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
            yield runtime, base
        finally:
            server.should_exit = True
            await task
            sock.close()


@asynccontextmanager
async def oa_app(
    tmp_path: Path,
    fake: ZaloOAFake,
    clock: Callable[[], datetime] | None = None,
    *,
    index: ProcedureIndex | None = None,
    public: bool = False,
    **extra: Any,
) -> AsyncIterator[Runtime]:
    """The app with the OA door on, the fake's webhook pointing at it.

    ``public`` gives the app its own address as ``public_url`` (files served to Zalo by URL).
    """

    def make(url: str) -> Settings:
        return oa_settings(fake, tmp_path, public_url=url if public else None, **extra)

    async with serve_app(make, clock=clock, index=index) as (rt, url):
        fake.webhook_url = f"{url}/zalo/oa"
        yield rt


@asynccontextmanager
async def bot_app(
    tmp_path: Path,
    fake: ZaloBotFake,
    *,
    webhook: bool = True,
    clock: Callable[[], datetime] | None = None,
    index: ProcedureIndex | None = None,
    **extra: Any,
) -> AsyncIterator[Runtime]:
    """The app with the Zalo Bot door on: webhook mode (public_url set) or polling."""

    def make(url: str) -> Settings:
        return bot_settings(fake, tmp_path, public_url=url if webhook else None, **extra)

    async with serve_app(make, clock=clock, index=index) as (rt, _):
        yield rt


class ZaloChat:
    """A user on a Zalo channel: ``await chat.say(text)`` returns the bot's new messages.

    It waits for at least ``replies`` new messages, then until the outbox holds nothing
    pending for the user, so a reply split in several pieces comes back whole.
    """

    channel = ""

    def __init__(self, runtime: Runtime, user: str) -> None:
        self.runtime = runtime
        self.user = user

    def seen(self) -> list[Said]:
        """Everything the bot sent this user so far."""
        raise NotImplementedError

    async def _send(self, text: str) -> None:
        raise NotImplementedError

    async def say(self, text: str, *, replies: int = 1, timeout: float = 10.0) -> list[Said]:  # noqa: ASYNC109
        """Sends a message; returns the bot's new messages once delivery has settled."""
        before = len(self.seen())
        await self._send(text)
        return await self.settle(before, replies=replies, timeout=timeout)

    async def settle(self, before: int, *, replies: int = 1, timeout: float = 10.0) -> list[Said]:  # noqa: ASYNC109
        """Waits for ``replies`` messages after the first ``before`` and an idle outbox."""
        async with asyncio.timeout(timeout):
            while len(self.seen()) < before + replies or await self._pending():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return self.seen()[before:]

    async def _pending(self) -> int:
        async with self.runtime.sessions() as session:
            rows = await session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.channel == self.channel)
                .where(OutboxMessage.recipient == self.user)
                .where(OutboxMessage.status == "pending")
            )
            return len(list(rows))


class OAChat(ZaloChat):
    """A user writing to the Official Account through the fake's signed webhook."""

    channel = "zalo_oa"

    def __init__(self, runtime: Runtime, fake: ZaloOAFake, user: str) -> None:
        super().__init__(runtime, user)
        self.fake = fake

    def seen(self) -> list[Said]:
        return [Said(m.text or m.media_url, m.buttons) for m in self.fake.sent_to(self.user)]

    async def _send(self, text: str) -> None:
        delivery = await self.fake.user_says(self.user, text)
        assert delivery.status == 200, delivery

    async def tap(self, said: Said, index: int, *, replies: int = 1) -> list[Said]:
        """Taps the ``index``-th button of a message (its payload arrives as the user's text)."""
        before = len(self.seen())
        await self.fake.user_taps(self.user, said.buttons[index])
        return await self.settle(before, replies=replies)


class BotChat(ZaloChat):
    """A user writing to the Zalo Bot (webhook or polling)."""

    channel = "zalo_bot"

    def __init__(self, runtime: Runtime, fake: ZaloBotFake, user: str) -> None:
        super().__init__(runtime, user)
        self.fake = fake

    def seen(self) -> list[Said]:
        return [
            Said(str(m.get("text") or m.get("photo") or "")) for m in self.fake.sent_to(self.user)
        ]

    async def _send(self, text: str) -> None:
        await self.fake.user_says(self.user, text)
