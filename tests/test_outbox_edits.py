"""Outbox edits: a row may rewrite the message an earlier row sent (Telegram's
editMessageText), by the platform id the sender gave back; what cannot be edited is let go."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Clock, RecordingSender, retry
from troly.bot.messages import Button, Reply
from troly.bot.outbox import NOTHING_TO_EDIT, Outbox, Undeliverable, enqueue, first_of_kind
from troly.bot.storage.models import OutboxMessage

GROUP = "-100"
THREAD = "topic:petition:PA-1"


@dataclass
class EditingSender(RecordingSender):
    """Records sends (each gets a message id) and edits, like a platform that can edit."""

    edits: list[tuple[str, str, Reply]] = field(default_factory=list)
    edit_failures: list[Exception] = field(default_factory=list)
    _next: int = 100

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> str:
        await super().send(recipient, reply, thread=thread)
        self._next += 1
        return str(self._next)

    async def edit(
        self, recipient: str, message_ref: str, reply: Reply, *, thread: str | None = None
    ) -> None:
        if self.edit_failures:
            raise self.edit_failures.pop(0)
        self.edits.append((recipient, message_ref, reply))


CARD = Reply("Phản ánh PA-1", ((Button("🙋 Nhận xử lý", choice="ps:claim:PA-1"),),), kind="card")
TAKEN = Reply("Phản ánh PA-1\nNgười xử lý: Lan", ((Button("Đóng", choice="ps:close:PA-1"),),))


async def _write(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, reply: Reply, edit_of: int | None
) -> int:
    async with sessions.begin() as session:
        row = enqueue(
            session,
            channel="telegram",
            recipient=GROUP,
            reply=reply,
            now=clock(),
            thread=THREAD,
            edit_of=edit_of,
        )
        await session.flush()
        return row.id


async def _row(sessions: async_sessionmaker[AsyncSession], row_id: int) -> OutboxMessage:
    async with sessions() as session:
        found = await session.get(OutboxMessage, row_id)
        assert found is not None
        return found


async def test_an_edit_rewrites_the_message_its_row_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock, sender = Clock(), EditingSender()
    outbox = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)
    card = await _write(sessions, clock, CARD, None)
    await outbox.deliver([card])
    async with sessions() as session:
        found = await first_of_kind(
            session, channel="telegram", recipient=GROUP, thread=THREAD, kind="card"
        )
    edit = await _write(sessions, clock, TAKEN, found)

    report = await outbox.deliver([edit])

    assert (found, report.sent, (await _row(sessions, card)).message_ref) == (card, 1, "101")
    assert [(recipient, ref, reply.text) for recipient, ref, reply in sender.edits] == [
        (GROUP, "101", "Phản ánh PA-1\nNgười xử lý: Lan")
    ]
    assert len(sender.sent) == 1  # an edit is not a new message


async def test_an_edit_waits_for_its_message_and_follows_it_in_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock, sender = Clock(), EditingSender()
    outbox = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)
    sender.fail_next(retry(after=5))
    card = await _write(sessions, clock, CARD, None)
    edit = await _write(sessions, clock, TAKEN, card)

    first = await outbox.deliver([card, edit])
    clock.advance(seconds=6)
    then = await outbox.deliver_due()

    assert (first.sent, first.retried, then.sent) == (0, 1, 2)
    assert [ref for _, ref, _ in sender.edits] == ["101"]


async def test_an_edit_with_nothing_to_edit_or_refused_is_let_go_quietly(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock, sender = Clock(), EditingSender()
    told: list[object] = []

    async def on_dead(*args: object) -> None:
        told.append(args)

    outbox = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock, on_dead=[on_dead])
    plain = Outbox(sessions=sessions, senders={"telegram": RecordingSender()}, clock=clock)
    # A message sent by a sender that gives no id (or before ids were kept): no edit.
    old = await _write(sessions, clock, CARD, None)
    await plain.deliver([old])
    skipped = await _write(sessions, clock, TAKEN, old)
    await outbox.deliver([skipped])
    # The platform refuses the edit (the message was deleted): dead, and no hook is told.
    card = await _write(sessions, clock, CARD, None)
    await outbox.deliver([card])
    sender.edit_failures.append(Undeliverable("message to edit not found"))
    refused = await _write(sessions, clock, TAKEN, card)
    report = await outbox.deliver([refused])

    assert ((await _row(sessions, skipped)).status, (await _row(sessions, skipped)).last_error) == (
        "sent",
        NOTHING_TO_EDIT,
    )
    assert (report.dead, (await _row(sessions, refused)).status, told, sender.edits) == (
        1,
        "dead",
        [],
        [],
    )
    async with sessions() as session:
        statuses = list(
            await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))
        )
    assert statuses == ["sent", "sent", "sent", "dead"]
