import pytest

from troly.bot.taxcode import TaxCode, TaxCodeError, TaxCodeProblem, check_digit, parse_tax_code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0300588569", "0300588569"),
        ("0100109106", "0100109106"),
        (" 0300 588 569 ", "0300588569"),
        ("0300588569-001", "0300588569-001"),
        ("0300588569 - 001", "0300588569-001"),
        ("0300588569001", "0300588569-001"),
        ("0300588569–001", "0300588569-001"),
        ("０３００５８８５６９", "0300588569"),
        ("0300588569\u00a0-\u00a0012", "0300588569-012"),
        # The label people type before it (the form asks for the code alone, but phones).
        ("MST 0300588569", "0300588569"),
        ("MST: 0300588569", "0300588569"),
        ("Mã số thuế: 0300588569-001", "0300588569-001"),
        ("ma so thue 0300588569", "0300588569"),
        ("tax code: 0300588569", "0300588569"),
    ],
)
def test_valid_tax_codes_are_normalised(raw: str, expected: str) -> None:
    assert parse_tax_code(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", TaxCodeProblem.EMPTY),
        ("   ", TaxCodeProblem.EMPTY),
        (" - ", TaxCodeProblem.EMPTY),
        ("03005885A9", TaxCodeProblem.BAD_CHARACTERS),
        ("MST 03005885A9", TaxCodeProblem.BAD_CHARACTERS),
        ("số 0300588569", TaxCodeProblem.BAD_CHARACTERS),
        ("0300.588.569", TaxCodeProblem.BAD_CHARACTERS),
        ("030058856", TaxCodeProblem.WRONG_LENGTH),
        ("03005885690", TaxCodeProblem.WRONG_LENGTH),
        ("030058856900", TaxCodeProblem.WRONG_LENGTH),
        ("0300588569-01", TaxCodeProblem.WRONG_LENGTH),
        ("03005885690011", TaxCodeProblem.WRONG_LENGTH),
        ("0300588568", TaxCodeProblem.BAD_CHECK_DIGIT),
        ("0300588560-001", TaxCodeProblem.BAD_CHECK_DIGIT),
        ("3000588569", TaxCodeProblem.BAD_CHECK_DIGIT),
        ("2800000010", TaxCodeProblem.BAD_CHECK_DIGIT),
        ("0300588569-000", TaxCodeProblem.BAD_BRANCH_SUFFIX),
    ],
)
def test_invalid_tax_codes_say_which_part_is_wrong(raw: str, expected: TaxCodeProblem) -> None:
    with pytest.raises(TaxCodeError) as caught:
        parse_tax_code(raw)

    assert caught.value.reason == expected


def test_check_digit_follows_the_weighted_sum() -> None:
    assert (check_digit("030058856"), check_digit("010010910")) == (9, 6)


def test_nine_digits_with_remainder_zero_have_no_valid_code() -> None:
    # 31*2 + 29*8 + 3*1 = 297 = 27 * 11
    assert check_digit("280000001") is None


def test_every_tenth_digit_but_the_right_one_is_refused() -> None:
    refused = []
    for digit in "0123456789":
        try:
            parse_tax_code("030058856" + digit)
        except TaxCodeError:
            refused.append(digit)

    assert refused == [d for d in "0123456789" if d != "9"]


def test_branch_code_knows_its_parent_and_province() -> None:
    code = parse_tax_code("2801000005-003")

    assert (code.is_branch, code.parent, code.province_prefix) == (True, "2801000005", "28")


def test_enterprise_code_is_not_a_branch() -> None:
    code = parse_tax_code("0300588569")

    assert (code.is_branch, code.parent, str(code)) == (False, "0300588569", "0300588569")


def test_tax_codes_compare_by_value() -> None:
    assert parse_tax_code("0300588569 001") == TaxCode("0300588569-001")


def test_error_message_does_not_repeat_the_code() -> None:
    with pytest.raises(TaxCodeError) as caught:
        parse_tax_code("0300588568")

    assert "0300588568" not in str(caught.value)
