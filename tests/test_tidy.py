"""The record's data made fit to show, checked on the real records the issue names."""

from __future__ import annotations

from troly.bot import tidy
from troly.bot.cards import Section, aspect_text, first_card, section_lines
from troly.knowledge.aspects import Aspect
from troly.knowledge.records import KnowledgeBase, LegalBasis, Procedure

FOOD_SAFETY = "2.001827"  # the note says 700.000 đồng, the portal 700
HOUSEHOLD_BUSINESS = "1.001612"  # agency only in the catalogue, time only in the steps
BARE_NUMBER_TIME = "2.002029"  # prints "1" with no unit; its steps say 3 working days
CITIZEN_DATA = "1.010095"  # free, with the rule it follows in the channel's note
TWENTY_DAYS = "2.000460"  # "20 Ngày"
VEHICLE_CHECK = "1.013205"  # "Giấy tờ phải nộp:" listed as a paper, 0 originals 0 copies
SOCIAL_ENTERPRISE_FIRST = "2.001199"  # the record lists «doanh nghiệp xã hội» first
CODE_IN_NAME = "1.010719"  # "Cấp giấy phép môi trường (cấp Bộ) (1.010719)"
LAND_LAW_FRAGMENT = "1.012751"  # "-CLuật Đất đai ngày 18/01/2024;"


def procedure(kb: KnowledgeBase, code: str) -> Procedure:
    found = kb.get(code)
    assert found is not None
    return found


def test_a_fee_is_never_cut_before_its_amount(kb: KnowledgeBase) -> None:
    p = procedure(kb, FOOD_SAFETY)

    assert "💰 Lệ phí: 700.000 đồng/cơ sở" in first_card(p)
    assert "700.000 đồng/cơ sở" in aspect_text(p, Aspect.FEE)


def test_the_unit_after_an_amount_stops_where_the_sentence_goes_on(kb: KnowledgeBase) -> None:
    assert "💰 Lệ phí: 25.000 đồng/hồ sơ\n" in first_card(procedure(kb, "1.002010"))
    assert "700.000 đồng/cơ sở" in first_card(procedure(kb, FOOD_SAFETY))
    assert "40.000 đồng/giấy thông hành" in first_card(procedure(kb, "1.001200"))


def test_no_first_card_cuts_a_fee_before_its_amount(kb: KnowledgeBase) -> None:
    cut = [
        p.code
        for p in kb
        for line in first_card(p).splitlines()
        if line.startswith("💰")
        and line.endswith("…")
        and not any(c.isdigit() for c in line)
        and any(f.amount_vnd for c in p.channels for f in c.fees)
    ]

    assert cut == []


def test_the_agency_and_time_the_record_gives_elsewhere_are_used(kb: KnowledgeBase) -> None:
    card = first_card(procedure(kb, HOUSEHOLD_BUSINESS))

    assert "🏢 Cơ quan giải quyết: Ủy ban nhân dân cấp xã" in card
    assert "⏱ Thời hạn: 3 ngày làm việc" in card


def test_a_bare_number_gives_way_to_the_time_in_the_steps(kb: KnowledgeBase) -> None:
    assert tidy.times(procedure(kb, BARE_NUMBER_TIME), "vi") == [
        ("Trực tuyến, Dịch vụ bưu chính, Trực tiếp", "3 ngày làm việc")
    ]


def test_few_first_cards_say_no_agency(kb: KnowledgeBase) -> None:
    missing = [p.code for p in kb if tidy.agency(p) is None]

    assert len(missing) <= 20  # was 237: the catalogue's agency fills the rest


def test_days_are_written_in_lower_case(kb: KnowledgeBase) -> None:
    p = procedure(kb, TWENTY_DAYS)

    assert tidy.times(p, "vi") == [("Trực tiếp", "20 ngày")]
    assert tidy.times(p, "en") == [("In person", "20 days")]
    assert not [q.code for q in kb if " Ngày" in first_card(q).split("\n\n", 1)[1]]


def test_free_keeps_the_note_beside_it(kb: KnowledgeBase) -> None:
    [(_, fee)] = tidy.fees(procedure(kb, CITIZEN_DATA), "vi")

    assert fee.startswith("Miễn phí (Áp dụng mức thu theo mức phí quy định tại Thông tư số 48/2022")


def test_statements_and_zero_counts_are_not_listed_as_papers(kb: KnowledgeBase) -> None:
    lines = section_lines(procedure(kb, VEHICLE_CHECK), Section.DOCUMENTS)

    assert not [x for x in lines if "Giấy tờ phải nộp" in x or "Giấy tờ phải xuất trình" in x]
    assert not [x for x in lines if "0 bản chính, 0 bản sao" in x]
    everywhere = [
        p.code
        for p in kb
        for x in section_lines(p, Section.DOCUMENTS)
        if "0 bản chính, 0 bản sao" in x
    ]
    assert everywhere == []


def test_the_general_case_comes_before_the_rare_ones(kb: KnowledgeBase) -> None:
    cases = [case for case, _ in tidy.document_cases(procedure(kb, SOCIAL_ENTERPRISE_FIRST), "vi")]

    social = next(i for i, c in enumerate(cases) if c and "doanh nghiệp xã hội" in c)
    common = [i for i, c in enumerate(cases) if c and "Đăng ký thành lập công ty TNHH" in c]
    assert common != []
    assert social > max(common)


def test_a_name_does_not_repeat_its_code(kb: KnowledgeBase) -> None:
    p = procedure(kb, CODE_IN_NAME)

    assert tidy.display_name(p) == "Cấp giấy phép môi trường (cấp Bộ)"
    assert first_card(p).count(CODE_IN_NAME) == 1


def test_broken_legal_fragments_get_their_number_and_a_clean_title(kb: KnowledgeBase) -> None:
    lines = tidy.legal_lines(procedure(kb, HOUSEHOLD_BUSINESS))

    assert (
        "Thông tư số 68/2025/TT-BTC của Bộ Tài chính: Ban hành biểu mẫu sử dụng trong đăng ký "
        "doanh nghiệp, đăng ký hộ kinh doanh"
    ) in lines
    assert (
        "Nghị định số 168/2025/NĐ-CP ngày 30 tháng 6 năm 2025 của Chính phủ về đăng ký doanh nghiệp"
    ) in lines
    land = tidy.legal_lines(procedure(kb, LAND_LAW_FRAGMENT))
    assert "31/2024/QH15 – Luật Đất đai ngày 18/01/2024" in land


def test_a_legal_fragment_without_a_number_or_a_kind_is_dropped() -> None:
    assert tidy.legal_line(LegalBasis(code=None, title="46/2020")) is None
    assert tidy.legal_line(LegalBasis(code=None, title="Không có thông tin")) is None
    assert tidy.legal_line(LegalBasis(code="85/2013/NĐ-CP", title="ngày 31/12/2020 của")) == (
        "85/2013/NĐ-CP"
    )
