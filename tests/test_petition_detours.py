"""Where a petition asks its topic, a new procedure question is answered as a question; a
description of two letters is refused politely."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Chat, Clock
from troly.bot.dialogue import Dialogue
from troly.bot.messages import Channel
from troly.bot.settings import Settings
from troly.bot.wiring import effect_appliers
from troly.knowledge.index import ProcedureIndex


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
    channel: Channel = request.param
    return Chat(dialogue, channel=channel)


@pytest.mark.parametrize(
    ("locale", "left", "field"),
    [("vi", "dừng phản ánh đang soạn", "lĩnh vực nào"), ("en", "stopped the petition", "about")],
)
async def test_a_new_question_where_the_petition_asks_its_topic_is_answered(
    chat: Chat, locale: str, left: str, field: str
) -> None:
    await chat.say("an", f"/{locale}")
    await chat.say("an", "cấp lại giấy phép")
    # «Không phải các thủ tục trên»: no officer chats here, so a petition carries the question.
    [_why, intro] = await chat.press("an", "human")
    [notice, *answer] = await chat.say("an", "giay phep xay dung")
    # A topic typed as a word is still the topic, not a question.
    await chat.press("an", "human")
    [description] = await chat.say("an", "xây dựng" if locale == "vi" else "Construction")

    assert field in intro.text
    assert left in notice.text
    assert answer[0].kind.startswith(("procedure:", "choose")), answer[0].kind
    assert "giấy phép xây dựng" in answer[0].text.lower() + " ".join(
        b.label.lower() for b in answer[0].all_buttons()
    )
    assert description.kind != answer[0].kind


async def test_a_complaint_typed_where_the_topic_is_asked_stays_in_the_petition(
    chat: Chat,
) -> None:
    await chat.say("an", "/phananh")
    replies = await chat.say(
        "an", "Hồ sơ cấp phép xây dựng của tôi quá hạn 20 ngày chưa có kết quả"
    )

    assert [r.kind.startswith(("procedure:", "choose")) for r in replies] == [False] * len(replies)
    assert "lĩnh vực nào" in replies[-1].text


@pytest.mark.parametrize(
    ("locale", "asked"), [("vi", "Bạn viết giúp một câu"), ("en", "a sentence")]
)
async def test_a_two_letter_description_is_refused_and_a_sentence_asked_for(
    chat: Chat, locale: str, asked: str
) -> None:
    await chat.say("an", f"/{locale}")
    await chat.say("an", "/phananh")
    await chat.press("an", "pf:topic:xaydung")
    [short] = await chat.say("an", "ab")
    [files] = await chat.say("an", "Hồ sơ cấp phép xây dựng quá hạn 20 ngày")

    assert asked in short.text
    assert "pf:done" in [b.choice for b in files.all_buttons()]
