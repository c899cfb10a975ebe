"""What staff taught from the unanswered questions: a layer on top of the bundled vocabulary.

A question taught as "this means procedure X" becomes an everyday name of X (matched like the
data file's names) and, said again as taught (with or without diacritics), is answered with X
outright. A question taught as "not a procedure question" is answered with one of the standard
replies, named by its kind. The bot keeps the layer in its database; this module only holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from troly.knowledge.aliases import Everyday


@dataclass(frozen=True, slots=True)
class TaughtPhrase:
    """One taught question: the record it means, or the kind of standard reply it gets."""

    question: str
    code: str | None = None
    reply_kind: str | None = None


@dataclass(frozen=True, slots=True)
class Taught:
    """The taught questions in force, oldest first (a later one for the same words wins)."""

    phrases: tuple[TaughtPhrase, ...] = ()

    def names_by_code(self) -> dict[str, tuple[str, ...]]:
        """The taught questions that name a record, per record code."""
        found: dict[str, list[str]] = {}
        for phrase in self.phrases:
            if phrase.code is not None:
                names = found.setdefault(phrase.code, [])
                if phrase.question not in names:
                    names.append(phrase.question)
        return {code: tuple(names) for code, names in found.items()}


def with_taught(everyday: Mapping[str, Everyday], taught: Taught) -> dict[str, Everyday]:
    """The everyday vocabulary with each taught question added as a name of its record."""
    merged = dict(everyday)
    for code, names in taught.names_by_code().items():
        entry = merged.get(code, Everyday())
        extra = tuple(n for n in names if n not in entry.names)
        merged[code] = Everyday(entry.names + extra, entry.situations, entry.english)
    return merged
