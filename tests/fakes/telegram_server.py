"""A fake Telegram Bot API server for end-to-end tests.

It is a Starlette app over an in-memory state, served by uvicorn inside the test's event loop
on 127.0.0.1 and a free port. Point the real python-telegram-bot at it::

    async with TelegramFake(local_mode=True) as fake:
        app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
               .base_file_url(fake.base_file_url).build())
        await fake.user_says(user_id=1001, text="/start")
        ...
        assert fake.errors == []

The fake enforces the rules listed in /work/shared/facts/channels.md ("What a local fake server
must enforce" -> "Telegram fake"). Error descriptions are Telegram's where known; a few (marked
"fake wording" below) are our own but keep Telegram's prefix, e.g. "Bad Request: ".
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import re
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from fakes.waiting import StateChanges

__all__ = [
    "FakeCall",
    "FakeError",
    "FloodLimits",
    "HtmlParseError",
    "ManualClock",
    "TelegramFake",
    "WebhookAttempt",
    "WebhookState",
    "parse_telegram_html",
    "serve_asgi",
    "utf16_len",
]

# --------------------------------------------------------------------------- text and HTML


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts and offsets in."""
    return len(text.encode("utf-16-le")) // 2


class HtmlParseError(ValueError):
    """``parse_mode=HTML`` text that Telegram would reject with "can't parse entities"."""


_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler",
}  # fmt: skip
_ALLOWED_TAGS = frozenset(
    {*_SIMPLE_TAGS, "span", "a", "code", "pre", "blockquote", "tg-emoji", "tg-time"}
)
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_END_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_ENTITY = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]*);")


@dataclass
class _OpenTag:
    tag: str
    start: int  # UTF-16 offset in the plain text
    entity: dict[str, Any] | None  # None: the tag makes no entity of its own


def _decode_entity(text: str, i: int, where: Callable[[int], int]) -> tuple[str, int]:
    """Decodes the HTML entity at ``text[i] == '&'``; returns (character, next index)."""
    m = _ENTITY.match(text, i)
    if not m:
        raise HtmlParseError(
            f"Character '&' is reserved and must be escaped as &amp; (byte offset {where(i)})"
        )
    body = m.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HtmlParseError(f"Invalid numeric entity at byte offset {where(i)}")
        return chr(code), m.end()
    if body not in _NAMED_ENTITIES:
        raise HtmlParseError(f'Unsupported HTML entity "&{body};" at byte offset {where(i)}')
    return _NAMED_ENTITIES[body], m.end()


def _decode_attr(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "&":
            ch, i = _decode_entity(value, i, lambda _: 0)
            out.append(ch)
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _parse_start_tag(
    text: str, i: int, where: Callable[[int], int]
) -> tuple[str, dict[str, str], int]:
    """Parses ``<name attr="v" ...>`` at ``text[i] == '<'``; returns (name, attrs, next index)."""
    m = _TAG_NAME.match(text, i + 1)
    if not m:
        raise HtmlParseError(
            f"Character '<' is reserved and must be escaped as &lt; (byte offset {where(i)})"
        )
    name = m.group(0).lower()
    if name not in _ALLOWED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {where(i)}')
    attrs: dict[str, str] = {}
    j, n = m.end(), len(text)
    while True:
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {where(i)}')
        if text[j] == ">":
            return name, attrs, j + 1
        am = _ATTR_NAME.match(text, j)
        if not am:
            raise HtmlParseError(f'Unexpected character in tag "{name}" at byte offset {where(j)}')
        attr, j = am.group(0).lower(), am.end()
        while j < n and text[j].isspace():
            j += 1
        value = ""
        if j < n and text[j] == "=":
            j += 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] in "\"'":
                close = text.find(text[j], j + 1)
                if close < 0:
                    raise HtmlParseError(f"Unclosed attribute value at byte offset {where(j)}")
                value, j = _decode_attr(text[j + 1 : close]), close + 1
            else:
                vm = re.compile(r"[^\s>]*").match(text, j)
                assert vm is not None
                value, j = _decode_attr(vm.group(0)), vm.end()
        attrs[attr] = value


def parse_telegram_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parses Telegram-flavoured HTML like the Bot API does for ``parse_mode=HTML``.

    Returns the plain text and its entities (offsets and lengths in UTF-16 code units).
    Raises HtmlParseError for a bare ``<``, ``>`` or ``&``, an unsupported tag or named entity,
    an unclosed, unmatched or overlapping tag, or entities nested where Telegram forbids it.
    """
    out: list[str] = []
    pos = 0  # UTF-16 length of the plain text so far
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []

    def where(idx: int) -> int:
        return len(text[:idx].encode("utf-8"))

    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "<" and text.startswith("</", i):
            m = _END_TAG.match(text, i)
            if not m:
                raise HtmlParseError(f"Unclosed end tag at byte offset {where(i)}")
            name = m.group(1).lower()
            if not stack:
                raise HtmlParseError(f'Unexpected end tag "{name}" at byte offset {where(i)}')
            top = stack.pop()
            if top.tag != name:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {where(i)}, expected "
                    f'"</{top.tag}>", found "</{name}>"'
                )
            if top.entity is not None and pos > top.start:
                entities.append({**top.entity, "offset": top.start, "length": pos - top.start})
            i = m.end()
        elif ch == "<":
            name, attrs, nxt = _parse_start_tag(text, i, where)
            entity = _tag_entity(name, attrs, stack, where(i))
            stack.append(_OpenTag(name, pos, entity))
            i = nxt
        elif ch == ">":
            raise HtmlParseError(
                f"Character '>' is reserved and must be escaped as &gt; (byte offset {where(i)})"
            )
        elif ch == "&":
            decoded, i = _decode_entity(text, i, where)
            out.append(decoded)
            pos += utf16_len(decoded)
        else:
            out.append(ch)
            pos += 2 if ord(ch) > 0xFFFF else 1
            i += 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _tag_entity(
    name: str, attrs: dict[str, str], stack: list[_OpenTag], offset: int
) -> dict[str, Any] | None:
    """The entity an opening tag makes; checks the attributes and Telegram's nesting rules."""
    parent = stack[-1] if stack else None
    if parent is not None and parent.tag in ("code", "pre"):
        pre_code = parent.tag == "pre" and name == "code"
        if not pre_code:
            raise HtmlParseError(
                f'Tag "{name}" at byte offset {offset} can\'t be nested in '
                f'"{parent.tag}" (fake wording)'
            )
    if name in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[name]}
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        return {"type": "spoiler"}
    if name == "a":
        href = attrs.get("href")
        return {"type": "text_link", "url": href} if href else None
    if name == "code":
        lang = attrs.get("class", "")
        if parent is not None and parent.tag == "pre":
            if lang.startswith("language-") and parent.entity is not None:
                parent.entity["language"] = lang[len("language-") :]
            return None  # <pre><code> is one pre entity
        return {"type": "code"}
    if name == "pre":
        return {"type": "pre"}
    if name == "blockquote":
        if any(t.tag == "blockquote" for t in stack):
            raise HtmlParseError(f"Blockquotes can't be nested (byte offset {offset})")
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if name == "tg-emoji":
        if not attrs.get("emoji-id"):
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
            )
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    # tg-time
    unix = attrs.get("unix", "")
    if not unix.isdigit():
        raise HtmlParseError(
            f'Tag "tg-time" must have a numeric "unix" attribute at byte offset {offset}'
        )
    ent: dict[str, Any] = {"type": "date_time", "unix_time": int(unix)}
    if attrs.get("format"):
        ent["date_time_format"] = attrs["format"]
    return ent


# --------------------------------------------------------------------------- public records


@dataclass
class FloodLimits:
    """Flood-control limits (Bot FAQ numbers by default; exact real limits are undocumented)."""

    enabled: bool = True
    per_chat_per_second: float = 1.0  # token-bucket refill rate, every chat
    per_chat_burst: int = 10  # bucket size: messages a chat may get at once
    group_per_minute: int = 20  # sliding 60 s window, chats with a negative id
    global_per_second: int = 30  # sliding 1 s window, all chats together


class ManualClock:
    """An injectable monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Moves the clock forward."""
        self.now += seconds


@dataclass
class FakeError:
    """One 4xx/5xx reply of the fake."""

    method: str
    status: int
    description: str
    params: dict[str, Any]
    parameters: dict[str, Any] | None = None


@dataclass
class FakeCall:
    """One API call the fake answered."""

    method: str
    params: dict[str, Any]
    status: int


@dataclass
class WebhookAttempt:
    """One POST of an update to the webhook."""

    update_id: int
    status: int | None
    error: str | None
    secret_header: str | None
    content_type: str

    @property
    def ok(self) -> bool:
        """Whether the webhook accepted the update (2xx)."""
        return self.error is None


@dataclass
class WebhookState:
    """The webhook setting and its delivery history."""

    url: str = ""
    secret: str | None = None
    max_connections: int = 40
    attempts: list[WebhookAttempt] = field(default_factory=list)
    last_error_date: int | None = None
    last_error_message: str | None = None
    gave_up: list[int] = field(default_factory=list)  # update_ids dropped after max attempts


@dataclass
class _Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass
class _User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"
    started: bool = False
    blocked: bool = False

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        return d


@dataclass
class _Chat:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    bot_can_manage_topics: bool = False
    bot_kicked: bool = False
    migrated_to: int | None = None
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1

    def new_message_id(self) -> int:
        self.next_message_id += 1
        return self.next_message_id - 1


@dataclass
class _Callback:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class _Injection:
    status: int | None
    description: str
    retry_after: int | None
    delay: float
    remaining: int
    methods: frozenset[str] | None  # lower-case names; None = every method but getUpdates

    def matches(self, method: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.methods is None:
            return method != "getupdates"
        return method in self.methods


class _ApiError(Exception):
    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _ClientGone(Exception):
    """The long-polling client disconnected; nobody will read the answer."""


class _Poller:
    terminated = False


# --------------------------------------------------------------------------- constants

_METHODS = (
    "getMe", "logOut", "close", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage",
    "answerCallbackQuery", "sendChatAction", "sendDocument", "sendPhoto", "getFile",
    "createForumTopic", "setMyCommands", "getMyCommands", "deleteMyCommands",
    "setMyDescription", "setMyShortDescription", "setChatMenuButton",
)  # fmt: skip
_NOOP_METHODS = frozenset(
    {"logout", "close", "setmydescription", "setmyshortdescription", "setchatmenubutton"}
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
    }
)
_FLOOD_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_TOPIC_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})
_ALL_UPDATE_TYPES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
    "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost",
})  # fmt: skip
_DEFAULT_UPDATE_TYPES = _ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
_WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_DEEP_LINK_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
GETFILE_MAX_BYTES = 20 * 1024 * 1024  # the cloud Bot API downloads files of up to 20 MB
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM")
_UPDATE_TTL = 24 * 3600.0

CALLBACK_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use "
    "deleteWebhook to delete the webhook first"
)
CONFLICT_POLLER = (
    "Conflict: terminated by other getUpdates request; make sure that only one "
    "bot instance is running"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the "
    "message"
)


def _bad(description: str, parameters: dict[str, Any] | None = None) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}", parameters)


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad(f"invalid {name} specified (fake wording)")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad(f"invalid {name} specified (fake wording)") from None


def _opt_int(p: dict[str, Any], name: str) -> int | None:
    value = p.get(name)
    return None if value is None or value == "" else _as_int(value, name)


def _opt_float(p: dict[str, Any], name: str) -> float | None:
    value = p.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid {name} specified (fake wording)") from None


def _opt_bool(p: dict[str, Any], name: str) -> bool:
    value = p.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _opt_str(p: dict[str, Any], name: str) -> str | None:
    value = p.get(name)
    return None if value is None else str(value)


def _summary(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (f"<file {v.filename!r}, {len(v.content)} bytes>" if isinstance(v, _Upload) else v)
        for k, v in params.items()
    }


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost")


# --------------------------------------------------------------------------- server runner


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serve_asgi(app: ASGIApp, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serves an ASGI app with uvicorn in this event loop on a free port; yields its base URL.

    Handy for webhook receivers in tests.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        http="h11",
        timeout_graceful_shutdown=3,
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during startup")
            await asyncio.sleep(0.005)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


# --------------------------------------------------------------------------- the fake


class TelegramFake(StateChanges):
    """In-memory Telegram Bot API with a real HTTP front end; see the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        local_mode: bool = False,
        bot_username: str = "troly_test_bot",
        bot_name: str = "Trợ lý Test",
        clock: Callable[[], float] | None = None,
        flood: FloodLimits | None = None,
        max_buttons: int = 100,
        max_buttons_per_row: int = 8,
        webhook_timeout: float = 5.0,
        webhook_retry_delay: float = 0.05,
        webhook_max_attempts: int | None = None,
        callback_ttl: float | None = 15.0,
        first_update_id: int = 500_000,
    ) -> None:
        """Creates the fake; it serves HTTP only inside ``async with`` (or start()/stop()).

        Args:
            token: the only token accepted.
            local_mode: also accept webhooks at http(s)://127.0.0.1 or localhost on any port.
            bot_username: getMe username (commands may be addressed as /cmd@username).
            bot_name: getMe first_name.
            clock: monotonic clock for flood control, callback expiry and update retention.
            flood: flood-control limits; change ``fake.flood`` at any time.
            max_buttons: inline keyboard total (Telegram: 100, undocumented).
            max_buttons_per_row: inline keyboard row width (Telegram: 8, undocumented).
            webhook_timeout: seconds to wait for the webhook's reply (Telegram: 60).
            webhook_retry_delay: seconds before a failed update is delivered again.
            webhook_max_attempts: give up on an update after this many attempts (None: never).
            callback_ttl: seconds after which answerCallbackQuery fails (None: never).
            first_update_id: update_id of the first update.
        """
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.local_mode = local_mode
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.clock: Callable[[], float] = clock or time.monotonic
        self.flood = flood or FloodLimits()
        self.max_buttons = max_buttons
        self.max_buttons_per_row = max_buttons_per_row
        self.webhook_timeout = webhook_timeout
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_attempts = webhook_max_attempts
        self.callback_ttl = callback_ttl

        self.errors: list[FakeError] = []  # every 4xx/5xx the fake chose to return
        self.injected: list[FakeError] = []  # replies forced by inject_429/inject_error
        self.calls: list[FakeCall] = []  # every answered call, in order
        self.dropped_updates: list[dict[str, Any]] = []  # filtered out by allowed_updates
        self.webhook = WebhookState()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}

        self._users: dict[int, _User] = {}
        self._chats: dict[int, _Chat] = {}
        self._sent: list[dict[str, Any]] = []
        self._callbacks: dict[str, _Callback] = {}
        self._files: dict[str, tuple[str, bytes, str]] = {}  # file_id -> (path, content, mime)
        self._updates: list[tuple[float, dict[str, Any]]] = []  # (created, update)
        self._next_update_id = first_update_id
        self._allowed_types: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._allowed_setting: list[str] | None = None
        self._injections: list[_Injection] = []
        self._poller: _Poller | None = None
        self._event = asyncio.Event()
        self._closing = asyncio.Event()
        self._counter = 0
        self._buckets: dict[int, tuple[float, float]] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._all_sends: deque[float] = deque()
        self._webhook_task: asyncio.Task[None] | None = None
        self._server: contextlib.AbstractAsyncContextManager[str] | None = None
        self._root = ""
        self._handlers: dict[str, tuple[str, Callable[..., Awaitable[Any]]]] = {
            name.lower(): (name, getattr(self, f"_m_{name.lower()}", self._m_noop))
            for name in _METHODS
        }
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file_endpoint, methods=["GET"]),
            ]
        )

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> TelegramFake:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Starts uvicorn on 127.0.0.1 and a free port."""
        self._server = serve_asgi(self.app)
        self._root = await self._server.__aenter__()

    async def stop(self) -> None:
        """Wakes long polls, stops webhook delivery and the server."""
        self._closing.set()
        self._bump()
        await self._stop_webhook_worker()
        if self._server is not None:
            server, self._server = self._server, None
            await server.__aexit__(None, None, None)

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: ``http://127.0.0.1:PORT/bot``."""
        return f"{self._root}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self._root}/file/bot"

    # ------------------------------------------------------------------ world setup (tests)

    def add_user(
        self,
        user_id: int,
        first_name: str = "Người dùng",
        *,
        username: str | None = None,
        last_name: str | None = None,
        started: bool = False,
    ) -> None:
        """Makes a user known; unless ``started`` the bot may not message them first."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = _User(user_id, first_name, last_name, username)
            self._chats[user_id] = _Chat(user_id, "private")
        user.started = user.started or started

    def add_group(
        self,
        chat_id: int,
        title: str = "Nhóm cán bộ",
        *,
        forum: bool = False,
        bot_can_manage_topics: bool = False,
        supergroup: bool | None = None,
        username: str | None = None,
    ) -> None:
        """Adds a group with the bot in it (negative id; forum implies supergroup)."""
        if chat_id >= 0:
            raise ValueError("group ids are negative")
        if supergroup is None:
            supergroup = forum or str(chat_id).startswith("-100")
        self._chats[chat_id] = _Chat(
            chat_id,
            "supergroup" if supergroup else "group",
            title,
            username,
            forum,
            bot_can_manage_topics,
        )

    def add_topic(self, chat_id: int, name: str, icon_color: int = 7322096) -> int:
        """Creates a forum topic as a human admin would; returns its message_thread_id."""
        chat = self._chats[chat_id]
        if not chat.is_forum:
            raise ValueError(f"chat {chat_id} is not a forum")
        return self._create_topic(chat, name, icon_color)["message_thread_id"]

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them fail with 403."""
        self._users[user_id].blocked = True

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot (also happens when they write to it again)."""
        self._users[user_id].blocked = False

    def kick_bot(self, chat_id: int) -> None:
        """The bot is removed from a group: sends fail with 403."""
        self._chats[chat_id].bot_kicked = True

    def migrate_group(self, chat_id: int, new_chat_id: int) -> None:
        """A group becomes a supergroup: sends to the old id fail with migrate_to_chat_id."""
        old = self._chats[chat_id]
        old.migrated_to = new_chat_id
        self._chats[new_chat_id] = _Chat(new_chat_id, "supergroup", old.title, old.username)

    # ------------------------------------------------------------------ flood / failure switches

    def inject_429(
        self, times: int = 1, retry_after: int = 1, methods: Iterable[str] | None = None
    ) -> None:
        """The next ``times`` calls (to ``methods``; default all but getUpdates) get a 429."""
        self._injections.append(
            _Injection(
                429,
                f"Too Many Requests: retry after {retry_after}",
                retry_after,
                0.0,
                times,
                _lower_set(methods),
            )
        )

    def inject_error(
        self,
        status: int = 502,
        times: int = 1,
        description: str | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """The next ``times`` calls get HTTP ``status`` (e.g. 500/502) and are not executed."""
        desc = description or HTTPStatus(status).phrase
        self._injections.append(_Injection(status, desc, None, 0.0, times, _lower_set(methods)))

    def inject_delay(
        self, seconds: float, times: int = 1, methods: Iterable[str] | None = None
    ) -> None:
        """The next ``times`` calls are answered late (still executed, like Telegram would)."""
        self._injections.append(_Injection(None, "", None, seconds, times, _lower_set(methods)))

    # ------------------------------------------------------------------ simulated users

    async def user_says(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Người dùng",
        username: str | None = None,
        last_name: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes to the bot in private; returns the queued update."""
        self.add_user(user_id, first_name, username=username, last_name=last_name, started=True)
        self._users[user_id].blocked = False
        return self._user_message(self._chats[user_id], user_id, text, None, reply_to_message_id)

    async def user_starts(
        self, user_id: int, payload: str | None = None, **user: Any
    ) -> dict[str, Any]:
        """The user opens a deep link ``t.me/<bot>?start=<payload>`` (or presses Start).

        Raises ValueError for a payload Telegram clients would not pass on (over 64
        characters, or characters outside A-Z a-z 0-9 _ -).
        """
        if payload is not None and not _DEEP_LINK_RE.fullmatch(payload):
            raise ValueError(f"invalid deep-link payload {payload!r}: 1-64 of [A-Za-z0-9_-]")
        return await self.user_says(user_id, f"/start {payload}" if payload else "/start", **user)

    async def open_deep_link(self, user_id: int, url: str, **user: Any) -> dict[str, Any]:
        """The user opens a ``https://t.me/<bot_username>?start=<payload>`` link."""
        parts = urlsplit(url)
        if (
            parts.hostname not in ("t.me", "telegram.me")
            or parts.path.strip("/").lower() != self.bot_username.lower()
        ):
            raise ValueError(f"{url!r} is not a link to @{self.bot_username}")
        query = dict(q.split("=", 1) if "=" in q else (q, "") for q in parts.query.split("&"))
        return await self.user_starts(user_id, query.get("start") or None, **user)

    async def group_member_says(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        first_name: str = "Cán bộ",
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """A member writes in a group (optionally in a forum topic); returns the update."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise ValueError(f"unknown group {chat_id}; call add_group first")
        if thread_id is not None and thread_id not in chat.topics:
            raise ValueError(f"no topic {thread_id} in chat {chat_id}")
        self.add_user(user_id, first_name, username=username)
        return self._user_message(chat, user_id, text, thread_id, reply_to_message_id)

    async def group_member_sends_file(
        self,
        chat_id: int,
        user_id: int,
        content: bytes,
        *,
        photo: bool = False,
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        thread_id: int | None = None,
        first_name: str = "Cán bộ",
    ) -> dict[str, Any]:
        """A member posts a photo (``photo=True``) or a document in a group; returns the update.

        The file is stored like an upload: getFile and the file URL serve it afterwards.
        """
        chat = self._chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise ValueError(f"unknown group {chat_id}; call add_group first")
        if thread_id is not None and thread_id not in chat.topics:
            raise ValueError(f"no topic {thread_id} in chat {chat_id}")
        if photo and not content.startswith(_IMAGE_MAGIC):
            raise ValueError("a photo must be an image")
        self.add_user(user_id, first_name)
        self._counter += 1
        kind = "photos" if photo else "documents"
        file_id = f"{'AgAC' if photo else 'BQAC'}-member-{self._counter}"
        mime = "image/jpeg" if photo else (mime_type or "application/octet-stream")
        path = f"{kind}/file_{self._counter}_{file_name or 'photo.jpg'}"
        self._files[file_id] = (path, content, mime)
        info = {
            "file_id": file_id,
            "file_unique_id": f"u{self._counter}",
            "file_size": len(content),
        }
        msg: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "date": int(time.time()),
            "chat": self._chat_dict(chat),
            "from": self._users[user_id].as_dict(),
        }
        if photo:
            msg["photo"] = [
                {**info, "file_id": f"{file_id}-thumb", "width": 90, "height": 90, "file_size": 1},
                {**info, "width": 1280, "height": 960},
            ]
        else:
            msg["document"] = {**info, "file_name": file_name, "mime_type": mime}
        if caption:
            msg["caption"] = caption
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        chat.messages[msg["message_id"]] = msg
        return self.push_update("message", copy.deepcopy(msg))

    async def user_presses(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user presses an inline button (which must exist) on a bot message."""
        chat = self._chats.get(user_id if chat_id is None else chat_id)
        msg = chat.messages.get(message_id) if chat else None
        if chat is None or msg is None or msg["from"]["id"] != self.bot_id:
            raise ValueError(f"no bot message {message_id} in chat {chat_id or user_id}")
        buttons = [b for row in msg.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if not any(b.get("callback_data") == data for b in buttons):
            raise ValueError(
                f"message {message_id} has no button with callback_data {data!r}; "
                f"buttons: {buttons}"
            )
        if user_id not in self._users:
            self.add_user(user_id)
        self._counter += 1
        query_id = str(4_400_000_000_000_000_000 + self._counter)
        self._callbacks[query_id] = _Callback(
            query_id, user_id, chat.id, message_id, data, self.clock()
        )
        return self.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": self._users[user_id].as_dict(),
                "message": copy.deepcopy(msg),
                "chat_instance": str(abs(chat.id) * 7919 + self.bot_id),
                "data": data,
            },
        )

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queues an arbitrary update of type ``kind`` unless allowed_updates filters it out."""
        if kind not in self._allowed_types:
            update = {"update_id": None, kind: payload}
            self.dropped_updates.append(update)
            return update
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append((self.clock(), update))
        self._bump()
        self._ensure_webhook_worker()
        return update

    def _user_message(
        self, chat: _Chat, user_id: int, text: str, thread_id: int | None, reply_to: int | None
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "date": int(time.time()),
            "chat": self._chat_dict(chat),
            "from": self._users[user_id].as_dict(),
            "text": text,
        }
        m = _BOT_COMMAND_RE.match(text)
        if m:
            msg["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))}
            ]
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if reply_to is not None and reply_to in chat.messages:
            msg["reply_to_message"] = _without_reply(chat.messages[reply_to])
        chat.messages[msg["message_id"]] = msg
        return self.push_update("message", copy.deepcopy(msg))

    # ------------------------------------------------------------------ inspection

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, oldest first, as they are now (after edits).

        Keys: message_id, chat_id, method, text (plain, entities parsed), raw_text (as sent),
        parse_mode, entities, caption, reply_markup (decoded), message_thread_id,
        reply_to_message_id, document / file_name, photo, edits (previous versions), deleted.
        """
        return [r for r in self._sent if r["chat_id"] == chat_id]

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Everything the bot sent, to any chat."""
        return list(self._sent)

    @property
    def polling(self) -> bool:
        """Whether a getUpdates request is waiting right now."""
        return self._poller is not None

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed (getUpdates) or delivered (webhook)."""
        return [u for _, u in self._updates]

    def unanswered_callbacks(self) -> list[dict[str, Any]]:
        """Callback queries the bot never answered."""
        return [
            {
                "id": c.id,
                "user_id": c.user_id,
                "chat_id": c.chat_id,
                "message_id": c.message_id,
                "data": c.data,
            }
            for c in self._callbacks.values()
            if not c.answered
        ]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The bot's answer to a callback query (text, show_alert, url, cache_time)."""
        return self._callbacks[query_id].answer

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Waits until the bot has sent ``count`` messages to the chat; returns them all."""
        await self.wait_until(
            lambda: len(self.sent_to(chat_id)) >= count,
            timeout,
            f"{count} message(s) to chat {chat_id} (got {self.sent_to(chat_id)})",
        )
        return self.sent_to(chat_id)

    # ------------------------------------------------------------------ HTTP

    async def _endpoint(self, request: Request) -> Response:
        method_raw = request.path_params["method"]
        try:
            params = await self._read_params(request)
        except _ApiError as exc:
            return self._fail(method_raw, {}, exc)
        token = request.path_params["token"]
        if token != self.token:
            if re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
                return self._fail(method_raw, params, _ApiError(401, "Unauthorized"))
            return self._fail(method_raw, params, _ApiError(404, "Not Found"))
        entry = self._handlers.get(method_raw.lower())
        if entry is None:
            return self._fail(method_raw, params, _ApiError(404, "Not Found"))
        name, handler = entry
        injection = next((i for i in self._injections if i.matches(name.lower())), None)
        if injection is not None:
            injection.remaining -= 1
            if injection.delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), injection.delay)
            if injection.status is not None:
                exc = _ApiError(
                    injection.status,
                    injection.description,
                    {"retry_after": injection.retry_after} if injection.retry_after else None,
                )
                return self._fail(name, params, exc, injected=True)
        try:
            result = await handler(params, request)
        except _ApiError as exc:
            return self._fail(name, params, exc)
        except _ClientGone:
            return Response(status_code=204)
        self.calls.append(FakeCall(name, _summary(params), 200))
        self._bump()
        return JSONResponse({"ok": True, "result": result})

    def _fail(
        self, method: str, params: dict[str, Any], exc: _ApiError, *, injected: bool = False
    ) -> Response:
        record = FakeError(method, exc.status, exc.description, _summary(params), exc.parameters)
        (self.injected if injected else self.errors).append(record)
        self.calls.append(FakeCall(method, record.params, exc.status))
        self._bump()
        body: dict[str, Any] = {
            "ok": False,
            "error_code": exc.status,
            "description": exc.description,
        }
        if exc.parameters:
            body["parameters"] = exc.parameters
        return JSONResponse(body, status_code=exc.status)

    async def _read_params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        ctype = request.headers.get("content-type", "").lower()
        if ctype.startswith("application/json"):
            body = await request.body()
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError:
                    raise _bad("can't parse JSON object (fake wording)") from None
                if not isinstance(data, dict):
                    raise _bad("JSON body must be an object (fake wording)")
                params.update(data)
        elif ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            async with request.form() as form:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        params[key] = _Upload(
                            value.filename or key,
                            value.content_type or "application/octet-stream",
                            await value.read(),
                        )
                    else:
                        params[key] = value
        for key in _JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    what = "reply keyboard markup" if key == "reply_markup" else key
                    raise _bad(f"can't parse {what} JSON object") from None
        return params

    async def _file_endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response("Unauthorized", status_code=401)
        path = request.path_params["path"]
        for file_path, content, mime in self._files.values():
            if file_path == path:
                return Response(content, media_type=mime)
        return Response("Not Found", status_code=404)

    # ------------------------------------------------------------------ shared checks

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _chat_dict(self, chat: _Chat) -> dict[str, Any]:
        if chat.type == "private":
            user = self._users[chat.id]
            d = {"id": chat.id, "type": "private", "first_name": user.first_name}
            if user.username:
                d["username"] = user.username
            return d
        d = {"id": chat.id, "type": chat.type, "title": chat.title or ""}
        if chat.is_forum:
            d["is_forum"] = True
        if chat.username:
            d["username"] = chat.username
        return d

    def _resolve_chat(self, p: dict[str, Any]) -> _Chat:
        raw = p.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        if isinstance(raw, str) and raw.strip().startswith("@"):
            name = raw.strip()[1:].lower()
            chat = next(
                (
                    c
                    for c in self._chats.values()
                    if c.username and c.username.lower() == name and c.type != "private"
                ),
                None,
            )
        else:
            chat = self._chats.get(_as_int(raw, "chat_id"))
        if chat is None:
            raise _bad("chat not found")
        if chat.migrated_to is not None:
            raise _bad(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private":
            user = self._users[chat.id]
            if user.blocked:
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif chat.bot_kicked:
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise _ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        return chat

    def _check_thread(self, chat: _Chat, p: dict[str, Any]) -> int | None:
        thread_id = _opt_int(p, "message_thread_id")
        if thread_id is not None and (not chat.is_forum or thread_id not in chat.topics):
            raise _bad("message thread not found")
        return thread_id

    def _check_reply(self, chat: _Chat, p: dict[str, Any]) -> int | None:
        reply_id = _opt_int(p, "reply_to_message_id")
        allow = _opt_bool(p, "allow_sending_without_reply")
        rp = p.get("reply_parameters")
        if isinstance(rp, dict):
            reply_id = _as_int(rp.get("message_id"), "reply_parameters.message_id")
            allow = bool(rp.get("allow_sending_without_reply"))
        if reply_id is not None and reply_id not in chat.messages:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return reply_id

    def _check_markup(self, markup: Any) -> Any:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if "keyboard" in markup and not (
                isinstance(markup["keyboard"], list)
                and all(isinstance(r, list) for r in markup["keyboard"])
            ):
                raise _bad('field "keyboard" must be an Array of Arrays (fake wording)')
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        total = 0
        for row in rows:
            if len(row) > self.max_buttons_per_row:
                raise _bad(
                    f"too many buttons in a row: {len(row)} > "
                    f"{self.max_buttons_per_row} (fake wording)"
                )
            for button in row:
                self._check_button(button)
                total += 1
        if total > self.max_buttons:
            raise _bad(
                f"too many inline keyboard buttons: {total} > {self.max_buttons} (fake wording)"
            )
        return markup

    @staticmethod
    def _check_button(button: Any) -> None:
        if (
            not isinstance(button, dict)
            or not isinstance(button.get("text"), str)
            or not button["text"].strip()
        ):
            raise _bad(
                "can't parse inline keyboard button: Text must be a non-empty String (fake wording)"
            )
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad("text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise _bad(
                f"can't parse inline keyboard button: exactly one of the optional "
                f"fields must be used, got {actions} (fake wording)"
            )
        data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64
        ):
            raise _bad("BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and (
            not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https", "tg")
        ):
            raise _bad("BUTTON_URL_INVALID")

    @staticmethod
    def _render(
        raw: str, parse_mode: Any, entities: Any, *, caption: bool
    ) -> tuple[str, list[dict[str, Any]]]:
        mode = str(parse_mode).lower() if parse_mode else ""
        if mode == "html":
            try:
                plain, ents = parse_telegram_html(raw)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif mode in ("markdown", "markdownv2"):
            plain, ents = raw, []  # not validated by this fake
        elif mode:
            raise _bad(f"unsupported parse_mode {parse_mode!r} (fake wording)")
        else:
            if entities is not None and not isinstance(entities, list):
                raise _bad("can't parse entities JSON object")
            plain, ents = raw, list(entities or [])
        size = utf16_len(plain)
        if caption:
            if size > 1024:
                raise _bad("message caption is too long")
        else:
            if not plain.strip():
                raise _bad("message text is empty")
            if size > 4096:
                raise _bad("message is too long")
        return plain, ents

    def _flood_check(self, chat_id: int) -> None:
        limits = self.flood
        if not limits.enabled:
            return
        now = self.clock()
        wait = 0.0
        tokens, last = self._buckets.get(chat_id, (float(limits.per_chat_burst), now))
        refill = (now - last) * limits.per_chat_per_second
        tokens = min(float(limits.per_chat_burst), tokens + refill)
        if tokens < 1:
            wait = (1 - tokens) / limits.per_chat_per_second
        if chat_id < 0:
            window = self._group_sends.setdefault(chat_id, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= limits.group_per_minute:
                wait = max(wait, window[len(window) - limits.group_per_minute] + 60 - now)
        while self._all_sends and self._all_sends[0] <= now - 1:
            self._all_sends.popleft()
        if len(self._all_sends) >= limits.global_per_second:
            idx = len(self._all_sends) - limits.global_per_second
            wait = max(wait, self._all_sends[idx] + 1 - now)
        if wait > 0:
            seconds = max(1, math.ceil(wait - 1e-9))
            raise _ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        self._buckets[chat_id] = (tokens - 1, now)
        if chat_id < 0:
            self._group_sends[chat_id].append(now)
        self._all_sends.append(now)

    def _store_bot_message(
        self,
        chat: _Chat,
        method: str,
        p: dict[str, Any],
        content: dict[str, Any],
        record: dict[str, Any],
        *,
        thread_id: int | None,
        reply_to: int | None,
        markup: Any,
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "date": int(time.time()),
            "chat": self._chat_dict(chat),
            "from": self._bot_user(),
            **content,
        }
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            msg["is_topic_message"] = True
        if reply_to is not None:
            msg["reply_to_message"] = _without_reply(chat.messages[reply_to])
        if markup and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        chat.messages[msg["message_id"]] = msg
        self._sent.append(
            {
                "chat_id": chat.id,
                "message_id": msg["message_id"],
                "method": method,
                "text": None,
                "raw_text": None,
                "caption": None,
                "entities": [],
                "parse_mode": p.get("parse_mode"),
                "reply_markup": markup,
                "message_thread_id": thread_id,
                "reply_to_message_id": reply_to,
                "document": None,
                "file_name": None,
                "photo": None,
                "disable_notification": _opt_bool(p, "disable_notification"),
                "date": msg["date"],
                "edits": [],
                "deleted": False,
                **record,
            }
        )
        return copy.deepcopy(msg)

    def _record_of(self, chat_id: int, message_id: int) -> dict[str, Any]:
        found = [r for r in self._sent if r["chat_id"] == chat_id and r["message_id"] == message_id]
        return found[0] if found else {"edits": [], "reply_markup": None}

    def _take_file(
        self, p: dict[str, Any], field_name: str, *, image: bool
    ) -> tuple[str, str, _Upload | None]:
        """Returns (file_id, file_unique_id, upload or None for a file_id/URL)."""
        value = p.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value[len("attach://") :])
            if not isinstance(value, _Upload):
                raise _bad("wrong file identifier/HTTP URL specified")
        if isinstance(value, _Upload):
            if not value.content:
                raise _bad("file must be non-empty")
            if image and not value.content.startswith(_IMAGE_MAGIC):
                raise _bad("IMAGE_PROCESS_FAILED")
            self._counter += 1
            file_id = f"BQAC-fake-{self._counter}"
            folder = "photos" if image else "documents"
            self._files[file_id] = (
                f"{folder}/file_{self._counter}_{value.filename}",
                value.content,
                value.content_type,
            )
            return file_id, f"u{self._counter}", value
        if isinstance(value, str) and value:
            if value in self._files or value.startswith(("http://", "https://")):
                return value, f"u-{abs(hash(value)) % 10**8}", None
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {field_name} in the request")

    # ------------------------------------------------------------------ methods

    async def _m_noop(self, p: dict[str, Any], request: Request) -> Any:
        return True

    async def _m_getme(self, p: dict[str, Any], request: Request) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_sendmessage(self, p: dict[str, Any], request: Request) -> Any:
        chat = self._resolve_chat(p)
        thread_id = self._check_thread(chat, p)
        reply_to = self._check_reply(chat, p)
        markup = self._check_markup(p.get("reply_markup"))
        raw = _opt_str(p, "text") or ""
        plain, ents = self._render(raw, p.get("parse_mode"), p.get("entities"), caption=False)
        self._flood_check(chat.id)
        content: dict[str, Any] = {"text": plain}
        if ents:
            content["entities"] = ents
        return self._store_bot_message(
            chat,
            "sendMessage",
            p,
            content,
            {"text": plain, "raw_text": raw, "entities": ents},
            thread_id=thread_id,
            reply_to=reply_to,
            markup=markup,
        )

    async def _send_file(self, p: dict[str, Any], method: str, field_name: str) -> Any:
        chat = self._resolve_chat(p)
        thread_id = self._check_thread(chat, p)
        reply_to = self._check_reply(chat, p)
        markup = self._check_markup(p.get("reply_markup"))
        raw = _opt_str(p, "caption") or ""
        plain, ents = self._render(
            raw, p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        file_id, unique_id, upload = self._take_file(p, field_name, image=field_name == "photo")
        self._flood_check(chat.id)
        size = len(upload.content) if upload else 0
        info: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique_id, "file_size": size}
        record: dict[str, Any] = {
            "caption": plain or None,
            "raw_text": raw or None,
            "entities": ents,
        }
        if field_name == "photo":
            content: dict[str, Any] = {"photo": [{**info, "width": 320, "height": 320}]}
            record["photo"] = {
                "file_id": file_id,
                "file_name": upload.filename if upload else None,
                "content": upload.content if upload else None,
            }
        else:
            name = upload.filename if upload else None
            mime = upload.content_type if upload else None
            content = {"document": {**info, "file_name": name, "mime_type": mime}}
            record["document"] = {
                "file_id": file_id,
                "file_name": name,
                "mime_type": mime,
                "file_size": size,
                "content": upload.content if upload else None,
            }
            record["file_name"] = name
        if plain:
            content["caption"] = plain
            if ents:
                content["caption_entities"] = ents
        return self._store_bot_message(
            chat, method, p, content, record, thread_id=thread_id, reply_to=reply_to, markup=markup
        )

    async def _m_senddocument(self, p: dict[str, Any], request: Request) -> Any:
        return await self._send_file(p, "sendDocument", "document")

    async def _m_sendphoto(self, p: dict[str, Any], request: Request) -> Any:
        return await self._send_file(p, "sendPhoto", "photo")

    async def _m_getfile(self, p: dict[str, Any], request: Request) -> Any:
        file_id = _opt_str(p, "file_id") or ""
        if file_id not in self._files:
            raise _bad("invalid file_id")
        path, content, _ = self._files[file_id]
        if len(content) > GETFILE_MAX_BYTES:
            raise _bad("file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    def _editable(self, p: dict[str, Any]) -> tuple[_Chat, dict[str, Any]]:
        if p.get("inline_message_id"):
            raise _bad("inline messages are not supported by this fake (fake wording)")
        chat = self._resolve_chat(p)
        message_id = _opt_int(p, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None:
            raise _bad("message to edit not found")
        if msg["from"]["id"] != self.bot_id:
            raise _bad("message can't be edited")
        return chat, msg

    async def _m_editmessagetext(self, p: dict[str, Any], request: Request) -> Any:
        chat, msg = self._editable(p)
        if "text" not in msg:
            raise _bad("there is no text in the message to edit")
        markup = self._check_markup(p.get("reply_markup"))
        raw = _opt_str(p, "text") or ""
        plain, ents = self._render(raw, p.get("parse_mode"), p.get("entities"), caption=False)
        inline = markup if markup and "inline_keyboard" in markup else None
        if (
            plain == msg["text"]
            and ents == msg.get("entities", [])
            and inline == msg.get("reply_markup")
        ):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        record = self._record_of(chat.id, msg["message_id"])
        record["edits"].append(
            {k: record[k] for k in ("text", "raw_text", "entities", "parse_mode", "reply_markup")}
        )
        record.update(
            text=plain,
            raw_text=raw,
            entities=ents,
            parse_mode=p.get("parse_mode"),
            reply_markup=inline,
        )
        msg["text"] = plain
        msg.pop("entities", None)
        if ents:
            msg["entities"] = ents
        return self._apply_markup(msg, inline)

    async def _m_editmessagereplymarkup(self, p: dict[str, Any], request: Request) -> Any:
        chat, msg = self._editable(p)
        markup = self._check_markup(p.get("reply_markup"))
        inline = markup if markup and "inline_keyboard" in markup else None
        if inline == msg.get("reply_markup"):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        record = self._record_of(chat.id, msg["message_id"])
        record["edits"].append({"reply_markup": record["reply_markup"]})
        record["reply_markup"] = inline
        return self._apply_markup(msg, inline)

    def _apply_markup(self, msg: dict[str, Any], inline: Any) -> dict[str, Any]:
        msg.pop("reply_markup", None)
        if inline:
            msg["reply_markup"] = inline
        msg["edit_date"] = int(time.time())
        return copy.deepcopy(msg)

    async def _m_deletemessage(self, p: dict[str, Any], request: Request) -> Any:
        chat = self._resolve_chat(p)
        message_id = _opt_int(p, "message_id")
        if message_id is None or message_id not in chat.messages:
            raise _bad("message to delete not found")
        msg = chat.messages.pop(message_id)
        if msg["from"]["id"] == self.bot_id:
            self._record_of(chat.id, message_id)["deleted"] = True
        return True

    async def _m_answercallbackquery(self, p: dict[str, Any], request: Request) -> Any:
        query = self._callbacks.get(_opt_str(p, "callback_query_id") or "")
        expired = (
            query is not None
            and self.callback_ttl is not None
            and self.clock() - query.created > self.callback_ttl
        )
        if query is None or query.answered or expired:
            raise _ApiError(400, CALLBACK_INVALID)
        text = _opt_str(p, "text")
        if text is not None and utf16_len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            "text": text,
            "show_alert": _opt_bool(p, "show_alert"),
            "url": _opt_str(p, "url"),
            "cache_time": _opt_int(p, "cache_time"),
        }
        return True

    async def _m_sendchataction(self, p: dict[str, Any], request: Request) -> Any:
        chat = self._resolve_chat(p)
        self._check_thread(chat, p)
        if _opt_str(p, "action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _create_topic(
        self, chat: _Chat, name: str, color: int, emoji: str | None = None
    ) -> dict[str, Any]:
        thread_id = chat.new_message_id()
        topic: dict[str, Any] = {"message_thread_id": thread_id, "name": name, "icon_color": color}
        if emoji:
            topic["icon_custom_emoji_id"] = emoji
        chat.topics[thread_id] = topic
        chat.messages[thread_id] = {
            "message_id": thread_id,
            "date": int(time.time()),
            "chat": self._chat_dict(chat),
            "from": self._bot_user(),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": color},
        }
        return dict(topic)

    async def _m_createforumtopic(self, p: dict[str, Any], request: Request) -> Any:
        chat = self._resolve_chat(p)
        if chat.type != "supergroup" or not chat.is_forum:
            raise _bad("the chat is not a forum")
        if not chat.bot_can_manage_topics:
            raise _bad("not enough rights to create a topic")
        name = _opt_str(p, "name") or ""
        if not 1 <= utf16_len(name) <= 128:
            raise _bad("topic name must be 1-128 characters (fake wording)")
        color = _opt_int(p, "icon_color") or 7322096
        if color not in _TOPIC_COLORS:
            raise _bad("TOPIC_ICON_COLOR_INVALID")
        return self._create_topic(chat, name, color, _opt_str(p, "icon_custom_emoji_id"))

    @staticmethod
    def _commands_key(p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), _opt_str(p, "language_code") or ""

    async def _m_setmycommands(self, p: dict[str, Any], request: Request) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("commands must be an Array of at most 100 BotCommand (fake wording)")
        for cmd in commands:
            if not isinstance(cmd, dict) or not _COMMAND_RE.fullmatch(str(cmd.get("command"))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description") or "")) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _m_getmycommands(self, p: dict[str, Any], request: Request) -> Any:
        return self.commands.get(self._commands_key(p), [])

    async def _m_deletemycommands(self, p: dict[str, Any], request: Request) -> Any:
        self.commands.pop(self._commands_key(p), None)
        return True

    # ------------------------------------------------------------------ updates and webhooks

    def _set_allowed(self, value: Any) -> None:
        if not isinstance(value, list):
            raise _bad("can't parse allowed_updates JSON object")
        self._allowed_setting = list(value)
        self._allowed_types = (frozenset(value) & _ALL_UPDATE_TYPES) or _DEFAULT_UPDATE_TYPES

    def _expire_updates(self) -> None:
        cutoff = self.clock() - _UPDATE_TTL
        self._updates = [(t, u) for t, u in self._updates if t > cutoff]

    async def _m_getupdates(self, p: dict[str, Any], request: Request) -> Any:
        if self.webhook.url:
            raise _ApiError(409, CONFLICT_WEBHOOK)
        offset = _opt_int(p, "offset") or 0
        limit = min(max(_opt_int(p, "limit") or 100, 1), 100)  # the real server clamps
        timeout = min(max(_opt_float(p, "timeout") or 0.0, 0.0), 50.0)
        if p.get("allowed_updates") is not None:
            self._set_allowed(p["allowed_updates"])
        if self._poller is not None:
            self._poller.terminated = True
            self._bump()
        poller = self._poller = _Poller()
        self._bump()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        gone = asyncio.create_task(_wait_disconnect(request))
        try:
            if offset > 0:
                self._updates = [(t, u) for t, u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            while True:
                event = self._event
                self._expire_updates()
                if poller.terminated:
                    await asyncio.wait({gone}, timeout=0.1)
                    if gone.done():
                        raise _ClientGone
                    raise _ApiError(409, CONFLICT_POLLER)
                if gone.done():
                    raise _ClientGone
                if self.webhook.url:
                    raise _ApiError(409, CONFLICT_WEBHOOK)
                batch = [copy.deepcopy(u) for _, u in self._updates][:limit]
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self._closing.is_set():
                    return batch
                woke = asyncio.create_task(event.wait())
                await asyncio.wait(
                    {woke, gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                await _cancel(woke)
        finally:
            await _cancel(gone)
            if self._poller is poller:
                self._poller = None

    async def _m_setwebhook(self, p: dict[str, Any], request: Request) -> Any:
        url = _opt_str(p, "url") or ""
        if not url:
            return await self._m_deletewebhook(p, request)
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            raise _bad("bad webhook: invalid port specified (fake wording)") from None
        local = self.local_mode and _is_loopback(url) and parts.scheme in ("http", "https")
        if not local:
            if parts.scheme != "https" or not parts.hostname:
                raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
            if (port or 443) not in _WEBHOOK_PORTS:
                raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = _opt_str(p, "secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise _bad(
                "bad webhook: secret token must be 1-256 characters of A-Z, a-z, 0-9, _ "
                "and - (fake wording)"
            )
        max_conn = _opt_int(p, "max_connections")
        if max_conn is not None and not 1 <= max_conn <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100 (fake wording)")
        if p.get("allowed_updates") is not None:
            self._set_allowed(p["allowed_updates"])
        if _opt_bool(p, "drop_pending_updates"):
            self._updates.clear()
        self.webhook.url = url
        self.webhook.secret = secret
        self.webhook.max_connections = max_conn or 40
        self._bump()
        self._ensure_webhook_worker()
        return True

    async def _m_deletewebhook(self, p: dict[str, Any], request: Request) -> Any:
        if _opt_bool(p, "drop_pending_updates"):
            self._updates.clear()
        self.webhook.url = ""
        self.webhook.secret = None
        self._bump()
        return True

    async def _m_getwebhookinfo(self, p: dict[str, Any], request: Request) -> Any:
        wh = self.webhook
        info: dict[str, Any] = {
            "url": wh.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if wh.url:
            info["max_connections"] = wh.max_connections
            info["ip_address"] = "127.0.0.1"
        if wh.last_error_date is not None:
            info["last_error_date"] = wh.last_error_date
            info["last_error_message"] = wh.last_error_message
        if self._allowed_setting is not None:
            info["allowed_updates"] = self._allowed_setting
        return info

    def _ensure_webhook_worker(self) -> None:
        if (
            self.webhook.url
            and (self._webhook_task is None or self._webhook_task.done())
            and not self._closing.is_set()
        ):
            self._webhook_task = asyncio.create_task(self._webhook_worker())

    async def _stop_webhook_worker(self) -> None:
        if self._webhook_task is not None:
            await _cancel(self._webhook_task)
            self._webhook_task = None

    async def _webhook_worker(self) -> None:
        loop = asyncio.get_running_loop()
        in_flight: dict[int, asyncio.Task[bool]] = {}
        retry_at: dict[int, float] = {}
        async with httpx.AsyncClient(timeout=self.webhook_timeout, trust_env=False) as client:
            try:
                while self.webhook.url and not self._closing.is_set():
                    event = self._event
                    self._expire_updates()
                    now = loop.time()
                    if not _is_loopback(self.webhook.url):
                        self.webhook.last_error_message = "fake: no delivery to non-local hosts"
                    else:
                        for _, update in self._updates:
                            uid = update["update_id"]
                            if len(in_flight) >= self.webhook.max_connections:
                                break
                            if uid not in in_flight and retry_at.get(uid, 0.0) <= now:
                                in_flight[uid] = asyncio.create_task(self._deliver(client, update))
                    future = [t for t in retry_at.values() if t > now]
                    woke = asyncio.create_task(event.wait())
                    await asyncio.wait(
                        {woke, *in_flight.values()},
                        timeout=min(future) - now if future else None,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    await _cancel(woke)
                    for uid, task in list(in_flight.items()):
                        if task.done():
                            del in_flight[uid]
                            if task.result():
                                retry_at.pop(uid, None)
                            else:
                                retry_at[uid] = loop.time() + self.webhook_retry_delay
            finally:
                for task in in_flight.values():
                    await _cancel(task)

    async def _deliver(self, client: httpx.AsyncClient, update: dict[str, Any]) -> bool:
        wh = self.webhook
        headers = {"Content-Type": "application/json"}
        if wh.secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = wh.secret
        status: int | None = None
        error: str | None = None
        try:
            response = await client.post(
                wh.url, headers=headers, content=json.dumps(update, ensure_ascii=False).encode()
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"Wrong response from the webhook: {status} {response.reason_phrase}"
        except httpx.TimeoutException:
            error = "Read timeout expired"
        except httpx.ConnectError:
            error = "Connection refused"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        uid = update["update_id"]
        wh.attempts.append(WebhookAttempt(uid, status, error, wh.secret, headers["Content-Type"]))
        done = error is None
        if error is not None:
            wh.last_error_date = int(time.time())
            wh.last_error_message = error
            tries = sum(1 for a in wh.attempts if a.update_id == uid)
            if self.webhook_max_attempts is not None and tries >= self.webhook_max_attempts:
                wh.gave_up.append(uid)
                done = True
        if done:
            self._updates = [(t, u) for t, u in self._updates if u["update_id"] != uid]
        self._bump()
        return done


# --------------------------------------------------------------------------- helpers


def _lower_set(methods: Iterable[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.lower() for m in methods)


def _without_reply(msg: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in msg.items() if k != "reply_to_message"}


async def _wait_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _cancel(task: asyncio.Task[Any]) -> None:
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
