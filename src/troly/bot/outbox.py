"""Delivers outbox rows through each channel's sender, with retries that lose nothing.

A row is claimed with a lease (``locked_until``) so two deliverers never send it twice at
once, and the pass that claimed it renews the lease while it still holds it (a send may wait
its turn at a paced platform longer than a lease); sent rows are marked in their own
transaction. A failed send is retried with
exponential backoff, or after the platform's ``retry_after``; a user who blocked the bot is
marked and not retried. Rows of one recipient go out in order. A channel with an interaction
window (the Zalo OA: 7 days) is not tried outside it: the row is held, "waiting for the user",
and released to pending when that user next writes (``release_held``, in their transaction).
A held row whose reply carries a ``Notice`` (time-critical) is first announced through the
channel's fallback (``NoticeSender``: Zalo ZNS), once; the full text still waits for the user.

Rows for anyone but the person who wrote (staff topics, a business on another channel) go
out in the background (``deliver_soon``), one lane per recipient so each recipient's rows keep
their order and a slow or throttled recipient (the staff group: 20 messages a minute) holds up
nobody else; the door answers its own person as soon as the transaction has committed.

A row that can never be delivered (``Undeliverable``: blocked, chat gone) is marked dead,
and the ``on_dead`` hooks each job registers (``wiring.py``) are told, in a transaction of
their own, so a job can react (petitions tell their staff topic); a hook that fails is
logged and does not undo the marking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    cast,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from troly.bot.messages import (
    Notice,
    Reply,
    notice_from_payload,
    reply_from_payload,
    reply_to_payload,
)
from troly.bot.storage.models import Conversation, OutboxMessage

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
KEEP_EVERY = LEASE.total_seconds() / 3
"""Seconds between renewals of the leases a delivery pass still holds."""
ENQUEUED = "troly.outbox.enqueued"
HELD = "held"
WAITING_FOR_USER = "waiting for the user"
BASE_BACKOFF = 2.0
MAX_BACKOFF = 600.0
FIRST_ROWS = 5
NOTHING_TO_EDIT = "nothing to edit"


class RetryLater(Exception):
    """The platform asked to wait (rate limit, temporary failure)."""

    def __init__(self, reason: str, *, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


class Undeliverable(Exception):
    """The message can never be delivered (blocked, chat gone, rejected content)."""

    def __init__(self, reason: str, *, blocked: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.blocked = blocked


def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    recipient: str,
    reply: Reply,
    now: datetime,
    thread: str | None = None,
    delivered: bool = False,
    edit_of: int | None = None,
) -> OutboxMessage:
    """Adds a reply for delivery to the caller's transaction (it is sent after the commit).

    ``delivered``: the caller delivers it itself (the web chat's HTTP response); the row is
    written as sent, a copy for a retried request, so no poll or sweep can send it again.
    ``edit_of``: the row is an edit: the message sent for that row (same recipient) is
    rewritten with this reply's text and buttons, where the platform can edit (Telegram).
    """
    row = OutboxMessage(
        **row_values(
            channel=channel,
            recipient=recipient,
            reply=reply,
            now=now,
            thread=thread,
            delivered=delivered,
            edit_of=edit_of,
        )
    )
    session.add(row)
    session.info.setdefault(ENQUEUED, []).append(row)
    return row


def row_values(
    *,
    channel: str,
    recipient: str,
    reply: Reply,
    now: datetime,
    thread: str | None = None,
    delivered: bool = False,
    edit_of: int | None = None,
) -> dict[str, Any]:
    """The columns of a new outbox row (``enqueue`` explains ``delivered`` and ``edit_of``)."""
    return {
        "channel": channel,
        "recipient": recipient,
        "thread": thread,
        "payload": reply_to_payload(reply),
        "status": "sent" if delivered else "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "sent_at": now if delivered else None,
        "edit_of": edit_of,
    }


async def insert_rows(db: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Writes outbox rows (``row_values``) on a connection, in order; returns their ids.

    The dialogue's own replies take this way: a statement each, without the unit of work.
    """
    ids: list[int] = []
    for values in rows:
        ids.append(int((await db.execute(_INSERT_ROW, values)).scalar_one()))
    return ids


_TABLE: Table = OutboxMessage.__table__  # type: ignore[assignment]
_INSERT_ROW = insert(_TABLE).returning(_TABLE.c.id)


async def forget_before(session: AsyncSession, *, before: datetime) -> int:
    """Deletes the rows written before ``before``, whatever became of them; returns how many.

    A row is a copy of a message (a petition card quotes the business's name and phone): it
    is kept no longer than the personal data it may quote, and one not delivered by then
    never will be.
    """
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


DELIVERED = ("sent", "dead")
"""Rows that will not be sent again: their payload is only a copy of what went (or failed)."""


async def forget_sent_to(session: AsyncSession, *, channel: str, recipient: str) -> int:
    """Deletes the copies of what was sent to ``recipient``; pending and held rows still go."""
    result = await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.channel == channel)
        .where(OutboxMessage.recipient == recipient)
        .where(OutboxMessage.status.in_(DELIVERED))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def forget_sent_in(
    session: AsyncSession,
    *,
    channel: str,
    recipient: str,
    threads: Collection[str] = (),
    quoting: Collection[str] = (),
) -> int:
    """Deletes the copies of what was sent to a group in ``threads`` or quoting one of ``quoting``.

    ``quoting`` holds record codes (``DT-4KQ8ZP``): plain ASCII, found in the stored JSON.
    """
    matches: list[ColumnElement[bool]] = []
    if threads:
        matches.append(OutboxMessage.thread.in_(sorted(threads)))
    payload = cast(OutboxMessage.payload, String)
    matches.extend(payload.contains(code, autoescape=True) for code in sorted(quoting))
    if not matches:
        return 0
    result = await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.channel == channel)
        .where(OutboxMessage.recipient == recipient)
        .where(OutboxMessage.status.in_(DELIVERED))
        .where(or_(*matches))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def first_of_kind(
    session: AsyncSession, *, channel: str, recipient: str, thread: str, kind: str
) -> int | None:
    """The id of the first row sent (or to send) in ``thread`` whose reply is of ``kind``.

    A petition's card opens its topic: it is among the topic's first rows, never an edit.
    """
    query = (
        select(OutboxMessage.id, OutboxMessage.payload)
        .where(OutboxMessage.channel == channel)
        .where(OutboxMessage.recipient == recipient)
        .where(OutboxMessage.thread == thread)
        .where(OutboxMessage.edit_of.is_(None))
        .order_by(OutboxMessage.id)
        .limit(FIRST_ROWS)
    )
    for row_id, payload in (await session.execute(query)).all():
        if isinstance(payload, dict) and payload.get("kind") == kind:
            return int(row_id)
    return None


def enqueued(session: AsyncSession) -> list[OutboxMessage]:
    """The outbox rows ``enqueue`` added in this session (to deliver them after the commit)."""
    rows: list[OutboxMessage] = session.info.get(ENQUEUED, [])
    return rows


class Held(Exception):
    """The platform will not deliver until the user writes again (outside its window)."""

    def __init__(self, reason: str = WAITING_FOR_USER) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DeadRow:
    """An outbox row that will never be delivered, as the ``on_dead`` hooks see it."""

    channel: str
    recipient: str
    thread: str | None
    payload: dict[str, Any]
    blocked: bool
    """The recipient blocked the bot (or is gone); their other pending rows died with it."""


DeadHook = Callable[[AsyncSession, Sequence[DeadRow], datetime], Awaitable[None]]
"""Called with the rows of one recipient that just died (in a transaction of its own)."""


class Sender(Protocol):
    """A channel's way of delivering a reply to a recipient."""

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> str | None:
        """Delivers the reply or raises ``RetryLater`` / ``Undeliverable``.

        Returns the platform's id of the message carrying the reply's buttons, when the
        platform gives one (kept in the row, so a later edit can rewrite that message).
        """


@runtime_checkable
class Editor(Protocol):
    """A sender that can also rewrite a message it sent (Telegram's editMessageText)."""

    async def edit(
        self, recipient: str, message_ref: str, reply: Reply, *, thread: str | None = None
    ) -> None:
        """Rewrites the message ``message_ref`` with the reply's text and buttons.

        Raises ``RetryLater``, or ``Undeliverable`` when that message cannot be edited.
        """


class NoticeSender(Protocol):
    """A channel's way of reaching a user outside its window: a template by phone (ZNS)."""

    name: str
    """Stored in the row's ``via`` once the notice went."""

    async def send_notice(self, recipient: str, notice: Notice, *, tracking: str) -> None:
        """Sends the notice; ``Held``, ``RetryLater`` or ``Undeliverable`` if it did not go.

        Whatever the failure, the row then waits for the user as it would without a fallback.
        """


_Claimed = tuple[int, str, str, str | None, dict[str, Any], int, str | None, int | None]
"""A claimed row: id, channel, recipient, thread, payload, attempts, via, edit_of."""


@dataclass(frozen=True, slots=True, order=True)
class Queued:
    """An outbox row just committed, with the recipient whose lane it goes in."""

    id: int
    channel: str
    recipient: str


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """Counts of one delivery pass."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    held: int = 0


class Outbox:
    """Claims and delivers outbox rows for the channels that have a sender."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        max_attempts: int = 8,
        write_lock: asyncio.Lock | None = None,
        windows: Mapping[str, timedelta] | None = None,
        on_dead: Sequence[DeadHook] = (),
        keep_every: float = KEEP_EVERY,
        fallbacks: Mapping[str, NoticeSender] | None = None,
    ) -> None:
        # windows: per channel, how long after the user's last message a send may be tried.
        self._keep_every = keep_every
        self._sessions = sessions
        self._windows = dict(windows or {})
        self._write_lock = write_lock
        self._senders = senders
        self._clock = clock
        self._max_attempts = max_attempts
        self._on_dead = tuple(on_dead)
        # Per channel, how a held time-critical row is announced (the dict may be filled later,
        # when the channel's door starts).
        self._fallbacks = fallbacks if fallbacks is not None else {}
        # Background lanes: per recipient, the ids waiting and the task sending them.
        self._lanes: dict[tuple[str, str], list[int]] = {}
        self._lane_tasks: dict[tuple[str, str], asyncio.Task[None]] = {}

    def deliver_soon(self, rows: Iterable[Queued]) -> None:
        """Delivers rows in the background, in order per recipient; returns at once.

        A row whose channel has no sender (the web chat pulls its own) is left for its door.
        What fails here stays pending, leased at most, and the periodic sweep retries it.
        """
        loop = asyncio.get_running_loop()
        for row in rows:
            if row.channel not in self._senders:
                continue
            key = (row.channel, row.recipient)
            self._lanes.setdefault(key, []).append(row.id)
            if key not in self._lane_tasks:
                self._lane_tasks[key] = loop.create_task(self._drain(key))

    async def _drain(self, key: tuple[str, str]) -> None:
        try:
            while ids := self._lanes.pop(key, None):
                try:
                    await self.deliver(ids)
                except Exception:
                    # The rows stay pending: the sweep sends them once their lease expires.
                    logger.exception("background delivery to a %s recipient failed", key[0])
        finally:
            del self._lane_tasks[key]

    async def settle(self) -> None:
        """Waits until the background lanes are empty (tests; shutdown, under a time limit)."""
        while self._lane_tasks:
            await asyncio.wait(list(self._lane_tasks.values()))

    async def close(self, *, grace: float = 5.0) -> None:
        """Gives the background lanes ``grace`` seconds, then stops them.

        Nothing is lost: what they had not sent is pending in the table, for the next sweep.
        """
        try:
            async with asyncio.timeout(grace):
                await self.settle()
            return
        except TimeoutError:
            pass
        tasks = list(self._lane_tasks.values())
        self._lanes.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def deliver(self, ids: Iterable[int]) -> DeliveryReport:
        """The fast path: delivers the rows just committed for one message."""
        wanted = list(ids)
        if not wanted:
            return DeliveryReport()
        return await self._deliver(OutboxMessage.id.in_(wanted))

    async def deliver_due(self, *, limit: int = 200) -> DeliveryReport:
        """The slow path: delivers rows that are due (retries, and rows a crash left behind)."""
        return await self._deliver(None, limit=limit)

    async def _deliver(self, only: object | None, *, limit: int = 200) -> DeliveryReport:
        started = self._clock()
        claimed = await self._claim(only, limit)
        if not claimed:
            return DeliveryReport()
        in_order = [row[0] for row in claimed]
        keeping = list(in_order)
        keeper = asyncio.create_task(self._keep_leases(keeping))
        try:
            return await self._send_claimed(claimed, in_order, keeping, started)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _keep_leases(self, rows: list[int]) -> None:
        """Renews the leases of the rows a pass still holds, until it is cancelled.

        A send may wait its turn for long (Telegram allows a group 20 messages a minute): a
        lease that ran out meanwhile would let the sweep send the same row too. A pass that
        dies stops renewing, and its rows go to another deliverer when their leases run out.
        """
        while True:
            await asyncio.sleep(self._keep_every)
            if not rows:
                continue
            try:
                async with self._sessions.begin() as session:
                    await session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id.in_(list(rows)))
                        .where(OutboxMessage.status == "pending")
                        .where(OutboxMessage.locked_until.is_not(None))
                        .values(locked_until=self._clock() + LEASE)
                    )
            except Exception as exc:
                # The next renewal tries again; the lease is a minute, renewed every 20 s.
                logger.warning("outbox leases not renewed: %s", type(exc).__name__)

    async def _send_claimed(
        self,
        claimed: list[_Claimed],
        in_order: list[int],
        keeping: list[int],
        started: datetime,
    ) -> DeliveryReport:
        sent = retried = dead = held = 0
        stalled: set[tuple[str, str]] = set()
        gone: set[tuple[str, str]] = set()
        waiting: set[tuple[str, str]] = set()
        told: list[int] = []
        for index, row in enumerate(claimed):
            row_id, channel, recipient, thread, payload, attempts, _via, edit_of = row
            keeping[:] = in_order[index:]  # the rows before this one are done with
            key = (channel, recipient)
            if key in gone:
                dead += 1
                continue
            if key in stalled:
                await self._release(row_id)
                continue
            if edit_of is not None:
                done = await self._edit(row, edit_of)
                if done == "retried":
                    stalled.add(key)
                sent, retried = sent + (done == "sent"), retried + (done == "retried")
                dead += done == "dead"
                continue
            if key in waiting or not await self._within_window(channel, recipient):
                # Order is kept: nothing overtakes a held row of the same user.
                waiting.add(key)
                window = self._windows.get(channel)
                cutoff = started - window if window is not None else started
                held += await self._hold(
                    row_id,
                    WAITING_FOR_USER,
                    unless_seen_after=cutoff,
                    announced=await self._announce(row, cutoff),
                )
                continue
            sender = self._senders[channel]
            try:
                ref = await sender.send(recipient, reply_from_payload(payload), thread=thread)
            except Held as exc:
                waiting.add(key)
                held += await self._hold(
                    row_id,
                    exc.reason,
                    unless_seen_after=started,
                    announced=await self._announce(row, started),
                )
            except RetryLater as exc:
                stalled.add(key)
                if attempts + 1 >= self._max_attempts:
                    await self._dead(row_id, exc.reason)
                    dead += 1
                else:
                    await self._retry(row_id, attempts + 1, exc.reason, exc.after)
                    retried += 1
            except Undeliverable as exc:
                died = await self._dead(
                    row_id, exc.reason, blocked_user=key if exc.blocked else None
                )
                first = DeadRow(channel, recipient, thread, payload, exc.blocked)
                told.extend(await self._tell_dead([first, *died]))
                if exc.blocked:
                    gone.add(key)
                dead += 1
            else:
                await self._sent(row_id, ref=ref)
                sent += 1
        if told:
            # What the dead-letter hooks wrote goes out now (after this pass), not next tick.
            extra = await self.deliver(told)
            sent, retried = sent + extra.sent, retried + extra.retried
            dead, held = dead + extra.dead, held + extra.held
        return DeliveryReport(sent, retried, dead, held)

    async def _edit(self, row: _Claimed, edit_of: int) -> str:
        """Rewrites the message an edit row names: "sent", "retried", "dead" or "skipped".

        An edit that cannot be made is given up quietly (no dead-letter hook): the message
        stays as it was, and the messages after it say what changed.
        """
        row_id, channel, recipient, thread, payload, attempts, _via, _edit_of = row
        sender = self._senders[channel]
        async with self._sessions() as session:
            target = (
                await session.execute(
                    select(OutboxMessage.status, OutboxMessage.message_ref)
                    .where(OutboxMessage.id == edit_of)
                    .where(OutboxMessage.channel == channel)
                    .where(OutboxMessage.recipient == recipient)
                )
            ).first()
        if target is not None and target[0] in ("pending", HELD):
            # The message is not out yet (a retry ahead of it): the edit waits its turn.
            return await self._retry_or_die(row_id, attempts, "the message is not sent yet")
        ref = target[1] if target is not None else None
        if ref is None or not isinstance(sender, Editor):
            # Sent before ids were kept, dead, forgotten, or a platform that cannot edit.
            await self._sent(row_id, note=NOTHING_TO_EDIT)
            return "skipped"
        try:
            await sender.edit(recipient, ref, reply_from_payload(payload), thread=thread)
        except RetryLater as exc:
            return await self._retry_or_die(row_id, attempts, exc.reason, exc.after)
        except (Undeliverable, Held) as exc:
            await self._dead(row_id, exc.reason)
            return "dead"
        await self._sent(row_id)
        return "sent"

    async def _retry_or_die(
        self, row_id: int, attempts: int, reason: str, after: float | None = None
    ) -> str:
        if attempts + 1 >= self._max_attempts:
            await self._dead(row_id, reason)
            return "dead"
        await self._retry(row_id, attempts + 1, reason, after)
        return "retried"

    def _writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._write_lock if self._write_lock is not None else contextlib.nullcontext()

    async def _announce(self, row: _Claimed, seen_after: datetime) -> str | None:
        """Sends a held row's notice through its channel's fallback, once; the fallback's name.

        Not when the row has none, was announced already, or its user came back meanwhile
        (the row then goes in the chat). A fallback that cannot send leaves the row to wait.
        """
        row_id, channel, recipient, _thread, payload, _attempts, via, _edit_of = row
        fallback = self._fallbacks.get(channel)
        notice = notice_from_payload(payload)
        if fallback is None or notice is None or via is not None:
            return None
        if await self._seen_after(channel, recipient, seen_after):
            return None
        try:
            await fallback.send_notice(recipient, notice, tracking=f"outbox-{row_id}")
        except (Held, RetryLater, Undeliverable) as exc:
            logger.info("outbox %s not announced by %s: %s", row_id, fallback.name, exc)
            return None
        logger.info("outbox %s announced by %s", row_id, fallback.name)
        return fallback.name

    async def _seen_after(self, channel: str, recipient: str, moment: datetime) -> bool:
        async with self._sessions() as session:
            last_seen = await session.scalar(
                select(Conversation.last_seen_at)
                .where(Conversation.channel == channel)
                .where(Conversation.user_id == recipient)
            )
        return last_seen is not None and last_seen > moment

    async def _claim(self, only: object | None, limit: int) -> list[_Claimed]:
        now = self._clock()
        # A row waits behind an earlier one of its recipient that waits for a retry (a 429's
        # retry_after): taking it now would send it first.
        earlier = aliased(OutboxMessage)
        retry_ahead = (
            exists()
            .where(earlier.channel == OutboxMessage.channel)
            .where(earlier.recipient == OutboxMessage.recipient)
            .where(earlier.id < OutboxMessage.id)
            .where(earlier.status == "pending")
            .where(earlier.next_attempt_at > now)
        )
        async with self._sessions.begin() as session:
            query = (
                select(OutboxMessage.id)
                .where(OutboxMessage.status == "pending")
                .where(OutboxMessage.channel.in_(list(self._senders)))
                .where(or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
                .where(~retry_ahead)
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
            if only is not None:
                query = query.where(only)  # type: ignore[arg-type]
            else:
                query = query.where(OutboxMessage.next_attempt_at <= now)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list((await session.execute(query)).scalars())
            if not ids:
                return []
            # The lease: only rows still pending and unclaimed are taken, in one atomic UPDATE.
            # Without the status test a row another sender sent (and unlocked) between this
            # SELECT and this UPDATE was taken again and sent twice (SQLite has no row locks).
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .where(OutboxMessage.status == "pending")
                .where(or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
                .values(locked_until=now + LEASE)
                .returning(
                    OutboxMessage.id,
                    OutboxMessage.channel,
                    OutboxMessage.recipient,
                    OutboxMessage.thread,
                    OutboxMessage.payload,
                    OutboxMessage.attempts,
                    OutboxMessage.via,
                    OutboxMessage.edit_of,
                )
            )
            rows = sorted(result.all(), key=lambda r: r[0])
        return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]

    async def _sent(self, row_id: int, *, ref: str | None = None, note: str | None = None) -> None:
        marked: dict[str, object] = {"message_ref": ref[:64]} if ref else {}
        if note is not None:
            marked["last_error"] = note
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(status="sent", sent_at=self._clock(), locked_until=None, **marked)
            )

    def may_hold(self, channel: str) -> bool:
        """Whether a row of this channel can ever be held (waiting for the user to write).

        Only a channel with a window, or whose sender may raise ``Held`` (a sender says it
        never does with ``holds = False``), holds rows. The web chat is pulled, never sent:
        its rows are never held, and its messages skip releasing them.
        """
        if channel in self._windows:
            return True
        sender = self._senders.get(channel)
        return sender is not None and bool(getattr(sender, "holds", True))

    async def _within_window(self, channel: str, recipient: str) -> bool:
        window = self._windows.get(channel)
        if window is None:
            return True
        async with self._sessions() as session:
            last_seen = await session.scalar(
                select(Conversation.last_seen_at)
                .where(Conversation.channel == channel)
                .where(Conversation.user_id == recipient)
            )
        return last_seen is not None and self._clock() - last_seen <= window

    async def _hold(
        self,
        row_id: int,
        reason: str,
        *,
        unless_seen_after: datetime,
        announced: str | None = None,
    ) -> int:
        # A user who wrote meanwhile has released their held rows already: this one stays
        # pending instead (the next tick sends it), so it cannot be stranded.
        came_back = (
            select(Conversation.id)
            .where(Conversation.channel == OutboxMessage.channel)
            .where(Conversation.user_id == OutboxMessage.recipient)
            .where(Conversation.last_seen_at > unless_seen_after)
        )
        marked = {"via": announced} if announced is not None else {}
        async with self._sessions.begin() as session:
            if marked:
                # Announced is announced, whether the row is held now or goes in the chat.
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row_id).values(**marked)
                )
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .where(~exists(came_back))
                .values(status=HELD, locked_until=None, last_error=reason[:500])
            )
            if getattr(result, "rowcount", 0) == 1:
                logger.info("outbox %s held: %s", row_id, reason)
                return 1
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(locked_until=None)
            )
            return 0

    async def _release(self, row_id: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(locked_until=None)
            )

    async def _retry(self, row_id: int, attempts: int, reason: str, after: float | None) -> None:
        delay = after if after is not None else min(BASE_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
        logger.info("outbox %s retry %s in %.1fs: %s", row_id, attempts, delay, reason)
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(
                    attempts=attempts,
                    next_attempt_at=self._clock() + timedelta(seconds=delay),
                    locked_until=None,
                    last_error=reason[:500],
                )
            )

    async def _dead(
        self, row_id: int, reason: str, *, blocked_user: tuple[str, str] | None = None
    ) -> list[DeadRow]:
        """Marks the row dead (and a blocked user's pending rows); returns those other rows."""
        died: list[DeadRow] = []
        logger.warning("outbox %s undeliverable: %s", row_id, reason)
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(status="dead", locked_until=None, last_error=reason[:500])
            )
            if blocked_user is not None:
                channel, recipient = blocked_user
                await session.execute(
                    update(Conversation)
                    .where(Conversation.channel == channel)
                    .where(Conversation.user_id == recipient)
                    .values(blocked=True)
                )
                # Nothing more can reach a user who blocked the bot until they write again.
                result = await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.channel == channel)
                    .where(OutboxMessage.recipient == recipient)
                    .where(OutboxMessage.status == "pending")
                    .values(status="dead", last_error="recipient blocked the bot")
                    .returning(OutboxMessage.thread, OutboxMessage.payload)
                )
                died = [DeadRow(channel, recipient, t, p, True) for t, p in result.all()]
        return died

    async def _tell_dead(self, rows: Sequence[DeadRow]) -> list[int]:
        """Runs the ``on_dead`` hooks; returns the ids of the rows they wrote."""
        if not self._on_dead:
            return []
        now = self._clock()
        written: list[int] = []
        for hook in self._on_dead:
            try:
                async with self._sessions.begin() as session:
                    await hook(session, rows, now)
                    await session.flush()
                    ids = [row.id for row in enqueued(session)]
                written.extend(ids)
            except Exception:
                # The row stays dead: a hook's failure must not bring the message back.
                logger.exception("outbox on_dead hook failed")
        return written

    async def take_pending(self, channel: str, recipient: str) -> list[Reply]:
        """Takes the undelivered replies of a pull channel (the web chat) and marks them sent.

        One atomic UPDATE claims them: two polls at once never both get the same reply.
        """
        now = self._clock()
        async with self._writing(), self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.channel == channel)
                .where(OutboxMessage.recipient == recipient)
                .where(OutboxMessage.status == "pending")
                .values(status="sent", sent_at=now, locked_until=None)
                .returning(OutboxMessage.id, OutboxMessage.payload)
                .execution_options(synchronize_session=False)
            )
            rows = sorted(result.all(), key=lambda r: r[0])
        return [reply_from_payload(payload) for _id, payload in rows]


async def release_held(
    session: AsyncSession, *, channel: str, recipient: str, now: datetime
) -> list[int]:
    """Puts the user's held rows back to pending (they just wrote); returns their ids in order."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel)
        .where(OutboxMessage.recipient == recipient)
        .where(OutboxMessage.status == HELD)
        .values(status="pending", next_attempt_at=now, locked_until=None)
        .returning(OutboxMessage.id)
    )
    return sorted(result.scalars())
