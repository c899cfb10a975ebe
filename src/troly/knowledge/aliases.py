"""What business owners call a procedure: everyday names, situations and English names, per record.

The portal's names are legal titles ("Đăng ký thành lập hộ kinh doanh"); people ask for "giấy
phép kinh doanh cá thể", describe their situation ("sổ đỏ của công ty là mẫu cũ, rách mép"), or
ask in English ("work permit"). These were written per record from the record itself (its
name, field, who may use it, its documents and results) — never from a question set — and
live as data in ``knowledge/data/everyday.tsv`` (``code<TAB>kind<TAB>text``), checked once at
load: a bad line is refused with its file and line number. The index matches names like the
records' results and field (a secondary field, and words the record explains), situations as
evidence in that field only, and English names through the glossary, as English questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from troly.knowledge.vocabulary import VocabularyError, data_text

KINDS: Final = ("name", "situation", "en")
MAX_WORDS: Final = {"name": 12, "situation": 30, "en": 10}


@dataclass(frozen=True, slots=True)
class Everyday:
    """All that the data says of one record, in file order."""

    names: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    english: tuple[str, ...] = ()


def parse_everyday(text: str, *, source: str) -> dict[str, Everyday]:
    """Reads ``code<TAB>kind<TAB>text`` lines (``#`` comments and blank lines skipped)."""
    found: dict[str, dict[str, list[str]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        where = f"{source}:{number}"
        if len(parts) != 3:
            raise VocabularyError(
                f"{where}: expected code<TAB>kind<TAB>text, got {len(parts)} fields"
            )
        code, kind, phrase = (part.strip() for part in parts)
        if not code or not code[0].isdigit() or "." not in code:
            raise VocabularyError(f"{where}: {code!r} is not a procedure code such as 1.001612")
        if kind not in KINDS:
            raise VocabularyError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        words = phrase.split()
        if not words:
            raise VocabularyError(f"{where}: the text is empty")
        if len(words) > MAX_WORDS[kind]:
            raise VocabularyError(
                f"{where}: a {kind} has at most {MAX_WORDS[kind]} words, this has {len(words)}"
            )
        kinds = found.setdefault(code, {k: [] for k in KINDS})
        if phrase not in kinds[kind]:
            kinds[kind].append(phrase)
    return {
        code: Everyday(tuple(k["name"]), tuple(k["situation"]), tuple(k["en"]))
        for code, k in found.items()
    }


def load_everyday() -> dict[str, Everyday]:
    """The package's everyday vocabulary per record code."""
    return parse_everyday(data_text("everyday.tsv"), source="knowledge/data/everyday.tsv")


EVERYDAY: Final[dict[str, Everyday]] = load_everyday()
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    code: entry.names for code, entry in EVERYDAY.items() if entry.names
}
"""Record code -> everyday names (Vietnamese, with diacritics; folded when the index is built)."""
