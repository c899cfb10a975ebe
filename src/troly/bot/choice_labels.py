"""Short, distinguishing button labels for the procedures offered as «Ý bạn là…» choices.

Procedure names are long and alike ("Gia hạn giấy phép xây dựng đối với công trình cấp III,
cấp IV (…) và nhà ở riêng lẻ"): the words every choice shares are said once, above the
buttons, and each button keeps what tells it apart, within what a phone shows on one line.
Pure: no database, no platform. Must not import handlers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from troly.knowledge.folding import basic_fold

MAX_LABEL = 40
"""Characters of a label after its number: a full-width Telegram button on a 390-pt phone
shows about this many before it cuts; Zalo does not publish its limit (channels.md)."""
MAX_LEAD = 60
"""Characters of the shared words said above the buttons (the question stays two lines)."""
MIN_LEAD_WORDS = 3
"""Syllables the choices must share before they are said once above the buttons."""
ELLIPSIS = "…"
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_EDGES = " ,.;:-–"


@dataclass(frozen=True, slots=True)
class Labels:
    """The words all choices share (said once above the buttons, or ""), and each label."""

    lead: str
    labels: tuple[str, ...]


@lru_cache(maxsize=8192)
def _key(word: str) -> str:
    """A name's word as compared: folded, punctuation aside (each word folded once)."""
    return basic_fold(word).strip(_EDGES)


def _shared(a: Sequence[str], b: Sequence[str]) -> int:
    """How many words two names share from their start (folded, punctuation aside)."""
    count = 0
    for x, y in zip(a, b, strict=False):
        if _key(x) != _key(y):
            break
        count += 1
    return count


def _fit(words: Sequence[str], budget: int) -> str:
    """The words from the start that fit ``budget`` characters, "…" when some are left out."""
    text = ""
    for number, word in enumerate(words):
        candidate = f"{text} {word}" if text else word
        more = number + 1 < len(words)
        if len(candidate) + (len(ELLIPSIS) if more else 0) > budget:
            return (text.rstrip(_EDGES) + ELLIPSIS) if text else word[: budget - 1] + ELLIPSIS
        text = candidate
    return text


def _label(words: Sequence[str], start: int, differs: int) -> str:
    """The name from word ``start``, keeping word ``differs`` in view.

    ``differs`` is where the name parts from the others: the middle is elided when the head
    alone would fill the label.
    """
    rest = list(words[start:])
    full = " ".join(rest).strip(_EDGES)
    if len(full) <= MAX_LABEL:
        return full
    through = " ".join(words[start : differs + 1])
    if len(through) <= MAX_LABEL - len(ELLIPSIS):
        return _fit(rest, MAX_LABEL)
    # What tells it apart comes first; the head gets the room it leaves (at least a third).
    tail = _fit(words[differs:], MAX_LABEL * 2 // 3)
    head = _fit(words[start:differs], MAX_LABEL - len(tail) - 3).removesuffix(ELLIPSIS)
    return f"{head} {ELLIPSIS} {tail}"


def _distinct(split: Sequence[Sequence[str]]) -> bool:
    return len({" ".join(map(_key, words)) for words in split}) == len(split)


def _told_apart(split: list[list[str]], apart: Sequence[Sequence[str]]) -> list[list[str]]:
    """Names alike even with their parentheses, each with a note that makes them differ.

    The first of its ``apart`` notes that does: its level, then who decides, then its code.
    """
    keys = [" ".join(map(_key, words)) for words in split]
    alike = {i for i, key in enumerate(keys) if keys.count(key) > 1}
    for option in range(min((len(notes) for notes in apart), default=0)):
        tried = [
            [*words, f"({apart[i][option]})"] if i in alike else words
            for i, words in enumerate(split)
        ]
        if _distinct(tried):
            return tried
    return split


def short_labels(names: Sequence[str], *, apart: Sequence[Sequence[str]] = ()) -> Labels:
    """The choices' labels: each name without its parentheses, the shared lead said once.

    A lead of fewer than three syllables is not worth a line: each label then starts the
    name. Names that differ only in their parentheses keep them; names alike even so (the
    same procedure at the ministry and in the province) get a note from ``apart``.
    """
    cleaned = [" ".join(name.split()).strip(_EDGES) for name in names]
    split = [_PARENTHESES.sub("", name).strip(_EDGES).split() for name in cleaned]
    if not _distinct(split):
        split = [name.split() for name in cleaned]
    if not _distinct(split) and len(apart) == len(names):
        split = _told_apart(split, apart)
    if len(split) < 2:
        return Labels("", tuple(_label(words, 0, 0) for words in split))
    lead = min(_shared(split[0], other) for other in split[1:])
    # Each label keeps at least a word of its own.
    lead = min(lead, *(len(words) - 1 for words in split))
    start = lead if lead >= MIN_LEAD_WORDS else 0
    labels = []
    for i, words in enumerate(split):
        differs = max((_shared(words, o) for j, o in enumerate(split) if j != i), default=0)
        differs = min(max(differs, start), len(words) - 1)
        labels.append(_label(words, start, differs))
    # The question closes the lead with its own "…".
    lead_text = _fit(split[0][:start], MAX_LEAD).rstrip(ELLIPSIS).strip(_EDGES) if start else ""
    return Labels(lead_text, tuple(labels))
