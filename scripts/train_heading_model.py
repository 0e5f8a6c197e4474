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

The model is two logistic regressions fitted in plain Python with L2 regularisation (Newton's method): the
first pass over `summitsite.headings.FEATURES`, the second over `CONTEXT_FEATURES` (the line's features again
plus how it compares with the article's sure first-pass headings), fitted on out-of-fold first-pass
probabilities. Before fitting on everything, it reports leave-one-source-out precision, recall and F1 of the
first pass and of both passes (each package, the seeds and the synthetic articles are one source each; for both
passes the held-out source is also left out of the out-of-fold first passes). `--no-context`: first pass only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from heading_corpus import PACKAGES, SYNTHETIC_ARTICLES, corpus

from summitsite.headings import (
    CONTEXT_FEATURES,
    FEATURES,
    HeadingModel,
    Line,
    article_stats,
    comparable,
    context_features,
    line_features,
)
from summitsite.parse import heading_candidates

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Article:
    """The lines of one article the classifier scores: first-pass features, labels, and what the second pass
    needs (the lines and the line after each). `example[i]` is False for the title line, which is scored at
    parse time (so it counts as context) but chosen by other rules (so it is not a training example)."""

    features: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    example: list[bool] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    nexts: list[Line | None] = field(default_factory=list)


def article_lines(text: str, gold: dict) -> Article:
    headings: dict[str, int] = {}
    for section in gold.get("sections", []):
        if section.get("bare_line_in_text", True):
            key = comparable(section["heading"])
            headings[key] = headings.get(key, 0) + 1
    found = heading_candidates(text)
    body = found.body
    stats = article_stats(body)
    title = comparable(gold.get("title") or "")
    article = Article()
    for i, line in enumerate(body):
        if line.shape != "text" or found.skip[i]:
            continue
        key = comparable(line.text)
        prev = body[i - 1] if i > 0 else None
        nxt = body[i + 1] if i + 1 < len(body) else None
        article.features.append(line_features(line, prev, nxt, found.toc_keys, stats))
        article.labels.append(int(key in headings))
        article.example.append(not (i == 0 and key == title and key not in headings))
        article.lines.append(line)
        article.nexts.append(nxt)
    return article


def article_examples(text: str, gold: dict) -> list[tuple[list[float], int]]:
    """(features, label) for every line the first pass would score and learn from."""
    article = article_lines(text, gold)
    return [(x, y) for x, y, e in zip(article.features, article.labels, article.example, strict=True) if e]


def first_pass_examples(articles: list[Article]) -> list[tuple[list[float], int]]:
    return [(x, y) for a in articles for x, y, e in zip(a.features, a.labels, a.example, strict=True) if e]


def context_examples(articles: list[Article], weights: list[float]) -> list[tuple[list[float], int]]:
    """Second-pass examples, with first-pass probabilities from `weights` (a model that did not see them)."""
    model = HeadingModel(tuple(weights))
    out = []
    for a in articles:
        first = [model.probability(x) for x in a.features]
        rows = context_features(a.lines, a.nexts, a.features, first)
        out.extend((row, y) for row, y, e in zip(rows, a.labels, a.example, strict=True) if e)
    return out


def fit(examples: list[tuple[list[float], int]], l2: float, iterations: int = 25) -> list[float]:
    """Newton's method on the summed log-loss plus l2 * |w|^2 (the bias is not penalised)."""
    size = len(examples[0][0])
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


def final_context(weights: list[float], row: list[float]) -> float:
    return HeadingModel(tuple(weights)).probability(row)


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
    parser.add_argument("--no-context", dest="context", action="store_false",
                        help="first pass only: no second pass over article-level evidence")
    args = parser.parse_args()

    documents = corpus(args.cache, args.synthetic)
    articles: dict[str, list[Article]] = {}
    for doc in documents:
        articles.setdefault(doc.group, []).append(article_lines(doc.text, doc.gold))
    groups = {group: first_pass_examples(items) for group, items in articles.items()}
    for group, examples in groups.items():
        print(f"  {group:12} {sum(d.group == group for d in documents):4} documents "
              f"{len(examples):6} lines {sum(y for _, y in examples):5} headings")

    def first_pass_without(excluded: set[str]) -> list[float]:
        return fit([e for g, ex in groups.items() if g not in excluded for e in ex], args.l2)

    # The second pass learns from first-pass probabilities of lines the first pass did not see (out of fold),
    # as it meets them at parse time: each source's are computed by a model fitted on the other sources.
    held_out_first = {group: first_pass_without({group}) for group in groups}
    if not args.no_cv:
        # Leave one source out: the estimate for a kind of text the model has not seen. For the two passes
        # together the held-out source stays out of both, including the out-of-fold first passes.
        totals = [0, 0, 0]
        totals2 = [0, 0, 0]
        for held_out, examples in groups.items():
            counts = evaluate(held_out_first[held_out], examples, args.threshold)
            p, r, f = prf(*counts)
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            if args.context:
                training2 = [e for g in groups if g != held_out
                             for e in context_examples(articles[g], first_pass_without({held_out, g}))]
                counts2 = evaluate(fit(training2, args.l2),
                                   context_examples(articles[held_out], held_out_first[held_out]), args.threshold)
                totals2 = [a + b for a, b in zip(totals2, counts2, strict=True)]
                p2, r2, f2 = prf(*counts2)
                print(f"    held out {held_out:12} P {p:.3f} R {r:.3f} F1 {f:.3f} | two passes "
                      f"P {p2:.3f} R {r2:.3f} F1 {f2:.3f}")
            else:
                print(f"    held out {held_out:12} P {p:.3f} R {r:.3f} F1 {f:.3f}")
        p, r, f = prf(*totals)
        print(f"leave-one-source-out over {len(groups)} sources, first pass: P {p:.3f} R {r:.3f} F1 {f:.3f}")
        if args.context:
            p, r, f = prf(*totals2)
            print(f"leave-one-source-out over {len(groups)} sources, two passes: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    everything = [e for ex in groups.values() for e in ex]
    weights = fit(everything, args.l2)
    p, r, f = prf(*evaluate(weights, everything, args.threshold))
    print(f"fitted on all {len(everything)} lines: P {p:.3f} R {r:.3f} F1 {f:.3f} (optimistic: training data)")
    context_weights: list[float] = []
    if args.context:
        context_weights = fit([e for g in groups for e in context_examples(articles[g], held_out_first[g])], args.l2)
    final = HeadingModel(tuple(weights), args.threshold, tuple(context_weights))
    if args.measure is not None:
        tp = fp = fn = 0
        for gold_path in sorted(args.measure.rglob("*.gold.json")):
            text_path = gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".txt")
            if text_path.is_file():
                gold = json.loads(gold_path.read_text(encoding="utf-8"))
                a = article_lines(text_path.read_text(encoding="utf-8"), gold)
                first = [final.probability(x) for x in a.features]
                if context_weights:
                    rows = context_features(a.lines, a.nexts, a.features, first)
                    first = [final_context(context_weights, row) for row in rows]
                for prob, y, e in zip(first, a.labels, a.example, strict=True):
                    predicted = e and prob >= args.threshold
                    tp += predicted and y
                    fp += predicted and not y
                    fn += e and (not predicted) and y
        p, r, f = prf(tp, fp, fn)
        print(f"measured (held out, not trained on) on {args.measure}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    args.out.write_text(json.dumps({
        "about": "Heading classifier weights; retrain with scripts/train_heading_model.py.",
        "features": list(FEATURES), "weights": [round(w, 4) for w in weights],
        "threshold": args.threshold, "l2": args.l2,
        "context_features": list(CONTEXT_FEATURES), "context_weights": [round(w, 4) for w in context_weights],
        "trained_on": {group: sum(d.group == group for d in documents) for group in groups},
        "packages": [f"{name}=={version} ({licence})" for name, version, licence in PACKAGES],
    }, indent=1) + "\n", encoding="utf-8")
    for name, w in sorted(zip(FEATURES, weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:24} {w:+.3f}")
    for name, w in zip(CONTEXT_FEATURES, context_weights, strict=False):
        print(f"  second pass {name:24} {w:+.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
