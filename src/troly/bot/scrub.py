"""Text made fit for the public pages: a record's own identifiers hidden, personal numbers masked.

A second guard behind the staff's redaction: the business's name, tax code and phone as the
record holds them are replaced, then every phone number, tax code and e-mail address
(``answers.mask_personal``). Must not import handlers or platform libraries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from troly.bot.answers import mask_personal

HIDDEN = "[…]"
MIN_KNOWN = 3
"""A known value shorter than this (a stray letter) is not looked for: it would hide words."""


def scrub(text: str, *, known: Iterable[str | None] = ()) -> str:
    """The text with each ``known`` value hidden (any case) and personal numbers masked."""
    out = unicodedata.normalize("NFC", text)
    values = {unicodedata.normalize("NFC", v.strip()) for v in known if v and v.strip()}
    for value in sorted((v for v in values if len(v) >= MIN_KNOWN), key=len, reverse=True):
        out = re.sub(re.escape(value), HIDDEN, out, flags=re.IGNORECASE)
    return mask_personal(out)
