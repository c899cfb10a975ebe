"""Personal and family matters that a business assistant does not handle.

Divorce, a passport or a criminal-record extract for oneself.
"thủ tục ly hôn" is not a business's procedure, and the nearest records (recording a divorce
decided abroad, a marriage registration) would be the wrong answer. Such a question is told
politely where to go; a record of the bundled data that a person may still want to read is
offered as a button, never answered outright. A question that names a business ("hộ chiếu cho
nhân viên", "lý lịch tư pháp của ứng viên") is the matcher's. The words are data
(``knowledge/data/private_matters.tsv``), checked at load with the file and line of a bad entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from troly.knowledge.vocabulary import VocabularyError, data_text, kind_lines

KINDS: Final = ("matter", "term", "need", "show", "business")


@dataclass(frozen=True, slots=True)
class PrivateMatter:
    """A personal matter: its key (the reply's catalogue key), its phrases, a record to offer."""

    key: str
    terms: tuple[str, ...]
    need: tuple[str, ...] = ()
    show: str | None = None


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def parse_private_matters(
    text: str, *, source: str
) -> tuple[tuple[PrivateMatter, ...], tuple[str, ...]]:
    """Reads ``kind<TAB>text`` lines into the matters and the business words."""
    matters: list[PrivateMatter] = []
    business: list[str] = []
    current: dict[str, list[str]] | None = None
    key = ""
    started = source

    def close() -> None:
        if current is None:
            return
        if not current["term"]:
            raise VocabularyError(f"{started}: matter {key!r} has no term line")
        if len(current["show"]) > 1:
            raise VocabularyError(f"{started}: matter {key!r} has two show lines")
        show = current["show"][0] if current["show"] else None
        matters.append(PrivateMatter(key, tuple(current["term"]), tuple(current["need"]), show))

    for where, kind, phrase in kind_lines(text, source=source, kinds=KINDS):
        if kind == "matter":
            close()
            if not re.fullmatch(r"[a-z_]+", phrase) or any(m.key == phrase for m in matters):
                raise VocabularyError(f"{where}: matter key {phrase!r} is not new or not a_key")
            current, key, started = {"term": [], "need": [], "show": []}, phrase, where
            continue
        if kind != "show" and (phrase != phrase.lower() or not phrase.isascii()):
            raise VocabularyError(f"{where}: {phrase!r} is not folded (lower case, no marks)")
        if kind == "business":
            business.append(phrase)
            continue
        if current is None:
            raise VocabularyError(f"{where}: a {kind} line before any matter line")
        current[kind].append(phrase)
    close()
    return tuple(matters), tuple(business)


class PrivateMatters:
    """The matters and business words, compiled once."""

    def __init__(self, matters: tuple[PrivateMatter, ...], business: tuple[str, ...]) -> None:
        self.matters = matters
        self._business = _pattern(business)
        self._patterns = [(m, _pattern(m.terms), _pattern(m.need)) for m in matters]

    def read(self, folded: str) -> PrivateMatter | None:
        """The personal matter a folded question names, or None (a business's question)."""
        if self._business is not None and self._business.search(folded):
            return None
        for matter, terms, need in self._patterns:
            if terms is None or not terms.search(folded):
                continue
            if need is not None and not need.search(folded):
                continue
            return matter
        return None


PRIVATE_MATTERS: Final = PrivateMatters(
    *parse_private_matters(
        data_text("private_matters.tsv"), source="knowledge/data/private_matters.tsv"
    )
)


def private_matter(folded: str) -> PrivateMatter | None:
    """The personal matter a folded question names, or None."""
    return PRIVATE_MATTERS.read(folded)
