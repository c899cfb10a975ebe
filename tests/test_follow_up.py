"""Which short messages continue the conversation: an aspect of the procedure shown, a number."""

from __future__ import annotations

import pytest

from troly.bot.follow_up import follow_up_aspect, picked_number
from troly.knowledge.aspects import Aspect


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("thế còn lệ phí?", Aspect.FEE),
        ("the con phi", Aspect.FEE),
        ("nộp ở đâu?", Aspect.WHERE),
        ("bao nhiêu ngày thì có", Aspect.TIME),
        ("có làm online được không", Aspect.ONLINE),
        ("co nop online duoc ko", Aspect.ONLINE),
        ("hồ sơ gồm những gì", Aspect.DOCUMENTS),
        ("cơ quan nào giải quyết", Aspect.AGENCY),
        ("căn cứ pháp lý là gì", Aspect.LEGAL_BASIS),
        ("what about the fee?", Aspect.FEE),
        ("how long does it take?", Aspect.TIME),
        ("where do I submit?", Aspect.WHERE),
    ],
)
def test_a_short_follow_up_names_its_aspect(text: str, aspect: Aspect) -> None:
    assert follow_up_aspect(text) == aspect


@pytest.mark.parametrize(
    "text",
    [
        "giải thể doanh nghiệp",
        "đăng ký kinh doanh mất mấy ngày",
        "lệ phí cấp giấy phép xây dựng",
        "xin chào",
        "",
    ],
)
def test_a_message_naming_something_else_is_a_new_question(text: str) -> None:
    assert follow_up_aspect(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("1", 1), ("số 2", 2), ("cái thứ hai", 2), ("3.", 3), ("thứ 4", 4), ("the second one", 2)],
)
def test_a_number_picks_a_choice(text: str, number: int) -> None:
    assert picked_number(text) == number


@pytest.mark.parametrize("text", ["5", "2 người", "số điện thoại", "giấy phép số 2 cấp ở đâu"])
def test_a_message_that_is_not_only_a_number_picks_nothing(text: str) -> None:
    assert picked_number(text) is None
