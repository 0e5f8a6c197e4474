"""Tests for summitsite.search: the Pagefind bundle is built from the rendered pages, in memory, deterministically."""

from __future__ import annotations

import gzip
import json

import pytest

from summitsite import search
from summitsite.errors import SummitError

pytestmark = pytest.mark.skipif(not search.available(), reason="pagefind[bin] is not installed")


def page(title: str, body: str, lang: str = "en") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><main data-pagefind-body><h1>{title}</h1><h2 id="energy">Energy</h2><p>{body}</p></main>'
            f"</body></html>").encode()


FILES = {
    "index.html": page("Home", "All the articles."),
    "articles/pipeline/index.html": page("Pipeline", "The Power of Siberia pipeline and crevasse marmots."),
    "articles/sco/index.html": page("SCO", "The Shanghai Cooperation Organisation grows."),
    "static/style.css": b"body { color: black }",
}


def fragments(bundle: dict[str, bytes]) -> dict[str, dict]:
    """Pagefind's per-page records (gzip, a `pagefind_dcd` signature, then JSON), keyed by page URL."""
    found = {}
    for path, data in bundle.items():
        if path.endswith(".pf_fragment"):
            raw = gzip.decompress(data)
            assert raw.startswith(b"pagefind_dcd")
            record = json.loads(raw[len(b"pagefind_dcd"):])
            found[record["url"]] = record
    return found


@pytest.fixture(scope="module")
def bundle() -> dict[str, bytes]:
    return search.index_files(FILES, "en")


def test_bundle_has_the_scripts_and_an_index(bundle):
    assert all(path.startswith("pagefind/") for path in bundle)
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json", "wasm.en.pagefind"):
        assert f"pagefind/{name}" in bundle
    assert any(p.startswith("pagefind/index/") and p.endswith(".pf_index") for p in bundle)
    entry = json.loads(bundle["pagefind/pagefind-entry.json"])
    assert entry["languages"]["en"]["page_count"] == 3
    assert list(bundle) == sorted(bundle)


def test_every_page_has_a_fragment_with_its_text_and_section_anchor(bundle):
    records = fragments(bundle)
    # --keep-index-url: results link to index.html, like every other internal link of the site.
    assert set(records) == {"/index.html", "/articles/pipeline/index.html", "/articles/sco/index.html"}
    record = records["/articles/pipeline/index.html"]
    assert "crevasse marmots" in record["content"]
    assert record["meta"]["title"] == "Pipeline"
    assert any(a.get("id") == "energy" for a in record["anchors"])


def test_the_input_is_not_changed_and_only_html_is_indexed(bundle):
    assert "static/style.css" not in bundle
    assert not any("style" in p for p in bundle)


def test_bundle_is_byte_identical_across_runs(bundle):
    # Built in another temporary folder, from the files in another order: the same bytes.
    again = search.index_files(dict(reversed(list(FILES.items()))), "en")
    assert again == bundle


def test_the_site_language_is_forced(bundle):
    mixed = search.index_files({**FILES, "index.html": page("Home", "Alle Artikel.", lang="de")}, "en")
    assert json.loads(mixed["pagefind/pagefind-entry.json"])["languages"].keys() == {"en"}


def test_pagefind_failure_is_a_summit_error():
    with pytest.raises(SummitError, match="Pagefind failed"):
        search.index_files({"static/style.css": b""}, "en")  # no HTML at all: Pagefind refuses


def test_missing_pagefind_is_reported_with_the_fix(monkeypatch):
    monkeypatch.setattr(search, "available", lambda: False)
    with pytest.raises(SummitError, match=r"pip install 'pagefind\[bin\]' \(or build with --no-search\)"):
        search.index_files(FILES, "en")


def test_pages_without_a_marked_body_are_left_out(bundle: dict[str, bytes]) -> None:
    unmarked = (b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>List</title></head>'
                b"<body><main><h1>List</h1><p>Zebrafish everywhere.</p></main></body></html>")
    with_list = search.index_files({**FILES, "entities/list/index.html": unmarked}, "en")
    assert with_list == bundle  # Pagefind would drop it anyway: never written, never parsed
    assert not any(b"zebrafish" in gzip.decompress(data).lower()
                   for path, data in with_list.items() if path.endswith((".pf_fragment", ".pf_index")))
