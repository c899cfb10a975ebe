"""Procedure records: the bundled file, fees from the note, missing values, malformed records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from troly.knowledge.records import (
    Fee,
    KnowledgeBase,
    LoadProblem,
    RecordError,
    load_knowledge,
    parse_lines,
    parse_record,
)

BUNDLED_COUNT = 2642


def record(code: str, name: str = "Thủ tục thử nghiệm", **fields: Any) -> dict[str, Any]:
    """A minimal portal record."""
    return {"ma_thu_tuc": code, "ten_thu_tuc": name, **fields}


def line(raw: object) -> str:
    return json.dumps(raw, ensure_ascii=False)


# The bundled file ---------------------------------------------------------------------------


def test_the_bundled_file_loads_every_record_without_problems(kb: KnowledgeBase) -> None:
    assert (len(kb), kb.problems) == (BUNDLED_COUNT, [])


def test_every_bundled_record_has_a_code_and_a_name(kb: KnowledgeBase) -> None:
    incomplete = [p.code for p in kb if not p.code or not p.name.strip()]

    assert incomplete == []


def test_bundled_records_are_found_by_code(kb: KnowledgeBase) -> None:
    procedure = kb.get("1.001612")

    assert procedure is not None
    assert procedure.name == "Đăng ký thành lập hộ kinh doanh"
    assert kb.get("9.999999") is None


def test_a_real_fee_takes_its_amount_from_the_note_not_the_portal(kb: KnowledgeBase) -> None:
    # The portal says 40 for this border pass; the note says 40.000đ.
    procedure = kb.get("1.001200")
    assert procedure is not None
    fees = [f for c in procedure.channels for f in c.fees if f.amount_vnd is not None]

    assert 40000 in [f.amount_vnd for f in fees]
    assert 40 not in [f.amount_vnd for f in fees]
    shown = next(f.text for f in fees if f.amount_vnd == 40000)
    assert shown.startswith("40.000đ/giấy thông hành")


def test_no_bundled_fee_keeps_the_portals_thousandfold_amount(kb: KnowledgeBase) -> None:
    tiny = [
        (p.code, f.amount_vnd)
        for p in kb
        for c in p.channels
        for f in c.fees
        if f.amount_vnd is not None and 0 < f.amount_vnd < 1000
    ]

    assert tiny == []


def test_a_built_fee_takes_the_note_amount_and_text() -> None:
    fee = {
        "text": "40 VNĐ(Lệ phí: 40.000 đồng/giấy)",
        "portal_amount": 40,
        "amount_vnd_from_note": 40000,
        "note": "Lệ phí: 40.000 đồng/giấy",
    }
    raw = record("9.000001", cach_thuc_thuc_hien=[{"channel": "Trực tiếp", "fees": [fee]}])

    procedure = parse_record(raw)

    assert procedure.channels[0].fees == (
        Fee(
            text="Lệ phí: 40.000 đồng/giấy",
            amount_vnd=40000,
            free=False,
            note="Lệ phí: 40.000 đồng/giấy",
        ),
    )


def test_a_free_fee_is_known_and_an_unstated_one_is_not() -> None:
    channel = {
        "channel": "Trực tuyến",
        "fees": [{"text": "Miễn phí"}, {"text": "Không có thông tin", "portal_amount": None}],
    }

    free, unknown = parse_record(record("9.000002", cach_thuc_thuc_hien=[channel])).channels[0].fees

    assert (free.free, free.known, free.amount_vnd) == (True, True, None)
    assert (unknown.free, unknown.known, unknown.amount_vnd) == (False, False, None)


def test_missing_values_stay_missing() -> None:
    procedure = parse_record(record("9.000003"))

    assert procedure.agency is None
    assert procedure.authority is None
    assert procedure.where is None
    assert procedure.field is None
    assert procedure.conditions is None
    assert procedure.min_working_days is None
    assert procedure.source_url is None
    assert procedure.levels == ()
    assert procedure.steps == ()
    assert procedure.channels == ()
    assert procedure.document_cases == ()
    assert procedure.legal_basis == ()
    assert procedure.results == ()
    assert procedure.online is False
    assert procedure.document_count == 0


def test_blank_text_is_missing_not_empty() -> None:
    procedure = parse_record(record("9.000004", co_quan_thuc_hien="   ", dia_chi_tiep_nhan=""))

    assert (procedure.agency, procedure.where) == (None, None)


def test_a_channel_without_a_time_keeps_the_time_missing() -> None:
    raw = record("9.000005", cach_thuc_thuc_hien=[{"channel": "Trực tiếp"}])

    channel = parse_record(raw).channels[0]

    assert (channel.time_text, channel.time_value, channel.working_days) == (None, None, None)
    assert channel.fees == ()


def test_names_are_spaced_once() -> None:
    procedure = parse_record(record("9.000006", name="  Đăng ký\n  thành lập   hộ kinh doanh "))

    assert procedure.name == "Đăng ký thành lập hộ kinh doanh"


def test_a_wrongly_shaped_field_raises_a_record_error_naming_it() -> None:
    with pytest.raises(RecordError) as caught:
        parse_record(record("9.000007", cach_thuc_thuc_hien="Trực tiếp"))

    assert caught.value.field_name == "cach_thuc_thuc_hien"


# Malformed records in a file ----------------------------------------------------------------


def test_malformed_records_are_reported_and_the_good_ones_load() -> None:
    lines = [
        line(record("9.100001", name="Thủ tục một")),
        '{"ma_thu_tuc": "9.100002", "ten_thu_tuc": ',
        line({"ten_thu_tuc": "Thủ tục không mã"}),
        line(record("9.100004", cach_thuc_thuc_hien="Trực tiếp tại bộ phận một cửa")),
        "",
        line(record("9.100005", name="Thủ tục năm")),
        line(record("9.100001", name="Thủ tục một, bản trùng")),
        line(["not", "an", "object"]),
    ]

    kb = parse_lines(lines)

    assert list(kb.procedures) == ["9.100001", "9.100005"]
    assert [(p.code, p.field) for p in kb.problems] == [
        ("line 2", "json"),
        ("line 3", "ma_thu_tuc"),
        ("9.100004", "cach_thuc_thuc_hien"),
        ("9.100001", "ma_thu_tuc"),
        ("line 8", "record"),
    ]
    assert all(isinstance(p, LoadProblem) and p.message for p in kb.problems)


def test_a_duplicate_code_keeps_the_first_record() -> None:
    kb = parse_lines([line(record("9.100001", name="Bản đầu")), line(record("9.100001", "Sau"))])

    procedure = kb.get("9.100001")
    assert procedure is not None
    assert procedure.name == "Bản đầu"
    assert [p.message for p in kb.problems] == ["duplicate code, kept the first"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"cach_thuc_thuc_hien": [{"fees": [{"amount_vnd_from_note": "40.000"}]}]},
            "fees.amount_vnd_from_note",
        ),
        ({"thanh_phan_ho_so": [{"documents": [{"copies": 1}]}]}, "thanh_phan_ho_so.documents"),
        ({"cap_thuc_hien_codes": ["tinh", 3]}, "cap_thuc_hien_codes"),
        ({"thoi_han_giai_quyet_ngay_lam_viec_min": True}, "thoi_han_giai_quyet_ngay_lam_viec_min"),
        ({"co_quan_thuc_hien": ["Sở Tài chính"]}, "co_quan_thuc_hien"),
        ({"can_cu_phap_ly": ["Luật Doanh nghiệp"]}, "can_cu_phap_ly"),
    ],
)
def test_each_bad_field_is_reported_by_code_and_field(fields: dict[str, Any], field: str) -> None:
    kb = parse_lines([line(record("9.200001", **fields)), line(record("9.200002"))])

    assert list(kb.procedures) == ["9.200002"]
    assert [(p.code, p.field) for p in kb.problems] == [("9.200001", field)]


def test_a_record_whose_code_is_not_text_is_reported_by_line() -> None:
    kb = parse_lines([line({"ma_thu_tuc": 1001612, "ten_thu_tuc": "Số thay vì chữ"})])

    assert [(p.code, p.field) for p in kb.problems] == [("line 1", "ma_thu_tuc")]


# Loading from a path --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_a_given_file_loads_plain_or_gzipped(tmp_path: Path, suffix: str) -> None:
    text = "\n".join([line(record("9.300001")), "{broken", line(record("9.300002"))]) + "\n"
    path = tmp_path / f"procedures{suffix}"
    if suffix.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")

    kb = load_knowledge(path)

    assert list(kb.procedures) == ["9.300001", "9.300002"]
    assert [(p.code, p.field) for p in kb.problems] == [("line 2", "json")]


def test_the_portal_amount_leads_the_note_when_the_note_states_none(kb: KnowledgeBase) -> None:
    # Household business registration: "150,000 Việt Nam Đồng(- Mức lệ phí cụ thể do HĐND…)".
    procedure = kb.get("1.001612")
    assert procedure is not None
    online = next(c for c in procedure.channels if c.name == "Trực tuyến")
    [fee] = online.fees
    assert fee.amount_vnd == 150000
    assert fee.text.startswith("150.000 đồng — Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh")
    assert not fee.doubtful


def test_a_small_portal_amount_nothing_corrects_is_shown_as_printed_and_doubted() -> None:
    alone = {"text": "100 VNĐ(", "portal_amount": 100, "amount_vnd_from_note": None}
    in_usd = {
        "text": "155 VNĐ(Thẻ tạm trú: 155 USD/thẻ.)",
        "portal_amount": 155,
        "note": "Thẻ tạm trú: 155 USD/thẻ.",
    }
    channel = {"channel": "Trực tiếp", "fees": [alone, in_usd]}

    doubted, usd = parse_record(record("9.000004", cach_thuc_thuc_hien=[channel])).channels[0].fees

    assert (doubted.text, doubted.amount_vnd, doubted.doubtful) == ("100 VNĐ", None, True)
    assert (usd.text, usd.amount_vnd, usd.doubtful) == ("Thẻ tạm trú: 155 USD/thẻ.", None, False)
