"""The live chats' part of ``/dulieu``: what is left of the asker's past chats, and erasing it.

A chat's messages and questions are erased when it ends; what stays is the officer's summary
and the link to the chat account, and the copies of what the business wrote in the chat's
staff topic (in the outbox). Erasing drops the summary, detaches the chat from the account
(its code, door, times, officer and outcome stay for statistics) and deletes those copies.
Must not import handlers or platform libraries.
"""

from __future__ import annotations

from sqlalchemy import select

from troly.bot.effects import Applied
from troly.bot.handoff.model import LiveChat, Status
from troly.bot.handoff.service import topic_key
from troly.bot.personal_data import Erased, Held, Keeper, SentCopies
from troly.bot.petitions.service import STAFF_CHANNEL, day_text
from troly.bot.staff_topics import THREAD_PREFIX
from troly.bot.texts import t


async def _past_chats(applied: Applied, *, lock: bool = False) -> list[LiveChat]:
    inc = applied.incoming
    query = (
        select(LiveChat)
        .where(LiveChat.channel == inc.channel)
        .where(LiveChat.user_id == inc.user_id)
        .where(LiveChat.status == Status.ENDED.value)
        .order_by(LiveChat.id)
    )
    if lock:
        query = query.with_for_update()
    return list((await applied.session.execute(query)).scalars())


async def held(applied: Applied) -> Held:
    """The asker's past live chats: code, day and the officer's summary."""
    locale = applied.state.locale
    rows = await _past_chats(applied)
    if not rows:
        return Held()
    lines = [t("handoff.data_title", locale)]
    for chat in rows:
        day = day_text(chat.requested_at, applied.settings)
        lines.append(
            t("handoff.data_line", locale, code=chat.code, day=day, summary=chat.summary or "—")
        )
    data = {
        "live_chats": [
            {
                "code": chat.code,
                "requested_at": chat.requested_at.isoformat(),
                "summary": chat.summary,
            }
            for chat in rows
        ]
    }
    return Held(tuple(lines), data=data)


async def erase(applied: Applied) -> Erased:
    """Drops the summaries, detaches the chats from the account, deletes the topics' copies."""
    rows = await _past_chats(applied, lock=True)
    if not rows:
        return Erased()
    for chat in rows:
        chat.summary = None
        chat.user_id = ""
        chat.updated_at = applied.now
    line = t("handoff.data_erased", applied.state.locale, count=len(rows))
    copies: tuple[SentCopies, ...] = ()
    if applied.settings.staff_chat_id is not None:
        threads = tuple(THREAD_PREFIX + topic_key(chat.code) for chat in rows)
        copies = (SentCopies(STAFF_CHANNEL, str(applied.settings.staff_chat_id), threads),)
    return Erased((line,), copies=copies)


def keeper() -> Keeper:
    """The live chats' keeper of personal data."""
    return Keeper(held=held, erase=erase)
