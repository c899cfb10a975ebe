"""Labelled question sets, and how an index does on them: the golden questions, the dev set.

One JSON object per line: ``question``, ``expected`` (the right record codes; empty when the
question is about no procedure the knowledge base knows), optional ``group``, ``id``, ``note``.
The golden questions ship with the package (``knowledge/data/golden_questions.jsonl``, written
by hand over common business procedures, never taken from the dev or held-out sets), so a
running assistant can check itself after staff teach it something.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from troly.knowledge.index import Decision, ProcedureIndex
from troly.knowledge.vocabulary import VocabularyError, data_text

TOP = 3


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """A question and the records that answer it (none: it must not be answered outright)."""

    question: str
    expected: tuple[str, ...]
    group: str = ""


def parse_questions(text: str, *, source: str) -> list[LabelledQuestion]:
    """Reads a question set; a bad line is refused with its file and line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            question, expected = row["question"], row["expected"]
        except (ValueError, KeyError, TypeError) as exc:
            raise VocabularyError(f"{source}:{number}: not a labelled question ({exc})") from exc
        if not isinstance(question, str) or not isinstance(expected, list):
            raise VocabularyError(f"{source}:{number}: question must be text, expected a list")
        found.append(
            LabelledQuestion(question, tuple(map(str, expected)), str(row.get("group", "")))
        )
    return found


def golden_questions() -> list[LabelledQuestion]:
    """The golden questions shipped with the package."""
    source = "knowledge/data/golden_questions.jsonl"
    return parse_questions(data_text("golden_questions.jsonl"), source=source)


def read_questions(path: Path) -> list[LabelledQuestion]:
    """A question set from a file (the development set)."""
    return parse_questions(path.read_text(encoding="utf-8"), source=str(path))


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the index did on one labelled question."""

    question: LabelledQuestion
    right: bool
    decision: Decision
    top: tuple[str, ...]


def judge(
    index: ProcedureIndex, question: LabelledQuestion, *, unknown_required: bool = False
) -> Outcome:
    """Whether the index gets a question right.

    In scope: a right record among the first three. Out of scope: not answered outright (or,
    with ``unknown_required``, answered "I don't know", as the dev set's measure is).
    """
    result = index.search(question.question)
    top = tuple(m.code for m in result.matches[:TOP])
    if question.expected:
        right = bool(set(question.expected) & set(top))
    elif unknown_required:
        right = result.decision is Decision.UNKNOWN
    else:
        right = result.decision is not Decision.ANSWER
    return Outcome(question, right, result.decision, top)


def judge_all(
    index: ProcedureIndex, questions: Iterable[LabelledQuestion], *, unknown_required: bool = False
) -> list[Outcome]:
    """How the index does on each question of a set."""
    return [judge(index, q, unknown_required=unknown_required) for q in questions]
