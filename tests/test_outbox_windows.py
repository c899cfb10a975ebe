"""The outbox and a channel's interaction window: held outside it, released when the user
writes, never stranded when the user comes back while a row is being held."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Clock, RecordingSender
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Incoming, Reply, reply_to_payload
from troly.bot.outbox import Held, Outbox
from troly.bot.settings import Settings
from troly.bot.storage.models import OutboxMessage
from troly.knowledge.index import ProcedureIndex

WEEK = timedelta(days=7)


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error).order_by(OutboxMessage.id)
        )
        return [(r[0], r[1]) for r in rows]


async def _remind(sessions: async_sessionmaker[AsyncSession], clock: Clock, text: str) -> None:
    async with sessions.begin() as session:
        session.add(
            OutboxMessage(
                channel="zalo_oa", recipient="u1", payload=reply_to_payload(Reply(text)),
                status="pending", attempts=0, next_attempt_at=clock(), created_at=clock(),
            )
        )  # fmt: skip


async def test_rows_outside_the_window_are_held_in_order_and_released_by_the_next_message(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock()
    sender = RecordingSender()
    outbox = Outbox(sessions=sessions, senders={"zalo_oa": sender}, clock=clock,
                    windows={"zalo_oa": WEEK})  # fmt: skip
    dialogue = Dialogue(sessions=sessions, index=index, settings=Settings(environment="test"),
                        clock=clock, may_hold=outbox.may_hold)  # fmt: skip
    handled = await dialogue.handle(Incoming(channel="zalo_oa", user_id="u1", text="/menu"))
    await outbox.deliver(handled.outbox_ids)
    clock.advance(days=7, seconds=1)
    await _remind(sessions, clock, "first reminder")
    await _remind(sessions, clock, "second reminder")
    report = await outbox.deliver_due()
    assert (report.sent, report.held) == (0, 2)
    assert len(sender.sent) == 1

    handled = await dialogue.handle(Incoming(channel="zalo_oa", user_id="u1", text="/trogiup"))
    await outbox.deliver(handled.outbox_ids)
    texts = [reply.text for _, reply in sender.sent[1:]]
    assert texts[:2] == ["first reminder", "second reminder"]
    assert [s for s, _ in await _rows(sessions)] == ["sent"] * 4


def test_only_a_channel_with_a_window_or_a_sender_that_may_hold_holds_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    class NeverHolds(RecordingSender):
        holds = False

    senders = {
        "zalo_oa": RecordingSender(),
        "telegram": NeverHolds(),
        "zalo_bot": RecordingSender(),
    }
    outbox = Outbox(sessions=sessions, senders=senders, clock=Clock(), windows={"zalo_oa": WEEK})
    held = {
        channel: outbox.may_hold(channel) for channel in ("zalo_oa", "telegram", "zalo_bot", "web")
    }
    # The web chat is pulled, never sent: nothing of it is ever held.
    assert held == {"zalo_oa": True, "telegram": False, "zalo_bot": True, "web": False}


async def test_a_platform_window_refusal_holds_and_a_returning_user_is_never_stranded(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock()
    sender = RecordingSender()
    outbox = Outbox(sessions=sessions, senders={"zalo_oa": sender}, clock=clock,
                    windows={"zalo_oa": WEEK})  # fmt: skip
    dialogue = Dialogue(sessions=sessions, index=index, settings=Settings(environment="test"),
                        clock=clock, may_hold=outbox.may_hold)  # fmt: skip
    await dialogue.handle(Incoming(channel="zalo_oa", user_id="u1", text="/menu"))
    sender.fail_next(Held())
    report = await outbox.deliver_due()
    assert report.held == 1
    assert await _rows(sessions) == [("held", "waiting for the user")]

    # The user writes while a delivery pass is holding a row: that row stays pending.
    await _remind(sessions, clock, "reminder")
    started = clock()
    clock.advance(seconds=1)
    await dialogue.handle(Incoming(channel="zalo_oa", user_id="u1", text="/trogiup"))
    reminder_id = 2
    assert await outbox._hold(reminder_id, "waiting for the user", unless_seen_after=started) == 0
    assert [s for s, _ in await _rows(sessions)] == ["pending", "pending", "pending"]
