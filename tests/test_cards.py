"""The answer card and the reply: the asked aspect first, summaries, missing values, buttons."""

from __future__ import annotations

import string

import pytest

from troly.bot.answers import card_reply, page_reply, reply_for
from troly.bot.cards import (
    Section,
    aspect_text,
    documents_section,
    first_card,
    section_lines,
    section_page,
)
from troly.bot.messages import Button
from troly.bot.texts import catalogue, t
from troly.knowledge.aspects import Aspect
from troly.knowledge.index import Decision, ProcedureIndex
from troly.knowledge.records import KnowledgeBase, Procedure, parse_record

HOUSEHOLD_BUSINESS = "1.001612"  # agency and time only in the catalogue and the steps
BORDER_PASS = "1.001200"  # two channels with different fees
PARTNER_CHANGES = "2.002011"  # 94 documents over 20 cases


def procedure(kb: KnowledgeBase, code: str) -> Procedure:
    found = kb.get(code)
    assert found is not None
    return found


# The first card -----------------------------------------------------------------------------


def test_every_first_card_fits_one_phone_screen(kb: KnowledgeBase) -> None:
    too_long = [p.code for p in kb for locale in ("vi", "en") if len(first_card(p, locale)) > 700]

    assert too_long == []


def test_the_first_card_gives_name_time_fee_agency_and_online(kb: KnowledgeBase) -> None:
    card = first_card(procedure(kb, HOUSEHOLD_BUSINESS))

    assert card.splitlines()[:2] == [
        "📄 Đăng ký thành lập hộ kinh doanh",
        f"Mã thủ tục: {HOUSEHOLD_BUSINESS}",
    ]
    assert "⏱ Thời hạn: 3 ngày làm việc" in card
    assert "💰 Lệ phí: Trực tuyến, Dịch vụ bưu chính: 150.000 đồng; Trực tiếp: 50.000 đồng" in card
    assert "🏢 Cơ quan giải quyết: Ủy ban nhân dân cấp xã" in card
    assert t("card.short_online_yes", "vi") in card
    assert "Căn cứ pháp lý" not in card


def test_the_first_card_has_the_buttons_for_the_rest(kb: KnowledgeBase) -> None:
    p = procedure(kb, HOUSEHOLD_BUSINESS)

    reply = card_reply(p, Aspect.GENERAL, "vi")

    labels = [b.label for b in reply.all_buttons()]
    assert labels[:4] == [
        "📑 Hồ sơ cần chuẩn bị",
        "🧭 Các bước",
        "⚖️ Căn cứ pháp lý",
        "🌐 Nộp trực tuyến",
    ]
    assert "🔎 Hỏi thủ tục khác" in labels
    [online] = [b for b in reply.all_buttons() if b.url is not None]
    assert online.url == p.source_url
    assert reply.text == first_card(p)


def test_a_procedure_with_no_online_channel_has_no_online_button(kb: KnowledgeBase) -> None:
    p = next(p for p in kb if not p.online)

    reply = card_reply(p, Aspect.GENERAL, "vi")

    assert [b for b in reply.all_buttons() if b.url] == []
    assert t("card.short_online_no", "vi") in reply.text


# One thing asked, one thing answered --------------------------------------------------------


def test_the_fee_question_gets_the_fee_and_buttons_for_the_rest(kb: KnowledgeBase) -> None:
    reply = card_reply(procedure(kb, BORDER_PASS), Aspect.FEE, "vi")

    assert reply.text.splitlines()[1] == "💰 Phí, lệ phí"
    assert "40.000 đồng" in reply.text
    assert "Thời hạn" not in reply.text
    assert len(reply.text) < 700
    labels = [b.label for b in reply.all_buttons()]
    assert "💰 Lệ phí" not in labels
    assert labels == [
        "📄 Tóm tắt thủ tục",
        "⏱ Thời hạn",
        "📍 Nộp ở đâu",
        "📑 Hồ sơ cần chuẩn bị",
        "🔎 Hỏi thủ tục khác",
    ]


def test_the_time_question_gets_the_time_in_a_line(kb: KnowledgeBase) -> None:
    text = aspect_text(procedure(kb, HOUSEHOLD_BUSINESS), Aspect.TIME)

    assert text.splitlines() == [
        "📄 Đăng ký thành lập hộ kinh doanh",
        "⏱ Thời hạn giải quyết",
        "3 ngày làm việc",
    ]


def test_the_where_question_names_the_agency(kb: KnowledgeBase) -> None:
    text = aspect_text(procedure(kb, BORDER_PASS), Aspect.WHERE)

    assert "📍 Nơi nộp: Cơ quan Quản lý xuất nhập cảnh Công an tỉnh" in text
    assert "🏢 Cơ quan giải quyết: Công an tỉnh" in text


# Pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("section", list(Section))
def test_long_sections_come_in_pages_of_readable_length(
    kb: KnowledgeBase, section: Section
) -> None:
    longest = max(kb, key=lambda p: sum(len(x) for x in section_lines(p, section)))

    _, pages = section_page(longest, section, 0)
    texts = [section_page(longest, section, n)[0] for n in range(pages)]

    assert pages > 1
    assert max(len(x) for x in texts) <= 950
    shown = "\n".join(texts)
    assert all(line in shown for line in section_lines(longest, section))


def test_documents_come_several_a_page_grouped_by_case(kb: KnowledgeBase) -> None:
    permit = kb.procedures["1.013225"]  # a building permit: 60 documents over its cases

    _, pages = section_page(permit, Section.DOCUMENTS, 0)
    texts = [section_page(permit, Section.DOCUMENTS, n)[0] for n in range(pages)]
    documents = [sum(line[:1].isdigit() for line in text.splitlines()) for text in texts]
    # Each case starts on a page of its own unless it is longer than one.
    openings = [text.split("\n\n", 1)[1].startswith("Trường hợp") for text in texts]

    assert pages <= 20
    assert min(documents[:-1]) >= 2
    assert all(500 <= len(text) <= 950 for text in texts[:-1])
    assert openings.count(True) >= 4
    # A long document is cut after a whole sentence, not in the middle of one.
    assert "qua các thời kỳ. … — 1 bản chính" in texts[0]


def test_a_page_with_more_after_it_has_a_more_button(kb: KnowledgeBase) -> None:
    p = procedure(kb, PARTNER_CHANGES)

    first = page_reply(p, Section.DOCUMENTS, 0, "vi")
    _, pages = section_page(p, Section.DOCUMENTS, 0)
    last = page_reply(p, Section.DOCUMENTS, pages - 1, "vi")

    assert first.all_buttons()[0] == Button("Xem tiếp ▶", choice=f"sec:{PARTNER_CHANGES}:docs:1")
    assert first.text.splitlines()[0] == f"📑 Hồ sơ cần chuẩn bị (trang 1/{pages})"
    assert "Xem tiếp" not in [b.label for b in last.all_buttons()]


def test_the_documents_question_gets_the_first_page_of_documents(kb: KnowledgeBase) -> None:
    reply = card_reply(procedure(kb, HOUSEHOLD_BUSINESS), Aspect.DOCUMENTS, "vi")

    assert reply.text.startswith("📑 Hồ sơ cần chuẩn bị")
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in reply.text


def test_a_short_document_list_keeps_its_counts() -> None:
    docs = [{"name": f"Giấy tờ số {i}", "originals": 1, "copies": 0} for i in range(1, 4)]
    p = parse_record(
        {
            "ma_thu_tuc": "9.000001",
            "ten_thu_tuc": "Thủ tục thử",
            "thanh_phan_ho_so": [{"case": None, "documents": docs}],
        }
    )

    text, pages = section_page(p, Section.DOCUMENTS)

    assert pages == 1
    assert "3. Giấy tờ số 3 — 1 bản chính, 0 bản sao" in text


# Missing values ----------------------------------------------------------------------------


def test_an_empty_record_says_what_is_missing() -> None:
    p = parse_record({"ma_thu_tuc": "9.000002", "ten_thu_tuc": "Thủ tục không có dữ liệu"})

    card = first_card(p)

    assert card.count(t("card.missing_value", "vi")) == 3
    assert t("card.short_online_no", "vi") in card
    assert t("card.documents_missing", "vi") in section_page(p, Section.DOCUMENTS)[0]
    assert t("card.steps_missing", "vi") in section_page(p, Section.STEPS)[0]
    assert t("card.legal_missing", "vi") in section_page(p, Section.LEGAL)[0]


def test_a_missing_fee_is_said_to_be_missing(kb: KnowledgeBase) -> None:
    p = next(p for p in kb if not any(f.known for c in p.channels for f in c.fees))

    text = aspect_text(p, Aspect.FEE)

    assert t("card.fee_missing", "vi") in text


# English ------------------------------------------------------------------------------------


def test_the_card_is_in_english_in_english(kb: KnowledgeBase) -> None:
    p = procedure(kb, HOUSEHOLD_BUSINESS)

    reply = card_reply(p, Aspect.GENERAL, "en")

    assert f"Procedure code: {p.code}" in reply.text
    assert "⏱ Processing time: 3 working days" in reply.text
    assert "💰 Fee: Online, By post: 150.000 VND; In person: 50.000 VND" in reply.text
    assert "Mã thủ tục" not in reply.text
    assert [b.label for b in reply.all_buttons()][:3] == [
        "📑 Documents to prepare",
        "🧭 Steps",
        "⚖️ Legal basis",
    ]


def test_an_english_card_glosses_the_vietnamese_name_where_an_english_name_exists(
    kb: KnowledgeBase,
) -> None:
    p = procedure(kb, HOUSEHOLD_BUSINESS)
    unnamed = parse_record(
        {"ma_thu_tuc": "9.000003", "ten_thu_tuc": "Thủ tục chưa có tên tiếng Anh"}
    )

    english = first_card(p, "en").splitlines()
    vietnamese = first_card(p, "vi").splitlines()

    # The record's name as it is, then what it is in English; the Vietnamese card is unchanged.
    assert english[0] == vietnamese[0]
    assert english[1] == "(In English: register a household business)"
    assert not any(line.startswith("(") for line in vietnamese[:2])
    assert len("\n".join(english)) <= 700
    assert "In English" not in first_card(unnamed, "en")


def test_the_english_card_says_missing_values_in_english() -> None:
    p = parse_record({"ma_thu_tuc": "9.000002", "ten_thu_tuc": "Thủ tục không có dữ liệu"})

    card = first_card(p, "en")

    assert "⏱ Processing time: (not given)" in card
    assert t("card.time_missing", "en") in aspect_text(p, Aspect.TIME, "en")


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
    Decision.CHOOSE: ["thành lập công ty", "đăng ký ở đâu"],
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
    p = procedure(index.kb, HOUSEHOLD_BUSINESS)
    assert reply.text == section_page(p, Section.DOCUMENTS)[0]
    assert [b.choice for b in reply.all_buttons()] == [
        f"sec:{HOUSEHOLD_BUSINESS}:docs:1",
        f"asp:{HOUSEHOLD_BUSINESS}:general",
        f"sec:{HOUSEHOLD_BUSINESS}:steps:0",
        f"sec:{HOUSEHOLD_BUSINESS}:legal:0",
        "menu:ask",
    ]


def test_a_choice_offers_each_candidate_and_a_way_out(index: ProcedureIndex) -> None:
    # Four kinds of company, and the question names none: each is a choice, none the answer.
    result = index.search("thành lập công ty")
    assert result.decision == Decision.CHOOSE

    reply = reply_for(result, "vi")

    expected = [f"proc:{m.code}:{result.aspect.value}" for m in result.choices] + ["human"]
    assert [b.choice for b in reply.all_buttons()] == expected
    lead = "Đăng ký thành lập công ty"
    assert reply.text.splitlines()[0] == t("ask.choose_lead", "vi", lead=lead)
    assert all(len(b.label) <= 64 for b in reply.all_buttons())


def test_unknown_offers_a_person(index: ProcedureIndex) -> None:
    reply = reply_for(index.search("hello"), "en")

    assert (reply.kind, reply.text) == ("unknown", t("ask.unknown", "en"))
    assert [b.choice for b in reply.all_buttons()] == ["human"]


def test_the_fee_card_of_a_household_business_shows_its_amounts(kb: KnowledgeBase) -> None:
    card = aspect_text(procedure(kb, "1.001612"), Aspect.FEE)

    assert "150.000 đồng" in card
    assert "• Trực tiếp: 50.000 đồng" in card  # in person


def test_the_documents_everyone_brings_come_before_the_particular_cases(kb: KnowledgeBase) -> None:
    # Household business registration lists the authorised-person case first in the data.
    section = documents_section(procedure(kb, "1.001612"), "vi", full=True)
    lines = section.splitlines()

    assert lines[1] == "Hồ sơ chung:", lines[:3]
    assert lines[2].startswith("1. Giấy đề nghị đăng ký hộ kinh doanh")
    assert lines.index("Hồ sơ chung:") < next(
        i for i, line in enumerate(lines) if line.startswith("Trường hợp:")
    )
    summary = documents_section(procedure(kb, "1.001612"), "vi")
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in summary
