"""The heading model's training corpus: text we may use, turned into the seed form with gold headings.

Sources (nothing third-party is committed to the repository; this module fetches or derives it):

1. The repository's own seeds (`seeds/*.txt`) with their gold structure (`tests/data/gold-seeds.json`).
2. Markdown documentation shipped in the source distributions of well-known, openly licensed PyPI
   packages (`PACKAGES`, versions pinned), downloaded with `pip download --no-deps --no-binary :all:`
   into a cache folder. Changelogs, licences and author lists (files or folders so named, e.g. `history/`)
   are skipped; so are documents with fewer than `MIN_WORDS` words of prose or fewer than two headings.
3. Synthetic news-like articles from `tests/benchmarks/generate.py` (deterministic): the seed copy of
   each article with page furniture added (bylines, dates, credits, "Related:" lines), the gold headings
   taken from its Markdown (Hugo) copy.

Markdown becomes the seed form that extractors produce (`markdown_to_seed`): markup stripped, one
paragraph per line, headings as bare lines (their level kept as gold), list items as `- ` / `1. ` lines,
tables as pipe rows, the first lines of code blocks as plain lines (as extractors print them),
raw HTML and images dropped. A leading `# Title` is the title line.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent

PACKAGES: tuple[tuple[str, str, str], ...] = (
    # (name, pinned version, licence)
    ("black", "26.10.1", "MIT"),
    ("markdown", "3.11.3", "BSD-3-Clause"),
    ("fastapi", "0.165.0", "MIT"),
    ("httpx", "0.28.1", "BSD-3-Clause"),
    ("requests", "2.34.2", "Apache-2.0"),
    ("hatch", "1.18.2", "MIT"),
    ("pydantic", "2.14.3", "MIT"),
    ("rich", "15.0.0", "MIT"),
    ("typer", "0.29.2", "MIT"),
    ("mkdocs", "1.6.1", "BSD-2-Clause"),
)
"""Source distributions whose Markdown documents are training text, with their licences."""

MIN_WORDS = 150
CODE_LINES = 6
"""Lines kept from each code block."""
SYNTHETIC_ARTICLES = 60
_SKIP_NAMES = re.compile(r"change|history|release|licen[cs]e|authors|contributors|code.of.conduct|security|"
                         r"news|funding|citation", re.I)


@dataclass(frozen=True, slots=True)
class Document:
    """One training article: its seed-form text and its gold (`title`, `sections` with levels)."""

    name: str
    group: str
    """Where it came from (a package, `seeds`, `synthetic`): cross-validation folds never split a group."""
    text: str
    gold: dict


def _inline_text(token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def markdown_to_seed(source: str) -> tuple[str, dict]:
    """Markdown as an extractor would print the rendered page, and the gold headings with their levels."""
    source = re.sub(r"\A---\n.*?\n---\n", "", source, flags=re.S)  # YAML front matter
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    lines: list[str] = []
    sections: list[dict] = []
    title = None
    lists: list[list] = []  # per open list: [ordered, next number]
    row: list[str] = []
    header_done = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            text = _inline_text(tokens[i + 1])
            if text:
                if token.tag == "h1" and title is None and not lines:
                    title = text
                else:
                    sections.append({"heading": text, "level": int(token.tag[1]), "bare_line_in_text": True})
                lines.append(text)
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([kind == "ordered_list_open", int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1].append("item")  # the next paragraph is this item's first line
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open":
            text = _inline_text(token)
            if text and lists and lists[-1][-1] == "item":
                ordered, number = lists[-1][0], lists[-1][1]
                lists[-1].pop()
                lists[-1][1] += 1
                marker = f"{number}. " if ordered else "- "
                lines.append("  " * (len(lists) - 1) + marker + text)
            elif text:
                lines.append(text)
        elif kind in ("fence", "code_block"):
            # Extractors print code as plain lines: keep some of them, the hardest non-headings there are.
            code = [ln.strip() for ln in token.content.splitlines() if ln.strip()]
            lines.extend(code[:CODE_LINES])
        elif kind == "thead_open":
            header_done = False
        elif kind == "tr_open":
            row = []
        elif kind == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            row.append(_inline_text(token))
        elif kind == "tr_close":
            lines.append("| " + " | ".join(row) + " |")
            if not header_done and tokens[i + 1].type == "thead_close":
                lines.append("|" + "---|" * len(row))
                header_done = True
        i += 1
    # Markup left as text by extensions (attribute lists, admonition and snippet markers) is not prose.
    lines = [ln for ln in lines if not re.fullmatch(r"\s*(\{:.*\}|!!!.*|\?\?\?.*|\[TOC\]|-+8<-+.*|\(.*\)=)", ln)]
    return "\n".join(lines) + "\n", {"title": title, "sections": sections}


def _prose_words(text: str) -> int:
    return sum(len(line.split()) for line in text.splitlines() if len(line.split()) >= 8)


def package_documents(cache: Path) -> Iterator[Document]:
    """The Markdown documents of `PACKAGES`, downloaded (once) into `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    for name, version, _licence in PACKAGES:
        archives = [p for p in cache.glob("*.tar.gz") if p.name.lower().startswith(f"{name}-{version}.")]
        if not archives:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            "-d", str(cache), f"{name}=={version}"], check=True)
            archives = [p for p in cache.glob("*.tar.gz") if p.name.lower().startswith(f"{name}-{version}.")]
        with tarfile.open(archives[0]) as tar:
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                path = member.name
                if not member.isfile() or not path.endswith(".md") or _SKIP_NAMES.search(path.split("/", 1)[-1]) \
                        or "/change_log/" in path:
                    continue
                data = tar.extractfile(member)
                if data is None:
                    continue
                text, gold = markdown_to_seed(data.read().decode("utf-8", "replace"))
                if _prose_words(text) >= MIN_WORDS and len(gold["sections"]) >= 2:
                    yield Document(path, name, text, gold)


_CHROME_PEOPLE = ("Maria Lopez", "James O'Neill", "Aiko Tanaka", "Samuel Adeyemi", "Chloe Martin", "Ravi Patel")
_CHROME_MONTHS = ("January", "March", "May", "June", "August", "October", "December")


def _news_chrome(lines: list[str], rng: random.Random, titles: list[str]) -> list[str]:
    """Seed lines with the page furniture that news extractions keep: bylines, dates, credits, related links."""
    person = rng.choice(_CHROME_PEOPLE)
    date = f"{rng.choice(_CHROME_MONTHS)} {rng.randint(1, 28)}, {rng.randint(2015, 2025)}"
    head = rng.choice([[f"By {person}", date], [f"By {person} | {date}"], [date], [f"{person}", f"Published {date}"],
                       [f"Updated {rng.randint(1, 12)}:{rng.randint(0, 59):02d} GMT"]])
    out = [lines[0], *head]
    for line in lines[1:]:
        out.append(line)
        if len(line.split()) >= 25 and rng.random() < 0.08:
            out.append(rng.choice([f"Related: {rng.choice(titles)}", f"Photo: {person}/Reuters",
                                   f"READ MORE: {rng.choice(titles)}", f"{rng.choice(titles)} (Photo: {person})",
                                   f"\u201c{rng.choice(titles)}\u201d", "Advertisement", date,
                                   f"Figure {rng.randint(1, 9)}: {rng.choice(titles)}",
                                   f"See also: {rng.choice(titles)}", f"Posted on {date}"]))
    out.append(rng.choice([f"{person} is a correspondent covering trade and energy.",
                           f"Reporting by {person}; editing by {rng.choice(_CHROME_PEOPLE)}", f"\u00a9 {date[-4:]}"]))
    return out


def synthetic_documents(count: int = SYNTHETIC_ARTICLES) -> Iterator[Document]:
    """News-like articles from the benchmark generator (deterministic): the seed-form text (with its table of
    contents, callouts and FAQs) plus page furniture (`_news_chrome`), and the gold from the Markdown copy."""
    rng = random.Random("heading-model-chrome-1")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(REPO / "tests" / "benchmarks" / "generate.py"), "--articles", str(count),
                        "--out", tmp, "--seed", "heading-model-1"], check=True, capture_output=True)
        items = json.loads(Path(tmp, "manifest.json").read_text(encoding="utf-8"))["items"]
        titles = [item["title"] for item in items]
        for item in items:
            seed = Path(tmp, "summitsite", item["seed"]).read_text(encoding="utf-8")
            _, gold = markdown_to_seed(Path(tmp, "hugo", "content", "articles", item["slug"] + ".md")
                                       .read_text(encoding="utf-8"))
            gold["title"] = item["title"]
            text = "\n".join(_news_chrome(seed.splitlines(), rng, titles)) + "\n"
            yield Document(item["seed"], "synthetic", text, gold)


def seed_documents() -> Iterator[Document]:
    """The repository's seeds with their gold structure."""
    gold = json.loads((REPO / "tests" / "data" / "gold-seeds.json").read_text(encoding="utf-8"))
    for name, article in sorted(gold.items()):
        path = REPO / "seeds" / name
        if path.is_file():
            yield Document(name, "seeds", path.read_text(encoding="utf-8"), article)


def corpus(cache: Path, synthetic: int = SYNTHETIC_ARTICLES) -> list[Document]:
    return [*seed_documents(), *package_documents(cache), *(synthetic_documents(synthetic) if synthetic else ())]


if __name__ == "__main__":
    # Print one converted document (a Markdown file given as argument) to check the conversion by eye.
    text, gold = markdown_to_seed(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(text)
    print(json.dumps(gold, indent=1))
