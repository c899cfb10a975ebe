"""End to end on Telegram: a business books, staff approve from the group, the invite arrives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import icalendar
from pydantic import SecretStr

from booking_support import OPENING, tax_codes
from fakes.telegram_server import TelegramFake
from support import Clock
from troly.bot.settings import Settings
from troly.bot.staff import add_staff
from troly.handlers.app import build_runtime, create_app

USER = 2002
STAFF = 5
GROUP = -1001234
SLOW = 15.0  # the door sends at most one message a second to a chat


def button(message: dict[str, Any], prefix: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for b in row:
            if b.get("callback_data", "").startswith(prefix):
                return str(b["callback_data"])
    raise AssertionError(f"no button {prefix!r} in {message}")


async def test_a_business_books_on_telegram_and_gets_the_invite_after_staff_approve(
    tmp_path: Path,
) -> None:
    async with TelegramFake(local_mode=True) as fake:
        fake.add_group(GROUP, forum=True, bot_can_manage_topics=True)
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp_path / 'tg.db'}",
            telegram_token=SecretStr(fake.token),
            telegram_api_url=fake.base_url.removesuffix("/bot"),
            staff_chat_id=GROUP,
        )
        clock = Clock(OPENING)
        runtime = build_runtime(settings, clock=clock)
        app, rt = create_app(settings, runtime=runtime, scheduler=False)
        async with app.router.lifespan_context(app):
            async with rt.sessions.begin() as session:
                await add_staff(
                    session,
                    channel="telegram",
                    user_id=str(STAFF),
                    name="Lan",
                    role="agent",
                    now=clock(),
                )
            sent = 0

            async def say(text: str) -> dict[str, Any]:
                nonlocal sent
                await fake.user_says(USER, text)
                sent += 1
                return (await fake.wait_for_messages(USER, sent, SLOW))[-1]

            async def press(message: dict[str, Any], data: str) -> dict[str, Any]:
                nonlocal sent
                await fake.user_presses(USER, int(message["message_id"]), data)
                sent += 1
                return (await fake.wait_for_messages(USER, sent, SLOW))[-1]

            listing = await say("/dangky")
            assert "14:00 Thứ Năm, 17/12/2026" in listing["text"]
            consent = await press(listing, button(listing, "book:s:"))
            ask_tax = await press(consent, "book:consent:yes")
            assert "Mã số thuế" in ask_tax["text"]
            await say(next(tax_codes()))
            await say("Công ty <Sông Mã> & Cộng sự")
            await say("Lê Văn Bình")
            topics = await say("0912345678")
            await press(topics, "book:t:moitruong")
            remember = await say("Xả thải của khu công nghiệp bên cạnh")
            summary = await press(remember, "book:keep:no")
            assert "Công ty <Sông Mã> & Cộng sự" in summary["text"]  # escaped, shown as typed
            made = await press(summary, "book:confirm")
            assert "DT-" in made["text"]

            [card] = await fake.wait_for_messages(GROUP, 1, SLOW)
            assert "Công ty <Sông Mã> & Cộng sự" in card["text"]
            approve = button(card, "scr:ok:")
            await fake.user_presses(STAFF, int(card["message_id"]), approve, chat_id=GROUP)
            group = await fake.wait_for_messages(GROUP, 2, SLOW)
            assert "Đã duyệt" in group[1]["text"]
            messages = await fake.wait_for_messages(USER, sent + 2, SLOW)
            texts = " ".join(str(m.get("text") or m.get("caption") or "") for m in messages)
            assert "đã được xác nhận" in texts
            [invite] = [m for m in messages if m.get("document")]
            assert invite["file_name"].endswith(".ics")
        assert fake.errors == []
    [event] = icalendar.Calendar.from_ical(invite["document"]["content"]).walk("VEVENT")
    assert event.decoded("dtstart") == OPENING.replace(day=17, hour=14)
    assert str(event.decoded("dtstart").tzinfo) == "Asia/Ho_Chi_Minh"
