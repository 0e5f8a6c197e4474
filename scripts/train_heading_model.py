#!/usr/bin/env python3
"""Retrain the heading classifier (`src/summitsite/heading_model.json`) from text we may use.

Usage:
    PYTHONPATH=src python scripts/train_heading_model.py [--cache DIR] [--measure ../shared/loader-eval]

The training corpus is rebuilt every time by `scripts/heading_corpus.py`, reproducibly:
- the repository's seeds (`seeds/*.txt`) with their gold (`tests/data/gold-seeds.json`);
- the Markdown documents (changelogs, licences and author lists left out) of these source distributions
  from PyPI, versions pinned, downloaded once into `--cache` with `pip download`:
  black 26.10.1 (MIT), markdown 3.11.3 (BSD-3-Clause), fastapi 0.165.0 (MIT), httpx 0.28.1 (BSD-3-Clause),
  requests 2.34.2 (Apache-2.0), hatch 1.18.2 (MIT), pydantic 2.14.3 (MIT), rich 15.0.0 (MIT),
  typer 0.29.2 (MIT), mkdocs 1.6.1 (BSD-2-Clause);
- synthetic news-like articles from `tests/benchmarks/generate.py` (fixed random seed).
Markdown is turned into the seed form (bare heading lines, one paragraph per line, `- ` items, pipe rows,
no code) with the heading levels as gold. No third-party text is stored in the repository.

The loader-eval articles are NOT training data (their pages belong to their publishers): `--measure`
only reports line-level precision and recall on them, for a held-out figure.

The model is a logistic regression over `summitsite.headings.FEATURES`, fitted in plain Python with L2
regularisation (Newton's method). Before fitting on everything, it reports leave-one-source-out precision,
recall and F1 (each package, the seeds and the synthetic articles are one source each).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from heading_corpus import PACKAGES, SYNTHETIC_ARTICLES, corpus

from summitsite.headings import FEATURES, HeadingModel, article_stats, comparable, line_features
from summitsite.parse import heading_candidates

REPO = Path(__file__).resolve().parent.parent


def article_examples(text: str, gold: dict) -> list[tuple[list[float], int]]:
    """(features, label) for every line the classifier would score."""
    headings: dict[str, int] = {}
    for section in gold.get("sections", []):
        if section.get("bare_line_in_text", True):
            key = comparable(section["heading"])
            headings[key] = headings.get(key, 0) + 1
    found = heading_candidates(text)
    body = found.body
    stats = article_stats(body)
    title = comparable(gold.get("title") or "")
    examples = []
    for i, line in enumerate(body):
        if line.shape != "text" or found.skip[i]:
            continue
        key = comparable(line.text)
        if i == 0 and key == title and key not in headings:
            continue  # the title line is chosen by other rules
        prev = body[i - 1] if i > 0 else None
        nxt = body[i + 1] if i + 1 < len(body) else None
        examples.append((line_features(line, prev, nxt, found.toc_keys, stats), int(key in headings)))
    return examples


def fit(examples: list[tuple[list[float], int]], l2: float, iterations: int = 25) -> list[float]:
    """Newton's method on the summed log-loss plus l2 * |w|^2 (the bias is not penalised)."""
    size = len(FEATURES)
    weights = [0.0] * size
    for _ in range(iterations):
        grad = [0.0 if k == 0 else 2 * l2 * weights[k] for k in range(size)]
        hess = [[(2 * l2 if (i == j and i != 0) else 0.0) for j in range(size)] for i in range(size)]
        for x, y in examples:
            z = sum(w * v for w, v in zip(weights, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            nonzero = [(k, v) for k, v in enumerate(x) if v]
            for k, v in nonzero:
                grad[k] += (p - y) * v
                row = hess[k]
                for j, u in nonzero:
                    row[j] += p * (1 - p) * v * u
        step = _solve(hess, grad)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return weights


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the system is small and positive definite)."""
    size = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            a[col][col] = 1e-12
        for r in range(col + 1, size):
            factor = a[r][col] / a[col][col]
            if factor:
                for c in range(col, size + 1):
                    a[r][c] -= factor * a[col][c]
    out = [0.0] * size
    for r in range(size - 1, -1, -1):
        out[r] = (a[r][size] - sum(a[r][c] * out[c] for c in range(r + 1, size))) / a[r][r]
    return out


def evaluate(weights: list[float], examples: list[tuple[list[float], int]], threshold: float) -> tuple[int, int, int]:
    model = HeadingModel(tuple(weights), threshold)
    tp = fp = fn = 0
    for x, y in examples:
        predicted = model.probability(x) >= threshold
        tp += predicted and y
        fp += predicted and not y
        fn += (not predicted) and y
    return tp, fp, fn


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "summitsite-heading-corpus",
                        help="where the pinned source distributions are downloaded (once)")
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC_ARTICLES,
                        help="how many generated news-like articles to add (0: none)")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "summitsite" / "heading_model.json")
    parser.add_argument("--measure", type=Path, default=None,
                        help="a folder of <id>.txt + <id>.gold.json (e.g. loader-eval) to MEASURE line-level "
                             "precision and recall on; it is never trained on")
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty (larger = simpler model)")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation estimate")
    args = parser.parse_args()

    documents = corpus(args.cache, args.synthetic)
    groups: dict[str, list[tuple[list[float], int]]] = {}
    for doc in documents:
        groups.setdefault(doc.group, []).extend(article_examples(doc.text, doc.gold))
    for group, examples in groups.items():
        print(f"  {group:12} {sum(d.group == group for d in documents):4} documents "
              f"{len(examples):6} lines {sum(y for _, y in examples):5} headings")
    if not args.no_cv:
        # Leave one source out: the estimate for a kind of text the model has not seen.
        totals = [0, 0, 0]
        for held_out, examples in groups.items():
            training = [e for g, ex in groups.items() if g != held_out for e in ex]
            counts = evaluate(fit(training, args.l2), examples, args.threshold)
            p, r, f = prf(*counts)
            print(f"    held out {held_out:12} P {p:.3f} R {r:.3f} F1 {f:.3f}")
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
        p, r, f = prf(*totals)
        print(f"leave-one-source-out over {len(groups)} sources: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    everything = [e for ex in groups.values() for e in ex]
    weights = fit(everything, args.l2)
    p, r, f = prf(*evaluate(weights, everything, args.threshold))
    print(f"fitted on all {len(everything)} lines: P {p:.3f} R {r:.3f} F1 {f:.3f} (optimistic: training data)")
    if args.measure is not None:
        measured = []
        for gold_path in sorted(args.measure.rglob("*.gold.json")):
            text_path = gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".txt")
            if text_path.is_file():
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
                measured.extend(article_examples(text_path.read_text(encoding="utf-8"), gold))
        p, r, f = prf(*evaluate(weights, measured, args.threshold))
        print(f"measured (held out, not trained on) on {args.measure}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    args.out.write_text(json.dumps({
        "about": "Heading classifier weights; retrain with scripts/train_heading_model.py.",
        "features": list(FEATURES), "weights": [round(w, 4) for w in weights],
        "threshold": args.threshold, "l2": args.l2,
        "trained_on": {group: sum(d.group == group for d in documents) for group in groups},
        "packages": [f"{name}=={version} ({licence})" for name, version, licence in PACKAGES],
    }, indent=1) + "\n", encoding="utf-8")
    for name, w in sorted(zip(FEATURES, weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:24} {w:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
