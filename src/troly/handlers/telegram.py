"""The Telegram door (python-telegram-bot 22): polling or webhook, rendering, delivery.

``to_incoming`` and ``render`` are pure and tested on literal JSON. Everything Telegram checks
we check first: HTML escaped, 4,096 UTF-16 units per message, 64-byte callback data, every
callback query answered. Only this module imports ``telegram``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import logging
import os
import unicodedata
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    TypeHandler,
)

from troly.bot.clean import clean_incoming, says_nothing
from troly.bot.files import FileSources, FileUnavailable
from troly.bot.leases import Singleton
from troly.bot.limits import handle_within_limits
from troly.bot.messages import Attachment, Document, Incoming, Reply
from troly.bot.outbox import RetryLater, Undeliverable
from troly.bot.settings import Settings
from troly.bot.staff_topics import THREAD_PREFIX, StaffTopics
from troly.handlers.json_body import parse_json
from troly.handlers.pacing import PaceLimits, Pacer
from troly.handlers.telegram_order import PerSenderOrder

if TYPE_CHECKING:
    from troly.handlers.app import Runtime

logger = logging.getLogger(__name__)

POLLER_LEASE = "telegram-poller"
MAX_TEXT_UNITS = 4096
MAX_CALLBACK_BYTES = 64
MB = 1024 * 1024
PHOTO_MAX = 10 * MB
"""sendPhoto's upload limit: a bigger photo is sent as a document."""
MAX_BUTTONS_PER_ROW = 8
WEBHOOK_PATH = "/telegram/webhook"
# Edits are not asked for: an edited message is not a new one (a typo fixed in a staff topic
# must not reach the business twice, nor an old question be answered again).
ALLOWED_UPDATES = ["message", "callback_query"]

COMMANDS = {
    "vi": [
        ("start", "Bắt đầu"),
        ("menu", "Danh sách chức năng"),
        ("hoi", "Hỏi về thủ tục hành chính"),
        ("canbo", "Gặp cán bộ hỗ trợ"),
        ("phananh", "Gửi phản ánh, kiến nghị"),
        ("tracuu", "Tra cứu phản ánh theo mã"),
        ("cuatoi", "Phản ánh của tôi"),
        ("hoso", "Tra cứu, theo dõi hồ sơ thủ tục theo mã"),
        ("dulieu", "Thông tin cá nhân tôi đã cung cấp"),
        ("huy", "Hủy thao tác đang làm"),
        ("trogiup", "Hướng dẫn sử dụng"),
        ("en", "English"),
    ],
    "en": [
        ("start", "Start"),
        ("menu", "Features"),
        ("ask", "Ask about a procedure"),
        ("person", "Talk to a support officer"),
        ("petition", "Send feedback or a request"),
        ("status", "Your feedback and requests, or one by its code"),
        ("book", "Register to meet the Chairman"),
        ("mybookings", "Your registrations"),
        ("hoso", "Look up and follow a dossier by code"),
        ("mydata", "The personal data I keep"),
        ("cancel", "Cancel what you are doing"),
        ("help", "Help"),
        ("vi", "Tiếng Việt"),
    ],
}


def utf16_units(text: str) -> int:
    """The length of ``text`` as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """Splits text into pieces of at most ``limit`` UTF-16 units, at paragraphs, lines or words."""
    text = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    rest = text
    while utf16_units(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [text[:1] or " "]


def _cut_point(text: str, limit: int) -> int:
    # The longest prefix within the limit, then back to a paragraph, a line or a space.
    end = 0
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            break
        end = i + 1
    window = text[:end]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > end // 2:
            return at + len(separator)
    return end


def render(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """A reply as Telegram messages: escaped HTML pieces, the keyboard on the last one."""
    pieces = [html.escape(p, quote=False) for p in split_text(reply.text)]
    # Escaping can lengthen a piece ("<" becomes "&lt;") but Telegram counts after parsing.
    keyboard = keyboard_for(reply)
    return [(piece, keyboard if i == len(pieces) - 1 else None) for i, piece in enumerate(pieces)]


def keyboard_for(reply: Reply) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a reply; a button whose data would not fit is left out."""
    rows = []
    for row in reply.buttons:
        buttons = []
        for button in row[:MAX_BUTTONS_PER_ROW]:
            if button.url is not None:
                buttons.append(InlineKeyboardButton(button.label, url=button.url))
            elif button.choice is not None:
                if not 1 <= len(button.choice.encode("utf-8")) <= MAX_CALLBACK_BYTES:
                    logger.error("callback data over %s bytes left out", MAX_CALLBACK_BYTES)
                    continue
                buttons.append(InlineKeyboardButton(button.label, callback_data=button.choice))
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def to_incoming(update: Update, *, staff_chat_id: int | None = None) -> Incoming | None:
    """The channel-blind message of a Telegram update, or None for what we do not handle.

    Private chats are the businesses'; of groups, only the staff group is heard, as messages
    carrying the group (``chat_id``) and the forum topic (``thread``).
    """
    event_id = str(update.update_id)
    query = update.callback_query
    if query is not None and query.data is not None:
        message = query.message
        chat = message.chat if message is not None else None
        group = _staff_group(chat, staff_chat_id)
        if chat is not None and chat.type != "private" and group is None:
            return None
        thread = getattr(message, "message_thread_id", None) if group is not None else None
        return _cleaned(
            Incoming(
                channel="telegram",
                user_id=str(query.from_user.id),
                choice=query.data,
                locale=query.from_user.language_code,
                event_id=event_id,
                display_name=query.from_user.first_name,
                chat_id=group,
                thread=str(thread) if thread is not None else None,
            )
        )
    message = update.message  # an edit (edited_message) is never handled as a new message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    group = _staff_group(message.chat, staff_chat_id)
    if message.chat.type != "private" and group is None:
        return None
    attachments: list[Attachment] = []
    if message.photo:
        biggest = message.photo[-1]
        attachments.append(Attachment("photo", biggest.file_id, size=biggest.file_size))
    if message.document is not None:
        doc = message.document
        attachments.append(
            Attachment(
                "document",
                doc.file_id,
                name=doc.file_name,
                mime_type=doc.mime_type,
                size=doc.file_size,
            )
        )
    text = message.text or message.caption
    if text is None and not attachments:
        return None
    thread = message.message_thread_id if group is not None and message.is_topic_message else None
    return _cleaned(
        Incoming(
            channel="telegram",
            user_id=str(message.from_user.id) if group is not None else str(message.chat.id),
            text=text,
            attachments=tuple(attachments),
            locale=message.from_user.language_code,
            event_id=event_id,
            display_name=message.from_user.first_name,
            chat_id=group,
            thread=str(thread) if thread is not None else None,
        )
    )


def _cleaned(incoming: Incoming) -> Incoming | None:
    """The message made safe, or None when nothing but unsafe characters was sent."""
    cleaned = clean_incoming(incoming)
    return None if says_nothing(cleaned) else cleaned


def _staff_group(chat: Any, staff_chat_id: int | None) -> str | None:
    if chat is None or staff_chat_id is None or chat.type == "private":
        return None
    return str(chat.id) if chat.id == staff_chat_id else None


def pace_limits(settings: Settings) -> PaceLimits:
    """Telegram's limits as configured (the Bot FAQ's numbers by default), for one worker.

    Any worker may write to the staff group or to anyone (the fast path, the background
    lanes, the sweep): the bot's overall and per-group limits are shared out between the
    workers. A person's chat keeps its own pace: their replies come from the worker that
    handled their message.
    """
    workers = settings.workers
    return PaceLimits(
        chat_per_second=settings.telegram_chat_per_second,
        chat_burst=settings.telegram_chat_burst,
        group_per_minute=max(1, settings.telegram_group_per_minute // workers),
        overall_per_second=max(1, settings.telegram_overall_per_second // workers),
    )


def _chat_key(chat_id: object) -> tuple[str, bool] | None:
    """The chat a request writes to, and whether it is a group (negative id or @name)."""
    if chat_id is None:
        return None
    text = str(chat_id)
    return text, text.startswith(("-", "@"))


class PacedRateLimiter(BaseRateLimiter[None]):
    """PTB's rate-limiter hook over our ``Pacer``: every request that names a chat waits for
    its turn (one at a time per chat, 1/s with a small burst, 20 a minute per group, 30 a
    second in all). A 429 that still comes pauses that chat and goes up as ``RetryAfter``,
    without a retry here: the outbox row waits ``retry_after`` and is sent again.

    PTB's own ``AIORateLimiter`` was not enough: its leaky buckets let a group have 20 at once
    and then one every 3 s (40 in the first minute, which Telegram answers with 429), it has
    no per-chat limit, and it logs every final 429 as an error with a traceback.
    """

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def initialize(self) -> None:
        """Nothing to start."""

    async def shutdown(self) -> None:
        """Nothing to stop."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Runs the request in its chat's turn (requests naming no chat go at once)."""
        key = _chat_key(data.get("chat_id"))
        if key is None:
            return await callback(*args, **kwargs)
        chat, group = key
        async with self.pacer.slot(chat, group=group):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.pacer.pause(chat, _seconds(exc.retry_after), group=group)
                raise


def _seconds(after: object) -> float:
    """``retry_after`` in seconds, whether PTB gives an int or a timedelta."""
    total = getattr(after, "total_seconds", None)
    return float(total() if callable(total) else after)  # type: ignore[arg-type]


@dataclass
class TelegramSender:
    """Delivers replies through the Bot API, mapping its errors to the outbox's."""

    application: Application  # type: ignore[type-arg]
    topics: StaffTopics | None = None
    """Resolves ``topic:<key>`` threads, creating the staff group's forum topics."""
    files: FileSources | None = None
    """Fetches files that live on another platform before they are uploaded."""

    _chat_locks: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)
    holds: ClassVar[bool] = False
    """Telegram has no interaction window: this sender never raises ``Held``."""

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> str | None:
        """Sends the reply's pieces (and document) in order; the application's rate limiter
        (``PacedRateLimiter``) paces each of them. Returns the message_id of the last piece,
        the one with the keyboard."""
        lock = self._chat_locks.setdefault(recipient, asyncio.Lock())
        async with lock, self._errors_mapped(recipient):
            bot = self.application.bot
            thread_id = await self._thread_id(recipient, thread)
            last: str | None = None
            for text, keyboard in render(reply):
                message = await bot.send_message(
                    chat_id=recipient,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    message_thread_id=thread_id,
                    disable_web_page_preview=True,
                )
                last = str(message.message_id)
            if reply.document is not None:
                await self._send_file(recipient, reply.document, thread_id)
            return last
        return None  # unreachable: the context manager re-raises every error

    async def edit(
        self, recipient: str, message_ref: str, reply: Reply, *, thread: str | None = None
    ) -> None:
        """Rewrites a message the bot sent: its text and keyboard (editMessageText), or only
        its keyboard when the reply has no text (editMessageReplyMarkup).

        A card longer than one message keeps its first pieces: the last one, which carries
        the keyboard, is rewritten. Rewriting it to what it already says is not an error.
        """
        lock = self._chat_locks.setdefault(recipient, asyncio.Lock())
        async with lock, self._errors_mapped(recipient):
            bot = self.application.bot
            message_id = int(message_ref)
            try:
                if not reply.text:
                    await bot.edit_message_reply_markup(
                        chat_id=recipient, message_id=message_id, reply_markup=keyboard_for(reply)
                    )
                    return
                text, keyboard = render(reply)[-1]
                await bot.edit_message_text(
                    chat_id=recipient,
                    message_id=message_id,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    disable_web_page_preview=True,
                )
            except BadRequest as exc:
                if "message is not modified" not in exc.message.lower():
                    raise

    @contextlib.asynccontextmanager
    async def _errors_mapped(self, recipient: str) -> AsyncIterator[None]:
        """Turns the Bot API's errors into the outbox's (retry later, or undeliverable)."""
        try:
            yield
        except RetryAfter as exc:
            # Expected now and then (the limits are not published): the row waits and goes
            # again; a warning, not a traceback.
            seconds = _seconds(exc.retry_after)
            logger.warning("telegram 429 for chat %s: retry after %.0f s", recipient, seconds)
            raise RetryLater("telegram flood control", after=seconds) from exc
        except Forbidden as exc:
            raise Undeliverable(f"telegram forbidden: {exc.message}", blocked=True) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Undeliverable(f"telegram: {exc.message}", blocked=True) from exc
            raise Undeliverable(f"telegram rejected the message: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(f"telegram network: {exc}") from exc

    async def _send_file(self, recipient: str, document: Document, thread_id: int | None) -> None:
        """Sends a file: by its file_id when it is already on Telegram, else uploaded (a photo
        over sendPhoto's 10 MB as a document)."""
        bot = self.application.bot
        file: str | InputFile
        too_big = False
        own = document.ref_on("telegram")
        if own is not None and not document.content:
            # The same bot received it: Telegram sends it again by file_id, whatever its size.
            file = own
        else:
            try:
                filled = await (self.files or FileSources()).filled(document)
            except FileUnavailable as exc:
                raise Undeliverable(f"file not available: {exc}") from exc
            file = InputFile(filled.content, filename=filled.filename)
            too_big = len(filled.content) > PHOTO_MAX
        if document.photo and not too_big:
            await bot.send_photo(chat_id=recipient, photo=file, message_thread_id=thread_id)
        else:
            await bot.send_document(chat_id=recipient, document=file, message_thread_id=thread_id)

    async def _thread_id(self, recipient: str, thread: str | None) -> int | None:
        """The forum topic to send to; a petition's topic is created on its first message."""
        if thread is not None and thread.startswith(THREAD_PREFIX) and self.topics is not None:

            async def create(name: str) -> str:
                topic = await self.application.bot.create_forum_topic(chat_id=recipient, name=name)
                return str(topic.message_thread_id)

            try:
                thread = await self.topics.resolve(thread, create)
            except BadRequest as exc:
                # Topics off, or the bot lacks can_manage_topics: the group still hears of it.
                logger.warning("forum topic not created, sending to the group: %s", exc.message)
                return None
        if thread is None or thread.startswith(THREAD_PREFIX):
            return None
        return int(thread)


@dataclass
class TelegramFiles:
    """Downloads files people sent the bot (getFile), for the platforms that need the bytes."""

    application: Application  # type: ignore[type-arg]
    max_bytes: int

    async def fetch(self, ref: str) -> bytes:
        """The file's bytes; too big or unknown raises ``FileUnavailable``."""
        try:
            file = await self.application.bot.get_file(ref)
            if file.file_size is not None and file.file_size > self.max_bytes:
                raise FileUnavailable(f"{file.file_size} bytes, over {self.max_bytes}")
            data = await file.download_as_bytearray()
        except BadRequest as exc:
            raise FileUnavailable(f"telegram: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(f"telegram network: {exc}") from exc
        if len(data) > self.max_bytes:
            raise FileUnavailable(f"{len(data)} bytes, over {self.max_bytes}")
        return bytes(data)


def webhook_secret(settings: Settings) -> str:
    """The webhook's secret token: the configured one, or one derived from the bot token."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    assert settings.telegram_token is not None
    digest = hashlib.sha256(b"troly-webhook:" + settings.telegram_token.get_secret_value().encode())
    return digest.hexdigest()


class TelegramDoor:
    """The PTB ``Application`` wired to the dialogue: polling, or webhook inside Starlette."""

    def __init__(self, *, settings: Settings, runtime: Runtime) -> None:
        assert settings.telegram_token is not None
        # PTB 22 gives durations (retry_after) as timedeltas when asked to, without warnings.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self._settings = settings
        self._runtime = runtime
        self._webhook = settings.public_url is not None
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .rate_limiter(PacedRateLimiter(Pacer(pace_limits(settings))))
            .concurrent_updates(PerSenderOrder(64))
        )
        if settings.telegram_api_url:
            base = settings.telegram_api_url.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        if self._webhook:
            builder = builder.updater(None)
        self.application: Application = builder.build()  # type: ignore[type-arg]
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.application.add_error_handler(self.on_error)
        self.sender = TelegramSender(
            self.application, StaffTopics(runtime.sessions), files=runtime.files
        )
        self.files = TelegramFiles(self.application, settings.petition_relay_max_file_mb * MB)
        runtime.files.register("telegram", self.files)
        self._secret = webhook_secret(settings)
        self._poller: Singleton | None = None
        self._polling: asyncio.Task[None] | None = None

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Hands an update to the dialogue and delivers the replies at once."""
        if update.callback_query is not None:
            # Clients spin until the query is answered, whatever happens next.
            try:
                await update.callback_query.answer()
            except BadRequest as exc:
                logger.info("callback query already answered or expired: %s", exc.message)
            except RetryAfter as exc:
                # The press is still handled; only the client's spinner lasts a little longer.
                seconds = _seconds(exc.retry_after)
                logger.warning("telegram 429 on a button answer: retry after %.0f s", seconds)
        incoming = to_incoming(update, staff_chat_id=self._settings.staff_chat_id)
        if incoming is None:
            return
        handled = await handle_within_limits(self._runtime.limits, self._runtime.dialogue, incoming)
        await self._runtime.deliver(handled)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Logs a failed update (without its text); the outbox retries deliveries."""
        logger.error("telegram update failed: %r", context.error)

    async def start(self) -> None:
        """Starts the application: sets the webhook, or polls — in one worker at a time."""
        app = self.application
        await app.initialize()
        await self._register_commands()
        if self._webhook:
            assert self._settings.public_url is not None
            url = self._settings.public_url.rstrip("/") + WEBHOOK_PATH
            await app.bot.set_webhook(
                url=url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
            )
            await app.start()
            return
        await app.start()
        updater = app.updater
        assert updater is not None

        async def start_polling() -> None:
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=20)

        leases = self._runtime.leases
        if leases is None:
            await start_polling()
            return
        # Telegram answers a second getUpdates with 409 Conflict: one worker polls, under a
        # lease; the others send, and one of them takes over within the lease if it dies.
        self._poller = Singleton(
            leases,
            POLLER_LEASE,
            start=start_polling,
            stop=updater.stop,
            every=self._settings.lease_renew_seconds,
        )
        await self._poller.tick()
        self._polling = asyncio.create_task(self._poller.run())

    async def stop(self) -> None:
        """Stops polling (giving its lease back), lets in-flight updates finish, shuts down."""
        app = self.application
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def _register_commands(self) -> None:
        bot = self.application.bot
        vi = [BotCommand(c, d) for c, d in COMMANDS["vi"]]
        await bot.set_my_commands(vi)
        await bot.set_my_commands(vi, language_code="vi")
        await bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS["en"]], language_code="en")

    def routes(self) -> list[BaseRoute]:
        """The webhook route (present only in webhook mode)."""
        if not self._webhook:
            return []
        return [Route(WEBHOOK_PATH, self.on_webhook, methods=["POST"])]

    async def on_webhook(self, request: Request) -> Response:
        """Checks the secret in constant time, queues the update, answers 200 at once."""
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            data: Any = parse_json(await request.body())
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "bad update"}, status_code=400)
        if update is None:
            return JSONResponse({"error": "bad update"}, status_code=400)
        await self.application.update_queue.put(update)
        return Response(status_code=200)
