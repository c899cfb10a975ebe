"""The door answers its own person at once; everyone else is served in the background, each
outbox row by exactly one sender: the fast path, the background lanes, the sweep and the web
chat's polls never send the same row twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import GROUP, World
from support import VN, Chat, Clock, RecordingSender
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Incoming, Reply
from troly.bot.outbox import Outbox, Queued
from troly.bot.settings import Settings
from troly.bot.storage.database import create_engine, session_factory, upgrade
from troly.bot.storage.models import OutboxMessage
from troly.handlers.app import WebChat
from troly.knowledge.index import ProcedureIndex

WEB_USER = "web-7"


class GatedSender:
    """A Telegram sender that holds every message until the test opens the gate (a staff
    group that has used up its 20 messages a minute)."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.arrived = asyncio.Event()
        self.sent: list[tuple[str, Reply]] = []
        self.waiting = 0

    async def send(self, recipient: str, reply: Reply, *, thread: str | None = None) -> None:
        self.waiting += 1
        self.arrived.set()
        await self.gate.wait()
        self.waiting -= 1
        self.sent.append((recipient, reply))


async def _file_on_the_web(chat: WebChat) -> str:
    async def say(text: str | None = None, choice: str | None = None) -> list[Reply]:
        return await chat.handle(Incoming("web", WEB_USER, text=text, choice=choice))

    await say("/phananh")
    await say(choice="pf:topic:thue")
    await say("Hoàn thuế GTGT chậm 2 tháng")
    for step in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:0"):
        await say(choice=step)
    [filed] = await say(choice="pf:submit")
    return filed.text.split("Mã theo dõi: ")[1].split()[0]


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage.channel, OutboxMessage.status))).all()
    found: dict[str, list[str]] = {}
    for channel, status in rows:
        found.setdefault(channel, []).append(status)
    return found


async def test_a_web_petition_gets_its_code_while_the_staff_group_is_throttled(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    world = World(sessions, index, Clock(datetime(2026, 11, 23, 9, 0, tzinfo=VN)))
    staff = GatedSender()
    outbox = Outbox(sessions=sessions, senders={"telegram": staff}, clock=world.clock)
    chat = WebChat(dialogue=world.dialogue, outbox=outbox, index=world.index)

    code = await _file_on_the_web(chat)

    assert code.startswith("PA-")
    # The business has its code; the staff card is still waiting for the group's turn.
    await asyncio.wait_for(staff.arrived.wait(), timeout=5)
    assert staff.waiting == 1
    assert staff.sent == []
    staff.gate.set()
    await asyncio.wait_for(outbox.settle(), timeout=5)
    [(recipient, card)] = staff.sent
    assert recipient == GROUP
    assert code in card.text
    statuses = await _statuses(sessions)
    assert set(statuses["web"]) == {"sent"}
    assert statuses["telegram"] == ["sent"]


async def test_a_poll_between_the_commit_and_the_response_takes_nothing_twice(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock()
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
    )
    outbox = Outbox(sessions=sessions, senders={}, clock=clock)
    handled = await dialogue.handle(
        Incoming(channel="web", user_id=WEB_USER, choice="start", event_id="m1"), in_response=True
    )
    # The page's poll comes in before the POST has answered: the reply is the POST's alone.
    assert await outbox.take_pending("web", WEB_USER) == []
    assert len(handled.replies) == 1
    again = await dialogue.earlier(
        Incoming(channel="web", user_id=WEB_USER, choice="start", event_id="m1")
    )
    assert again.replies == handled.replies


async def test_two_polls_at_once_never_both_take_a_reply(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock()
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
    )
    for _ in range(5):
        await Chat(dialogue, channel="web").press(WEB_USER, "start")
    outbox = Outbox(sessions=sessions, senders={}, clock=clock)
    taken = await asyncio.gather(*(outbox.take_pending("web", WEB_USER) for _ in range(4)))
    assert sum(len(replies) for replies in taken) == 5


class _SelectsThenWaits:
    """A session factory whose first SELECT (the sweep's look for due rows) waits, once, for
    ``meanwhile`` to run before it returns: the fast path sends the rows in between."""

    def __init__(
        self, real: async_sessionmaker[AsyncSession], meanwhile: Callable[[], Awaitable[Any]]
    ) -> None:
        self._real = real
        self._meanwhile: Callable[[], Awaitable[Any]] | None = meanwhile

    def __call__(self) -> AsyncSession:
        return self._real()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Any]:
        async with self._real.begin() as session:
            yield _Pausing(session, self)

    async def after_select(self) -> None:
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()


class _Pausing:
    def __init__(self, session: AsyncSession, owner: _SelectsThenWaits) -> None:
        self._session = session
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        result = await self._session.execute(statement, *args, **kwargs)
        if isinstance(statement, Select):
            await self._owner.after_select()
        return result


async def test_the_sweep_never_sends_again_a_row_the_fast_path_sent_meanwhile(
    tmp_path: Path, index: ProcedureIndex
) -> None:
    await _race(f"sqlite:///{tmp_path / 'race.db'}", index)


@pytest.mark.postgres
async def test_on_postgresql_too_the_sweep_never_sends_a_row_twice(
    pg_url: str, index: ProcedureIndex
) -> None:
    await _race(pg_url, index)


async def _race(database: str, index: ProcedureIndex) -> None:
    engine = create_engine(database)
    await upgrade(engine)
    try:
        sessions = session_factory(engine)
        clock = Clock()
        dialogue = Dialogue(
            sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
        )
        handled = await dialogue.handle(Incoming(channel="telegram", user_id="42", choice="start"))
        sender = RecordingSender()
        fast = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)

        async def fast_path() -> None:
            await fast.deliver(handled.outbox_ids)

        sweep = Outbox(
            sessions=_SelectsThenWaits(sessions, fast_path),  # type: ignore[arg-type]
            senders={"telegram": sender},
            clock=clock,
        )
        await sweep.deliver_due()
        assert [recipient for recipient, _ in sender.sent] == ["42"]
        assert await _statuses(sessions) == {"telegram": ["sent"]}
    finally:
        await engine.dispose()


@pytest.fixture
async def file_sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A database file: lanes run at once, each on a connection of its own, as in service."""
    engine = create_engine(f"sqlite:///{tmp_path / 'lanes.db'}")
    await upgrade(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_background_lanes_keep_each_recipients_order_and_hold_up_no_one_else(
    file_sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    sessions = file_sessions
    clock = Clock()
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
    )
    slow = GatedSender()
    quick = RecordingSender()
    outbox = Outbox(sessions=sessions, senders={"telegram": slow, "zalo_bot": quick}, clock=clock)
    rows = []
    for user in ("1", "1", "1"):
        rows.append((await dialogue.handle(Incoming("telegram", user, choice="start"))).outbox_ids)
    zalo = (await dialogue.handle(Incoming("zalo_bot", "9", choice="start"))).outbox_ids
    for ids in rows:
        outbox.deliver_soon(Queued(i, "telegram", "1") for i in ids)
    outbox.deliver_soon(Queued(i, "zalo_bot", "9") for i in zalo)
    # The Zalo user is served while the Telegram lane waits.
    for _ in range(50):
        if quick.sent:
            break
        await asyncio.sleep(0.01)
    assert [recipient for recipient, _ in quick.sent] == ["9"]
    assert slow.sent == []
    slow.gate.set()
    await asyncio.wait_for(outbox.settle(), timeout=5)
    assert len(slow.sent) == 3
    async with sessions() as session:
        sent_order = list(
            await session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.channel == "telegram")
                .order_by(OutboxMessage.sent_at, OutboxMessage.id)
            )
        )
    assert sent_order == sorted(i for ids in rows for i in ids)


async def test_shutdown_leaves_what_a_lane_could_not_send_to_the_sweep(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    clock = Clock()
    dialogue = Dialogue(
        sessions=sessions, index=index, settings=Settings(environment="test"), clock=clock
    )
    stuck = GatedSender()
    outbox = Outbox(sessions=sessions, senders={"telegram": stuck}, clock=clock)
    handled = await dialogue.handle(Incoming("telegram", "5", choice="start"))
    outbox.deliver_soon(Queued(i, "telegram", "5") for i in handled.outbox_ids)
    await asyncio.wait_for(stuck.arrived.wait(), timeout=5)
    await outbox.close(grace=0.05)
    assert await _statuses(sessions) == {"telegram": ["pending"]}
    # The lease runs out; the sweep of the next start sends it, once.
    clock.advance(seconds=61)
    sender = RecordingSender()
    after = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)
    assert (await after.deliver_due()).sent == 1
    assert [recipient for recipient, _ in sender.sent] == ["5"]
