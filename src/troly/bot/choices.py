"""Numbered choices for channels without (enough) buttons: "Trả lời 1, 2 hoặc 3".

What was shown is kept per (channel, user) in the database, so "1" picks the first choice after
a restart and on any worker. Pure helpers plus a small service; must not import handlers or
platform libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from troly.bot.messages import Button, Incoming
from troly.bot.storage.models import ChoiceMenu, Conversation
from troly.bot.texts import t

_NUMBERED = re.compile(r"^\d+\. ")


def unnumbered(label: str) -> str:
    """A button's label without the number it carries for the buttons ("2. … hợp danh").

    A door that numbers its choices itself (Zalo Bot, the terminal) gives its own.
    """
    return _NUMBERED.sub("", label)


def numbered_hint(count: int, locale: str, *, start: int = 1) -> str:
    """The line that says how to answer: "Trả lời 1, 2 hoặc 3." (or "Trả lời 1." for one)."""
    last = start + count - 1
    if count == 1:
        return t("choices.reply_one", locale, number=last)
    numbers = ", ".join(str(n) for n in range(start, last))
    return t("choices.reply_with_number", locale, numbers=numbers, last=last)


def numbered_lines(
    buttons: Sequence[Button], locale: str, *, start: int = 1
) -> tuple[list[str], list[str]]:
    """Buttons as text lines: choices numbered from ``start``, the hint, "label: url" links.

    Returns the lines and the choices in number order.
    """
    lines: list[str] = []
    choices: list[str] = []
    for button in buttons:
        if button.choice is not None:
            choices.append(button.choice)
            # A label numbered for the buttons ("2. … hợp danh") takes this list's number.
            label = unnumbered(button.label)
            lines.append(f"{start + len(choices) - 1}. {label}")
    for button in buttons:
        if button.url is not None:
            lines.append(f"🔗 {button.label}: {button.url}")
    if choices:
        lines.append(numbered_hint(len(choices), locale, start=start))
    return lines, choices


RECENT_KEPT = 40
# How long a menu stays the one an aside's numbers follow (after that an aside starts at 1).
MENU_KEPT_FOR_ASIDE = timedelta(minutes=30)


def pick(text: str | None, choices: Sequence[str], recent: Sequence[str] = ()) -> str | None:
    """The choice a typed reply means: its number in the last menu, or a recent button's payload.

    A Zalo button (``oa.query.show``) sends its payload as the user's text.
    """
    if text is None:
        return None
    typed = text.strip().rstrip(".)")
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1]
    stripped = text.strip()
    return stripped if stripped in choices or stripped in recent else None


class ChoiceMenus:
    """Remembers the choices last shown to each user and turns a typed number into one."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        write_lock: asyncio.Lock | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._write_lock = write_lock

    async def locale(self, channel: str, user_id: str) -> str:
        """The conversation's language, for the hint line ("vi" before the first message)."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(Conversation.locale)
                .where(Conversation.channel == channel)
                .where(Conversation.user_id == user_id)
            )
        return found or "vi"

    async def first_number(self, channel: str, user_id: str) -> int:
        """The first number an aside's choices take: after a menu shown lately, else 1."""
        async with self._sessions() as session:
            menu = await session.get(ChoiceMenu, (channel, user_id))
            if menu is None or self._clock() - menu.shown_at > MENU_KEPT_FOR_ASIDE:
                return 1
            return len(menu.choices or []) + 1

    async def remember(
        self, channel: str, user_id: str, choices: Sequence[str], *, after: int = 0
    ) -> None:
        """Records the choices just shown (an empty list keeps the previous menu).

        ``after``: the choices were numbered after the first ``after`` of the menu shown
        before (an aside), which stay valid.
        """
        if not choices:
            return
        lock = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with lock:
            for _ in range(2):
                try:
                    async with self._sessions.begin() as session:
                        menu = await session.get(ChoiceMenu, (channel, user_id))
                        if menu is None:
                            session.add(
                                ChoiceMenu(
                                    channel=channel,
                                    user_id=user_id,
                                    choices=list(choices),
                                    recent=list(choices),
                                    shown_at=self._clock(),
                                )
                            )
                        else:
                            older = [c for c in menu.recent or [] if c not in choices]
                            kept = list(menu.choices or [])[:after] if after else []
                            menu.choices = [*kept, *choices]
                            menu.recent = [*choices, *older][:RECENT_KEPT]
                            menu.shown_at = self._clock()
                    return
                except IntegrityError:
                    continue  # another worker inserted the row first: update it

    async def resolve(self, incoming: Incoming) -> Incoming:
        """The message with a typed number (or a button's payload) turned into its choice."""
        if incoming.choice is not None or incoming.text is None:
            return incoming
        async with self._sessions() as session:
            menu = await session.get(ChoiceMenu, (incoming.channel, incoming.user_id))
            choices = list(menu.choices) if menu is not None else []
            recent = list(menu.recent or []) if menu is not None else []
        choice = pick(incoming.text, choices, recent)
        if choice is None:
            return incoming
        return Incoming(
            channel=incoming.channel,
            user_id=incoming.user_id,
            choice=choice,
            locale=incoming.locale,
            event_id=incoming.event_id,
            display_name=incoming.display_name,
        )
