"""The dialogue engine: one incoming message, one transaction, replies into the outbox.

Loads the (channel, user) conversation under a lock, runs the router, writes the new state,
the effects and the outbox rows, and commits. A redelivered event is recognised and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from troly.bot import conversation_rows as rows_of
from troly.bot.answers import record_pick, write_log
from troly.bot.clean import clean_incoming, clean_value
from troly.bot.conversation_rows import BROKEN_DRAFT, ConversationRows, OpenQuery, Talk
from troly.bot.effects import Applied, Appliers, EffectResult, apply_effects
from troly.bot.flows.base import (
    Context,
    LogQuestion,
    Outcome,
    RecordPick,
    State,
    draft_fits,
    support_of,
)
from troly.bot.knowledge.live import LiveIndex, as_live
from troly.bot.messages import Incoming, Reply, reply_from_payload
from troly.bot.outbox import Queued, enqueue, enqueued, insert_rows, release_held, row_values
from troly.bot.province.details import ProvinceDetails
from troly.bot.province.store import DetailsCache
from troly.bot.router import file_room, known_step, route
from troly.bot.settings import Settings
from troly.bot.storage.models import Conversation, OutboxMessage, ProcessedEvent
from troly.bot.texts import normalise_locale, t
from troly.knowledge.index import ProcedureIndex

logger = logging.getLogger(__name__)

_LOCKS_KEPT = 4096

OpenPetition = OpenQuery
"""Builds the query of a chat user's open petition code from the channel and the user id: it
is asked in the same statement as the conversation."""
Prefetch = Callable[[Incoming], Awaitable[Mapping[str, object]]]
"""Asks another system, before the message's transaction opens, what its effects may need (a
dossier's status), keyed for the appliers (``Applied.prefetched``); never raises. No
transaction, and on SQLite no writer's lock, waits on the network."""


@dataclass(frozen=True, slots=True)
class Handled:
    """What handling a message produced: the outbox rows to deliver now, and their replies."""

    outbox_ids: tuple[int, ...]
    replies: tuple[Reply, ...]
    duplicate: bool = False
    others: tuple[Queued, ...] = ()
    """Rows the effects wrote for other recipients (staff topics, another channel): they go
    out in the background (``Outbox.deliver_soon``), never before the sender's answer."""
    locale: str | None = None
    """The conversation's language after the message (a page follows it)."""
    file_room: int = 0
    """How many files the conversation's step takes after the message (a page offers to
    attach them only then)."""

    @property
    def other_ids(self) -> tuple[int, ...]:
        """The ids of ``others``, in order."""
        return tuple(row.id for row in self.others)


async def _log_question(effect: LogQuestion, applied: Applied) -> EffectResult | None:
    await write_log(
        applied.session, effect.result, channel=applied.incoming.channel, now=applied.now
    )
    return None


async def _record_pick(effect: RecordPick, applied: Applied) -> EffectResult | None:
    await record_pick(
        applied.session, folded=effect.folded, code=effect.code, channel=applied.incoming.channel
    )
    return None


BUILT_IN_APPLIERS: Appliers = {LogQuestion: _log_question, RecordPick: _record_pick}


class Dialogue:
    """Handles incoming messages for every channel through the same flows."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        index: ProcedureIndex | LiveIndex,
        settings: Settings,
        clock: Callable[[], datetime],
        write_lock: asyncio.Lock | None = None,
        appliers: Appliers | None = None,
        open_petition: OpenPetition | None = None,
        prefetch: Prefetch | None = None,
        may_hold: Callable[[str], bool] | None = None,
    ) -> None:
        self._sessions = sessions
        # Whether a channel's outbox rows can be held (``Outbox.may_hold``); None: any can.
        self._may_hold = may_hold
        self._prefetch = prefetch
        # Asked only for a message written outside any flow: "is this for PA-…?".
        self._open_petition = open_petition
        self._rows = ConversationRows(open_petition)
        self._appliers: Appliers = {**BUILT_IN_APPLIERS, **(appliers or {})}
        # SQLite has one writer: waiting on an asyncio lock is fair and short, where its own
        # busy handler sleeps and retries (seconds of tail latency under load).
        self._write_lock = write_lock
        # Read once per message: a reload swaps the index between messages, never within one.
        self._knowledge = as_live(index)
        self._settings = settings
        self._clock = clock
        self.province = DetailsCache(
            settings, clock=clock, ttl=timedelta(seconds=settings.province_details_seconds)
        )
        # In-process ordering per user; the row lock orders messages across workers.
        self._locks: OrderedDict[tuple[str, str], asyncio.Lock] = OrderedDict()

    def _lock(self, key: tuple[str, str]) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
            while len(self._locks) > _LOCKS_KEPT:
                oldest, old_lock = next(iter(self._locks.items()))
                if old_lock.locked():
                    break
                del self._locks[oldest]
        else:
            self._locks.move_to_end(key)
        return lock

    async def handle(self, incoming: Incoming, *, in_response: bool = False) -> Handled:
        """Handles one message in one transaction and returns what to deliver.

        ``in_response``: the door delivers the replies itself, in its response to this
        message (the web chat): their rows are written as sent, so no poll takes them too.
        """
        # The doors clean what they receive; this keeps a door that forgot from storing it.
        incoming = clean_incoming(incoming)
        # A knowledge rebuild on this worker gives way while a message is being handled.
        with self._knowledge.answering():
            async with self._lock((incoming.channel, incoming.conversation_key)):
                fetched = await self._prefetch(incoming) if self._prefetch is not None else {}
                for attempt in range(3):
                    try:
                        return await self._handle_once(incoming, in_response, fetched)
                    except IntegrityError:
                        if await self._already_processed(incoming):
                            logger.info("duplicate %s event dropped", incoming.channel)
                            return Handled((), (), duplicate=True)
                        if attempt == 2:
                            raise
                raise AssertionError("unreachable")

    async def _already_processed(self, incoming: Incoming) -> bool:
        if incoming.event_id is None:
            return False
        async with self._sessions() as session:
            found = await session.get(ProcessedEvent, (incoming.channel, incoming.event_id))
            return found is not None

    async def earlier(self, incoming: Incoming) -> Handled:
        """What a message already handled produced for its sender, found again for a retry.

        A pull channel (the web chat) answers in the HTTP response: when that response was
        lost and the page sends the same message again, it must get the same replies. They
        are the sender's outbox rows written in that message's transaction, which stamped
        them with the moment it recorded the event.
        """
        if incoming.event_id is None:
            return Handled((), (), duplicate=True)
        async with self._sessions() as session:
            event = await session.get(ProcessedEvent, (incoming.channel, incoming.event_id))
            if event is None:
                return Handled((), (), duplicate=True)
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.channel == incoming.channel)
                .where(OutboxMessage.recipient == incoming.reply_to)
                .where(OutboxMessage.created_at == event.received_at)
                .order_by(OutboxMessage.id)
            )
            rows = list((await session.execute(query)).scalars())
            conversation = await self._find(
                await session.connection(), incoming.channel, incoming.conversation_key
            )
        room = 0
        state = _load(conversation) if conversation is not None else None
        if state is not None:
            context = self._context(incoming.channel, incoming.user_id, self._clock())
            room = file_room(state, context) or 0
        return Handled(
            tuple(row.id for row in rows),
            tuple(reply_from_payload(row.payload) for row in rows),
            duplicate=True,
            locale=state.locale if state is not None else None,
            file_room=room,
        )

    async def _handle_once(
        self, incoming: Incoming, in_response: bool, fetched: Mapping[str, object]
    ) -> Handled:
        if self._write_lock is None:
            return await self._transaction(incoming, in_response, fetched)
        async with self._write_lock:
            return await self._transaction(incoming, in_response, fetched)

    async def _transaction(
        self, incoming: Incoming, in_response: bool, fetched: Mapping[str, object]
    ) -> Handled:
        now = self._clock()
        async with self._sessions.begin() as session:
            # The statements of every message go straight to the connection (Core): the
            # unit of work is for what the effects write.
            db = await session.connection()
            if incoming.event_id is not None:
                await rows_of.record_event(
                    db, channel=incoming.channel, event_id=incoming.event_id, now=now
                )
            conversation = await self._conversation(db, incoming, now)
            # Replies held outside a platform's window go out now, before the new ones.
            released: list[int] = []
            if self._may_hold is None or self._may_hold(incoming.channel):
                released = await release_held(
                    session, channel=incoming.channel, recipient=incoming.user_id, now=now
                )
            details = await self.province.current(session)
            context = self._context(incoming.channel, incoming.user_id, now, details)
            context = replace(context, door=incoming.door)
            if self._open_petition is not None and _free_text(conversation, incoming):
                context = replace(context, open_petition=conversation.open_petition)
            outcome = self._route(conversation, incoming, context)
            applied = Applied(session, now, incoming, outcome.state, self._settings, fetched)
            new_state, added = await apply_effects(outcome.effects, self._appliers, applied)
            replies = (*outcome.replies, *added)
            if incoming.door is not None:
                # Kept for what reaches this person later (an officer joining the kiosk's chat).
                new_state = new_state.with_draft(door=incoming.door)
            others = list(enqueued(session))
            await session.flush()
            mine = [
                row_values(
                    channel=incoming.channel,
                    recipient=incoming.reply_to,
                    reply=reply,
                    now=now,
                    thread=incoming.thread,
                    delivered=in_response,
                )
                for reply in replies
            ]
            ids = (*released, *await insert_rows(db, mine))
            await rows_of.save(
                db,
                conversation,
                flow=new_state.flow,
                step=new_state.step,
                draft=dict(new_state.draft),
                locale=new_state.locale,
                now=now,
            )
            queued = sorted(Queued(row.id, row.channel, row.recipient) for row in others)
        return Handled(
            ids,
            replies,
            others=tuple(queued),
            locale=new_state.locale,
            file_room=file_room(new_state, context) or 0,
        )

    async def _find(self, db: AsyncConnection, channel: str, key: str) -> Talk | None:
        """The conversation, or None when there is none or its draft cannot be read."""
        try:
            return await self._rows.find(db, channel, key)
        except ValueError:
            return None

    @staticmethod
    def _route(conversation: Talk, incoming: Incoming, context: Context) -> Outcome:
        """Runs the message through the conversation's flow.

        A conversation whose stored state cannot be loaded (a step the flows no longer have,
        a draft with a value no step wrote) or whose step fails on it is started again with
        an apology: left as it was, every later message of that person would fail the same.
        """
        state = _load(conversation)
        if state is not None:
            try:
                return route(state, incoming, context)
            except Exception as exc:
                if state.flow is None and not state.draft:
                    raise
                # Where it failed, not what it quoted: the message may hold personal data.
                where = "".join(traceback.format_tb(exc.__traceback__))
                logger.error(
                    "%s conversation %s failed at %s/%s (%s): started again\n%s",
                    conversation.channel,
                    conversation.id,
                    state.flow,
                    state.step,
                    type(exc).__name__,
                    where,
                )
        else:
            logger.warning(
                "%s conversation %s had a state that cannot be loaded: started again",
                conversation.channel,
                conversation.id,
            )
        fresh = State(locale=normalise_locale(conversation.locale))
        sorry = Reply(t("dialogue.restarted", fresh.locale))
        return route(fresh, incoming, context).after(sorry)

    async def notice(self, incoming: Incoming, key: str, **values: object) -> Handled:
        """Writes one catalogue sentence to the sender, in their conversation's language.

        The conversation stays as it was: a door turning a message away says why.
        """
        now = self._clock()
        writing = self._write_lock if self._write_lock is not None else contextlib.nullcontext()
        async with writing, self._sessions.begin() as session:
            locale = await session.scalar(
                select(Conversation.locale)
                .where(Conversation.channel == incoming.channel)
                .where(Conversation.user_id == incoming.conversation_key)
            )
            reply = Reply(t(key, locale or incoming.locale, **values), aside=True)
            row = enqueue(
                session,
                channel=incoming.channel,
                recipient=incoming.reply_to,
                reply=reply,
                now=now,
                thread=incoming.thread,
            )
            await session.flush()
            ids = (row.id,)
        return Handled(ids, (reply,))

    def _context(
        self,
        channel: str,
        user_id: str,
        now: datetime,
        details: ProvinceDetails | None = None,
    ) -> Context:
        return Context(
            index=self._knowledge.current,
            now=now,
            max_question_chars=self._settings.max_question_chars,
            support=support_of(self._settings, details),
            channel=channel,
            settings=self._settings,
            user_id=user_id,
            details=details,
        )

    async def file_room(self, channel: str, user_id: str) -> int | None:
        """How many files the user's conversation takes at its current step, or None.

        0: the step has all the files it takes; None: the step (or a conversation never seen)
        takes none. A door asks before it keeps an upload; the flow checks again when the file
        arrives.
        """
        async with self._sessions() as session:
            conversation = await self._find(await session.connection(), channel, user_id)
        state = _load(conversation) if conversation is not None else None
        if state is None:
            return None
        return file_room(state, self._context(channel, user_id, self._clock()))

    async def _conversation(self, db: AsyncConnection, incoming: Incoming, now: datetime) -> Talk:
        """The sender's conversation, locked, started if there is none.

        Their open petition (for a message written outside any flow) is asked in the same
        statement.
        """
        channel, key, user = incoming.channel, incoming.conversation_key, incoming.user_id
        try:
            found = await self._rows.lock(db, channel, key, user)
        except ValueError:
            # A draft that is not JSON (edited by hand, written by a broken release): the
            # conversation starts again, which ``_load`` sees from the emptied draft.
            await rows_of.mark_broken(db, channel, key)
            found = await self._rows.lock(db, channel, key, user)
        if found is not None:
            return found
        locale = normalise_locale(incoming.locale or self._settings.default_locale)
        created = await rows_of.create(db, channel, key, locale=locale, now=now)
        return replace(created, open_petition=await self._rows.ask(db, channel, user))


def _free_text(conversation: Talk, incoming: Incoming) -> bool:
    """Whether a message is typed text outside any flow (not a button, not a command)."""
    text = (incoming.text or "").strip()
    return (
        conversation.flow is None
        and incoming.choice is None
        and not incoming.in_group
        and bool(text)
        and not text.startswith("/")
    )


def _load(conversation: Talk) -> State | None:
    """The stored state, or None when the flows cannot take it as it is."""
    draft = conversation.draft if conversation.draft is not None else {}
    if (
        not isinstance(draft, dict)
        or draft == BROKEN_DRAFT
        or not clean_value(draft)
        or not draft_fits(draft)
    ):
        return None
    if not known_step(conversation.flow, conversation.step):
        return None
    return State(
        flow=conversation.flow,
        step=conversation.step,
        draft=dict(draft),
        locale=normalise_locale(conversation.locale),
    )
