"""The reusable identity steps: name, tax code (which part is wrong) and phone."""

from __future__ import annotations

import pytest

from troly.bot.flows.identity import check_name, check_phone, check_tax_code
from troly.bot.petitions.staff_actions import parse_new_date


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(0237) 385 1234", "02373851234"),
    ],
)
def test_vietnamese_phone_numbers_are_normalised(typed: str, expected: str) -> None:
    assert check_phone(typed, "vi") == (expected, None)


@pytest.mark.parametrize("typed", ["12345", "0112345678", "09123456789", "abc"])
def test_a_wrong_phone_number_is_refused_with_the_rule(typed: str) -> None:
    value, reply = check_phone(typed, "vi")
    assert value is None and reply is not None
    assert "10 chữ số" in reply.text


def test_the_tax_code_reply_names_the_wrong_part() -> None:
    assert check_tax_code("0300588569 001", "vi") == ("0300588569-001", None)
    _, length = check_tax_code("03005885", "vi")
    _, digit = check_tax_code("0300588560", "en")
    assert length is not None and "10 chữ số" in length.text
    assert digit is not None and "check digit" in digit.text


def test_a_name_is_trimmed_and_limited() -> None:
    assert check_name("  Công ty   TNHH  ABC ", "vi") == ("Công ty TNHH ABC", None)
    assert check_name("x" * 201, "vi")[0] is None


def test_a_new_date_needs_a_day_and_a_reason() -> None:
    from datetime import date

    assert parse_new_date("22/12/2026 chờ ý kiến Sở") == (date(2026, 12, 22), "chờ ý kiến Sở")
    assert parse_new_date("22/12/2026") is None
    assert parse_new_date("31/02/2026 lý do") is None
