"""The main menu on every door: «Gửi phản ánh» among five buttons (the Zalo OA's limit keeps
them buttons), in Vietnamese and English; the other language is a command or a word away."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from petition_world import World
from support import Clock
from troly.bot.messages import Channel
from troly.handlers import telegram
from troly.handlers.zalo import bot as zalo_bot
from troly.handlers.zalo import oa as zalo_oa
from troly.knowledge.index import ProcedureIndex

LABELS = {"vi": "📝 Gửi phản ánh, kiến nghị", "en": "📝 Send feedback or a request"}
ASKS_FIELD = {"vi": "Phản ánh của bạn về lĩnh vực nào?", "en": "What is it about?"}


@pytest.mark.parametrize("channel", ["web", "telegram", "zalo_oa", "zalo_bot", "cli"])
@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_every_doors_menu_offers_gửi_phản_ánh_that_starts_a_petition(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    channel: Channel,
    locale: str,
) -> None:
    world = World(sessions, index, Clock(), channel=channel)
    if locale == "en":
        await world.say("/en")
    [welcome] = await world.press("start")
    [title] = await world.say("menu")
    buttons = {b.choice: b.label for b in welcome.all_buttons()}

    assert buttons["menu:petition"] == LABELS[locale]
    assert {b.choice: b.label for b in title.all_buttons()} == buttons
    assert len(buttons) <= zalo_oa.MAX_BUTTONS
    [intro] = await world.press("menu:petition")
    assert ASKS_FIELD[locale] in intro.text


async def test_the_menu_stays_buttons_on_the_zalo_oa_and_telegram(
    sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex
) -> None:
    world = World(sessions, index, Clock(), channel="zalo_oa")
    [welcome] = await world.press("start")

    messages, _choices = zalo_oa.render(welcome)
    payloads = [b["payload"] for b in messages[-1]["attachment"]["payload"]["buttons"]]
    keyboard = telegram.keyboard_for(welcome)
    assert keyboard is not None
    callbacks = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    numbered = zalo_bot.render(welcome)

    assert "menu:petition" in payloads and "menu:petition" in callbacks
    assert "📝 Gửi phản ánh, kiến nghị" in "\n".join(numbered.pieces)


@pytest.mark.parametrize(
    ("word", "expected"), [("English", "Switched to English."), ("tiếng việt", None)]
)
async def test_the_other_language_is_a_word_away(
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
    word: str,
    expected: str | None,
) -> None:
    world = World(sessions, index, Clock(), channel="telegram")
    [welcome] = await world.press("start")
    [switched] = await world.say(word)

    assert "🌐 English: /en" in welcome.text
    assert switched.text == (expected or "Đã chuyển sang tiếng Việt.")
