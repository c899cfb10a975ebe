"""The conversation row as the dialogue reads and writes it, in plain SQL statements.

A message's transaction is on the hot path of every door: its few statements go through
SQLAlchemy Core on the session's connection, not the ORM's unit of work (which costs more
than the statements). Must not import flows, doors or the dialogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Table,
    bindparam,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from troly.bot.storage.models import Conversation, ProcessedEvent

CONVERSATIONS = cast(Table, Conversation.__table__)
EVENTS = cast(Table, ProcessedEvent.__table__)

BROKEN_DRAFT: dict[str, Any] = {"": "broken"}
"""Stands for a draft that could not be read; no step writes an empty key."""


@dataclass(frozen=True, slots=True)
class Talk:
    """One conversation as stored: its id, flow, step, draft and language."""

    id: int
    channel: str
    user_id: str
    locale: str
    flow: str | None
    step: str | None
    draft: Any
    open_petition: str | None = None
    """The user's open petition code, when it was asked with the row (``lock``)."""


_COLUMNS = (
    CONVERSATIONS.c.id,
    CONVERSATIONS.c.channel,
    CONVERSATIONS.c.user_id,
    CONVERSATIONS.c.locale,
    CONVERSATIONS.c.flow,
    CONVERSATIONS.c.step,
    CONVERSATIONS.c.draft,
)
_THIS = (
    CONVERSATIONS.c.channel == bindparam("conversation_channel"),
    CONVERSATIONS.c.user_id == bindparam("conversation_key"),
)

# Built once: a statement's cache key is then worked out once, not per message.
_RECORD_EVENT = insert(EVENTS)
_CREATE = insert(CONVERSATIONS).returning(CONVERSATIONS.c.id)
_SAVE = (
    update(CONVERSATIONS)
    .where(CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values(
        flow=bindparam("new_flow", type_=CONVERSATIONS.c.flow.type),
        step=bindparam("new_step", type_=CONVERSATIONS.c.step.type),
        draft=bindparam("new_draft", type_=CONVERSATIONS.c.draft.type),
        locale=bindparam("new_locale", type_=CONVERSATIONS.c.locale.type),
        version=CONVERSATIONS.c.version + 1,
        blocked=False,
        last_seen_at=bindparam("seen_at", type_=CONVERSATIONS.c.last_seen_at.type),
    )
)
_MARK_BROKEN = update(CONVERSATIONS).where(*_THIS).values(draft=BROKEN_DRAFT)

OpenQuery = Callable[[Any, Any], ScalarSelect[Any]]
"""Builds the query of one value asked with the conversation (a user's open petition code)
from the channel and the user id (bound parameters)."""


class ConversationRows:
    """The statements that read a conversation, built once for the dialogue's lifetime."""

    def __init__(self, open_query: OpenQuery | None = None) -> None:
        extra: ColumnElement[Any] = null()
        self._asks = open_query is not None
        if open_query is not None:
            extra = open_query(bindparam("chat_channel"), bindparam("chat_user"))
            self._ask = select(extra)
        self._find = select(*_COLUMNS, null()).where(*_THIS)
        self._lock = select(*_COLUMNS, extra).where(*_THIS).with_for_update(of=CONVERSATIONS)

    async def lock(self, db: AsyncConnection, channel: str, key: str, user_id: str) -> Talk | None:
        """The conversation locked for the transaction, or None when there is none.

        The value ``open_query`` builds is asked along, for ``user_id``. Raises
        ``ValueError`` when the stored draft is not JSON.
        """
        params = {
            "conversation_channel": channel,
            "conversation_key": key,
            "chat_channel": channel,
            "chat_user": user_id,
        }
        row = (await db.execute(self._lock, params)).first()
        return None if row is None else Talk(*row)

    async def find(self, db: AsyncConnection, channel: str, key: str) -> Talk | None:
        """The conversation, or None; raises ``ValueError`` when its draft is not JSON."""
        params = {"conversation_channel": channel, "conversation_key": key}
        row = (await db.execute(self._find, params)).first()
        return None if row is None else Talk(*row)

    async def ask(self, db: AsyncConnection, channel: str, user_id: str) -> Any:
        """The value asked along with a conversation, alone (for a conversation just started)."""
        if not self._asks:
            return None
        return await db.scalar(self._ask, {"chat_channel": channel, "chat_user": user_id})


async def record_event(db: AsyncConnection, *, channel: str, event_id: str, now: datetime) -> None:
    """Records a platform delivery as handled; raises ``IntegrityError`` if it already was."""
    await db.execute(_RECORD_EVENT, {"channel": channel, "event_id": event_id, "received_at": now})


async def mark_broken(db: AsyncConnection, channel: str, key: str) -> None:
    """Replaces a draft that cannot be read, so the conversation starts again."""
    await db.execute(_MARK_BROKEN, {"conversation_channel": channel, "conversation_key": key})


async def create(
    db: AsyncConnection, channel: str, key: str, *, locale: str, now: datetime
) -> Talk:
    """Starts a conversation; raises ``IntegrityError`` if another transaction just did."""
    values: dict[str, Any] = {
        "channel": channel,
        "user_id": key,
        "locale": locale,
        "flow": None,
        "step": None,
        "draft": {},
        "version": 0,
        "blocked": False,
        "created_at": now,
        "last_seen_at": now,
    }
    new_id = (await db.execute(_CREATE, values)).scalar_one()
    return Talk(new_id, channel, key, locale, None, None, {})


async def save(
    db: AsyncConnection,
    talk: Talk,
    *,
    flow: str | None,
    step: str | None,
    draft: dict[str, Any],
    locale: str,
    now: datetime,
) -> None:
    """Writes the conversation's new state (and that its user was seen, and not blocked)."""
    params = {
        "conversation_id": talk.id,
        "new_flow": flow,
        "new_step": step,
        "new_draft": draft,
        "new_locale": locale,
        "seen_at": now,
    }
    await db.execute(_SAVE, params)
