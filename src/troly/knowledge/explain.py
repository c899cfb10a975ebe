"""Why the index decided what it did: the "Test a question" tool staff use around a teach.

``ProcedureIndex.explain`` fills these from the same steps ``search`` takes (the same folding,
scores, candidates and evidence), so what staff read is what the assistant did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from troly.knowledge.index import Features, Match, SearchResult
    from troly.knowledge.taught import TaughtPhrase


@dataclass(frozen=True, slots=True)
class CandidateWhy:
    """One candidate: its score, its features, and what of the question it has.

    fields: per field of the record (name, alias = results, field and everyday names,
    situation = everyday situations, where = agency and level), the question's words and word
    pairs found there; everyday: the record's everyday names sharing words with the question,
    each with whether staff taught it.
    """

    match: Match
    features: Features | None
    fields: dict[str, tuple[str, ...]]
    everyday: tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """The decision on a question and why."""

    result: SearchResult
    in_scope: float | None
    """The in-scope probability (None when no word of the question is known at all)."""
    repairs: tuple[tuple[str, str], ...]
    """Words read as others: typos repaired, Telex decoded, abbreviations expanded."""
    rewrites: tuple[tuple[str, str], ...]
    """Everyday phrases of the question the synonyms rewrote into the records' words."""
    candidates: tuple[CandidateWhy, ...]
    taught: TaughtPhrase | None
    """The taught question this one says again, if any (its answer overrides the ranking)."""
