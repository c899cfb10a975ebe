"""The matcher on question sets, with the figures of issue 15, overall and by writing style.

For each JSONL set (the format of ../shared/data/dev_questions.jsonl: question, style,
expected): top-1 and top-3 of in-scope questions (a hit is any expected code), the share of
in-scope questions answered outright and right, out-of-scope questions ending as "I don't
know", in-scope ones wrongly declined, and "confidently wrong": questions of either kind
answered outright with a procedure not expected, as a share of all questions. Then top-1 per
style. Latency p50/p99 per question and the process's peak RSS close the report. It asserts
nothing.

    python3 bench/unseen.py [--database-url URL] SET.jsonl [MORE.jsonl ...]

With a database URL (or ``TROLY_DATABASE_URL``) it measures the knowledge the database holds
(the imported records in use and the taught layer), else the bundled one.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from knowledge_index import bench_index, database_url
from troly.knowledge.index import Decision


def _share(n: int, d: int) -> str:
    return f"{n / d:.3f} ({n}/{d})" if d else "n/a"


def report(path: str, index: object) -> list[float]:
    questions = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line]
    top1 = top3 = right_outright = in_scope = declined_in = 0
    oos = oos_unknown = wrong_outright = 0
    by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    times: list[float] = []
    for q in questions:
        expected = set(q["expected"])
        started = time.perf_counter()
        result = index.search(q["question"])  # type: ignore[attr-defined]
        times.append(time.perf_counter() - started)
        codes = [m.procedure.code for m in result.matches]
        outright = result.decision is Decision.ANSWER
        if outright and codes[0] not in expected:
            wrong_outright += 1
        if not expected:
            oos += 1
            oos_unknown += result.decision is Decision.UNKNOWN
            continue
        in_scope += 1
        hit1 = bool(codes[:1]) and codes[0] in expected
        top1 += hit1
        top3 += bool(expected & set(codes[:3]))
        right_outright += outright and hit1
        declined_in += result.decision is Decision.UNKNOWN
        by_style[q.get("style", "?")][0] += hit1
        by_style[q.get("style", "?")][1] += 1
    print(f"== {Path(path).name}: {len(questions)} questions, {in_scope} in scope, {oos} out")
    print(f"  top-1 {_share(top1, in_scope)}   top-3 {_share(top3, in_scope)}")
    print(f"  answered outright and right {_share(right_outright, in_scope)} of in-scope")
    print(f"  out of scope -> unknown {_share(oos_unknown, oos)}")
    print(f"  in scope -> unknown {_share(declined_in, in_scope)}")
    print(f"  confidently wrong {_share(wrong_outright, len(questions))} of all")
    styles = ", ".join(
        f"{style} {hits / n:.2f} ({n})" for style, (hits, n) in sorted(by_style.items())
    )
    print(f"  top-1 by style: {styles}")
    return times


def main(argv: list[str]) -> int:
    url, paths = database_url(argv)
    paths = paths or ["../shared/data/dev_questions.jsonl"]
    index = bench_index(url)
    times: list[float] = []
    for path in paths:
        times += report(path, index)
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"latency p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99:.1f} ms; "
        f"peak RSS {rss:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
