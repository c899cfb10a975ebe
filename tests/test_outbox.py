"""The outbox: nothing lost on failure, retry_after honoured, order kept, no double sends."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import VN, Chat, Clock, RecordingSender, blocked, retry
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Incoming
from troly.bot.outbox import DeadRow, Outbox
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import Conversation, OutboxMessage
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def outbox(
    sessions: async_sessionmaker[AsyncSession], sender: RecordingSender, clock: Clock
) -> Outbox:
    return Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock, max_attempts=3)


@pytest.fixture
def chat(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock) -> Chat:
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
    )
    return Chat(dialogue, channel="telegram")


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


async def test_the_fast_path_delivers_what_was_just_committed(
    chat: Chat, outbox: Outbox, sender: RecordingSender
) -> None:
    handled = await chat.dialogue.handle(Incoming(channel="telegram", user_id="42", choice="start"))
    report = await outbox.deliver(handled.outbox_ids)
    assert report.sent == 1
    assert [recipient for recipient, _ in sender.sent] == ["42"]


async def test_a_rate_limited_send_waits_retry_after_then_goes_out(
    chat: Chat,
    outbox: Outbox,
    sender: RecordingSender,
    clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await chat.press("42", "start")
    sender.fail_next(retry(after=30))
    first = await outbox.deliver_due()
    assert (first.sent, first.retried) == (0, 1)
    clock.advance(seconds=29)
    assert (await outbox.deliver_due()).sent == 0
    clock.advance(seconds=2)
    assert (await outbox.deliver_due()).sent == 1
    assert await _statuses(sessions) == ["sent"]


async def test_a_users_replies_keep_their_order_when_one_fails(
    chat: Chat, outbox: Outbox, sender: RecordingSender, clock: Clock
) -> None:
    await chat.press("42", "start")
    await chat.press("42", "menu:help")
    sender.fail_next(retry(after=5))
    await outbox.deliver_due()
    assert sender.sent == []
    clock.advance(seconds=6)
    await outbox.deliver_due()
    texts = [reply.text for _, reply in sender.sent]
    assert len(texts) == 2
    assert "Xin chào" in texts[0]
    assert "Cách dùng" in texts[1]


async def test_backoff_gives_up_after_the_attempts_allowed(
    chat: Chat,
    outbox: Outbox,
    sender: RecordingSender,
    clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await chat.press("42", "start")
    sender.fail_next(retry(), retry(), retry())
    for _ in range(3):
        await outbox.deliver_due()
        clock.advance(minutes=30)
    assert await _statuses(sessions) == ["dead"]


async def test_a_user_who_blocked_the_bot_is_marked_and_not_retried(
    chat: Chat,
    outbox: Outbox,
    sender: RecordingSender,
    clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await chat.press("42", "start")
    await chat.press("42", "menu:help")
    sender.fail_next(blocked())
    report = await outbox.deliver_due()
    assert report.dead == 2
    clock.advance(hours=1)
    assert (await outbox.deliver_due()).sent == 0
    assert await _statuses(sessions) == ["dead", "dead"]
    async with sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.blocked is True
    await chat.press("42", "start")
    async with sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.blocked is False


async def test_two_deliverers_at_once_send_each_reply_once(
    chat: Chat,
    sessions: async_sessionmaker[AsyncSession],
    sender: RecordingSender,
    clock: Clock,
) -> None:
    for user in range(20):
        await chat.press(str(user), "start")
    a = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)
    b = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)
    await asyncio.gather(a.deliver_due(), b.deliver_due())
    recipients = sorted(int(r) for r, _ in sender.sent)
    assert recipients == list(range(20))


async def test_the_web_channel_takes_its_pending_replies_once(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex, clock: Clock
) -> None:
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
    )
    await Chat(dialogue, channel="web").press("s1", "start")
    outbox = Outbox(sessions=sessions, senders={}, clock=clock)
    first = await outbox.take_pending("web", "s1")
    second = await outbox.take_pending("web", "s1")
    assert len(first) == 1
    assert second == []


KILLED_WORKER = textwrap.dedent(
    """
    import asyncio, os, sys
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from troly.bot.dialogue import Dialogue
    from troly.bot.messages import Incoming
    from troly.bot.settings import Settings
    from troly.bot.knowledge import build_index
    from troly.bot.storage.database import create_engine, session_factory, upgrade

    async def main():
        settings = Settings(environment="test", database_url=sys.argv[1])
        engine = create_engine(settings.database_url)
        await upgrade(engine)
        dialogue = Dialogue(
            sessions=session_factory(engine),
            index=build_index(settings),
            settings=settings,
            clock=lambda: datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")),
        )
        incoming = Incoming(channel="telegram", user_id="77", text="khôi phục mã số thuế")
        await dialogue.handle(incoming)
        print("committed", flush=True)
        os.kill(os.getpid(), 9)  # dies between the commit and the send

    asyncio.run(main())
    """
)


async def test_a_process_killed_between_commit_and_send_loses_no_reply(
    tmp_path: Path, sender: RecordingSender
) -> None:
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_WORKER,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    stdout, _ = await asyncio.wait_for(worker.communicate(), timeout=120)
    assert worker.returncode == -9
    assert "committed" in stdout.decode()
    engine = create_engine(url)
    try:
        await upgrade(engine)
        # The worker wrote its row at the real time; the restart comes a minute later.
        later = Clock(datetime.now(VN) + timedelta(minutes=1))
        restarted = Outbox(
            sessions=session_factory(engine), senders={"telegram": sender}, clock=later
        )
        report = await restarted.deliver_due()
    finally:
        await engine.dispose()
    assert report.sent == 1
    [(recipient, reply)] = sender.sent
    assert recipient == "77"
    assert reply.kind == "procedure:1.008510"


async def test_the_dead_letter_hooks_hear_of_a_blocked_users_rows_once_and_cannot_undo_them(
    chat: Chat,
    sender: RecordingSender,
    clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    heard: list[list[tuple[str, str, bool, str]]] = []

    async def listen(session: AsyncSession, rows: Sequence[DeadRow], now: datetime) -> None:
        heard.append([(r.channel, r.recipient, r.blocked, r.payload["text"][:8]) for r in rows])

    async def fail(session: AsyncSession, rows: Sequence[DeadRow], now: datetime) -> None:
        raise RuntimeError("a job's hook failed")

    outbox = Outbox(
        sessions=sessions, senders={"telegram": sender}, clock=clock, on_dead=(fail, listen)
    )
    await chat.press("42", "start")
    await chat.press("42", "menu:help")
    sender.fail_next(blocked())
    report = await outbox.deliver_due()
    assert report.dead == 2
    # One call for the row that failed and the pending one that died with it.
    assert heard == [[("telegram", "42", True, "Xin chào"), ("telegram", "42", True, "Cách dùn")]]
    assert await _statuses(sessions) == ["dead", "dead"]
    # A rate limit that runs out of attempts is not "undeliverable": no hook is told.
    heard.clear()
    await chat.press("43", "start")
    for _ in range(8):
        sender.fail_next(retry(after=1))
        await outbox.deliver_due()
        clock.advance(seconds=2)
    assert heard == []
