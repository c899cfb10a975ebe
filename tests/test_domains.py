"""Topics of uncovered ministries: what names them, and what they do to the decision."""

from __future__ import annotations

import pytest

from troly.knowledge.domains import (
    UNCOVERED_TOPICS,
    Topic,
    business_forms,
    government_levels,
    names_procedure_words,
    parse_topics,
    specialised_sectors,
    uncovered_terms,
)
from troly.knowledge.folding import basic_fold
from troly.knowledge.index import Decision, ProcedureIndex
from troly.knowledge.records import load_knowledge
from troly.knowledge.vocabulary import VocabularyError


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Cấp giấy phép lao động cho người nước ngoài", "giay phep lao dong"),
        ("xin chứng chỉ hành nghề khám bệnh", "hanh nghe kham benh"),
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


def test_a_question_about_a_household_business_names_that_form() -> None:
    assert business_forms(basic_fold("hộ kinh doanh đổi ngành nghề")) == {"household"}


def test_the_level_of_government_is_read_from_the_question() -> None:
    assert government_levels(basic_fold("tranh chấp đất đai thuộc chủ tịch UBND xã")) == {"commune"}
    assert government_levels("tranh chap dat dai chu tich uy ban nhan dan xa") == {"commune"}
    assert government_levels(basic_fold("giấy phép môi trường cấp tỉnh")) == {"province"}


def test_small_talk_uses_no_procedure_word() -> None:
    assert not names_procedure_words(basic_fold("hôm nay trời có mưa không"))
    assert names_procedure_words(basic_fold("thủ tục đăng ký hộ kinh doanh"))


def test_a_securities_record_names_a_specialised_sector() -> None:
    assert specialised_sectors("giai the cong ty quan ly quy dau tu chung khoan") == {
        "quy dau tu",
        "chung khoan",
    }


def test_no_context_free_term_names_a_covered_procedure() -> None:
    names = [f" {' '.join(basic_fold(p.name).split())} " for p in load_knowledge()]
    context_free = {t for topic in UNCOVERED_TOPICS if not topic.context for t in topic.terms}

    assert sorted(t for t in context_free if any(f" {t} " in name for name in names)) == []


def test_the_shipped_lexicon_is_grouped_by_ministry() -> None:
    ministries = {topic.ministry for topic in UNCOVERED_TOPICS}

    assert "" not in ministries
    assert "Bộ Y tế" in ministries
    assert [t.ministry for t in UNCOVERED_TOPICS if t.name == "health (Bộ Y tế)"] == ["Bộ Y tế"]


def test_the_lexicon_file_reads_into_topics_with_their_ministry() -> None:
    text = (
        "# a comment\n\nministry\tBộ Y tế\ntopic\thealth\nterm\tnha thuoc\n"
        "topic\tfood\nterm\tnha hang\ncontext\tan toan thuc pham\n"
    )
    assert parse_topics(text, source="t.tsv") == (
        Topic("health", ("nha thuoc",), (), "Bộ Y tế"),
        Topic("food", ("nha hang",), ("an toan thuc pham",), "Bộ Y tế"),
    )


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ("term\tnha thuoc", "4: a term line before any topic line"),
        ("topic\thealth\nterm", "5: expected kind<TAB>text, the text non-empty"),
        (
            "topic\thealth\nword\tnha thuoc",
            "5: kind 'word' is not one of ministry, topic, term, context",
        ),
        ("topic\thealth\nterm\tNhà thuốc", "5: 'Nhà thuốc' is not folded (lower case, no marks)"),
        ("topic\thealth\ncontext\tbenh vien\ntopic\tfood", "4: topic 'health' has no term line"),
        ("topic\tfood\nterm\tnha hang\ntopic\tfood", "6: topic 'food' appears twice"),
    ],
)
def test_a_bad_lexicon_line_is_refused_with_its_file_and_line(lines: str, problem: str) -> None:
    text = "# a comment\n\nministry\tBộ Y tế\n" + lines + "\n"
    with pytest.raises(VocabularyError) as refused:
        parse_topics(text, source="uncovered_topics.tsv")
    assert str(refused.value) == f"uncovered_topics.tsv:{problem}"


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("thủ tục thành lập công ty tnhh 1 thành viên", "2.001583"),
        ("thành lập công ty tnhh một thành viên", "2.001583"),
        ("thanh lap cty tnhh mtv", "2.001583"),
        ("thanh lap cong ty tnhh 2 thanh vien", "2.001199"),
    ],
)
def test_the_members_of_a_limited_company_tell_its_procedures_apart(
    index: ProcedureIndex, question: str, code: str
) -> None:
    # "một thành viên" and "hai thành viên trở lên" are two legal forms, not a detail: the
    # question that names one is answered with it, not offered both.
    result = index.search(question)
    assert result.decision is Decision.ANSWER
    assert result.matches[0].procedure.code == code


def test_forms_of_one_family_contradict_and_other_families_do_not() -> None:
    assert business_forms("cong ty trach nhiem huu han mot thanh vien") >= {
        "enterprise",
        "type:llc",
        "members:one",
    }
    assert "members:many" in business_forms("cong ty trach nhiem huu han hai thanh vien tro len")
    assert "type:jsc" in business_forms("dang ky thanh lap cong ty co phan")
