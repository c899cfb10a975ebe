"""What both Zalo doors share: text splitting at 2,000 characters, numbered choices, the road in.

Zalo counts characters; we count UTF-16 units after NFC, which is never fewer, so a piece we
accept is never too long for Zalo.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from troly.bot.choices import ChoiceMenus, numbered_lines
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Incoming, Reply
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


def render_numbered(reply: Reply, locale: str, *, limit: int = MAX_TEXT) -> Numbered:
    """A reply as text pieces; buttons become "1. …" lines and "Trả lời 1, 2 hoặc 3."."""
    lines, choices = numbered_lines(reply.all_buttons(), locale)
    text = reply.text
    if reply.document is not None:
        text = f"{text}\n\n{t('zalo.document_unavailable', locale)}"
    if lines:
        text = text + "\n\n" + "\n".join(lines)
    return Numbered(split_text(text, limit), choices)


class Road:
    """The way in shared by the Zalo doors: numbers to choices, the dialogue, the fast path."""

    def __init__(self, *, dialogue: Dialogue, outbox: Outbox, menus: ChoiceMenus) -> None:
        self.dialogue = dialogue
        self.outbox = outbox
        self.menus = menus

    async def handle(self, incoming: Incoming) -> None:
        """Handles one message and delivers its replies (and any released held ones) at once."""
        try:
            incoming = await self.menus.resolve(incoming)
            handled = await self.dialogue.handle(incoming)
            if handled.outbox_ids:
                await self.outbox.deliver(handled.outbox_ids)
        except Exception:
            # The event is acknowledged already; the outbox tick retries what was committed.
            logger.exception("%s message failed", incoming.channel)
