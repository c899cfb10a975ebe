"""Fits the matcher's re-ranking weights and its in-scope model on a question set.

Usage: python bench/tune.py TRAIN.jsonl [--check OTHER.jsonl ...] [--samples N]

Ranking: a random search over weights on the simplex (Dirichlet samples), keeping the weights
with the best top-1 + top-3 accuracy on TRAIN. Decision: an L2-regularised logistic model of
"the question is in scope" over the best candidate's features, fitted on TRAIN. It prints the
numbers on TRAIN and on each --check set, and the constants to paste into
``troly.knowledge.index`` (Weights defaults and SCOPE_MODEL). Tune on one set, check on
another: the matcher is judged on questions it has never seen.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import astuple, fields
from pathlib import Path

import numpy as np

from troly.knowledge.index import ProcedureIndex, Weights
from troly.knowledge.records import load_knowledge


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def table(index: ProcedureIndex, questions: list[dict[str, object]]):
    rows = []
    for q in questions:
        cands = index.candidate_features(str(q["question"]))
        expected = set(q["expected"])  # type: ignore[call-overload]
        codes = [p.code for p, _ in cands]
        feats = np.array([tuple(f) for _, f in cands]) if cands else np.zeros((0, 7))
        priors = np.array([index.prior(p.code) for p, _ in cands])
        rows.append((expected, codes, feats, priors))
    return rows


def rank_accuracy(rows, w: np.ndarray) -> tuple[float, float]:
    top1 = top3 = n = 0
    for expected, codes, feats, priors in rows:
        if not expected:
            continue
        n += 1
        if not codes:
            continue
        order = np.argsort(-(feats @ w) * priors, kind="stable")
        ranked = [codes[i] for i in order[:3]]
        top1 += ranked[0] in expected
        top3 += bool(expected & set(ranked))
    return top1 / n, top3 / n


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.5, steps: int = 4000):
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w = np.zeros(z.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        grad_w = z.T @ (p - y) / len(y) + l2 * w / len(y)
        grad_b = float(np.mean(p - y))
        w -= 0.5 * grad_w
        b -= 0.5 * grad_b
    # Fold the standardisation into the coefficients.
    coef = w / std
    intercept = b - float(np.sum(w * mean / std))
    return coef, intercept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("train", type=Path)
    parser.add_argument("--check", type=Path, nargs="*", default=[])
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--l2", type=float, default=2.0)
    args = parser.parse_args()
    index = ProcedureIndex(load_knowledge())
    train = table(index, load(args.train))
    checks = {p: table(index, load(p)) for p in args.check}

    current = np.array(astuple(index.weights))
    best_w, best = current, sum(rank_accuracy(train, current))
    rng = random.Random(args.seed)
    for _ in range(args.samples):
        raw = [rng.gammavariate(1.0, 1.0) for _ in range(len(current))]
        w = np.array(raw) / sum(raw)
        value = sum(rank_accuracy(train, w))
        if value > best + 1e-9:
            best_w, best = w, value
    names = [f.name for f in fields(Weights)]
    print("weights:", ", ".join(f"{n}={v:.3f}" for n, v in zip(names, best_w, strict=True)))
    for label, rows in (("train", train), *((str(p), r) for p, r in checks.items())):
        before = rank_accuracy(rows, current)
        after = rank_accuracy(rows, best_w)
        print(
            f"{label}: top1/top3 current {before[0]:.3f}/{before[1]:.3f}"
            f" -> {after[0]:.3f}/{after[1]:.3f}"
        )

    # In-scope model over the best candidate under the fitted weights, fitted on every set
    # given (TRAIN and --check) and measured by k-fold cross-validation: the out-of-fold
    # numbers estimate what unseen questions will see.
    tuned = ProcedureIndex(index.kb, weights=Weights(*best_w))
    labelled = [q for path in (args.train, *args.check) for q in load(path)]
    x = np.array([tuned.scope_evidence(str(q["question"])) for q in labelled])
    y = np.array([1.0 if q["expected"] else 0.0 for q in labelled])
    folds = 5
    order = list(range(len(y)))
    random.Random(args.seed).shuffle(order)
    probs = np.zeros(len(y))
    for k in range(folds):
        test = [i for n, i in enumerate(order) if n % folds == k]
        train_idx = [i for n, i in enumerate(order) if n % folds != k]
        coef, intercept = fit_logistic(x[train_idx], y[train_idx], l2=args.l2)
        probs[test] = 1 / (1 + np.exp(-(x[test] @ coef + intercept)))
    for cut in (0.3, 0.4, 0.5, 0.6, 0.7):
        oos = probs[y == 0] < cut
        ins = probs[y == 1] < cut
        print(
            f"cross-validated, cut {cut}: out-of-scope unknown {oos.mean():.3f}, "
            f"in-scope unknown {ins.mean():.3f}"
        )
    coef, intercept = fit_logistic(x, y, l2=args.l2)
    print("SCOPE_MODEL = ((", ", ".join(f"{c:.4f}" for c in coef), f"), {intercept:.4f})")


if __name__ == "__main__":
    main()
