"""Answer cards read whole on a phone: a fee note shared by every channel is said once and never
cut in a sentence; a shortened procedure name keeps the words that tell it apart."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Chat, Clock
from troly.bot.dialogue import Dialogue
from troly.bot.settings import Settings
from troly.knowledge.index import ProcedureIndex


@pytest.fixture
def chat(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> Chat:
    settings = Settings(environment="test")
    dialogue = Dialogue(sessions=sessions, index=index, settings=settings, clock=Clock())
    return Chat(dialogue, channel="telegram")


@pytest.mark.parametrize(
    ("locale", "online", "note"),
    [("vi", "Trực tuyến", "📝 Ghi chú: Mức lệ phí"), ("en", "Online", "📝 Note: Mức lệ phí")],
)
async def test_a_fee_note_shared_by_every_channel_is_said_once_and_whole(
    chat: Chat, locale: str, online: str, note: str
) -> None:
    await chat.say("an", f"/{locale}")
    [fee] = await chat.say("an", "lệ phí đăng ký thành lập hộ kinh doanh bao nhiêu")

    lines = fee.text.splitlines()
    assert fee.kind == "procedure:1.001612"
    assert fee.text.count("Mức lệ phí cụ thể") == 1
    assert [line for line in lines if line.startswith("• ")] == [
        f"• {online}, {'Dịch vụ bưu chính' if locale == 'vi' else 'By post'}: "
        + ("150.000 đồng" if locale == "vi" else "150.000 VND"),
        f"• {'Trực tiếp' if locale == 'vi' else 'In person'}: "
        + ("50.000 đồng" if locale == "vi" else "50.000 VND"),
    ]
    [shown] = [line for line in lines if line.startswith(note)]
    # Whole sentences only: the note ends with one, or with "…" after one.
    assert re.search(r"[.)]( …)?$", shown)
    assert len(fee.text) <= 600


async def test_a_long_procedure_name_is_shortened_in_the_middle_keeping_its_end(
    chat: Chat,
) -> None:
    # The full name ends «(Công trình không theo tuyến/…/Dự án) và nhà ở riêng lẻ».
    [card] = await chat.press("an", "proc:1.013225")
    [docs] = await chat.press("an", "sec:1.013225:docs:0")
    [fee] = await chat.press("an", "asp:1.013225:fee")

    titles = [card.text.splitlines()[0], docs.text.splitlines()[1], fee.text.splitlines()[0]]
    assert [title.endswith(") và nhà ở riêng lẻ") for title in titles] == [True] * 3
    assert [title.startswith("📄 Cấp giấy phép xây dựng mới") for title in titles] == [True] * 3
    assert [len(title) <= 152 for title in titles] == [True] * 3
    assert "…" in titles[1]


async def test_a_card_drops_another_provinces_name_and_the_steps_dumped_where_to_submit(
    chat: Chat,
) -> None:
    # The record, from Hà Nội's portal, names «Sở Nông nghiệp và Môi trường Thành phố Hà Nội» and
    # puts "* Cách thực hiện: Nộp hồ sơ về … * Thời hạn giải quyết: …" in its in-person channel.
    [card] = await chat.press("an", "proc:1.014262")

    lines = card.text.splitlines()
    assert "🏢 Cơ quan giải quyết: Sở Nông nghiệp và Môi trường" in lines
    assert "Hà Nội" not in card.text
    [where] = [line for line in lines if line.startswith("📍 Nơi nộp: ")]
    assert where == (
        "📍 Nơi nộp: Nộp hồ sơ về cơ quan tiếp nhận hồ sơ giải quyết thủ tục hành chính do Chủ"
        " tịch Ủy ban nhân dân cấp tỉnh phân công."
    )
