"""Measure `summitsite serve` from a saved seed to the reloaded page in Chromium, at a chosen site size.

    PYTHONPATH=src python scripts/reload_latency.py --articles 1000 --runs 5

Makes a scratch site in a temporary folder with N articles (copies of the repository's seeds, each under
a title line of its own), starts `python -m summitsite serve --port 0` on it, opens one article in Debian's Chromium
through Playwright, then edits that article's seed and times until the new text is on the reloaded page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def make_site(root: Path, count: int) -> None:
    """`count` seeds: the repository's seeds in turn, each under a title line of its own (so its own slug)."""
    (root / "seeds").mkdir(parents=True)
    (root / "summitsite.yml").write_text("title: Reload latency\n", encoding="utf-8")
    originals = sorted((REPO / "seeds").glob("*.txt"))
    for i in range(count):
        original = originals[i % len(originals)]
        text = f"Article {i}: analysis of the summit\n" + original.read_text(encoding="utf-8")
        (root / "seeds" / f"{i:05d}.txt").write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp, "site")
        make_site(site, args.articles)
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        server = subprocess.Popen([sys.executable, "-m", "summitsite", "serve", "--source", str(site), "--port", "0"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = server.stdout.readline().split()[1]
            print(f"{args.articles} articles, first build: {server.stdout.readline().strip()}")
            target = args.articles // 2
            seed = site / "seeds" / f"{target:05d}.txt"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page()
                # The first request waits for the first build.
                page.goto(f"{url}articles/article-{target}-analysis-of-the-summit/", timeout=120_000)
                times = []
                for run in range(args.runs):
                    time.sleep(2.5)  # a quiet watcher, so each run starts from rest
                    marker = f"Latency marker {run}."
                    text = seed.read_text(encoding="utf-8").splitlines()
                    text[-1] += " " + marker
                    started = time.perf_counter()
                    seed.write_text("\n".join(text) + "\n", encoding="utf-8")
                    page.wait_for_function(f"document.body && document.body.innerText.includes({marker!r})",
                                           timeout=60_000)
                    times.append((time.perf_counter() - started) * 1000)
                    print(f"run {run + 1}: {times[-1]:.0f} ms   (server: {server.stdout.readline().strip()})")
                browser.close()
            print(f"edit -> reloaded page, {args.articles} articles: median {statistics.median(times):.0f} ms, "
                  f"min {min(times):.0f}, max {max(times):.0f}")
        finally:
            server.terminate()
            server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
