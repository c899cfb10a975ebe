"""What changed between two sets of procedure records: added, removed, renamed, changed.

A record keeps its national code across the portal's amendments, so records are matched by
code: a code only in the new set is added, only in the old one removed; the same code under
another name is renamed; and a record whose documents, processing time, fee or legal basis
differ is changed (the parts are named).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from troly.knowledge.records import KnowledgeBase, Procedure

PARTS = ("documents", "time", "fee", "legal_basis")
"""The parts of a record whose change is reported, in this order."""


@dataclass(frozen=True, slots=True)
class Renamed:
    """A record whose code stayed and whose name changed."""

    code: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Changed:
    """A record whose documents, time, fee or legal basis changed (``parts``, in PARTS order)."""

    code: str
    name: str
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordDiff:
    """The difference between the records in use and a new set, each list by code."""

    added: tuple[Procedure, ...]
    removed: tuple[Procedure, ...]
    renamed: tuple[Renamed, ...]
    changed: tuple[Changed, ...]

    @property
    def empty(self) -> bool:
        """Whether the two sets say the same in everything reported."""
        return not (self.added or self.removed or self.renamed or self.changed)

    def counts(self) -> dict[str, int]:
        """How many of each, for a summary."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "renamed": len(self.renamed),
            "changed": len(self.changed),
        }


def _part(p: Procedure, part: str) -> Hashable:
    if part == "documents":
        return tuple(
            (case.case, tuple((d.name, d.originals, d.copies) for d in case.documents))
            for case in p.document_cases
        )
    if part == "time":
        channels = tuple((c.name, c.time_text, c.working_days) for c in p.channels)
        return (channels, p.min_working_days, p.step_times)
    if part == "fee":
        return tuple((c.name, f.text, f.amount_vnd, f.free) for c in p.channels for f in c.fees)
    return tuple((b.code, b.title) for b in p.legal_basis)


def changed_parts(old: Procedure, new: Procedure) -> tuple[str, ...]:
    """The reported parts that differ between two versions of one record."""
    return tuple(part for part in PARTS if _part(old, part) != _part(new, part))


def diff_records(old: KnowledgeBase, new: KnowledgeBase) -> RecordDiff:
    """The difference from ``old`` (in use) to ``new`` (imported)."""
    before, after = old.procedures, new.procedures
    added = tuple(after[code] for code in sorted(after.keys() - before.keys()))
    removed = tuple(before[code] for code in sorted(before.keys() - after.keys()))
    renamed: list[Renamed] = []
    changed: list[Changed] = []
    for code in sorted(before.keys() & after.keys()):
        was, now = before[code], after[code]
        if was.name != now.name:
            renamed.append(Renamed(code, was.name, now.name))
        parts = changed_parts(was, now)
        if parts:
            changed.append(Changed(code, now.name, parts))
    return RecordDiff(added, removed, tuple(renamed), tuple(changed))
