"""What a dossier lookup returns, the connector interface, and the rules on codes and states.

A one-stop system (facts/one-stop.md) answers with its own status labels and date formats;
here they become one ``DossierStatus`` with one of our few states. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from troly.knowledge.folding import basic_fold

MAX_CODE = 40
# Formats differ between systems: letters, digits, dots and hyphens, up to ~40 characters,
# and at least one digit (a receipt's code always has some; a word alone is not a code).
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—−﹣－_", "-"))
_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


class DossierState(StrEnum):
    """The assistant's few states of a dossier (the systems' labels are many)."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    NEEDS_MORE = "needs_more"
    RESULT_READY = "result_ready"
    RETURNED = "returned"


FINISHED = frozenset({DossierState.RESULT_READY, DossierState.RETURNED})
"""States after which a follow stops: nothing more will change for the business to act on."""
# A label matching several words takes the first state in this order ("từ chối tiếp nhận" is
# a refusal, not a reception).
_PRIORITY = (
    DossierState.RETURNED,
    DossierState.NEEDS_MORE,
    DossierState.RESULT_READY,
    DossierState.IN_PROGRESS,
    DossierState.RECEIVED,
)


@dataclass(frozen=True, slots=True)
class DossierStatus:
    """A dossier as the one-stop system describes it."""

    code: str
    label: str
    """The system's own status label, shown as it is."""
    state: DossierState | None
    """Our state for the label; None when the label is unknown to the mapping."""
    received: date | None = None
    due: date | None = None
    agency: str = ""
    procedure: str = ""
    overdue: bool = False

    @property
    def finished(self) -> bool:
        """Whether nothing more will happen to the dossier (result ready, returned)."""
        return self.state in FINISHED


@dataclass(frozen=True, slots=True)
class NotFound:
    """The system does not know the code."""

    code: str


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The system did not answer usefully (down, slow, an error, an answer we cannot read)."""

    reason: str
    """For the log: never the key, never the business's data."""


Lookup = DossierStatus | NotFound | Unavailable


class DossierSource(Protocol):
    """A one-stop system that answers "where is dossier <code>"."""

    async def lookup(self, code: str) -> Lookup:
        """The dossier's status, ``NotFound``, or ``Unavailable``; never raises."""


def parse_code(text: str) -> str | None:
    """The dossier code in ``text`` (spaces and odd dashes tidied), or None if it is not one."""
    code = unicodedata.normalize("NFKC", text).translate(_DASHES).strip().strip(".,;:!?")
    code = re.sub(r"\s+", "", code)
    if not code or len(code) > MAX_CODE or not _CODE.match(code):
        return None
    if not any(ch.isdigit() for ch in code):
        return None
    return code


def state_of(label: str, words: Mapping[str, str]) -> DossierState | None:
    """Our state for a system's status label: an exact folded match, else a contained word."""
    folded = basic_fold(label)
    if not folded:
        return None
    exact = words.get(folded)
    if exact is not None:
        return _state(exact)
    padded = f" {folded} "
    found = {_state(state) for word, state in words.items() if f" {word} " in padded}
    for state in _PRIORITY:
        if state in found:
            return state
    return None


def _state(value: str) -> DossierState | None:
    try:
        return DossierState(value)
    except ValueError:
        return None


def parse_date(value: object) -> date | None:
    """A date written ``dd/mm/yyyy[ HH:MM:SS]`` or ISO ``yyyy-mm-dd…``; None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, str):
        return None
    try:
        if found := _DATE.match(value):
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        if found := _ISO.match(value):
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None
    return None


def is_overdue(flag: object) -> bool:
    """The system's overdue field: non-empty text, a true value, a positive number."""
    if isinstance(flag, bool):
        return flag
    if isinstance(flag, int | float):
        return flag > 0
    if isinstance(flag, str):
        return basic_fold(flag) not in {"", "0", "false", "khong", "no", "null"}
    return False
