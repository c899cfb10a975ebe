"""The composition root: builds every collaborator from the settings and wires the doors.

``create_app(settings)`` returns the ``Runtime`` (engine, index, dialogue, outbox, scheduler,
Telegram door when configured) and the Starlette app that serves the web chat and webhooks.
Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from troly.bot.answers import card_reply
from troly.bot.dialogue import Dialogue, Handled
from troly.bot.followups import Followups
from troly.bot.knowledge import build_index
from troly.bot.messages import Incoming, Reply
from troly.bot.outbox import Outbox, Sender
from troly.bot.sessions.jobs import start_planning
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.texts import normalise_locale
from troly.bot.wiring import effect_appliers, followup_handlers
from troly.handlers.web import ContinueLinks, web_routes
from troly.knowledge.aspects import Aspect
from troly.knowledge.index import ProcedureIndex

logger = logging.getLogger(__name__)


class WebChat:
    """The web chat's port into the bot: the HTTP response is the delivery."""

    def __init__(self, *, dialogue: Dialogue, outbox: Outbox, index: ProcedureIndex) -> None:
        self._dialogue = dialogue
        self._outbox = outbox
        self._index = index

    async def handle(self, incoming: Incoming) -> list[Reply]:
        handled = await self._dialogue.handle(incoming)
        await self._outbox.mark_sent(handled.outbox_ids)
        if handled.other_ids:
            await self._outbox.deliver(handled.other_ids)
        return list(handled.replies)

    async def pending(self, channel: str, user_id: str) -> list[Reply]:
        return await self._outbox.take_pending(channel, user_id)

    def procedure_card(self, code: str, locale: str) -> Reply | None:
        procedure = self._index.kb.get(code)
        if procedure is None:
            return None
        return card_reply(procedure, Aspect.GENERAL, normalise_locale(locale))


@dataclass
class Runtime:
    """Everything the running assistant is made of, built once by ``create_app``."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    index: ProcedureIndex
    dialogue: Dialogue
    outbox: Outbox
    followups: Followups
    clock: Callable[[], datetime]
    senders: dict[str, Sender] = field(default_factory=dict)
    scheduler: AsyncIOScheduler | None = None

    async def tick(self) -> None:
        """One scheduler tick: runs due follow-ups, then delivers what is due (their messages,
        retries, rows a crash left behind)."""
        try:
            await self.followups.run_due()
        except Exception:
            logger.exception("follow-up tick failed; the next tick retries")
        try:
            await self.outbox.deliver_due()
        except Exception:
            logger.exception("outbox tick failed; the next tick retries")

    async def deliver(self, handled: Handled) -> None:
        """Delivers at once what handling a message wrote to the outbox (the fast path)."""
        ids = (*handled.outbox_ids, *handled.other_ids)
        if ids:
            await self.outbox.deliver(ids)


def build_runtime(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Runtime:
    """Builds the collaborators (no I/O beyond loading the knowledge base)."""
    zone = ZoneInfo(settings.timezone)
    now = clock or (lambda: datetime.now(zone))
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    index = build_index(settings)
    # The index is built once and never freed: keep the collector from walking it every time.
    gc.freeze()
    write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
    dialogue = Dialogue(
        sessions=sessions,
        index=index,
        settings=settings,
        clock=now,
        write_lock=write_lock,
        appliers=effect_appliers(settings),
    )
    followups = Followups(
        sessions=sessions,
        handlers=followup_handlers(settings),
        clock=now,
        settings=settings,
        write_lock=write_lock,
    )
    senders: dict[str, Sender] = {}
    outbox = Outbox(
        sessions=sessions,
        senders=senders,
        clock=now,
        max_attempts=settings.outbox_max_attempts,
        write_lock=write_lock,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        index=index,
        dialogue=dialogue,
        outbox=outbox,
        followups=followups,
        clock=now,
        senders=senders,
    )


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, scheduler: bool = True
) -> tuple[Starlette, Runtime]:
    """The Starlette app serving the web chat, kiosk and webhooks, and its runtime."""
    rt = runtime or build_runtime(settings)
    chat = WebChat(dialogue=rt.dialogue, outbox=rt.outbox, index=rt.index)
    routes = web_routes(chat=chat, settings=settings, links=ContinueLinks(settings))
    telegram = None
    if settings.telegram_token is not None:
        from troly.handlers.telegram import TelegramDoor

        telegram = TelegramDoor(settings=settings, runtime=rt)
        rt.senders["telegram"] = telegram.sender
        routes = [*telegram.routes(), *routes]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await upgrade(rt.engine)
        await start_planning(rt.sessions, now=rt.clock(), settings=settings)
        if telegram is not None:
            await telegram.start()
        if scheduler:
            rt.scheduler = AsyncIOScheduler(timezone=settings.timezone)
            rt.scheduler.add_job(
                rt.tick,
                "interval",
                seconds=settings.outbox_tick_seconds,
                max_instances=1,
                coalesce=True,
            )
            rt.scheduler.start()
        await rt.tick()
        try:
            yield
        finally:
            if rt.scheduler is not None:
                rt.scheduler.shutdown(wait=True)
            if telegram is not None:
                await telegram.stop()
            await rt.engine.dispose()

    return Starlette(routes=routes, lifespan=lifespan), rt
