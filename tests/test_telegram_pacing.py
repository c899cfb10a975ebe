"""Telegram pacing: the real sender and PTB against the fake Bot API, which answers 429 to
anything over Telegram's limits. Time is the fake's clock, moved by the pacer's sleeps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ApplicationBuilder

from fakes.telegram_server import FloodLimits, ManualClock, TelegramFake
from support import Clock
from troly.bot.messages import Reply
from troly.bot.outbox import Outbox, enqueue
from troly.bot.settings import Settings
from troly.bot.storage.models import OutboxMessage
from troly.handlers.app import build_runtime, create_app
from troly.handlers.pacing import PaceLimits, Pacer
from troly.handlers.telegram import PacedRateLimiter, TelegramSender, pace_limits
from troly.knowledge.index import ProcedureIndex

GROUP = -100123
LONG_LINE = "Giấy đề nghị đăng ký doanh nghiệp theo mẫu, bản sao giấy tờ pháp lý cá nhân. "


class VirtualTime:
    """The pacer's sleep: moves the fake's clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    async def sleep(self, seconds: float) -> None:
        target = self.clock.now + seconds
        await asyncio.sleep(0)  # the others waiting at the same moment go first
        self.clock.now = max(self.clock.now, target)


@pytest.fixture
async def fake() -> AsyncIterator[TelegramFake]:
    # Telegram's numbers, with the per-chat burst held to the sender's own (3).
    flood = FloodLimits(per_chat_burst=3)
    async with TelegramFake(local_mode=True, clock=ManualClock(), flood=flood) as fake:
        fake.add_group(GROUP)
        for user in range(1001, 1041):
            fake.add_user(user, started=True)
        yield fake


@pytest.fixture
async def sender(fake: TelegramFake) -> AsyncIterator[TelegramSender]:
    assert isinstance(fake.clock, ManualClock)
    pacer = Pacer(
        pace_limits(Settings(environment="test")),
        clock=fake.clock,
        sleep=VirtualTime(fake.clock).sleep,
    )
    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .rate_limiter(PacedRateLimiter(pacer))
        .build()
    )
    async with application:
        yield TelegramSender(application)


def texts(fake: TelegramFake, chat: int) -> list[str]:
    return [message["text"] for message in fake.sent_to(chat)]


async def test_a_burst_to_one_group_arrives_in_order_without_a_429(
    fake: TelegramFake, sender: TelegramSender
) -> None:
    cards = [f"Phản ánh PA-{n:04d}" for n in range(45)]

    await asyncio.gather(*(sender.send(str(GROUP), Reply(card)) for card in cards))

    assert texts(fake, GROUP) == cards
    assert fake.errors == []


async def test_bursts_to_many_chats_keep_every_limit_and_each_chats_order(
    fake: TelegramFake, sender: TelegramSender
) -> None:
    people = range(1001, 1041)
    sends = [
        sender.send(str(person), Reply(f"{person}: {n}")) for n in range(5) for person in people
    ]
    sends += [sender.send(str(GROUP), Reply(f"nhóm: {n}")) for n in range(25)]

    await asyncio.gather(*sends)

    assert fake.errors == []
    assert all(texts(fake, person) == [f"{person}: {n}" for n in range(5)] for person in people)
    assert texts(fake, GROUP) == [f"nhóm: {n}" for n in range(25)]


async def test_a_busy_chat_does_not_hold_up_the_others(
    fake: TelegramFake, sender: TelegramSender
) -> None:
    busy = [asyncio.create_task(sender.send("1001", Reply(f"bận {n}"))) for n in range(20)]
    await asyncio.sleep(0)
    others = [sender.send(str(person), Reply("chào")) for person in range(1002, 1012)]

    await asyncio.gather(*others, *busy)

    order = [str(message["chat_id"]) for message in fake.sent]
    fifth_of_busy = [i for i, chat in enumerate(order) if chat == "1001"][4]
    assert all(order.index(str(person)) < fifth_of_busy for person in range(1002, 1012))
    assert fake.errors == []


async def test_long_cards_split_into_pieces_are_paced_too(
    fake: TelegramFake, sender: TelegramSender
) -> None:
    card = "\n".join(f"{n}. {LONG_LINE}" for n in range(120))  # about 3 messages each
    assert len(card) > 2 * 4096

    await asyncio.gather(*(sender.send("1001", Reply(f"{i}\n{card}")) for i in range(5)))

    sent = texts(fake, 1001)
    assert len(sent) >= 15
    starts = [i for i, text in enumerate(sent) if text.split("\n", 1)[0] in "01234"]
    assert [sent[i].split("\n", 1)[0] for i in starts] == ["0", "1", "2", "3", "4"]
    assert fake.errors == []


async def test_a_429_that_still_comes_is_honoured_and_logged_as_a_warning(
    fake: TelegramFake,
    sender: TelegramSender,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    outbox = Outbox(sessions=sessions, senders={"telegram": sender}, clock=clock)
    async with sessions.begin() as session:
        row = enqueue(
            session, channel="telegram", recipient="1001", reply=Reply("Xin chào"), now=clock()
        )
        await session.flush()
        row_id = row.id
    fake.inject_429(times=1, retry_after=7, methods=["sendMessage"])
    tried_at = clock()

    first = await outbox.deliver([row_id])
    async with sessions() as session:
        waiting = await session.scalar(select(OutboxMessage).where(OutboxMessage.id == row_id))
    early = await outbox.deliver_due()
    clock.advance(seconds=7)
    later = await outbox.deliver_due()

    assert (first.retried, early.sent, later.sent) == (1, 0, 1)
    assert waiting is not None
    assert waiting.next_attempt_at == tried_at + timedelta(seconds=7)
    assert texts(fake, 1001) == ["Xin chào"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == ["telegram 429 for chat 1001: retry after 7 s"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert all(r.exc_info is None for r in warnings)
    assert fake.errors == []


def test_several_workers_share_the_bots_overall_and_group_limits() -> None:
    one = pace_limits(Settings(environment="test"))
    each_of_three = pace_limits(Settings(environment="test", workers=3))

    assert one == PaceLimits(
        chat_per_second=1.0, chat_burst=3, group_per_minute=20, overall_per_second=30
    )
    assert each_of_three == PaceLimits(
        chat_per_second=1.0, chat_burst=3, group_per_minute=6, overall_per_second=10
    )


async def test_a_button_press_whose_answer_gets_a_429_is_still_handled(
    tmp_path: Path, index: ProcedureIndex, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with TelegramFake(local_mode=True) as fake:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
        )
        app, _ = create_app(settings, runtime=build_runtime(settings, index=index), scheduler=False)
        async with app.router.lifespan_context(app):
            await fake.user_says(1001, "khôi phục mã số thuế")
            [card] = await fake.wait_for_messages(1001, 1)
            [docs] = [
                button["callback_data"]
                for row in card["reply_markup"]["inline_keyboard"]
                for button in row
                if button.get("callback_data", "").endswith(":docs:0")
            ]
            fake.inject_429(times=1, retry_after=3, methods=["answerCallbackQuery"])
            await fake.user_presses(1001, int(card["message_id"]), docs)
            messages = await fake.wait_for_messages(1001, 2)

    assert "Hồ sơ cần chuẩn bị" in messages[1]["text"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "telegram 429 on a button answer: retry after 3 s" in warnings
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
