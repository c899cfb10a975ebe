"""Retrieval benchmark: our matcher against two baselines on a question set.

Usage: python bench/retrieval.py [QUESTIONS.jsonl ...] [--json]

For each system it prints top-1 and top-3 accuracy on in-scope questions, the share of
out-of-scope questions that end as "unknown" (and of in-scope ones wrongly declined), and
p50/p99 latency per question, all in one process over the same questions. Baselines:
rapidfuzz WRatio over the raw names, and BM25 (bm25s) over the folded name, field and agency.
Neither baseline has a decision of its own: each says "unknown" below a score cut-off chosen
as the one that best separates in-scope from out-of-scope questions on the set itself (an
optimistic baseline).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
from rapidfuzz import fuzz, process, utils

from troly.knowledge.folding import basic_fold
from troly.knowledge.index import ProcedureIndex
from troly.knowledge.records import load_knowledge

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "dev_questions.jsonl"


@dataclass
class Outcome:
    codes: list[str]
    score: float
    unknown: bool | None


@dataclass
class Report:
    system: str
    top1: float
    top3: float
    oos_unknown: float
    in_unknown: float
    p50_ms: float
    p99_ms: float
    in_scope: int
    out_of_scope: int


def load_questions(paths: Sequence[Path]) -> list[dict[str, object]]:
    questions = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            questions.extend(json.loads(line) for line in fh if line.strip())
    return questions


def evaluate(
    name: str, run: Callable[[str], Outcome], questions: list[dict[str, object]]
) -> tuple[Report, list[Outcome]]:
    outcomes, latencies = [], []
    for q in questions:
        start = time.perf_counter()
        outcomes.append(run(str(q["question"])))
        latencies.append((time.perf_counter() - start) * 1000)
    cut = None
    if any(o.unknown is None for o in outcomes):
        cut = _best_cut(questions, outcomes)
        for o in outcomes:
            o.unknown = o.score < cut
    top1 = top3 = n_in = n_out = unknown = declined = 0
    for q, o in zip(questions, outcomes, strict=True):
        expected = set(q["expected"])  # type: ignore[call-overload]
        if expected:
            n_in += 1
            top1 += bool(o.codes[:1] and o.codes[0] in expected)
            top3 += bool(expected & set(o.codes[:3]))
            declined += bool(o.unknown)
        else:
            n_out += 1
            unknown += bool(o.unknown)
    latencies.sort()
    report = Report(
        system=name if cut is None else f"{name} (cut-off {cut:.3g})",
        top1=top1 / max(n_in, 1),
        top3=top3 / max(n_in, 1),
        oos_unknown=unknown / max(n_out, 1),
        in_unknown=declined / max(n_in, 1),
        p50_ms=statistics.median(latencies),
        p99_ms=latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        in_scope=n_in,
        out_of_scope=n_out,
    )
    return report, outcomes


def _best_cut(questions: list[dict[str, object]], outcomes: list[Outcome]) -> float:
    """The score cut-off that maximises correct in-scope answers plus out-of-scope unknowns."""
    best_cut, best_value = 0.0, -1
    for cut in sorted({o.score for o in outcomes} | {0.0}):
        value = 0
        for q, o in zip(questions, outcomes, strict=True):
            expected = set(q["expected"])  # type: ignore[call-overload]
            if expected:
                value += o.score >= cut and bool(o.codes[:1] and o.codes[0] in expected)
            else:
                value += o.score < cut
        if value > best_value:
            best_cut, best_value = cut, value
    return best_cut


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--json", action="store_true", help="print the reports as JSON lines")
    args = parser.parse_args(argv)
    questions = load_questions(args.questions)

    start = time.perf_counter()
    kb = load_knowledge()
    loaded = time.perf_counter()
    index = ProcedureIndex(kb)
    built = time.perf_counter()
    procedures = list(kb)
    codes = [p.code for p in procedures]
    names = [p.name for p in procedures]

    def ours(question: str) -> Outcome:
        result = index.search(question, k=3)
        return Outcome(
            [m.code for m in result.matches], result.best_score, result.decision == "unknown"
        )

    def wratio(question: str) -> Outcome:
        found = process.extract(
            question, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=3
        )
        return Outcome([codes[i] for _, _, i in found], found[0][1] / 100, None)

    corpus = [basic_fold(" ".join(x for x in (p.name, p.field, p.agency) if x)) for p in procedures]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords=None, show_progress=False), show_progress=False
    )

    def bm25(question: str) -> Outcome:
        tokens = bm25s.tokenize([basic_fold(question)], stopwords=None, show_progress=False)
        if not tokens.vocab:
            return Outcome(codes[:3], 0.0, None)
        docs, scores = retriever.retrieve(tokens, k=3, show_progress=False)
        return Outcome([codes[i] for i in docs[0]], float(scores[0][0]), None)

    reports = []
    for name, run in (("troly", ours), ("wratio-names", wratio), ("bm25s-folded", bm25)):
        run("khởi động")  # warm caches and lazy imports before timing
        report, _ = evaluate(name, run, questions)
        reports.append(report)

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        for r in reports:
            print(json.dumps(r.__dict__))
        print(json.dumps({"load_s": loaded - start, "build_s": built - loaded, "rss_mb": rss_mb}))
        return 0
    print(f"questions: {', '.join(str(p) for p in args.questions)}")
    print(f"in scope {reports[0].in_scope}, out of scope {reports[0].out_of_scope}")
    print(f"records loaded in {loaded - start:.2f} s, index built in {built - loaded:.2f} s")
    header = (
        f"{'system':34} {'top-1':>6} {'top-3':>6} {'oos→unknown':>12} {'in→unknown':>11} "
        f"{'p50 ms':>7} {'p99 ms':>7}"
    )
    print(header)
    for r in reports:
        print(
            f"{r.system:34} {r.top1:6.3f} {r.top3:6.3f} {r.oos_unknown:12.3f} "
            f"{r.in_unknown:11.3f} {r.p50_ms:7.2f} {r.p99_ms:7.2f}"
        )
    print(f"peak resident memory of this process: {rss_mb:.0f} MB (includes the baselines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
