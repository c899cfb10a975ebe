"""Transcripts: correcting one detail of a petition or a registration changes that detail only.

A new phone number does not re-ask consent, the name and the tax code; the summary comes back
with everything else as it was. On the web and Telegram channels, in Vietnamese and English.
"""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_support import tax_codes
from support import Chat, Clock, choices, describe_petition
from troly.bot.dialogue import Dialogue
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.bot.wiring import effect_appliers
from troly.knowledge.index import ProcedureIndex

TAX_CODE = "0300588569"


@pytest.fixture(params=["web", "telegram"])
def chat(
    request: pytest.FixtureRequest,
    sessions: async_sessionmaker[AsyncSession],
    index: ProcedureIndex,
) -> Chat:
    settings = Settings(environment="test")
    dialogue = Dialogue(
        sessions=sessions,
        index=index,
        settings=settings,
        clock=Clock(),
        appliers=effect_appliers(settings),
    )
    return Chat(dialogue, channel=request.param)


@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_correcting_a_petitions_phone_number_asks_only_for_the_phone(
    chat: Chat, locale: str
) -> None:
    await chat.say("an", f"/{locale}")
    await describe_petition(chat, "an", topic="thue", description="Hồ sơ hoàn thuế chờ quá hạn")
    for step in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:1"):
        await chat.press("an", step)
    await chat.say("an", "Công ty TNHH Sông Mã")
    await chat.say("an", TAX_CODE)
    await chat.say("an", "0912345678")

    [which] = await chat.press("an", "pf:edit")
    [ask_phone] = await chat.press("an", "pf:edit:phone")
    [summary] = await chat.say("an", "0987 654 321")

    assert choices(which)[-3:] == ["pf:edit:name", "pf:edit:tax_code", "pf:edit:phone"]
    assert ask_phone.text == t("identity.ask_phone", locale)
    assert summary.kind == "petition:confirm"
    kept = [value in summary.text for value in ("0987654321", "Công ty TNHH Sông Mã", TAX_CODE)]
    assert kept == [True, True, True]
    assert "0912345678" not in summary.text


async def test_correcting_a_petitions_name_keeps_the_tax_code_and_phone(chat: Chat) -> None:
    await describe_petition(chat, "an", topic="thue", description="Hồ sơ hoàn thuế chờ quá hạn")
    for step in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:1"):
        await chat.press("an", step)
    await chat.say("an", "Công ty TNHH Sông Mã")
    await chat.say("an", TAX_CODE)
    await chat.say("an", "0912345678")

    await chat.press("an", "pf:edit:name")
    [summary] = await chat.say("an", "Công ty CP Sông Chu")

    assert summary.kind == "petition:confirm"
    assert ("Công ty CP Sông Chu" in summary.text, "0912345678" in summary.text) == (True, True)


@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_correcting_a_registrations_phone_number_asks_only_for_the_phone(
    chat: Chat, locale: str
) -> None:
    await chat.say("an", f"/{locale}")
    [listing] = await chat.say("an", "/dangky")
    session = next(c for c in choices(listing) if c.startswith("book:s:"))
    await chat.press("an", session)
    await chat.press("an", "book:consent:yes")
    await chat.say("an", next(tax_codes()))
    await chat.say("an", "Công ty TNHH Sông Mã")
    await chat.say("an", "Lê Văn Bình")
    await chat.say("an", "0912 345 678")
    await chat.press("an", "book:t:datdai")
    await chat.say("an", "Dự án chậm được giao đất")
    await chat.press("an", "book:keep:no")

    [which] = await chat.press("an", "book:edit")
    [ask_phone] = await chat.press("an", "book:edit:phone")
    [summary] = await chat.say("an", "0987 654 321")

    assert which.text == t("booking.edit_which", locale)
    assert ask_phone.text == t("booking.ask_phone", locale)
    assert summary.kind == "booking:summary"
    assert ("0987654321" in summary.text, "Lê Văn Bình" in summary.text) == (True, True)
    assert "0912345678" not in summary.text
