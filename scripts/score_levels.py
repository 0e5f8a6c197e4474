#!/usr/bin/env python3
"""Score heading detection and heading levels on the heading model's training corpus, as loader-eval does.

Usage:
    PYTHONPATH=src python scripts/score_levels.py [--cache DIR] [--measure ../shared/loader-eval/dev] [--verbose]

The corpus is `scripts/heading_corpus.py`'s (the repository's seeds, pinned PyPI packages' Markdown documents,
generated news-like articles), each parsed with `parse_seed`. The figures follow loader-eval's `score.py`:
- headings P/R/F1: multiset match of normalised heading text (NFKC, straight quotes, casefolded, whitespace
  collapsed, trailing ':' dropped), order-insensitive; the title is not a section;
- level acc: on matched headings, predicted level == gold level;
- rel level acc: the same after mapping levels to their rank inside each article, gold (over all gold
  headings) and prediction (over all predicted headings, matched or not) separately.
"Real documents" leaves out the generated articles, whose levels are easy and would dominate the figure.

The level rules are not trained on this corpus, but the heading model is: detection figures here are
optimistic. `--measure` scores a folder of <id>.txt + <id>.gold.json (e.g. loader-eval) the same way, in
process, for measuring only.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from heading_corpus import corpus

from summitsite.parse import parse_seed

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " "})


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).casefold().rstrip(":").strip()


def _ranks(levels: list[int | None]) -> dict[int, int]:
    return {level: rank for rank, level in enumerate(sorted({lv for lv in levels if isinstance(lv, int)}))}


def score_article(text: str, gold: dict, name: str) -> tuple[Counter, list[str]]:
    """Counts for one article, and one line per predicted heading (for --verbose)."""
    article = parse_seed(text, name)
    gold_sections = [s for s in gold.get("sections", []) if s.get("bare_line_in_text", True)]
    pool: dict[str, list[int | None]] = defaultdict(list)
    for section in gold_sections:
        pool[normalised(section["heading"])].append(section.get("level"))
    predicted = [(normalised(s.heading), s.level, s.heading) for s in article.sections if normalised(s.heading)]
    gold_rank = _ranks([s.get("level") for s in gold_sections])
    predicted_rank = _ranks([level for _, level, _ in predicted])
    counts: Counter = Counter()
    lines = []
    for key, level, heading in predicted:
        if not pool.get(key):
            counts["fp"] += 1
            lines.append(f"     gold -   predicted {level}/{predicted_rank[level]}  {heading[:80]}")
            continue
        gold_level = pool[key].pop(0)
        counts["tp"] += 1
        if gold_level is None:
            continue
        right = predicted_rank[level] == gold_rank.get(gold_level)
        counts["n"] += 1
        counts["level"] += level == gold_level
        counts["relative"] += right
        lines.append(f"  {'ok' if right else 'XX'} gold {gold_level}/{gold_rank[gold_level]} "
                     f"predicted {level}/{predicted_rank[level]}  {heading[:80]}")
    counts["fn"] += len(gold_sections) - counts["tp"]
    return counts, lines


def summary(counts: Counter) -> str:
    tp, fp, fn, n = counts["tp"], counts["fp"], counts["fn"], counts["n"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return (f"headings F1 {f:.4f} (P {p:.4f} R {r:.4f}) | level acc {counts['level'] / max(n, 1):.4f} | "
            f"rel level acc {counts['relative'] / max(n, 1):.4f} ({counts['relative']}/{n})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "summitsite-heading-corpus",
                        help="where the pinned source distributions are downloaded (once)")
    parser.add_argument("--measure", type=Path, default=None,
                        help="also score a folder of <id>.txt + <id>.gold.json (measuring only)")
    parser.add_argument("--verbose", action="store_true", help="print every article's headings and levels")
    args = parser.parse_args()

    groups: dict[str, Counter] = defaultdict(Counter)
    for doc in corpus(args.cache):
        counts, lines = score_article(doc.text, doc.gold, doc.name)
        groups[doc.group].update(counts)
        if args.verbose:
            print(f"== {doc.group} {doc.name}", *lines, sep="\n")
    everything, real = Counter(), Counter()
    for group, counts in sorted(groups.items()):
        print(f"  {group:12} {summary(counts)}")
        everything.update(counts)
        if group != "synthetic":
            real.update(counts)
    print(f"corpus          {summary(everything)}")
    print(f"real documents  {summary(real)}")
    if args.measure is not None:
        measured: Counter = Counter()
        for gold_path in sorted(args.measure.rglob("*.gold.json")):
            text_path = gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".txt")
            if text_path.is_file():
                counts, lines = score_article(text_path.read_text(encoding="utf-8"),
                                              json.loads(gold_path.read_text(encoding="utf-8")), str(text_path))
                measured.update(counts)
                if args.verbose:
                    print(f"== {text_path.name}", *lines, sep="\n")
        print(f"measured        {summary(measured)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
