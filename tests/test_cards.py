"""The answer card and the reply: the asked aspect first, summaries, missing values, buttons."""

from __future__ import annotations

import string

import pytest

from troly.bot.answers import reply_for
from troly.bot.cards import SUMMARY_DOCUMENTS, documents_section, render_card
from troly.bot.texts import catalogue, t
from troly.knowledge.aspects import Aspect
from troly.knowledge.index import Decision, ProcedureIndex
from troly.knowledge.records import KnowledgeBase, Procedure, parse_record

HOUSEHOLD_BUSINESS = "1.001612"  # the record names no agency and no processing time
BORDER_PASS = "1.001200"  # two channels with different fees
PARTNER_CHANGES = "2.002011"  # 94 documents over 20 cases


def procedure(kb: KnowledgeBase, code: str) -> Procedure:
    found = kb.get(code)
    assert found is not None
    return found


def position(card: str, heading_key: str, locale: str = "vi") -> int:
    heading = t(heading_key, locale)
    assert heading in card
    return card.index(heading)


# Order --------------------------------------------------------------------------------------


def test_the_card_leads_with_the_fee_when_the_fee_is_asked(kb: KnowledgeBase) -> None:
    card = render_card(procedure(kb, BORDER_PASS), aspect=Aspect.FEE)

    assert position(card, "card.fee") < position(card, "card.time")


def test_a_general_card_puts_the_time_before_the_fee(kb: KnowledgeBase) -> None:
    card = render_card(procedure(kb, BORDER_PASS))

    assert position(card, "card.time") < position(card, "card.fee")


@pytest.mark.parametrize(
    ("aspect", "heading_key"),
    [
        (Aspect.DOCUMENTS, "card.documents"),
        (Aspect.WHERE, "card.where"),
        (Aspect.AGENCY, "card.agency"),
        (Aspect.LEGAL_BASIS, "card.legal"),
        (Aspect.STEPS, "card.steps"),
    ],
)
def test_the_asked_aspect_is_the_first_section(
    kb: KnowledgeBase, aspect: Aspect, heading_key: str
) -> None:
    card = render_card(procedure(kb, BORDER_PASS), aspect=aspect)
    first_section = card.split("\n\n")[1]

    assert first_section.splitlines()[0].startswith(t(heading_key, "vi").split("{")[0])


def test_the_card_starts_with_the_name_and_the_code(kb: KnowledgeBase) -> None:
    p = procedure(kb, HOUSEHOLD_BUSINESS)

    header = render_card(p).splitlines()[:2]

    assert header == [f"📄 {p.name}", f"Mã thủ tục: {p.code}"]


# Documents ----------------------------------------------------------------------------------


def test_a_long_document_list_is_summarised(kb: KnowledgeBase) -> None:
    p = procedure(kb, PARTNER_CHANGES)

    card = render_card(p, aspect=Aspect.DOCUMENTS)

    hidden = p.document_count - SUMMARY_DOCUMENTS
    assert t("card.documents_more", "vi", count=hidden) in card
    assert "Xem đủ hồ sơ" in card


def test_all_documents_lists_every_document(kb: KnowledgeBase) -> None:
    p = procedure(kb, PARTNER_CHANGES)

    card = render_card(p, aspect=Aspect.DOCUMENTS, all_documents=True)

    missing = [
        d.name[:60] for c in p.document_cases for d in c.documents if d.name[:60] not in card
    ]
    assert missing == []
    assert "Xem đủ hồ sơ" not in card


def test_a_short_document_list_is_not_summarised() -> None:
    docs = [{"name": f"Giấy tờ số {i}", "originals": 1, "copies": 0} for i in range(1, 4)]
    p = parse_record(
        {
            "ma_thu_tuc": "9.000001",
            "ten_thu_tuc": "Thủ tục thử",
            "thanh_phan_ho_so": [{"case": None, "documents": docs}],
        }
    )

    card = render_card(p, aspect=Aspect.DOCUMENTS)

    assert "Xem đủ hồ sơ" not in card
    assert "3. Giấy tờ số 3 — 1 bản chính, 0 bản sao" in card


# Missing values ----------------------------------------------------------------------------


def test_a_missing_agency_and_time_are_said_to_be_missing(kb: KnowledgeBase) -> None:
    p = procedure(kb, HOUSEHOLD_BUSINESS)
    assert (p.agency, p.authority) == (None, None)

    card = render_card(p)

    assert t("card.agency_missing", "vi") in card
    assert t("card.time_missing", "vi") in card


def test_an_empty_record_says_every_section_is_missing() -> None:
    p = parse_record({"ma_thu_tuc": "9.000002", "ten_thu_tuc": "Thủ tục không có dữ liệu"})

    card = render_card(p)

    for key in (
        "card.time_missing",
        "card.fee_missing",
        "card.documents_missing",
        "card.agency_missing",
        "card.where_missing",
        "card.online_no",
        "card.legal_missing",
    ):
        assert t(key, "vi") in card, key


def test_a_missing_fee_is_said_to_be_missing(kb: KnowledgeBase) -> None:
    p = next(p for p in kb if not any(f.known for c in p.channels for f in c.fees))

    card = render_card(p, aspect=Aspect.FEE)

    assert t("card.fee_missing", "vi") in card


# English ------------------------------------------------------------------------------------


def test_the_card_has_english_labels_in_english(kb: KnowledgeBase) -> None:
    p = procedure(kb, BORDER_PASS)

    card = render_card(p, locale="en")

    for key in ("card.time", "card.fee", "card.agency", "card.where", "card.legal"):
        assert t(key, "en") in card, key
    assert f"Procedure code: {p.code}" in card
    assert "Mã thủ tục" not in card
    assert "Thời hạn giải quyết" not in card


def test_the_english_card_says_missing_values_in_english(kb: KnowledgeBase) -> None:
    card = render_card(procedure(kb, HOUSEHOLD_BUSINESS), locale="en")

    assert t("card.agency_missing", "en") in card
    assert t("card.time_missing", "en") in card


def test_both_catalogues_have_exactly_the_same_keys() -> None:
    assert sorted(catalogue("en")) == sorted(catalogue("vi"))


def test_the_catalogues_agree_on_the_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    vi, en = catalogue("vi"), catalogue("en")
    differing = [key for key in vi if fields(vi[key]) != fields(en.get(key, ""))]

    assert differing == []


# Replies and their buttons ------------------------------------------------------------------


QUESTIONS_BY_DECISION = {
    Decision.ANSWER: [
        "Thủ tục đăng ký thành lập hộ kinh doanh cần giấy tờ gì?",
        "thủ tục 2.002011",
    ],
    Decision.CHOOSE: ["giải thể doanh nghiệp", "đăng ký ở đâu"],
    Decision.UNKNOWN: ["hello", "cho tôi công thức làm bánh mì"],
}


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("decision", list(Decision))
def test_every_button_payload_fits_in_64_bytes(
    index: ProcedureIndex, decision: Decision, locale: str
) -> None:
    for question in QUESTIONS_BY_DECISION[decision]:
        result = index.search(question)
        assert result.decision == decision, question
        buttons = reply_for(result, locale).all_buttons()

        too_long = [b.choice for b in buttons if len((b.choice or "").encode("utf-8")) > 64]

        assert buttons != []
        assert too_long == []


def test_an_answer_gives_the_card_and_the_aspect_buttons(index: ProcedureIndex) -> None:
    result = index.search("Thủ tục đăng ký thành lập hộ kinh doanh cần giấy tờ gì?")

    reply = reply_for(result, "vi")

    assert reply.kind == f"procedure:{HOUSEHOLD_BUSINESS}"
    assert reply.text == render_card(
        procedure(index.kb, HOUSEHOLD_BUSINESS), aspect=Aspect.DOCUMENTS
    )
    assert [b.choice for b in reply.all_buttons()] == [
        f"docs:{HOUSEHOLD_BUSINESS}",
        f"asp:{HOUSEHOLD_BUSINESS}:time",
        f"asp:{HOUSEHOLD_BUSINESS}:fee",
        f"asp:{HOUSEHOLD_BUSINESS}:where",
        "human",
    ]


def test_a_choice_offers_each_candidate_and_a_way_out(index: ProcedureIndex) -> None:
    result = index.search("giải thể doanh nghiệp")
    assert result.decision == Decision.CHOOSE

    reply = reply_for(result, "vi")

    expected = [f"proc:{m.code}:{result.aspect.value}" for m in result.choices] + ["human"]
    assert [b.choice for b in reply.all_buttons()] == expected
    assert reply.text.splitlines()[0] == t("ask.choose", "vi")
    assert all(len(b.label) <= 64 for b in reply.all_buttons())


def test_unknown_offers_a_person(index: ProcedureIndex) -> None:
    reply = reply_for(index.search("hello"), "en")

    assert (reply.kind, reply.text) == ("unknown", t("ask.unknown", "en"))
    assert [b.choice for b in reply.all_buttons()] == ["human"]


def test_the_fee_card_of_a_household_business_shows_its_amounts(kb: KnowledgeBase) -> None:
    card = render_card(procedure(kb, "1.001612"), aspect=Aspect.FEE)

    assert "150.000 đồng" in card
    assert "• Trực tiếp: 50.000 đồng" in card  # in person


def test_the_documents_everyone_brings_come_before_the_particular_cases(kb: KnowledgeBase) -> None:
    # Household business registration lists the authorised-person case first in the data.
    section = documents_section(procedure(kb, "1.001612"), "vi", full=True)
    lines = section.splitlines()

    assert lines[1] == "Hồ sơ chung:"
    assert lines[2].startswith("1. Giấy đề nghị đăng ký hộ kinh doanh")
    assert lines.index("Hồ sơ chung:") < next(
        i for i, line in enumerate(lines) if line.startswith("Trường hợp:")
    )
    summary = documents_section(procedure(kb, "1.001612"), "vi")
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in summary
