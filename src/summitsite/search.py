"""The site's search index, made by Pagefind (the `pagefind[bin]` package) from the rendered HTML.

Pure from the caller's point of view: rendered files in, the files of the `pagefind/` bundle out. Pagefind
only reads a folder on disk, so the HTML pages are written to a private temporary folder, indexed there,
and the bundle is read back into memory. The real output folder is never touched here: the bundle joins
the other files and is written by the same atomic swap (see `summitsite.write`).

Pagefind's output is a function of the pages' content: file names are content hashes and the bundle does
not depend on the folder it was built in, the order the files were written, or the time. Two builds of
the same site give byte-identical bundles (the tests check this).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from summitsite.errors import error

BUNDLE_DIR = "pagefind"
"""The bundle's folder in the output: `pagefind/pagefind.js`, `pagefind/pagefind-ui.js`, the index, ..."""

TIMEOUT_SECONDS = 600

BODY_MARK = b"data-pagefind-body"


def available() -> bool:
    """True when the pagefind package (the indexer) is installed."""
    return importlib.util.find_spec("pagefind") is not None


def pagefind_command(site_dir: str, language: str) -> list[str]:
    return [
        sys.executable, "-m", "pagefind",
        "--site", site_dir,
        "--output-subdir", BUNDLE_DIR,
        # Result URLs keep "index.html", like every other internal link of the site, so they work the same
        # from any folder the site is served from.
        "--keep-index-url",
        # One index in the site's language, even if an overridden template forgets `<html lang>`.
        "--force-language", language,
        "--quiet",
    ]


def index_files(files: Mapping[str, bytes], language: str) -> dict[str, bytes]:
    """The Pagefind bundle for the HTML pages among `files`, as `pagefind/...` -> bytes, sorted by path."""
    if not available():
        raise error("the search index needs Pagefind: pip install 'pagefind[bin]' (or build with --no-search)",
                    code="search-unavailable")
    with tempfile.TemporaryDirectory(prefix="summitsite-search-") as tmp:
        site = Path(tmp) / "site"
        # Pagefind reads only HTML; images, CSS and feeds play no part in the index.
        pages = {rel: files[rel] for rel in sorted(files) if rel.endswith(".html")}
        # Once any page marks its body, Pagefind leaves out every page that does not: those need not be
        # written and parsed at all (on a large site, the lists and hubs are most of the HTML).
        marked = {rel: data for rel, data in pages.items() if BODY_MARK in data}
        for rel, data in (marked or pages).items():
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            done = subprocess.run(pagefind_command("site", language), cwd=tmp, capture_output=True,
                                  timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise error(f"Pagefind did not finish within {TIMEOUT_SECONDS} s",
                        code="search-failed") from None
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode("utf-8", errors="replace").strip()
            detail = " | ".join(line.strip() for line in output.splitlines() if line.strip())[-2000:]
            raise error(f"Pagefind failed (exit status {done.returncode}): {detail or 'no output'}",
                        code="search-failed")
        return _read_tree(site / BUNDLE_DIR, BUNDLE_DIR)


def _read_tree(folder: Path, prefix: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        base = Path(dirpath).relative_to(folder)
        for name in sorted(filenames):
            rel = (base / name).as_posix()
            found[f"{prefix}/{rel}"] = (Path(dirpath) / name).read_bytes()
    if not found:
        raise error("Pagefind reported success but wrote no files", code="search-failed")
    return dict(sorted(found.items()))
