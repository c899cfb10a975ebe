"""Draws the procedure records that the training questions were written from.

Usage: python bench/make_train.py [--n 150] [--seed 2026] [--exclude FILE ...]

A seeded sample in two halves. The first is spread across the topics a business owner asks
about most (the records' heuristic ``topics`` tags: tax, customs, land, investment, enterprise
and household-business registration...): the tagged records are grouped by topic and visited
round-robin. The second is spread across fields and levels of government: the
business-relevant records are grouped by (field, level), the groups are shuffled and visited
round-robin, one record at a time, so no field or level dominates. For each drawn record it
prints its code, levels, field and name, and the records whose names are near-duplicates (the
same procedure at another level or agency), so that a question's label can name the right
variant, or every variant when the question does not say which. The questions themselves
(tests/data/train_questions.jsonl) were written by hand from this list, with about a fifth
out of scope; the script only makes the choice of records reproducible.

``--exclude FILE`` (repeatable) names JSONL question files (one object a line, as
tests/data/train_questions.jsonl): the records whose codes appear in their ``expected`` lists
are skipped when drawing, so a further training set is written from other records. The
second set (tests/data/train2_questions.jsonl) was drawn with
``--n 150 --seed 2027 --exclude tests/data/train_questions.jsonl``. Excluded records may still
be printed as near-duplicates of a drawn one, since a label must name every variant.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict

from rapidfuzz import fuzz, process

from troly.knowledge.folding import basic_fold
from troly.knowledge.records import load_knowledge


def _expected_codes(paths: list[str]) -> set[str]:
    """The codes in the ``expected`` lists of the given JSONL question files."""
    codes: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    codes.update(json.loads(line).get("expected", []))
    return codes


def _round_robin(
    groups: dict[tuple[str, str], list[str]], until: int, rng: random.Random, drawn: list[str]
) -> None:
    """Visits the shuffled groups in turn, one record each, until ``drawn`` has ``until``."""
    keys = sorted(groups)
    rng.shuffle(keys)
    for key in keys:
        rng.shuffle(groups[key])
    while len(drawn) < until and any(groups.values()):
        for key in keys:
            while groups[key] and groups[key][-1] in drawn:
                groups[key].pop()
            if groups[key] and len(drawn) < until:
                drawn.append(groups[key].pop())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="FILE",
        help="JSONL question file whose expected codes are not drawn (repeatable)",
    )
    args = parser.parse_args()
    excluded = _expected_codes(args.exclude)
    kb = load_knowledge()
    procedures = sorted(kb, key=lambda p: p.code)
    rng = random.Random(args.seed)
    by_topic: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_field: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in procedures:
        if p.code in excluded:
            continue
        if p.topics:
            by_topic[(p.topics[0], "")].append(p.code)
        if p.business_relevant:
            by_field[(p.field or "?", "+".join(sorted(p.levels)) or "?")].append(p.code)
    drawn: list[str] = []
    _round_robin(by_topic, args.n // 2, rng, drawn)
    _round_robin(by_field, args.n, rng, drawn)
    folded = [basic_fold(p.name) for p in procedures]
    for code in drawn:
        p = kb.get(code)
        assert p is not None
        print(f"{p.code}\t{'+'.join(p.levels)}\t{p.field}\t{p.name[:300]}")
        near = process.extract(
            basic_fold(p.name), folded, scorer=fuzz.token_sort_ratio, limit=6, score_cutoff=85
        )
        for _, score, i in near:
            other = procedures[i]
            if other.code != p.code:
                levels = "+".join(other.levels)
                print(f"    ~{score:.0f} {other.code}\t{levels}\t{other.name[:160]}")


if __name__ == "__main__":
    main()
