"""Fits the matcher's re-ranking weights and its in-scope model on labelled question sets.

Usage: python bench/tune.py QUESTIONS.jsonl [MORE.jsonl ...] [--folds 5] [--keep-weights]

Ranking: listwise learning to rank. Each in-scope question's lexical top 30 compete in a
softmax over their weighted features; an L2-regularised fit with non-negative weights, every
question weighing the same, gives the weights (scaled to sum to 1). Decision: an
L2-regularised logistic model of "the question is in scope" over the best candidate's
evidence. Both are measured by k-fold cross-validation over all the sets given together
(folds by question), so the printed accuracy is on questions the fit did not see; then both
are refitted on everything and printed as the constants to paste into
``troly.knowledge.index`` (Weights defaults and SCOPE_MODEL); last the answer model (is the
best match right?) is cross-validated per confidence and printed as ANSWER_MODEL. With
``--keep-weights`` the in-scope model is fitted under the current weights instead (when a
refit of the ranking gains nothing in cross-validation, or breaks the golden questions of
tests/test_golden.py).
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import astuple, fields
from pathlib import Path
from typing import Any

import numpy as np

from troly.knowledge.index import SCOPE_MODEL, ProcedureIndex, Thresholds, Weights
from troly.knowledge.records import load_knowledge

Row = tuple[set[str], list[str], np.ndarray, np.ndarray]


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def table(index: ProcedureIndex, questions: list[dict[str, Any]]) -> list[Row]:
    """Each question's expected codes, candidates, candidate features and priors."""
    width = len(fields(Weights))
    rows = []
    for q in questions:
        cands = index.candidate_features(str(q["question"]))
        codes = [p.code for p, _ in cands]
        feats = np.array([tuple(f) for _, f in cands]) if cands else np.zeros((0, width))
        priors = np.array([index.prior(p.code) for p, _ in cands])
        rows.append((set(q["expected"]), codes, feats, priors))
    return rows


def rank_accuracy(rows: list[Row], w: np.ndarray) -> tuple[float, float, int]:
    """Top-1 and top-3 accuracy over the in-scope rows, and how many there are."""
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
    return top1 / max(n, 1), top3 / max(n, 1), n


def fit_listwise(rows: list[Row], l2: float, steps: int = 2000) -> np.ndarray:
    """Non-negative weights maximising the softmax probability of the right candidates.

    Listwise learning to rank (ListNet-style): each question's candidates compete in a
    softmax over their weighted features, so the fit cares about the strongest wrong
    candidates (the ones that take top-1), not the many easy ones. The candidate lists are
    padded into one array so each gradient step is a few array operations.
    """
    lists = []
    for expected, codes, feats, _ in rows:
        pos = np.array([c in expected for c in codes])
        if pos.any() and not pos.all():
            lists.append((feats, pos))
    width = lists[0][0].shape[1] if lists else len(fields(Weights))
    if not lists:
        return np.full(width, 1.0 / width)
    depth = max(len(pos) for _, pos in lists)
    x = np.zeros((len(lists), depth, width))
    real = np.zeros((len(lists), depth), dtype=bool)
    right = np.zeros((len(lists), depth), dtype=bool)
    for i, (feats, pos) in enumerate(lists):
        x[i, : len(pos)] = feats
        real[i, : len(pos)] = True
        right[i, : len(pos)] = pos
    w = np.full(width, 10.0 / width)
    for _ in range(steps):
        s = np.where(real, x @ w, -np.inf)
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        q = np.where(right, p, 0.0)
        q /= q.sum(axis=1, keepdims=True)
        grad = l2 * w + np.einsum("nd,ndw->w", p - q, x) / len(lists)
        w = np.maximum(w - 1.0 * grad, 0.0)
    total = w.sum()
    return w / total if total > 0 else np.full(width, 1.0 / width)


def fit_search(rows: list[Row], samples: int, seed: int, start: np.ndarray) -> np.ndarray:
    """The weights on the simplex with the best top-1 + top-3 among random (Dirichlet) draws."""
    rng = random.Random(seed)
    best_w, best = start, sum(rank_accuracy(rows, start)[:2])
    for _ in range(samples):
        raw = [rng.gammavariate(1.0, 1.0) for _ in range(len(start))]
        w = np.array(raw) / sum(raw)
        value = sum(rank_accuracy(rows, w)[:2])
        if value > best + 1e-9:
            best_w, best = w, value
    return best_w


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 2.0, steps: int = 4000
) -> tuple[np.ndarray, float]:
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


def folds_of(n: int, k: int, seed: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [[i for pos, i in enumerate(order) if pos % k == f] for f in range(k)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--l2", type=float, default=0.01, help="ranking regularisation")
    parser.add_argument(
        "--method",
        choices=("listwise", "search"),
        default="listwise",
        help="listwise learning to rank, or a random search for the best top-1 + top-3",
    )
    parser.add_argument("--samples", type=int, default=1500, help="draws of --method search")
    parser.add_argument("--scope-l2", type=float, default=2.0)
    parser.add_argument("--cut", type=float, default=0.60, help="in-scope threshold to report")
    parser.add_argument(
        "--keep-weights",
        action="store_true",
        help="fit the in-scope model under the current ranking weights (when a refit of the "
        "ranking does not gain in cross-validation, or breaks the golden questions)",
    )
    args = parser.parse_args()
    index = ProcedureIndex(load_knowledge())
    sets = {str(p): load(p) for p in args.questions}
    labelled = [q for qs in sets.values() for q in qs]
    rows = table(index, labelled)
    source = [name for name, qs in sets.items() for _ in qs]
    names = [f.name for f in fields(Weights)]
    current = np.array(astuple(index.weights))

    in_scope = [r for r in rows if r[0]]
    reachable = sum(bool(r[0] & set(r[1])) for r in in_scope) / max(len(in_scope), 1)
    print(f"{len(rows)} questions, {len(in_scope)} in scope; right code among the candidates")
    print(f"(the ceiling for re-ranking): {reachable:.3f}")

    def fit(train: list[Row]) -> np.ndarray:
        if args.method == "search":
            return fit_search(train, args.samples, args.seed, current / current.sum())
        return fit_listwise(train, args.l2)

    folds = folds_of(len(rows), args.folds, args.seed)
    out_of_fold: list[np.ndarray] = [current] * len(rows)
    for test in folds:
        held = set(test)
        w = fit([r for i, r in enumerate(rows) if i not in held])
        for i in test:
            out_of_fold[i] = w
    for name in (*sets, "all"):
        chosen = [i for i in range(len(rows)) if name in ("all", source[i])]
        before = rank_accuracy([rows[i] for i in chosen], current)
        cv = [0, 0]
        n = 0
        for i in chosen:
            t1, t3, k = rank_accuracy([rows[i]], out_of_fold[i])
            cv[0] += t1 * k
            cv[1] += t3 * k
            n += k
        print(
            f"{name}: top-1/top-3 current weights {before[0]:.3f}/{before[1]:.3f}, "
            f"cross-validated fit {cv[0] / max(n, 1):.3f}/{cv[1] / max(n, 1):.3f}"
        )
    fitted = fit(rows)
    print("Weights defaults:")
    for n, v in zip(names, fitted, strict=True):
        print(f"    {n}: float = {v:.3f}")
    whole = rank_accuracy(rows, fitted)
    print(f"fitted on everything, measured on everything: {whole[0]:.3f}/{whole[1]:.3f}")

    # The in-scope model over the best candidate under the fitted weights.
    tuned = index if args.keep_weights else ProcedureIndex(index.kb, weights=Weights(*fitted))
    if args.keep_weights:
        print("in-scope model under the current weights:")
    x = np.array([tuned.scope_evidence(str(q["question"])) for q in labelled])
    y = np.array([1.0 if q["expected"] else 0.0 for q in labelled])
    probs = np.zeros(len(y))
    for test in folds:
        held = set(test)
        train = [i for i in range(len(y)) if i not in held]
        coef, intercept = fit_logistic(x[train], y[train], l2=args.scope_l2)
        probs[test] = 1 / (1 + np.exp(-(x[test] @ coef + intercept)))
    current_probs = (
        np.array([tuned.in_scope(list(e)) for e in x])
        if len(SCOPE_MODEL[0]) == x.shape[1]
        else None
    )
    for cut in (0.4, 0.5, args.cut, 0.7):
        oos = probs[y == 0] < cut
        ins = probs[y == 1] < cut
        print(
            f"cross-validated, cut {cut}: out-of-scope unknown {oos.mean():.3f}, "
            f"in-scope unknown {ins.mean():.3f}"
        )
    for name in sets:
        chosen = np.array([source[i] == name for i in range(len(y))])
        oos = probs[chosen & (y == 0)] < args.cut
        ins = probs[chosen & (y == 1)] < args.cut
        print(
            f"{name}, cut {args.cut}: cross-validated out-of-scope unknown {oos.mean():.3f}, "
            f"in-scope unknown {ins.mean():.3f}"
        )
    if current_probs is not None:
        print(
            f"current SCOPE_MODEL, cut {args.cut}: out-of-scope unknown "
            f"{(current_probs[y == 0] < args.cut).mean():.3f}, in-scope unknown "
            f"{(current_probs[y == 1] < args.cut).mean():.3f} (not cross-validated)"
        )
    coef, intercept = fit_logistic(x, y, l2=args.scope_l2)
    print("SCOPE_MODEL = ((", ", ".join(f"{c:.4f}" for c in coef), f"), {intercept:.4f})")
    fit_answer_model(tuned, labelled, folds, cut=args.cut)


def fit_answer_model(
    index: ProcedureIndex, labelled: list[dict[str, Any]], folds: list[list[int]], *, cut: float
) -> None:
    """The answer model: is the best match the right procedure? Cross-validated, then refitted.

    For each confidence it prints, over the labelled questions and out of fold, the share of
    in-scope questions answered outright and right and the share of all questions answered
    outright and wrong ("confidently wrong"), as the decision makes them (the in-scope cut
    and the best-score and lead floors of ``Thresholds`` applied).
    """
    floor, lead = Thresholds().answer, Thresholds().margin
    rows = []
    for q in labelled:
        evidence = index.answer_evidence(str(q["question"]))
        top = index.search(str(q["question"]), k=1).matches
        right = bool(top) and top[0].code in set(q["expected"])
        rows.append((evidence, right, bool(q["expected"])))
    usable = [i for i, (e, _, _) in enumerate(rows) if e is not None]
    x = np.array([rows[i][0] for i in usable])
    y = np.array([1.0 if rows[i][1] and rows[i][2] else 0.0 for i in usable])
    allowed = np.array([x_[-3] >= cut and x_[0] >= floor and x_[2] >= lead for x_ in x])
    probs = np.zeros(len(y))
    position = {i: j for j, i in enumerate(usable)}
    for test in folds:
        held = [position[i] for i in test if i in position]
        train = sorted(set(range(len(y))) - set(held))
        coef, intercept = fit_logistic(x[train], y[train], l2=2.0)
        probs[held] = 1 / (1 + np.exp(-(x[held] @ coef + intercept)))
    in_scope = sum(1 for _, _, scoped in rows if scoped)
    wrong = np.array([not rows[i][1] for i in usable])
    for confidence in (0.7, 0.75, 0.8, 0.85, 0.9):
        answered = allowed & (probs >= confidence)
        print(
            f"answer model, cross-validated, confidence {confidence}: outright and right "
            f"{(answered & (y == 1)).sum() / in_scope:.3f} of in-scope, confidently wrong "
            f"{(answered & wrong).sum() / len(rows):.3f} of all"
        )
    coef, intercept = fit_logistic(x, y, l2=2.0)
    print("ANSWER_MODEL = ((", ", ".join(f"{c:.4f}" for c in coef), f"), {intercept:.4f})")


if __name__ == "__main__":
    main()
