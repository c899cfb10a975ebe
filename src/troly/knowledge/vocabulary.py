"""Vocabulary files in knowledge/data/: read once, checked line by line.

A civil servant can review and diff them; a bad line stops the load with its file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources


class VocabularyError(ValueError):
    """A line of a vocabulary file that cannot be used, named by file and line."""


def kind_lines(text: str, *, source: str, kinds: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
    """The ``kind<TAB>text`` lines of a file as (where, kind, text), the text's spaces tidied.

    ``#`` comments and blank lines are skipped; a line of another shape, or of a kind not in
    ``kinds``, is refused with its file and line (``where`` is ``source:line``).
    """
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{source}:{number}"
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].strip():
            raise VocabularyError(f"{where}: expected kind<TAB>text, the text non-empty")
        kind, phrase = parts[0].strip(), " ".join(parts[1].split())
        if kind not in kinds:
            raise VocabularyError(f"{where}: kind {kind!r} is not one of {', '.join(kinds)}")
        yield where, kind, phrase


def data_text(name: str) -> str:
    """The text of one of the package's vocabulary files."""
    return resources.files("troly.knowledge").joinpath("data", name).read_text(encoding="utf-8")


def parse_pairs(text: str, *, source: str) -> dict[str, str]:
    """Reads ``phrase<TAB>meaning`` lines (``#`` comments and blank lines skipped).

    A later line for the same phrase replaces an earlier one; a bad line is refused with its
    file and line.
    """
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise VocabularyError(f"{source}:{number}: expected phrase<TAB>meaning, both non-empty")
        found[parts[0].strip()] = parts[1].strip()
    return found


def read_pairs(name: str) -> dict[str, str]:
    """One of the package's ``phrase<TAB>meaning`` files."""
    return parse_pairs(data_text(name), source=f"knowledge/data/{name}")
