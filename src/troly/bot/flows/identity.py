"""Reusable steps that ask who a business is: consent first, then name, tax code and phone.

Pure helpers shared by the petition and booking flows: each checks one answer and returns
the normalised value or the reply that says what is wrong. No consent, no personal data.
"""

from __future__ import annotations

import re
import unicodedata

from troly.bot.messages import Button, Reply
from troly.bot.taxcode import TaxCodeError, parse_tax_code
from troly.bot.texts import t

MAX_NAME_CHARS = 200
_PHONE_JUNK = re.compile(r"[\s.\-()]")
# Vietnamese numbers: mobiles 03/05/07/08/09 + 8 digits, landlines 02 + 9 digits.
_PHONE = re.compile(r"^0(?:[35789]\d{8}|2\d{9})$")


def consent_reply(locale: str, *, purpose: str, prefix: str) -> Reply:
    """Asks for consent to keep the business's details for ``purpose`` (a catalogue key)."""
    text = t("identity.consent", locale, purpose=t(purpose, locale))
    return Reply(
        text,
        buttons=(
            (Button(t("identity.consent_yes", locale), choice=f"{prefix}consent:1"),),
            (Button(t("identity.consent_no", locale), choice=f"{prefix}consent:0"),),
        ),
        kind="consent",
    )


def check_name(text: str, locale: str) -> tuple[str | None, Reply | None]:
    """The business's name, trimmed, or the reply asking again."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        return None, Reply(t("identity.name_empty", locale))
    if len(name) > MAX_NAME_CHARS:
        return None, Reply(t("identity.name_too_long", locale, limit=MAX_NAME_CHARS))
    return name, None


def check_tax_code(text: str, locale: str) -> tuple[str | None, Reply | None]:
    """The tax code normalised (``0300588569`` or ``0300588569-001``), or what is wrong."""
    try:
        return parse_tax_code(text).value, None
    except TaxCodeError as exc:
        return None, Reply(t(f"identity.tax_code_{exc.reason.value}", locale))


def check_phone(text: str, locale: str) -> tuple[str | None, Reply | None]:
    """A Vietnamese phone number as ``0912345678`` (``+84`` accepted), or the reply."""
    digits = _PHONE_JUNK.sub("", unicodedata.normalize("NFKC", text))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not _PHONE.match(digits):
        return None, Reply(t("identity.phone_invalid", locale))
    return digits, None
