"""Transcripts: words work as well as commands, complaints are offered a petition, a business
with an open petition is asked whether a message is for it, and cancelling asks first.

On the web and Telegram channels, in Vietnamese and English, through the real appliers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Chat, Clock, choices, describe_petition
from troly.bot.dialogue import Dialogue
from troly.bot.flows.words import code_in, command_of_words, is_complaint
from troly.bot.messages import Reply
from troly.bot.settings import Settings
from troly.bot.texts import t
from troly.bot.wiring import effect_appliers, open_petition
from troly.knowledge.index import ProcedureIndex

DOORS = ["web", "telegram"]


@pytest.fixture(params=DOORS)
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
        open_petition=open_petition(),
    )
    return Chat(dialogue, channel=request.param)


async def file_petition(chat: Chat, user: str, description: str) -> str:
    await describe_petition(chat, user, topic="xaydung", description=description)
    for step in ("pf:done", "pf:commune:none", "pf:public:0", "pf:consent:0"):
        await chat.press(user, step)
    [filed] = await chat.press(user, "pf:submit")
    code = code_in(filed.text)
    assert code is not None
    return code


def texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("menu", "menu.title"),
        ("Menu ạ", "menu.title"),
        ("phản ánh", "petition.intro"),
        ("phan anh", "petition.intro"),
        ("tôi muốn gửi kiến nghị", "petition.intro"),
        ("hủy", "menu.nothing_to_cancel"),
        ("thôi", "menu.nothing_to_cancel"),
        ("tra cứu", "petition.lookup_usage"),
    ],
)
async def test_a_word_does_what_its_command_does(chat: Chat, said: str, expected: str) -> None:
    replies = await chat.say("an", said)

    assert replies[0].text.split("\n")[0] == t(expected, "vi").split("\n")[0]


async def test_english_words_and_command_aliases_work_in_english(chat: Chat) -> None:
    await chat.say("an", "/en")

    [petition] = await chat.say("an", "I want to make a complaint")
    [cancelled] = await chat.say("an", "cancel")
    [alias] = await chat.say("an", "/petition")
    await chat.say("an", "/cancel")
    [menu] = await chat.say("an", "/menu")
    [status] = await chat.say("an", "/status")
    [data] = await chat.say("an", "/mydata")

    assert petition.text.startswith(t("petition.intro", "en").split("\n")[0])
    assert cancelled.text == t("menu.cancelled_petition", "en")
    assert alias.text.startswith(t("petition.intro", "en").split("\n")[0])
    assert menu.text == t("menu.title", "en")
    assert status.text == t("petition.mine_none", "en")
    assert data.text.startswith(t("data.none", "en"))


async def test_booking_words_open_the_registration(chat: Chat) -> None:
    for said in ("đăng ký gặp chủ tịch", "/book"):
        [reply] = await chat.say("an", said)
        # The sessions of the coming months are planned on first use and listed.
        assert reply.text.split("\n")[0] == t("booking.choose_session", "vi").split("\n")[0]
        assert any(c.startswith("book:s:") for c in choices(reply))


async def test_a_petition_code_anywhere_in_a_message_is_looked_up(chat: Chat) -> None:
    code = await file_petition(chat, "an", "Chờ cấp phép xây dựng đã 40 ngày")

    [found] = await chat.say("an", f"cho tôi tra cứu {code.lower()} với")
    [stranger] = await chat.say("binh", f"tra cứu {code}")

    assert code in found.text
    assert stranger.text == t("petition.lookup_none", "vi")


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("vi", "hồ sơ của tôi 3 tháng chưa xong"),
        ("vi", "làm ăn kiểu gì mà chậm thế"),
        ("vi", "lam an kieu gi ma cham the"),
        ("en", "This is unacceptable, we are still waiting"),
    ],
)
async def test_a_complaint_is_offered_a_petition_and_a_person(
    chat: Chat, locale: str, said: str
) -> None:
    await chat.say("an", f"/{locale}")

    [offer] = await chat.say("an", said)
    [petition] = await chat.press("an", "menu:petition")

    assert (offer.text, choices(offer)) == (
        t("complaint.offer", locale),
        ["menu:petition", "human", "menu:ask"],
    )
    # What was written is carried into the petition as its description.
    assert said in petition.text


async def test_a_business_with_an_open_petition_is_asked_whether_a_message_is_for_it(
    chat: Chat,
) -> None:
    code = await file_petition(chat, "an", "Chờ cấp phép xây dựng đã 40 ngày")

    [asked] = await chat.say("an", "Tôi gửi thêm bản vẽ đã sửa theo yêu cầu")
    [added] = await chat.press("an", f"pb:for:{code}")
    [again] = await chat.say("an", "thủ tục cấp giấy phép xây dựng cần giấy tờ gì")
    answered = await chat.press("an", f"pb:notfor:{code}")
    [later] = await chat.say("an", "lệ phí bao nhiêu")

    assert (asked.text, choices(asked)) == (
        t("petition.open_ask", "vi", code=code),
        [f"pb:for:{code}", f"pb:notfor:{code}"],
    )
    assert added.text == t("petition.info_sent", "vi", code=code)
    assert again.kind == "petition:open"
    # Answered as the question it is: the building permits (named on their buttons when offered).
    shown = texts(answered) + "\n".join(b.label for r in answered for b in r.all_buttons())
    assert "giấy phép" in shown.lower() and "xây dựng" in shown.lower()
    # Told "no" once, it is not asked again about that petition that day.
    assert later.kind != "petition:open"


async def test_a_business_without_an_open_petition_is_answered_directly(chat: Chat) -> None:
    [card] = await chat.say("an", "thủ tục cấp giấy phép xây dựng cần giấy tờ gì")

    assert card.kind != "petition:open"


async def test_typing_cancel_after_a_description_asks_first_and_says_what_it_dropped(
    chat: Chat,
) -> None:
    await describe_petition(
        chat,
        "an",
        topic="thue",
        description="Hồ sơ hoàn thuế của công ty đã quá hạn hai tháng mà chưa có trả lời",
    )

    [asked] = await chat.say("an", "hủy")
    [resumed] = await chat.press("an", "cancel:no")
    [asked_again] = await chat.say("an", "thôi")
    [cancelled] = await chat.press("an", "cancel:yes")

    assert (asked.text, choices(asked)) == (
        t("menu.cancel_confirm_petition", "vi"),
        ["cancel:yes", "cancel:no"],
    )
    assert "pf:done" in choices(resumed)  # back at the files step, the description kept
    assert asked_again.text == asked.text
    assert cancelled.text == "Đã hủy phản ánh đang soạn. Bạn cần gì tiếp theo?"


async def test_cancel_before_anything_was_written_needs_no_question(chat: Chat) -> None:
    await chat.say("an", "/en")
    await chat.say("an", "feedback")

    [cancelled] = await chat.say("an", "stop")

    assert cancelled.text == t("menu.cancelled_petition", "en")


def _questions() -> list[str]:
    found = []
    for path in sorted((Path(__file__).parent / "data").glob("*_questions.jsonl")):
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
            found += [row["question"] for row in rows if "question" in row]
    return found


def test_no_procedure_question_of_the_question_sets_reads_as_a_word_or_a_complaint() -> None:
    questions = _questions()

    taken = [q for q in questions if command_of_words(q) or code_in(q) or is_complaint(q)]

    assert (len(questions) > 2000, taken) == (True, [])


async def test_the_kiosks_forget_drops_everything_typed_in_the_conversation(chat: Chat) -> None:
    await describe_petition(
        chat, "an", topic="thue", description="Công ty TNHH Sông Mã chờ hoàn thuế, gọi 0912345678"
    )

    [forgotten] = await chat.press("an", "forget")
    [nothing] = await chat.say("an", "/huy")
    [intro] = await chat.press("an", "menu:petition")

    assert forgotten.text == t("menu.forgotten", "vi")
    assert nothing.text == t("menu.nothing_to_cancel", "vi")
    # Nothing of the last description is carried into a new petition.
    assert "Sông Mã" not in intro.text


@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_the_commune_is_chosen_by_taps_first_letter_then_name(
    chat: Chat, locale: str
) -> None:
    await chat.say("an", f"/{locale}")
    await describe_petition(
        chat,
        "an",
        topic="datdai",
        description="Chờ cấp giấy chứng nhận quyền sử dụng đất đã 3 tháng",
    )
    [ask] = await chat.press("an", "pf:done")

    [letters] = await chat.press("an", "pf:letters")
    [first_page] = await chat.press("an", "pf:letter:T")
    [second_page] = await chat.press("an", "pf:letter:T:2")
    picked = next(c for c in choices(second_page) if c.startswith("pf:commune:"))
    [public] = await chat.press("an", picked)

    assert choices(ask) == ["pf:letters", "pf:commune:none"]
    assert {"pf:letter:A", "pf:letter:Đ", "pf:letter:T"} <= set(choices(letters))
    names = [b.label for b in first_page.all_buttons() if (b.choice or "").startswith("pf:commune")]
    assert (len(names), all(n.split(" ", 1)[1].startswith("T") for n in names)) == (10, True)
    assert "pf:letter:T:3" in choices(second_page)
    assert sorted(choices(public)) == ["pf:public:0", "pf:public:1"]


async def test_communes_under_a_letter_come_in_vietnamese_alphabetical_order(chat: Chat) -> None:
    await describe_petition(
        chat, "an", topic="datdai", description="Chờ cấp giấy chứng nhận quyền sử dụng đất lâu"
    )
    await chat.press("an", "pf:done")
    pages = [await chat.press("an", f"pf:letter:T:{n}") for n in (1, 2, 3)]
    names = [
        b.label.split(" ", 1)[1]
        for [page] in pages
        for b in page.all_buttons()
        if (b.choice or "").startswith("pf:commune")
    ]
    shown = [n for n in names if n.startswith(("Thạch", "Thăng", "Thắng", "Tân", "Thanh", "Thành"))]
    # a < ă < â letter by letter, then the tones: Thạch < Thăng < Thắng, Thắng Lộc < Thắng Lợi.
    assert shown.index("Thạch Bình") < shown.index("Thăng Bình") < shown.index("Thắng Lộc")
    assert shown.index("Thắng Lộc") < shown.index("Thắng Lợi")
    assert shown.index("Tân Dân") < shown.index("Thạch Bình")
    assert shown.index("Thanh Quân") < shown.index("Thành Vinh") < shown.index("Thăng Bình")
