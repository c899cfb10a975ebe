"""Topics of uncovered ministries: what names them, and what they do to the decision."""

from __future__ import annotations

import pytest

from troly.knowledge.domains import UNCOVERED_TOPICS, uncovered_terms
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import Decision, ProcedureIndex


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Cấp giấy phép lao động cho người nước ngoài", "giay phep lao dong"),
        ("xin chứng chỉ hành nghề khám bệnh", "kham benh"),
        ("đăng ký nhãn hiệu cho sản phẩm", "nhan hieu"),
        ("mở nhà hàng cần giấy an toàn thực phẩm không", "nha hang"),
    ],
)
def test_a_question_naming_an_uncovered_topic_is_recognised(question: str, term: str) -> None:
    assert term in uncovered_terms(basic_fold(question))


def test_a_context_bound_term_needs_its_context() -> None:
    assert uncovered_terms(basic_fold("mở nhà hàng cần đăng ký hộ kinh doanh không")) == []


def test_an_everyday_business_question_names_no_uncovered_topic() -> None:
    assert uncovered_terms(basic_fold("đăng ký thành lập công ty cổ phần")) == []


def test_every_term_is_folded_text() -> None:
    terms = [t for topic in UNCOVERED_TOPICS for t in (*topic.terms, *topic.context)]

    assert [t for t in terms if basic_fold(t) != t] == []


def test_a_covered_use_of_an_uncovered_word_still_finds_its_record(
    index: ProcedureIndex,
) -> None:
    result = index.search("xác nhận miễn thuế rượu bia thuốc lá nhập khẩu")

    assert result.decision is not Decision.UNKNOWN
