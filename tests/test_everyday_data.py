"""The everyday vocabulary is data (knowledge/data/everyday.tsv): a bad line is refused with its
file and line; every code is a record; English names are read through the glossary and
situations count as evidence, so each leads the matcher to its record."""

from __future__ import annotations

import pytest

from troly.knowledge.aliases import EVERYDAY, Everyday, parse_everyday
from troly.knowledge.index import Decision, ProcedureIndex, english_stem
from troly.knowledge.records import KnowledgeBase
from troly.knowledge.vocabulary import VocabularyError, parse_pairs


def test_every_line_of_the_shipped_file_names_a_record(kb: KnowledgeBase) -> None:
    missing = sorted(code for code in EVERYDAY if kb.get(code) is None)
    assert missing == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("1.001612\tname", "expected code<TAB>kind<TAB>text, got 2 fields"),
        ("1.001612\tnickname\tgiấy phép", "kind 'nickname' is not one of name, situation, en"),
        ("PA-1\tname\tgiấy phép", "'PA-1' is not a procedure code such as 1.001612"),
        ("1.001612\tname\t  ", "the text is empty"),
        ("1.001612\tname\t" + " ".join(["từ"] * 13), "a name has at most 12 words, this has 13"),
    ],
)
def test_a_bad_line_is_refused_with_its_file_and_line(line: str, problem: str) -> None:
    text = "# a comment\n\n1.001612\tname\tgiấy phép kinh doanh cá thể\n" + line + "\n"
    with pytest.raises(VocabularyError) as refused:
        parse_everyday(text, source="everyday.tsv")
    assert str(refused.value) == f"everyday.tsv:4: {problem}"


def test_lines_of_one_record_gather_by_kind_in_file_order() -> None:
    text = (
        "1.001612\tname\tgiấy phép kinh doanh cá thể\n"
        "1.001612\ten\thousehold business registration\n"
        "1.001612\tsituation\tmở quán cà phê nhỏ ở nhà cần giấy tờ\n"
        "1.001612\tname\tđăng ký hộ kinh doanh\n"
        "1.001612\tname\tgiấy phép kinh doanh cá thể\n"
    )
    assert parse_everyday(text, source="x") == {
        "1.001612": Everyday(
            names=("giấy phép kinh doanh cá thể", "đăng ký hộ kinh doanh"),
            situations=("mở quán cà phê nhỏ ở nhà cần giấy tờ",),
            english=("household business registration",),
        )
    }


def _index_with(kb: KnowledgeBase, code: str, entry: Everyday) -> ProcedureIndex:
    """An index knowing only this record's everyday vocabulary."""
    return ProcedureIndex(kb, everyday={code: entry})


# 1.007855: customs handling of surplus materials, scrap and leased machinery (processing).
SURPLUS = "1.007855"


def test_a_situation_leads_to_its_record_though_the_question_never_names_it(
    kb: KnowledgeBase,
) -> None:
    question = "hết hợp đồng gia công, máy móc đối tác nước ngoài cho mượn giờ xử lý sao"
    situation = "đối tác nước ngoài cho mượn máy móc, hết hợp đồng gia công muốn xử lý số máy đó"
    assert ProcedureIndex(kb, everyday={}).search(question).matches[0].procedure.code != SURPLUS
    taught = _index_with(kb, SURPLUS, Everyday(situations=(situation,)))
    found = taught.search(question)
    assert found.matches[0].procedure.code == SURPLUS


def test_a_short_question_inside_a_long_situation_keeps_the_record_it_names(
    kb: KnowledgeBase,
) -> None:
    # "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh" (2.000720) with a situation that holds
    # every word of the question: the question names the registration, it describes no change.
    situation = "hộ kinh doanh đã đăng ký nay đổi địa chỉ, đổi ngành nghề, cần đăng ký lại"
    index = _index_with(kb, "2.000720", Everyday(situations=(situation,)))

    found = index.search("đăng ký hộ kinh doanh")

    assert (found.decision, found.matches[0].procedure.code) == (Decision.ANSWER, "1.001612")


def test_an_english_name_is_read_through_the_glossary_like_an_english_question(
    kb: KnowledgeBase,
) -> None:
    question = "how do I register a small family shop"
    assert ProcedureIndex(kb, everyday={}).search(question).decision is Decision.UNKNOWN
    taught = _index_with(kb, "1.001612", Everyday(english=("register a small family shop",)))
    found = taught.search(question)
    assert (found.decision, found.matches[0].procedure.code) == (Decision.ANSWER, "1.001612")


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("registered", "regist"),
        ("registration", "regist"),
        ("transshipped", "transs"),
        ("licence", "licens"),
        ("business", "busine"),
    ],
)
def test_english_words_are_compared_by_their_stems(word: str, stem: str) -> None:
    assert english_stem(word) == stem


def test_an_english_question_meets_an_english_name_however_each_is_inflected(
    kb: KnowledgeBase,
) -> None:
    # 1.007850: customs for goods transshipped at a seaport. "transshipped" is in no glossary.
    question = "containers transshipped at a Vietnamese seaport"
    named = _index_with(kb, "1.007850", Everyday(english=("transshipment at seaports",)))
    unnamed = _index_with(kb, "1.007850", Everyday())

    def english(index: ProcedureIndex) -> float:
        found = index.candidate_features(question)
        return max((f.english for p, f in found if p.code == "1.007850"), default=0.0)

    assert (english(unnamed), english(named) > 0.5) == (0.0, True)


def test_a_bad_glossary_line_is_refused_with_its_file_and_line() -> None:
    assert parse_pairs("# c\nwork permit\tgiay phep lao dong\n", source="g.tsv") == {
        "work permit": "giay phep lao dong"
    }
    with pytest.raises(VocabularyError) as refused:
        parse_pairs("work permit\tgiay phep lao dong\nseal only\n", source="g.tsv")
    assert str(refused.value) == "g.tsv:2: expected phrase<TAB>meaning, both non-empty"
