"""``/dulieu``: what is held about a chat user, shown on request and erased on request.

Each job that keeps personal data registers a ``Keeper`` (``wiring.py``): what it holds about
the asker, what erasing it would stop, and the erasing. This module knows no job's tables; it
asks every keeper, and after an erase deletes the outbox's copies of what was already sent
(Luật 91/2025/QH15: the right to see and to delete). Must not import handlers or platform
libraries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete

from troly.bot.effects import Applied, EffectApplier, EffectResult
from troly.bot.flows import my_data
from troly.bot.flows.base import State
from troly.bot.messages import Button, Document, Reply
from troly.bot.outbox import forget_sent_in, forget_sent_to
from troly.bot.storage.models import SharedFile
from troly.bot.texts import t

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Held:
    """What one job holds about the asker: lines to read, and what erasing it would stop."""

    lines: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    """One line per thing erasing stops (an upcoming booking that will be cancelled)."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """The same as records, for the JSON copy: one key per kind of record (``petitions``)."""


@dataclass(frozen=True, slots=True)
class SentCopies:
    """Messages sent to a group that quoted the erased data: in these threads, or these codes."""

    channel: str
    recipient: str
    threads: tuple[str, ...] = ()
    quoting: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Erased:
    """What one job's erasing did: lines for the asker, replies it adds, copies to delete."""

    lines: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()
    copies: tuple[SentCopies, ...] = ()


@dataclass(frozen=True, slots=True)
class Keeper:
    """One job's part of ``/dulieu``: what it holds about the asker, and erasing it."""

    held: Callable[[Applied], Awaitable[Held]]
    erase: Callable[[Applied], Awaitable[Erased]]


def appliers(keepers: Sequence[Keeper]) -> dict[type, EffectApplier]:
    """The appliers of ``/dulieu``'s effects, asking these keepers in this order."""

    async def everything(applied: Applied) -> list[Held]:
        return [await keeper.held(applied) for keeper in keepers]

    async def show(_effect: my_data.ShowMyData, applied: Applied) -> EffectResult:
        """Shows everything held about the asker, with the button to erase it."""
        locale = applied.state.locale
        lines = [line for held in await everything(applied) for line in held.lines]
        if not lines:
            return EffectResult((Reply(t("data.none", locale)),))
        copy = Button(t("data.file", locale), choice="data:file")
        erase = Button(t("data.erase", locale), choice="data:erase")
        text = "\n".join((t("data.title", locale), *lines))
        return EffectResult((Reply(text, ((copy,), (erase,)), kind="data:shown"),))

    async def send_file(_effect: my_data.SendMyDataFile, applied: Applied) -> EffectResult:
        """Sends everything ``show`` shows as one JSON file (its content is never logged)."""
        locale = applied.state.locale
        holdings = await everything(applied)
        if not any(held.lines for held in holdings):
            return EffectResult((Reply(t("data.none", locale)),))
        document = data_file(applied, holdings)
        logger.info("personal data file prepared (%s bytes)", len(document.content))
        return EffectResult(
            (Reply(t("data.file_ready", locale), document=document, kind="data:file"),)
        )

    async def ask(_effect: my_data.AskErase, applied: Applied) -> EffectResult:
        """Says what erasing erases and stops, and waits for the confirmation."""
        return await _confirmation(applied, await everything(applied))

    async def erase(effect: my_data.EraseMyData, applied: Applied) -> EffectResult:
        """Erases what every job holds, once confirmed; deletes the sent copies."""
        holdings = await everything(applied)
        if tuple(line for held in holdings for line in held.stops) != effect.stops:
            # Something changed since the confirmation (a new booking): say it again.
            return await _confirmation(applied, holdings)
        if not any(held.lines for held in holdings):
            return EffectResult((Reply(t("data.none", applied.state.locale)),))
        done = [await keeper.erase(applied) for keeper in keepers]
        deleted = await _forget_copies(applied, done)
        # The copy kept for a URL-only platform (Zalo links to it) goes with what it copied.
        owner = data_file_owner(applied.incoming.channel, applied.incoming.user_id)
        await applied.session.execute(delete(SharedFile).where(SharedFile.owner == owner))
        logger.info("personal data erased on request; %s sent messages deleted", deleted)
        lines = [t("data.erased", applied.state.locale)]
        lines.extend(line for erased in done for line in erased.lines)
        replies = [Reply("\n".join(lines), kind="data:erased")]
        replies.extend(reply for erased in done for reply in erased.replies)
        return EffectResult(tuple(replies))

    return {
        my_data.ShowMyData: show,
        my_data.SendMyDataFile: send_file,
        my_data.AskErase: ask,
        my_data.EraseMyData: erase,
    }


def data_file_owner(channel: str, user_id: str) -> str:
    """The owner of the stored copies of a person's data file (erased with their data)."""
    return f"my_data:{channel}:{user_id}"


def data_file(applied: Applied, holdings: Sequence[Held]) -> Document:
    """Everything held about the asker in one JSON file.

    The lines ``/dulieu`` shows, and each job's records.
    """
    inc = applied.incoming
    records: dict[str, Any] = {}
    for held in holdings:
        records.update(held.data)
    body = {
        "title": t("data.title", applied.state.locale),
        "created_at": applied.now.isoformat(),
        "channel": inc.channel,
        "shown": [line for held in holdings for line in held.lines],
        **records,
    }
    content = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
    filename = f"du-lieu-cua-toi-{applied.now:%Y%m%d}.json"
    owner = data_file_owner(inc.channel, inc.user_id)
    return Document(filename, content, "application/json", owner=owner)


async def _confirmation(applied: Applied, holdings: list[Held]) -> EffectResult:
    locale = applied.state.locale
    if not any(held.lines for held in holdings):
        return EffectResult((Reply(t("data.none", locale)),), applied.state.idle())
    stops = [line for held in holdings for line in held.stops]
    lines = [t("data.erase_confirm", locale)]
    if stops:
        lines.extend((t("data.erase_stops", locale), *stops))
    lines.append(t("data.erase_question", locale))
    yes = t("data.erase_yes_cancel" if stops else "data.erase_yes", locale)
    buttons = (
        (Button(yes, choice="data:confirm"),),
        (Button(t("data.erase_no", locale), choice="data:keep"),),
    )
    state = State(my_data.FLOW, my_data.CONFIRM, {"stops": stops}, locale)
    return EffectResult((Reply("\n".join(lines), buttons, kind="data:confirm"),), state)


async def _forget_copies(applied: Applied, done: list[Erased]) -> int:
    # Pending rows are still delivered; what was sent (or never can be) is only a copy.
    inc = applied.incoming
    deleted = await forget_sent_to(applied.session, channel=inc.channel, recipient=inc.user_id)
    for erased in done:
        for copies in erased.copies:
            deleted += await forget_sent_in(
                applied.session,
                channel=copies.channel,
                recipient=copies.recipient,
                threads=copies.threads,
                quoting=copies.quoting,
            )
    return deleted
