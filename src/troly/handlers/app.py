"""The composition root: builds every collaborator from the settings and wires the doors.

``create_app(settings)`` returns the ``Runtime`` (engine, index, dialogue, outbox, scheduler,
Telegram door when configured) and the Starlette app that serves the web chat and webhooks.
Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from troly.bot.answers import card_reply
from troly.bot.choices import ChoiceMenus
from troly.bot.dialogue import Dialogue, Handled
from troly.bot.files import UNCLAIMED, FileShelf, FileSources, FileUnavailable, ShelfFiles
from troly.bot.followups import Followups
from troly.bot.knowledge import build_index
from troly.bot.knowledge.guard import QuestionSets, TeachGuard
from troly.bot.knowledge.live import KnowledgeReloader, LiveIndex, as_live
from troly.bot.leases import Leases, worker_name
from troly.bot.limits import RateLimits
from troly.bot.messages import Document, Incoming, Reply
from troly.bot.outbox import NoticeSender, Outbox, RetryLater, Sender
from troly.bot.petitions.jobs import ensure_digest
from troly.bot.petitions.retention import ensure_retention
from troly.bot.sessions.jobs import start_planning
from troly.bot.settings import Settings
from troly.bot.storage.database import answers as database_answers
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.texts import normalise_locale, t
from troly.bot.wiring import (
    dead_letter_hooks,
    dialogue_prefetch,
    effect_appliers,
    followup_handlers,
    followup_prefetchers,
    followup_preloaders,
    open_petition,
)
from troly.handlers.console import console_routes
from troly.handlers.one_stop import JsonDossierSource, dossier_source
from troly.handlers.public import public_routes
from troly.handlers.web import ChatAnswer, ContinueLinks, web_routes
from troly.handlers.zalo import ZaloBotDoor, ZaloOADoor
from troly.knowledge.aspects import Aspect
from troly.knowledge.index import ProcedureIndex

logger = logging.getLogger(__name__)


class WebChat:
    """The web chat's port into the bot: the HTTP response is the delivery."""

    def __init__(
        self,
        *,
        dialogue: Dialogue,
        outbox: Outbox,
        index: ProcedureIndex | LiveIndex,
        files: FileSources | None = None,
        uploads: FileShelf | None = None,
        ping: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._dialogue = dialogue
        self._ping = ping
        self._outbox = outbox
        self._knowledge = as_live(index)
        self._files = files or FileSources()
        self._uploads = uploads

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handles one message and returns its replies."""
        return (await self.answer(incoming)).replies

    async def answer(self, incoming: Incoming) -> ChatAnswer:
        """Handles one message: its replies, or the first's for a retry, and the language."""
        # The response is the delivery: the rows are written as sent, so no poll repeats them.
        handled = await self._dialogue.handle(incoming, in_response=True)
        if handled.duplicate:
            # The page sends a message again when its answer was lost (a network error, a
            # proxy's 504): the answer is the one the first request produced.
            handled = await self._dialogue.earlier(incoming)
        # The business gets its answer (its petition code) now, whatever the staff group's
        # queue: what goes to anyone else is delivered in the background.
        self._outbox.deliver_soon(handled.others)
        return ChatAnswer(list(handled.replies), handled.locale, handled.file_room)

    async def file_room(self, user_id: str) -> int | None:
        """How many files the web user's conversation takes now (None: the step takes none)."""
        if self._uploads is None:
            return None
        return await self._dialogue.file_room("web", user_id)

    async def keep_upload(self, user_id: str, document: Document) -> str:
        """Keeps an uploaded file on the shelf, owned by no record until its petition takes it.

        Its key depends on who sent it: the same photo from two businesses is two files, each
        erased with its own petition.
        """
        if self._uploads is None:
            raise FileUnavailable("the web chat keeps no uploads")
        return await self._uploads.put(replace(document, owner=UNCLAIMED), scope=user_id)

    async def pending(self, channel: str, user_id: str) -> list[Reply]:
        replies = await self._outbox.take_pending(channel, user_id)
        return [await self._with_file(reply) for reply in replies]

    async def _with_file(self, reply: Reply) -> Reply:
        """A reply whose file travels by reference gets its content (the page links to it)."""
        if reply.document is None or reply.document.content:
            return reply
        try:
            return replace(reply, document=await self._files.filled(reply.document))
        except (FileUnavailable, RetryLater):
            logger.info("a file for the web chat could not be fetched")
            note = t("web.file_unavailable", "vi", filename=reply.document.filename)
            return replace(reply, text=f"{reply.text}\n{note}", document=None)

    async def healthy(self) -> bool:
        """Whether the database answers (always, when no check was given)."""
        return True if self._ping is None else await self._ping()

    def procedure_card(self, code: str, locale: str) -> Reply | None:
        """The procedure's page: a whole page, so every document is listed (no "see all")."""
        procedure = self._knowledge.current.kb.get(code)
        if procedure is None:
            return None
        return card_reply(
            procedure,
            Aspect.GENERAL,
            normalise_locale(locale),
            all_documents=True,
            details=self._dialogue.province.latest,
        )


@dataclass
class Runtime:
    """Everything the running assistant is made of, built once by ``create_app``."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: LiveIndex
    """The index in use; ``reloader`` swaps it when the knowledge in the database changes."""
    reloader: KnowledgeReloader
    guard: TeachGuard
    """Checks a teach against the golden questions and the dev set, in the background."""
    dialogue: Dialogue
    outbox: Outbox
    followups: Followups
    clock: Callable[[], datetime]
    limits: RateLimits
    """Each person's message budget, checked at every door before the dialogue."""
    senders: dict[str, Sender] = field(default_factory=dict)
    fallbacks: dict[str, NoticeSender] = field(default_factory=dict)
    """Per channel, how a held time-critical message is announced (Zalo OA: ZNS)."""
    dossiers: JsonDossierSource | None = None
    """The province's one-stop system (dossier status by code), when configured."""
    scheduler: AsyncIOScheduler | None = None
    write_lock: asyncio.Lock | None = None
    files: FileSources = field(default_factory=FileSources)
    """How to fetch the files replies carry by reference (each door registers its own)."""
    leases: Leases | None = None
    """This worker's claim on the jobs that run in one worker only (the pollers)."""

    @property
    def index(self) -> ProcedureIndex:
        """The index answering questions now."""
        return self.knowledge.current

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
        """Delivers the sender's replies at once (the fast path); the rows for anyone else go
        in the background, so a throttled staff group never holds up the sender's answer."""
        if handled.outbox_ids:
            await self.outbox.deliver(handled.outbox_ids)
        self.outbox.deliver_soon(handled.others)


def _until_shutdown(job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """``job`` as a scheduler job that a shutdown may stop mid-way without a traceback.

    APScheduler's shutdown cancels the jobs still running and logs their ``CancelledError``
    as a failure. A tick stopped there loses nothing: its claims lapse and the next start's
    sweep takes the rows again.
    """

    async def run() -> None:
        try:
            await job()
        except asyncio.CancelledError:
            logger.info("a scheduled job was stopped by the shutdown; the next start sweeps again")

    return run


def _procedure_name(rt: Runtime, code: str) -> str | None:
    """The name of a procedure of the records in use, or None for an unknown code."""
    found = rt.index.kb.get(code.strip())
    return found.name if found is not None else None


def build_runtime(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    index: ProcedureIndex | None = None,
) -> Runtime:
    """Builds the collaborators (no I/O beyond loading the knowledge base, unless given)."""
    zone = ZoneInfo(settings.timezone)
    now = clock or (lambda: datetime.now(zone))
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    frozen = index is None
    if index is None:
        index = build_index(settings)
        # The collector never walks the index: it is frozen here, and each index a reload
        # builds is frozen in its turn (a replaced one is freed by reference counting).
        gc.freeze()
    write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
    dossiers = dossier_source(settings)
    knowledge = LiveIndex(index)
    reloader = KnowledgeReloader(
        live=knowledge, sessions=sessions, settings=settings, freeze=frozen
    )
    followups = Followups(
        sessions=sessions,
        handlers=followup_handlers(settings, dossiers=dossiers),
        preloaders=followup_preloaders(),
        prefetchers=followup_prefetchers(dossiers=dossiers),
        clock=now,
        settings=settings,
        write_lock=write_lock,
    )
    senders: dict[str, Sender] = {}
    fallbacks: dict[str, NoticeSender] = {}
    outbox = Outbox(
        sessions=sessions,
        senders=senders,
        clock=now,
        max_attempts=settings.outbox_max_attempts,
        write_lock=write_lock,
        # Zalo OA consultation messages may be sent only this long after the user's last message.
        windows={"zalo_oa": timedelta(days=settings.zalo_oa_window_days)},
        on_dead=dead_letter_hooks(settings),
        fallbacks=fallbacks,
    )
    dialogue = Dialogue(
        sessions=sessions,
        index=knowledge,
        settings=settings,
        clock=now,
        write_lock=write_lock,
        appliers=effect_appliers(settings, dossiers=dossiers),
        open_petition=open_petition(),
        prefetch=dialogue_prefetch(dossiers=dossiers),
        may_hold=outbox.may_hold,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        knowledge=knowledge,
        reloader=reloader,
        guard=TeachGuard(
            reloader=reloader,
            sessions=sessions,
            sets=QuestionSets.load(settings.dev_questions_path),
        ),
        dialogue=dialogue,
        outbox=outbox,
        followups=followups,
        clock=now,
        limits=RateLimits(settings=settings, clock=now),
        senders=senders,
        fallbacks=fallbacks,
        dossiers=dossiers,
        write_lock=write_lock,
        leases=Leases(
            sessions=sessions,
            clock=now,
            holder=worker_name(),
            ttl=timedelta(seconds=settings.lease_seconds),
        ),
    )


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, scheduler: bool = True
) -> tuple[Starlette, Runtime]:
    """The Starlette app serving the web chat, kiosk and webhooks, and its runtime."""
    rt = runtime or build_runtime(settings)
    # What a business uploads on the web waits on the shelf; the staff topic fetches it there.
    # The key only has to be unguessable, not shared: any worker reads a file by its key.
    uploads = FileShelf(
        sessions=rt.sessions,
        clock=rt.clock,
        secret=secrets.token_bytes(32),
        write_lock=rt.write_lock,
    )
    rt.files.register("web", ShelfFiles(uploads))
    chat = WebChat(
        dialogue=rt.dialogue,
        outbox=rt.outbox,
        index=rt.knowledge,
        files=rt.files,
        uploads=uploads,
        ping=lambda: database_answers(rt.engine),
    )
    routes = web_routes(
        chat=chat, settings=settings, links=ContinueLinks(settings), limits=rt.limits
    )
    console = console_routes(
        sessions=rt.sessions,
        settings=settings,
        clock=rt.clock,
        write_lock=rt.write_lock,
        deliver=rt.outbox.deliver_soon,
        files=rt.files,
        guard=rt.guard,
        procedure_name=lambda code: _procedure_name(rt, code),
        province_changed=rt.dialogue.province.forget,
    )
    public = public_routes(sessions=rt.sessions, settings=settings, clock=rt.clock)
    routes = [console, public, *routes]
    telegram = None
    if settings.telegram_token is not None:
        from troly.handlers.telegram import TelegramDoor

        telegram = TelegramDoor(settings=settings, runtime=rt)
        rt.senders["telegram"] = telegram.sender
        routes = [*telegram.routes(), *routes]
    zalo_bot, zalo_oa, zalo_files = _zalo_doors(settings, rt)
    routes = [*zalo_files, *routes]
    for door in (zalo_bot, zalo_oa):
        if door is not None:
            routes = [*door.routes(), *routes]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await _prepare(rt.engine, rt.sessions, now=rt.clock(), settings=settings)
        # What staff taught is in use from the first question, then kept fresh in the background.
        await rt.reloader.check()
        reloading = asyncio.create_task(rt.reloader.run())
        if telegram is not None:
            await telegram.start()
        if zalo_oa is not None:
            await zalo_oa.start()
        if zalo_bot is not None:
            await zalo_bot.start()
        if scheduler:
            rt.scheduler = AsyncIOScheduler(timezone=settings.timezone)
            rt.scheduler.add_job(
                _until_shutdown(rt.tick),
                "interval",
                seconds=settings.outbox_tick_seconds,
                max_instances=1,
                coalesce=True,
            )
            if zalo_oa is not None:
                rt.scheduler.add_job(
                    _until_shutdown(zalo_oa.keep_token_fresh),
                    "interval",
                    minutes=10,
                    max_instances=1,
                    coalesce=True,
                )
            rt.scheduler.start()
        await rt.tick()
        try:
            yield
        finally:
            reloading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reloading
            await rt.guard.wait()
            if rt.scheduler is not None:
                rt.scheduler.shutdown(wait=True)
            # What the background lanes have not sent by then stays pending for the next sweep.
            await rt.outbox.close(grace=settings.outbox_drain_seconds)
            if telegram is not None:
                await telegram.stop()
            for door in (zalo_bot, zalo_oa):
                if door is not None:
                    await door.stop()
            if rt.dossiers is not None:
                await rt.dossiers.close()
            await rt.engine.dispose()

    return Starlette(routes=routes, lifespan=lifespan), rt


async def _prepare(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    settings: Settings,
) -> None:
    """Migrations, then the calendar's standing jobs (idempotent: a second run changes nothing)."""
    await upgrade(engine)
    async with sessions.begin() as session:
        if settings.staff_chat_id is not None:
            await ensure_digest(session, now=now, settings=settings)
        await ensure_retention(session, now=now, settings=settings)
    await start_planning(sessions, now=now, settings=settings)


async def prepare_database(settings: Settings) -> None:
    """Prepares the database once before several workers start (they would race to it)."""
    engine = create_engine(settings.database_url)
    try:
        now = datetime.now(ZoneInfo(settings.timezone))
        await _prepare(engine, session_factory(engine), now=now, settings=settings)
    finally:
        await engine.dispose()


def app_from_environment() -> Starlette:
    """One worker's app, its settings from the environment (``troly serve --workers N``)."""
    logging.getLogger("troly").setLevel(logging.INFO)
    app, _runtime = create_app(Settings())
    return app


def _zalo_doors(
    settings: Settings, rt: Runtime
) -> tuple[ZaloBotDoor | None, ZaloOADoor | None, list[BaseRoute]]:
    """The Zalo doors whose tokens are set, registered as senders, and the file route."""
    secrets_set = [
        secret.get_secret_value()
        for secret in (settings.zalo_bot_token, settings.zalo_oa_secret)
        if secret is not None
    ]
    if not secrets_set:
        return None, None, []
    from troly.handlers.zalo.common import Road, ZaloFiles, ZaloMedia

    menus = ChoiceMenus(sessions=rt.sessions, clock=rt.clock, write_lock=rt.write_lock)
    road = Road(dialogue=rt.dialogue, outbox=rt.outbox, menus=menus, limits=rt.limits)
    # Every worker derives the same key for the file URLs from the Zalo secrets.
    file_key = hashlib.sha256(("troly-files:" + ":".join(secrets_set)).encode()).digest()
    shelf = FileShelf(
        sessions=rt.sessions, clock=rt.clock, secret=file_key, write_lock=rt.write_lock
    )
    files = ZaloFiles(shelf=shelf, public_url=settings.public_url, sources=rt.files)
    # What a business sends on Zalo reaches the staff topic on Telegram by its bytes.
    media = ZaloMedia(max_bytes=settings.petition_relay_max_file_mb * 1024 * 1024)
    bot = oa = None
    if settings.zalo_bot_token is not None:
        from troly.handlers.zalo.bot import CHANNEL as BOT_CHANNEL
        from troly.handlers.zalo.bot import ZaloBotDoor

        bot = ZaloBotDoor(
            settings=settings,
            road=road,
            menus=menus,
            files=files,
            clock=rt.clock,
            leases=rt.leases,
        )
        rt.senders[BOT_CHANNEL] = bot.sender
        rt.files.register(BOT_CHANNEL, media)
    if settings.zalo_oa_configured:
        from troly.handlers.zalo.oa import CHANNEL as OA_CHANNEL
        from troly.handlers.zalo.oa import ZaloOADoor

        oa = ZaloOADoor(
            settings=settings,
            road=road,
            menus=menus,
            files=files,
            sessions=rt.sessions,
            clock=rt.clock,
        )
        rt.senders[OA_CHANNEL] = oa.sender
        if oa.notices is not None:
            rt.fallbacks[OA_CHANNEL] = oa.notices
        rt.files.register(OA_CHANNEL, media)
    return bot, oa, files.routes()
