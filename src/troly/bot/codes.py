"""Unguessable tracking codes such as ``PA-7K3M9Q`` for petitions and ``DT-4KQ8ZP`` for bookings.

Codes are read aloud on the phone and typed from paper, so the alphabet drops look-alikes.
"""

from __future__ import annotations

import secrets
import string
import unicodedata
from collections.abc import Collection, Sequence
from typing import Protocol

# 30 symbols: digits 2–9 and A–Z without I, L, O (read as 1 and 0) and U (read as V);
# 0 and 1 are out too. Each symbol carries log2(30) ≈ 4.91 bits, so the default six
# symbols give 30**6 ≈ 7.3e8 codes (≈ 29.4 bits): with 10,000 live codes a random guess
# hits one about once in 73,000 tries, and lookups are rate-limited on top.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MIN_LENGTH = 4
_PREFIX_LETTERS = frozenset(string.ascii_uppercase)
_MAX_PREFIX = 4
# The one confusion we repair: U is not in the alphabet and is what people type for a V.
# O, I, L, 0 and 1 are not repaired because neither side of those pairs is in the alphabet.
_REPAIRS = str.maketrans({"U": "V"})
_SEPARATORS = frozenset("-‐‑‒–—−﹣－_")


class Chooser(Protocol):
    """Anything with ``choice``: the ``secrets`` module in production, a seeded Random in tests."""

    def choice(self, seq: Sequence[str], /) -> str:
        """Returns one element of ``seq``."""


def new_code(prefix: str, *, length: int = 6, rng: Chooser = secrets) -> str:
    """Makes a fresh tracking code such as ``PA-7K3M9Q``.

    Args:
        prefix: one to four capital letters naming the kind of thing tracked.
        length: symbols after the hyphen; at least four.
        rng: source of randomness; keep the default outside tests.
    """
    _check_prefix(prefix)
    if length < MIN_LENGTH:
        raise ValueError(f"a code needs at least {MIN_LENGTH} symbols")
    body = "".join(rng.choice(ALPHABET) for _ in range(length))
    return f"{prefix}-{body}"


def normalise_code(
    raw: str, *, length: int = 6, prefixes: Collection[str] | None = None
) -> str | None:
    """Turns what a user typed into a canonical code, or None when it cannot be one.

    Accepts lower case, spaces, a missing or odd hyphen, and U for V: ``"pa 7k3m9q"`` and
    ``"PA7K3M9Q"`` both give ``"PA-7K3M9Q"``. A typed separator ends the prefix; without
    one, the last ``length`` symbols are the body.

    Args:
        raw: the user's text.
        length: symbols after the hyphen.
        prefixes: when given, the only prefixes accepted.
    """
    text = unicodedata.normalize("NFKC", raw).upper()
    groups = "".join(" " if c in _SEPARATORS else c for c in text).split()
    if len(groups) > 1:
        # A separator the user typed marks where the prefix ends: "PA-7K3M9" is one short.
        prefix, body = groups[0], "".join(groups[1:])
    else:
        compact = "".join(groups)
        prefix, body = compact[:-length], compact[-length:]
    body = body.translate(_REPAIRS)
    if not prefix or len(body) != length:
        return None
    if len(prefix) > _MAX_PREFIX or not set(prefix) <= _PREFIX_LETTERS:
        return None
    if prefixes is not None and prefix not in prefixes:
        return None
    if not set(body) <= set(ALPHABET):
        return None
    return f"{prefix}-{body}"


def _check_prefix(prefix: str) -> None:
    if not 1 <= len(prefix) <= _MAX_PREFIX or not set(prefix) <= _PREFIX_LETTERS:
        raise ValueError("a prefix is one to four capital letters A–Z")
