"""How often the matcher answers outright, and how often those answers are right.

For each file of labelled questions (the format of ../shared/data/dev_questions.jsonl): of the
in-scope questions, the share answered outright and the share of those answers that are the
expected procedure; of the ones offered choices ("Ý bạn là…"), the share whose choices hold
it; and how many were declined. Ranking accuracy is bench/retrieval.py's.

    python3 bench/decisions.py [--database-url URL] ../shared/data/dev_questions.jsonl [MORE …]

With a database URL (or ``TROLY_DATABASE_URL``) it measures the knowledge the database holds
(the imported records in use and the taught layer), else the bundled one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from knowledge_index import bench_index, database_url
from troly.knowledge.index import Decision


def main(argv: list[str]) -> int:
    url, paths = database_url(argv)
    index = bench_index(url)
    for path in paths or ["../shared/data/dev_questions.jsonl"]:
        questions = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]
        answered = answered_right = offered = offered_right = declined = in_scope = 0
        for q in questions:
            expected = set(q["expected"])
            if not expected:
                continue
            in_scope += 1
            result = index.search(q["question"])
            if result.decision is Decision.ANSWER:
                answered += 1
                answered_right += result.matches[0].procedure.code in expected
            elif result.decision is Decision.CHOOSE:
                offered += 1
                offered_right += bool(expected & {m.procedure.code for m in result.choices})
            else:
                declined += 1
        print(
            f"{Path(path).name:28s} in scope {in_scope}: answered {answered} "
            f"({answered / max(in_scope, 1):.2f}), right {answered_right / max(answered, 1):.3f}"
            f" | choices {offered}, holding it {offered_right / max(offered, 1):.3f}"
            f" | declined {declined}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
