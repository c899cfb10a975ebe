"""Tax code (mã số thuế, MST) validation: 10 digits for an enterprise, 13 for a branch.

Returns reason codes only; the sentences that explain them live in the message catalogues.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from troly.knowledge.folding import strip_diacritics

# Weights of the first nine digits; the tenth is the check digit (facts/rules.md, "Business
# identity"; verified on real codes such as 0300588569 and 0100109106).
_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_DIGITS = frozenset("0123456789")
# People paste codes from Word, PDFs and phones: all of these are "the hyphen".
_HYPHENS = frozenset("-‐‑‒–—−﹣－")


class TaxCodeProblem(StrEnum):
    """Why a text is not a tax code, so the bot can say which part is wrong."""

    EMPTY = "empty"
    BAD_CHARACTERS = "bad_characters"
    WRONG_LENGTH = "wrong_length"
    BAD_CHECK_DIGIT = "bad_check_digit"
    BAD_BRANCH_SUFFIX = "bad_branch_suffix"


class TaxCodeError(ValueError):
    """Raised when a text is not a valid tax code; ``reason`` says which part is wrong."""

    def __init__(self, reason: TaxCodeProblem) -> None:
        # The message carries the reason only: a tax code must never reach the logs.
        super().__init__(f"invalid tax code: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TaxCode:
    """A valid tax code, normalised as ``0300588569`` or ``0300588569-001``."""

    value: str

    @property
    def is_branch(self) -> bool:
        """Tells whether this is a branch or dependent unit (13 digits)."""
        return len(self.value) == 14

    @property
    def parent(self) -> str:
        """The enterprise's 10-digit code (the code itself for an enterprise)."""
        return self.value[:10]

    @property
    def province_prefix(self) -> str:
        """The two digits naming the province that issued the code (Thanh Hóa: 28)."""
        return self.value[:2]

    def __str__(self) -> str:
        return self.value


def check_digit(first_nine: str) -> int | None:
    """Returns the check digit for nine digits, or None when no valid code starts with them."""
    if len(first_nine) != 9 or not set(first_nine) <= _DIGITS:
        raise ValueError("expected nine digits")
    remainder = sum(w * int(c) for w, c in zip(_WEIGHTS, first_nine, strict=True)) % 11
    if remainder == 0:
        return None
    return 10 - remainder


# "MST: 0300588569", "Mã số thuế 0300588569", "tax code: …" (matched without diacritics).
_LABEL = re.compile(r"\s*(ma\s*so\s*(thue|doanh\s*nghiep|dn)|mst|msdn|tax\s*code|tin)\b\s*[:.=-]?")


def _without_label(raw: str) -> str:
    """The text after a label the user typed before the code, NFKC-normalised."""
    text = unicodedata.normalize("NFKC", raw)
    # Stripping the marks of NFC text keeps each character's position (đ -> d, ố -> o).
    plain = strip_diacritics(unicodedata.normalize("NFC", text)).lower()
    found = _LABEL.match(plain) if len(plain) == len(text) else None
    return text[found.end() :] if found else text


def parse_tax_code(raw: str) -> TaxCode:
    """Parses a tax code typed with or without the branch hyphen and spaces.

    Raises:
        TaxCodeError: with the reason the text is not a valid tax code.
    """
    text = "".join(c for c in _without_label(raw) if not c.isspace())
    digits = "".join(c for c in text if c not in _HYPHENS)
    if not digits:
        raise TaxCodeError(TaxCodeProblem.EMPTY)
    if not set(digits) <= _DIGITS:
        raise TaxCodeError(TaxCodeProblem.BAD_CHARACTERS)
    if len(digits) not in (10, 13):
        raise TaxCodeError(TaxCodeProblem.WRONG_LENGTH)
    if check_digit(digits[:9]) != int(digits[9]):
        raise TaxCodeError(TaxCodeProblem.BAD_CHECK_DIGIT)
    if len(digits) == 10:
        return TaxCode(digits)
    if digits[10:] == "000":
        raise TaxCodeError(TaxCodeProblem.BAD_BRANCH_SUFFIX)
    return TaxCode(f"{digits[:10]}-{digits[10:]}")
