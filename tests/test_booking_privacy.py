"""A tax code is no secret: typing another business's tax code in ``/dangky`` must not reveal
its booking, and the real owner who comes later is given a way on, never a dead end."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from booking_support import OPENING, dialogue_for, session_settings, tax_codes
from support import Chat, Clock, choices
from troly.bot.petitions.model import Petition
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def web(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> Chat:
    return Chat(dialogue_for(sessions, index, session_settings(), Clock(OPENING)), "web")


async def _start(web: Chat, user: str) -> None:
    [listing] = await web.say(user, "/dangky")
    await web.press(user, choices(listing)[0])
    await web.press(user, "book:consent:yes")


async def _book(web: Chat, user: str, tax_code: str) -> str:
    await _start(web, user)
    for text in (tax_code, "Công ty TNHH Sông Mã", "Lê Văn Bình", "0912 345 678"):
        await web.say(user, text)
    await web.press(user, "book:t:datdai")
    await web.say(user, "Dự án chậm được giao đất")
    await web.press(user, "book:keep:no")
    [made] = await web.press(user, "book:confirm")
    start = made.text.index("DT-")
    return made.text[start : start + 9]


async def test_another_chat_typing_a_registered_tax_code_learns_nothing_and_may_retype(
    web: Chat,
) -> None:
    codes = tax_codes()
    taken_code, own_code = next(codes), next(codes)
    booking_code = await _book(web, "an", taken_code)

    await _start(web, "mallory")
    [taken] = await web.say("mallory", taken_code)
    assert taken.text.startswith("Mã số thuế này đã được đăng ký cho buổi tiếp này.")
    for secret in (booking_code, "chờ xét duyệt", "Sông Mã", "Lê Văn Bình", "0912345678"):
        assert secret not in taken.text
    assert choices(taken) == ["human", "cancel"]
    # A typo: the flow still waits for the tax code and goes on with the right one.
    [ask_name] = await web.say("mallory", own_code)
    assert ask_name.text == "Tên doanh nghiệp?"


async def test_the_real_owner_who_comes_later_can_ask_an_officer_with_a_note(
    sessions: async_sessionmaker[AsyncSession], web: Chat, index: ProcedureIndex
) -> None:
    tax_code = next(tax_codes())
    await _book(web, "impostor", tax_code)
    # Without a live handoff (no hours set), «Gặp cán bộ» says so, then opens the petition form.
    settings = session_settings(handoff_hours="")
    web = Chat(dialogue_for(sessions, index, settings, Clock(OPENING)), "web")

    await _start(web, "owner")
    [taken] = await web.say("owner", tax_code)
    assert "human" in choices(taken)
    [why, intro] = await web.press("owner", "human")
    assert why.kind == "handoff:not_here"
    # The petition starts from a note saying what happened, with the tax code typed.
    assert "chuyển câu hỏi của bạn đến cán bộ" in intro.text
    assert f"Mã số thuế {tax_code} của doanh nghiệp tôi đã được đăng ký" in intro.text
    assert "14:00 17/12/2026" in intro.text
    await web.press("owner", "pf:topic:khac")
    await web.press("owner", "pf:keep")
    await web.press("owner", "pf:done")
    await web.press("owner", "pf:commune:none")
    await web.press("owner", "pf:public:0")
    await web.press("owner", "pf:consent:0")
    [filed] = await web.press("owner", "pf:submit")
    assert "Mã theo dõi: PA-" in filed.text
    async with sessions() as session:
        [petition] = (await session.execute(select(Petition))).scalars()
    assert tax_code in petition.description


async def test_cancelling_after_a_taken_tax_code_ends_the_registration(web: Chat) -> None:
    tax_code = next(tax_codes())
    await _book(web, "an", tax_code)
    await _start(web, "binh")
    await web.say("binh", tax_code)
    [cancelled] = await web.press("binh", "cancel")
    assert cancelled.text.startswith("Đã hủy đăng ký đang làm dở.")
    [menu] = await web.say("binh", next(tax_codes()))
    assert menu.kind != "booking:summary"


async def test_a_tax_code_taken_between_the_check_and_the_confirmation_is_not_revealed(
    sessions: async_sessionmaker[AsyncSession], web: Chat
) -> None:
    tax_code = next(tax_codes())
    # Binh types the flow through to the summary; meanwhile An books the same tax code.
    await _start(web, "binh")
    for text in (tax_code, "Công ty B", "Trần Bình", "0987654321"):
        await web.say("binh", text)
    await web.press("binh", "book:t:thue")
    await web.say("binh", "Hoàn thuế chậm")
    await web.press("binh", "book:keep:no")
    booking_code = await _book(web, "an", tax_code)
    [taken] = await web.press("binh", "book:confirm")
    assert taken.text.startswith("Mã số thuế này đã được đăng ký cho buổi tiếp này.")
    assert booking_code not in taken.text
    assert choices(taken) == ["human", "cancel"]
    # An, who made it, is shown it on a second tap (the booking is theirs).
    [again] = await web.press("an", "book:confirm")
    assert booking_code in again.text
