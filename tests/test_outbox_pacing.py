"""The outbox with a paced sender (the staff group: 20 messages a minute): a row waiting its
turn longer than its lease is still sent once (the pass that holds it keeps renewing the
lease), and after a 429 the recipient's next rows wait behind the one that got it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Clock, RecordingSender, retry
from troly.bot.messages import Reply
from troly.bot.outbox import Outbox, enqueue
from troly.bot.storage.models import OutboxMessage

GROUP = "-100123"


@dataclass
class TurnSender:
    """A sender whose sends wait for their turn, given by the test."""

    sent: list[str] = field(default_factory=list)
    waiting: asyncio.Event = field(default_factory=asyncio.Event)
    turn: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> None:
        self.waiting.set()
        await self.turn.wait()
        self.sent.append(reply.text)


async def leases_renewed(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """Waits until every pending row's lease lasts beyond the clock's present."""
    async with asyncio.timeout(5):
        while True:
            async with sessions() as session:
                leases = list(
                    await session.scalars(
                        select(OutboxMessage.locked_until).where(OutboxMessage.status == "pending")
                    )
                )
            if leases and all(lease is not None and lease > clock() for lease in leases):
                return
            await asyncio.sleep(0.01)


async def test_a_card_waiting_longer_than_its_lease_is_not_sent_again_by_the_sweep(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    sender = TurnSender()
    outbox = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock, keep_every=0.01)
    async with sessions.begin() as session:
        rows = [
            enqueue(
                session, channel="telegram", recipient=GROUP, reply=Reply(f"PA-{n}"), now=clock()
            )
            for n in range(3)
        ]
        await session.flush()
        ids = [row.id for row in rows]

    paced = asyncio.create_task(outbox.deliver(ids))
    await sender.waiting.wait()  # the first card waits for the group's turn
    clock.advance(minutes=5)  # far past the claim's lease
    await leases_renewed(sessions, clock)
    sweep = await outbox.deliver_due()
    sender.turn.set()
    report = await paced

    assert sweep.sent == 0
    assert report.sent == 3
    assert sender.sent == ["PA-0", "PA-1", "PA-2"]


async def test_after_a_429_the_next_cards_wait_behind_the_one_that_got_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    sender = RecordingSender()
    outbox = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)
    async with sessions.begin() as session:
        rows = [
            enqueue(session, channel="telegram", recipient=GROUP, reply=Reply(text), now=clock())
            for text in ("PA-1", "PA-2")
        ]
        await session.flush()
        ids = [row.id for row in rows]
    sender.fail_next(retry(after=10))

    first = await outbox.deliver(ids)
    clock.advance(seconds=2)
    sweep = await outbox.deliver_due()
    clock.advance(seconds=10)
    later = await outbox.deliver_due()

    assert (first.retried, sweep.sent, later.sent) == (1, 0, 2)
    assert [reply.text for _, reply in sender.sent] == ["PA-1", "PA-2"]
