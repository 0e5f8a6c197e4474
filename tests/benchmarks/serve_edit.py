"""Only the dev-server measurement of `run.py`: a seed edit to the reload event, and to the page with the edit.

    PYTHONPATH=src python tests/benchmarks/serve_edit.py --work /tmp/serve-bench --repeats 5

Starts `summitsite serve` on the corpus `generate.py` wrote to --work (generating 1,000 articles there if it
holds none), appends a sentence to the middle seed `--repeats` times (restored afterwards) and prints each
round and the medians. It is `run.measure_serve`, the same probe the full benchmark runs, without the builds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # this folder is not a package: run.py sits next to this file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="the corpus folder (holding manifest.json)")
    parser.add_argument("--articles", type=int, default=1000, help="articles to generate when --work has none")
    parser.add_argument("--repeats", type=int, default=5, help="edits to time (default: 5)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for one reload")
    args = parser.parse_args(argv)
    manifest = args.work / "manifest.json"
    if not manifest.is_file():
        run.generate.generate(args.articles, args.work)
    corpus = run.Corpus(json.loads(manifest.read_text(encoding="utf-8"))["articles"], args.work,
                        json.loads(manifest.read_text(encoding="utf-8")))
    serve_help = run.help_text([run.tool_path("summitsite") or "summitsite", "serve"]) or ""
    result = run.measure_serve(corpus, serve_help, args.repeats, args.timeout)
    for key in ("reload", "page"):
        values = result.get(key) or []
        rounds = " ".join(f"{v:.3f}" for v in values)
        median = f"{statistics.median(values):.3f} s" if values else "n/a"
        print(f"edit -> {'reload event' if key == 'reload' else 'page with the edit'}: median {median} ({rounds})")
    if "startup" in result:
        print(f"server start {result['startup']:.2f} s, peak RSS {result['peak_rss_kb'] / 1024:.0f} MB")
    if result.get("error"):
        print(f"error: {result['error']}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
