"""What staff taught, exported so a province can send its additions upstream.

Questions that mean a record come out in the format of ``knowledge/data/everyday.tsv``
(``code<TAB>kind<TAB>text``): a name when it is short enough for one, else a situation.
Questions taught as not about a procedure come out as ``reply_kind<TAB>phrase`` lines
(``out_of_remit``, ``contact_center`` or ``small_talk``). Must not import handlers.
"""

from __future__ import annotations

from collections.abc import Iterable

from troly.bot.knowledge.model import TaughtQuestion
from troly.knowledge.aliases import MAX_WORDS

PROCEDURE_HEADER = (
    "# Taught everyday names: code<TAB>kind<TAB>text, the format of knowledge/data/everyday.tsv.",
    "# Exported by `troly kb export-taught`, as staff typed them (with their diacritics).",
)
NOT_PROCEDURE_HEADER = (
    "# Taught phrases that are not procedure questions: reply_kind<TAB>phrase, reply_kind one",
    "# of out_of_remit, contact_center, small_talk. Exported by"
    " `troly kb export-taught --not-procedure`.",
)


def _kind(text: str) -> str | None:
    words = len(text.split())
    if words <= MAX_WORDS["name"]:
        return "name"
    return "situation" if words <= MAX_WORDS["situation"] else None


def procedure_lines(rows: Iterable[TaughtQuestion]) -> list[str]:
    """The taught questions that mean a record, as everyday.tsv lines (oldest first)."""
    lines = list(PROCEDURE_HEADER)
    for row in sorted(rows, key=lambda r: r.id):
        text = " ".join(row.question.replace("\t", " ").split())
        kind = _kind(text)
        if row.code is None or kind is None:
            continue
        lines.append(f"{row.code}\t{kind}\t{text}")
    return lines


def not_procedure_lines(rows: Iterable[TaughtQuestion]) -> list[str]:
    """The taught phrases that are not procedure questions, as reply_kind<TAB>phrase lines."""
    lines = list(NOT_PROCEDURE_HEADER)
    for row in sorted(rows, key=lambda r: r.id):
        if row.reply_kind is not None:
            lines.append(f"{row.reply_kind}\t{' '.join(row.question.split())}")
    return lines
