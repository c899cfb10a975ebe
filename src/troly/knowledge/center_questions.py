"""Questions about the service center itself: its hours, address, hotline, the portal.

"giờ làm việc của trung tâm hành chính công" asks about the center, not a procedure; "địa chỉ
nộp hồ sơ đăng ký hộ kinh doanh" asks about a procedure. A question is the center's when it
names what is asked (hours, address, hotline, portal) and nothing else is left but the center
or a commune office and a few words of no subject; the words are data
(``knowledge/data/center_questions.tsv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from troly.knowledge.vocabulary import VocabularyError, data_text

ASKED: Final = ("hours", "address", "hotline", "portal")
KINDS: Final = ("center", "commune", *ASKED, "filler")
# A question that names the center may keep this many words of its own ("tỉnh Thanh Hóa").
MAX_LEFT_WORDS = 3


@dataclass(frozen=True, slots=True)
class CenterQuestion:
    """What a question asks about the center (or a commune office)."""

    asked: frozenset[str]
    commune: bool = False
    """The commune one-stop office, not the province's center."""
    named: bool = False
    """Whether the question names the office (else only what it asks was found)."""


def parse_center_words(text: str, *, source: str) -> dict[str, tuple[str, ...]]:
    """Reads ``kind<TAB>folded phrase`` lines into the phrases of each kind."""
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        where = f"{source}:{number}"
        if len(parts) != 2 or not parts[1].strip():
            raise VocabularyError(f"{where}: expected kind<TAB>phrase, the phrase non-empty")
        kind, phrase = parts[0].strip(), " ".join(parts[1].split())
        if kind not in KINDS:
            raise VocabularyError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if phrase != phrase.lower() or not phrase.isascii():
            raise VocabularyError(f"{where}: {phrase!r} is not folded (lower case, no marks)")
        found[phrase] = kind
    grouped: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for phrase, kind in found.items():
        grouped[kind].append(phrase)
    return {kind: tuple(phrases) for kind, phrases in grouped.items()}


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


class CenterWords:
    """The phrases of each kind, compiled once."""

    def __init__(self, words: dict[str, tuple[str, ...]]) -> None:
        self._patterns = {kind: _pattern(phrases) for kind, phrases in words.items() if phrases}
        self._filler = frozenset(words.get("filler", ()))

    def read(self, folded: str) -> CenterQuestion | None:
        """What a folded question asks about the center, or None when it is not about it."""
        text = f" {folded} "
        found: dict[str, bool] = {}
        for kind in ("center", "commune", *ASKED):
            pattern = self._patterns.get(kind)
            if pattern is None:
                continue
            text, count = pattern.subn(" ", text)
            found[kind] = count > 0
        asked = frozenset(kind for kind in ASKED if found.get(kind))
        if not asked:
            return None
        filler = self._patterns.get("filler")
        left = (filler.sub(" ", text) if filler is not None else text).split()
        named = found.get("center", False) or found.get("commune", False)
        if len(left) > (MAX_LEFT_WORDS if named else 0):
            return None
        commune = found.get("commune", False) and not found.get("center", False)
        return CenterQuestion(asked, commune=commune, named=named)


CENTER_WORDS: Final = CenterWords(
    parse_center_words(
        data_text("center_questions.tsv"), source="knowledge/data/center_questions.tsv"
    )
)


def center_question(folded: str) -> CenterQuestion | None:
    """What a folded question asks about the service center, or None (a procedure question)."""
    return CENTER_WORDS.read(folded)
