"""«Ý bạn là…» fits a phone: the question, then one short button per procedure that says what
tells it apart; the words the choices share are said once, above the buttons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from support import Chat, Clock, choices
from troly.bot.answers import reply_for
from troly.bot.choice_labels import MAX_LABEL, short_labels
from troly.bot.dialogue import Dialogue
from troly.bot.settings import Settings
from troly.handlers.terminal import render_terminal
from troly.handlers.zalo import bot as zalo_bot
from troly.knowledge.index import Decision, ProcedureIndex

DATA = Path(__file__).parent / "data"
BUILDING = [
    "Gia hạn Giấy phép xây dựng, cải tạo, nâng cấp đường ngang",
    "Gia hạn giấy phép xây dựng đối với công trình cấp III, cấp IV (công trình Không theo "
    "tuyến/Theo tuyến trong đô thị/Dự án) và nhà ở riêng lẻ",
    "Gia hạn giấy phép xây dựng đối với công trình cấp đặc biệt, cấp I, cấp II (Công trình "
    "không theo tuyến/Dự án)",
    "Gia hạn giấy phép xây dựng công trình thiết yếu, dùng chung với đường sắt",
]
COMPANY = [
    "Đăng ký thành lập công ty cổ phần",
    "Đăng ký thành lập công ty hợp danh",
    "Đăng ký thành lập công ty TNHH một thành viên",
    "Đăng ký thành lập công ty TNHH hai thành viên trở lên",
]
TAX = [
    "Đăng ký thuế lần đầu đối với người nộp thuế là cá nhân, người phụ thuộc",
    "Khôi phục mã số thuế",
    "Đăng ký thuế lần đầu đối với người nộp thuế là tổ chức (trừ trường hợp đăng ký thuế "
    "theo cơ chế một cửa liên thông qua cơ quan đăng ký kinh doanh)",
]


@pytest.fixture
def chat(sessions: async_sessionmaker[AsyncSession], index: ProcedureIndex) -> Chat:
    settings = Settings(environment="test")
    return Chat(Dialogue(sessions=sessions, index=index, settings=settings, clock=Clock()))


def test_the_shared_words_go_above_and_each_button_keeps_what_differs() -> None:
    company, building, tax = short_labels(COMPANY), short_labels(BUILDING), short_labels(TAX)

    assert (company.lead, company.labels) == (
        "Đăng ký thành lập công ty",
        ("cổ phần", "hợp danh", "TNHH một thành viên", "TNHH hai thành viên trở lên"),
    )
    assert building.lead == "Gia hạn Giấy phép xây dựng"
    assert building.labels[0] == "cải tạo, nâng cấp đường ngang"
    assert building.labels[1].startswith("đối với công trình cấp III")
    # No lead worth a line: the middle goes, what tells cá nhân from tổ chức stays.
    assert tax.lead == ""
    assert tax.labels[0] == "Đăng ký thuế … cá nhân, người phụ thuộc"
    assert tax.labels[2].endswith("… tổ chức")


@pytest.mark.parametrize("path", ["train_questions.jsonl", "heldout_questions.jsonl"])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_choice_list_fits_a_phone_and_tells_its_buttons_apart(
    index: ProcedureIndex, path: str, locale: str
) -> None:
    lines = (DATA / path).read_text("utf-8").splitlines()
    offered = too_long = alike = repeated = 0
    for line in lines:
        result = index.search(json.loads(line)["question"])
        if result.decision is not Decision.CHOOSE or not result.choices:
            continue
        offered += 1
        reply = reply_for(result, locale)
        labels = [b.label for b in reply.all_buttons() if (b.choice or "").startswith("proc:")]
        too_long += any(len(label) > len("1. … ") + MAX_LABEL for label in labels) or (
            len(reply.text) > 120
        )
        alike += len({label.partition(". ")[2] for label in labels}) != len(labels)
        # A procedure's name is not repeated in the text above its button.
        repeated += any(m.procedure.name in reply.text for m in result.choices)

    assert offered > 10
    assert (too_long, alike, repeated) == (0, 0, 0)


@pytest.mark.parametrize(
    ("locale", "asked"),
    [("vi", "Ý bạn là thủ tục «Gia hạn"), ("en", "Which «Gia hạn")],
)
async def test_on_the_web_and_telegram_the_question_and_short_buttons_and_a_number_picks(
    chat: Chat, locale: str, asked: str
) -> None:
    for channel in ("web", "telegram"):
        chat.channel = channel
        if locale == "en":
            await chat.say("an", "/en")
        [offer] = await chat.say("an", "gia han giay phep xay dung")
        labels = [b.label for b in offer.all_buttons()]
        second = [c for c in choices(offer) if c.startswith("proc:")][1].split(":")[1]
        [card] = await chat.say("an", "2")

        assert offer.text.startswith(asked)
        assert "… cải tạo, nâng cấp đường ngang" in [label[3:] for label in labels]
        assert offer.text.endswith(" …» nào?" if locale == "vi" else " …» procedure do you mean?")
        assert card.kind == f"procedure:{second}"


def test_the_zalo_bot_numbers_the_choices_once(index: ProcedureIndex) -> None:
    offer = reply_for(index.search("thành lập công ty"), "vi")

    [text] = zalo_bot.render(offer).pieces

    assert text.splitlines()[:4] == [
        "Ý bạn là thủ tục «Đăng ký thành lập công ty …» nào?",
        "",
        "1. … cổ phần",
        "2. … hợp danh",
    ]


def test_the_terminal_numbers_the_choices_once(index: ProcedureIndex) -> None:
    offer = reply_for(index.search("thành lập công ty"), "vi")

    text, _buttons = render_terminal(offer)

    assert text.splitlines()[1:3] == ["  [1] … cổ phần", "  [2] … hợp danh"]
