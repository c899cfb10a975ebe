"""One person's Telegram updates are handled in the order sent; different people's at once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram import Update
from tests.fakes.telegram_server import TelegramFake
from tests.test_telegram_e2e import USER, _settings, running

from troly.handlers.telegram_order import PerSenderOrder


def _update(update_id: int, user_id: int, text: str) -> Update:
    sender = {"id": user_id, "is_bot": False, "first_name": "A"}
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": user_id, "type": "private"},
        "from": sender,
        "text": text,
    }
    update = Update.de_json({"update_id": update_id, "message": message}, None)
    assert update is not None
    return update


async def _handled(log: list[str], name: str, release: asyncio.Event | None) -> None:
    log.append(f"{name} starts")
    if release is not None:
        await release.wait()
    log.append(f"{name} ends")


async def test_one_senders_updates_wait_for_each_other_in_order() -> None:
    order = PerSenderOrder(64)
    log: list[str] = []
    slow_first = asyncio.Event()
    first = asyncio.create_task(
        order.process_update(_update(1, 7, "a"), _handled(log, "first", slow_first))
    )
    second = asyncio.create_task(
        order.process_update(_update(2, 7, "b"), _handled(log, "second", None))
    )
    other = asyncio.create_task(
        order.process_update(_update(3, 8, "c"), _handled(log, "other", None))
    )
    await asyncio.sleep(0.01)
    # Another person is not held up; the same person's second message waits for the first.
    assert log == ["first starts", "other starts", "other ends"]
    slow_first.set()
    await asyncio.gather(first, second, other)
    assert log[3:] == ["first ends", "second starts", "second ends"]
    assert order._locks == {} and order._waiting == {}  # nothing kept per person afterwards


async def test_a_failed_update_does_not_block_the_next_one() -> None:
    order = PerSenderOrder(4)

    async def fails() -> None:
        raise RuntimeError("boom")

    log: list[str] = []
    failing = asyncio.create_task(order.process_update(_update(1, 7, "a"), fails()))
    after = asyncio.create_task(
        order.process_update(_update(2, 7, "b"), _handled(log, "next", None))
    )
    results: list[Any] = await asyncio.gather(failing, after, return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert log == ["next starts", "next ends"]


async def test_a_question_and_its_follow_ups_sent_at_once_are_answered_in_order(
    tmp_path: Path,
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        async with running(_settings(fake, tmp_path)):
            # Three messages typed quickly: no waiting for the card in between.
            await fake.user_says(USER, "khôi phục mã số thuế")
            await fake.user_says(USER, "thế còn lệ phí?")
            await fake.user_says(USER, "nộp ở đâu?")
            card, fee, where = await fake.wait_for_messages(USER, 3)
            assert card["text"].startswith("📄 Khôi phục mã số thuế")
            assert fee["text"].splitlines()[:2] == ["📄 Khôi phục mã số thuế", "💰 Phí, lệ phí"]
            assert where["text"].startswith("📄 Khôi phục mã số thuế")
            assert where["text"] != fee["text"]
        assert fake.errors == []
