"""What both Zalo doors share: text splitting at 2,000 characters, numbered choices, the road in.

Zalo counts characters; we count UTF-16 units after NFC, which is never fewer, so a piece we
accept is never too long for Zalo.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from troly.bot.choices import ChoiceMenus, numbered_lines
from troly.bot.dialogue import Dialogue
from troly.bot.files import FileShelf, FileSources, FileUnavailable
from troly.bot.limits import RateLimits, handle_within_limits
from troly.bot.messages import Document, Incoming, Reply
from troly.bot.outbox import Outbox
from troly.bot.texts import t

logger = logging.getLogger(__name__)

MAX_TEXT = 2000


def text_units(text: str) -> int:
    """The length we hold Zalo's limit to: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Splits text into pieces of at most ``limit`` units, at paragraphs, lines or words."""
    rest = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    while text_units(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p] or [" "]


def _cut_point(text: str, limit: int) -> int:
    end = units = 0
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


@dataclass(frozen=True, slots=True)
class Numbered:
    """A reply as plain text pieces with its buttons as numbered lines, and those choices."""

    pieces: list[str]
    choices: list[str]


def render_numbered(
    reply: Reply, locale: str, *, limit: int = MAX_TEXT, start: int = 1
) -> Numbered:
    """A reply as text pieces; buttons become "1. …" lines and "Trả lời 1, 2 hoặc 3.".

    An aside that follows a menu still being answered numbers from ``start``.
    """
    lines, choices = numbered_lines(reply.all_buttons(), locale, start=start)
    text = reply.text
    if lines:
        text = text + "\n\n" + "\n".join(lines)
    return Numbered(split_text(text, limit), choices)


FILE_PATH = "/zalo/files/{key}"
_FILE_KEY = re.compile(r"[0-9a-f]{40}")


class ZaloFiles:
    """Serves reply documents at unguessable URLs: Zalo sends photos and links by URL only."""

    def __init__(
        self, *, shelf: FileShelf, public_url: str | None, sources: FileSources | None = None
    ) -> None:
        self._shelf = shelf
        self._base = public_url.rstrip("/") if public_url else None
        self._sources = sources or FileSources()

    async def url_for(self, document: Document) -> str | None:
        """The public URL of a document (fetched and stored first), or None when it cannot be
        served: no public address, or a file its platform will not give (too big, gone).

        A hiccup while fetching raises ``RetryLater``: the outbox tries the message again.
        """
        if self._base is None:
            return None
        try:
            document = await self._sources.filled(document)
        except FileUnavailable:
            logger.info("a file for zalo could not be fetched")
            return None
        key = await self._shelf.put(document)
        return self._base + FILE_PATH.format(key=key)

    def routes(self) -> list[BaseRoute]:
        """The file route (only with a public address)."""
        if self._base is None:
            return []
        return [Route(FILE_PATH, self.on_file, methods=["GET", "HEAD"])]

    async def on_file(self, request: Request) -> Response:
        """Sends a stored document, or 404."""
        key = request.path_params["key"]
        document = await self._shelf.get(key) if _FILE_KEY.fullmatch(key) else None
        if document is None:
            return Response("not found", status_code=404, media_type="text/plain")
        headers = {
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(document.filename)}",
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
        }
        return Response(document.content, media_type=document.mime_type, headers=headers)


def document_text(document: Document, url: str | None, locale: str) -> str:
    """The line that stands for a document that cannot be sent as a photo: a link, or a note."""
    if url is None and document.ref is not None:
        return t("zalo.file_unavailable", locale, filename=document.filename)
    if url is None:
        return t("zalo.document_unavailable", locale)
    return t("zalo.document_link", locale, filename=document.filename, url=url)


def is_photo(document: Document) -> bool:
    """Whether Zalo can show the document as a photo (the QR codes are PNG)."""
    return document.mime_type in {"image/png", "image/jpeg"}


class Road:
    """The way in shared by the Zalo doors: numbers to choices, the dialogue, the fast path."""

    def __init__(
        self,
        *,
        dialogue: Dialogue,
        outbox: Outbox,
        menus: ChoiceMenus,
        limits: RateLimits | None = None,
    ) -> None:
        self.dialogue = dialogue
        self.outbox = outbox
        self.menus = menus
        self.limits = limits

    async def handle(self, incoming: Incoming) -> None:
        """Handles one message and delivers its replies (and any released held ones) at once;
        what goes to anyone else is delivered in the background."""
        try:
            if self.limits is not None:
                handled = await handle_within_limits(
                    self.limits, self.dialogue, incoming, before=self.menus.resolve
                )
            else:
                handled = await self.dialogue.handle(await self.menus.resolve(incoming))
            if handled.outbox_ids:
                await self.outbox.deliver(handled.outbox_ids)
            self.outbox.deliver_soon(handled.others)
        except Exception as exc:
            # The event is acknowledged already; the outbox tick retries what was committed.
            # The error's type only: its text may quote the message or its SQL parameters.
            logger.error("%s message failed: %s", incoming.channel, type(exc).__name__)


@dataclass(frozen=True, slots=True)
class ZaloMedia:
    """Downloads a file a Zalo user sent: Zalo gives its address on its own servers.

    For the platforms that need the bytes (a business's photo shown in the staff topic on
    Telegram). Only http(s) addresses from the signed events, size-limited while reading.
    """

    max_bytes: int
    timeout: float = 20.0

    async def fetch(self, ref: str) -> bytes:
        """The file's bytes; anything but a reachable, small enough file is ``FileUnavailable``."""
        if not ref.startswith(("https://", "http://")):
            raise FileUnavailable("no address for this zalo file")
        data = bytearray()
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout, trust_env=False) as client,
                client.stream("GET", ref, follow_redirects=True) as response,
            ):
                if response.status_code != 200:
                    raise FileUnavailable(f"zalo file: HTTP {response.status_code}")
                async for chunk in response.aiter_bytes():
                    data.extend(chunk)
                    if len(data) > self.max_bytes:
                        raise FileUnavailable(f"zalo file over {self.max_bytes} bytes")
        except httpx.HTTPError as exc:
            raise FileUnavailable(f"zalo file: {type(exc).__name__}") from exc
        return bytes(data)
