"""End-to-end tests of `summitsite build` and `summitsite check`: published-site files, search, --base-url."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

import pytest
from lxml import etree

from conftest import DATA, REPO, tree_bytes
from summitsite import check
from summitsite.builder import _merge, build
from summitsite.cli import main
from summitsite.errors import SummitError
from summitsite.model import Diagnostic

CLEAN = {
    "seeds/alpha.txt": "Alpha report on the summit\nThe lede sentence of alpha is here.\nEnergy security\n"
                       "Some body text about the pipeline for the first section.\nTrade routes\nMore body text here.\n",
    "seeds/alpha.yml": "date: 2024-03-02\ntags: [energy]\n",
    "seeds/beta.txt": "Beta story\nThe lede of beta.\nBackground\nBody text of beta.\n",
    "content/about.md": "---\ntitle: About\n---\n# About\n\nWho we are. See [the articles](../index.html).\n",
}

SiteFactory = Callable[[dict[str, str | bytes]], Path]


def run(capsys, *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- build: the published-site files --------------------------------------------------------------------

def test_build_writes_feed_robots_and_no_sitemap_without_base_url(make_site: SiteFactory, capsys):
    root = make_site(CLEAN)
    code, out, err = run(capsys, "build", "--source", root, "--no-search")
    assert code == 0
    assert "(no search index)" in out
    assert "note: no sitemap.xml: base_url is not set" in err
    built = root / "build"
    assert (built / "feed.xml").is_file() and (built / "robots.txt").is_file()
    assert not (built / "sitemap.xml").exists() and not (built / "search" / "data").exists()


def test_base_url_option_overrides_the_config(make_site: SiteFactory, capsys):
    root = make_site({**CLEAN, "summitsite.yml": "title: T\nbase_url: https://old.example/\n"})
    code, _, _ = run(capsys, "build", "--source", root, "--no-search", "--base-url", "https://example.org/news")
    assert code == 0
    sitemap = (root / "build/sitemap.xml").read_text()
    assert "<loc>https://example.org/news/</loc>" in sitemap and "old.example" not in sitemap
    assert "Sitemap: https://example.org/news/sitemap.xml" in (root / "build/robots.txt").read_text()
    assert "<id>https://example.org/news/articles/alpha-report-on-the-summit/</id>" in (
        root / "build/feed.xml").read_text()


def test_empty_base_url_option_clears_the_config(make_site: SiteFactory, capsys):
    root = make_site({**CLEAN, "summitsite.yml": "base_url: https://old.example/\n"})
    assert run(capsys, "build", "--source", root, "--no-search", "--base-url", "")[0] == 0
    assert not (root / "build/sitemap.xml").exists()


@pytest.mark.parametrize("command", ["build", "check"])
def test_bad_base_url_is_refused_like_in_the_config(make_site: SiteFactory, capsys, command):
    root = make_site(CLEAN)
    code, _, err = run(capsys, command, "--source", root, "--no-search", "--base-url", "ftp://example.org/")
    assert code == 1
    assert err == ("--base-url: 'base_url' must be an absolute http(s) URL such as https://example.org/news/, "
                   "not 'ftp://example.org/'\n")
    assert not (root / "build").exists()


def test_bad_source_date_epoch_fails_the_build(make_site: SiteFactory, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "last tuesday")
    code, _, err = run(capsys, "build", "--source", make_site(CLEAN), "--no-search")
    assert code == 1
    assert err.startswith("summitsite: SOURCE_DATE_EPOCH must be a whole number")


def test_a_file_that_would_be_overwritten_by_a_generated_file_is_an_error():
    # A site's static/ cannot produce feed.xml, but a generated name can still clash in the future: never silently.
    with pytest.raises(SummitError, match=r"feeds would overwrite feed\.xml"):
        _merge({"feed.xml": b"mine"}, {"feed.xml": b"generated"}, "feeds")


# --- build: search and determinism -----------------------------------------------------------------------

def test_build_makes_the_search_index_and_no_search_skips_it(make_site: SiteFactory, capsys):
    root = make_site(CLEAN)
    code, out, _ = run(capsys, "build", "--source", root)
    assert code == 0 and re.search(r"\(search index \d+\.\d\d s\)", out)
    index = root / "build/search/data"
    meta = json.loads((index / "meta.json").read_text(encoding="utf-8"))
    # One document per article and content page (no entities here), one length each.
    assert len(list((index / "docs").glob("*.json"))) == len(meta["lengths"]) == 3
    assert len(list((index / "terms").glob("*.json"))) == len(meta["shards"]) >= 1
    search_page = (root / "build/search/index.html").read_text(encoding="utf-8")
    assert 'data-index="data/meta.json"' in search_page and 'src="../static/search.js"' in search_page
    assert 'action="search/index.html"' in (root / "build/index.html").read_text(encoding="utf-8")
    assert run(capsys, "build", "--source", root, "--no-search")[0] == 0
    assert not index.exists()
    # Without search, no page links to the search page or loads its script.
    for page in (root / "build").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "search/index.html" not in html and "search.js" not in html, page


def test_builds_are_byte_identical_and_honour_source_date_epoch(make_site: SiteFactory, monkeypatch, tmp_path):
    root = make_site({**CLEAN, "summitsite.yml": "base_url: https://example.org/\n"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(root, tmp_path / "one")
    build(root, tmp_path / "two")
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert one == two
    assert any(p.startswith("search/data/terms/") for p in one)
    feed = one["feed.xml"].decode()
    # The undated article carries SOURCE_DATE_EPOCH; the feed was updated at its newest entry.
    assert "<updated>2023-11-14T22:13:20Z</updated>" in feed
    assert "<published>2024-03-02T00:00:00Z</published>" in feed
    assert feed.count("<published>") == 1
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    build(root, tmp_path / "three")
    assert "2023-11-14" not in (tmp_path / "three/feed.xml").read_text()


def test_built_feed_validates_against_rfc_4287(make_site: SiteFactory):
    root = make_site(CLEAN)
    build(root, search=False)
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    assert schema.validate(etree.parse(str(root / "build/feed.xml"))), schema.error_log


# --- check --------------------------------------------------------------------------------------------

def test_check_on_a_clean_site_passes(make_site: SiteFactory, capsys):
    root = make_site(CLEAN)
    code, out, _ = run(capsys, "check", "--source", root, "--no-search", "--strict")
    assert code == 0
    assert out == "check passed: 0 errors, 0 warnings, 0 normalisations, 0 suggestions\n"
    assert (root / "build/index.html").is_file()  # it built, like `build` does


BAD_LINK_BASE = ('{% extends "summitsite/base.html" %}\n{% block footer %}\n<footer>\n'
                 '<a href="{{ url(\'missing.html\') }}">gone</a>\n</footer>\n{% endblock %}\n')


def test_check_reports_a_broken_link_with_page_and_line(make_site: SiteFactory, capsys, monkeypatch):
    root = make_site({**CLEAN, "templates/base.html": BAD_LINK_BASE})
    monkeypatch.chdir(root.parent)
    code, out, _ = run(capsys, "check", "--source", "site", "--no-search")
    assert code == 1
    lines = (root / "build/index.html").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "missing.html" in text)
    expected = f"site/build/index.html:{line}: broken link 'missing.html': missing.html does not exist"
    assert expected in out.splitlines()
    assert "site/build/articles/beta-story/index.html:" in out  # every page, each named
    pages = len(list((root / "build").rglob("*.html")))  # the footer is on every page
    assert out.splitlines()[-1] == f"check failed: {pages} errors, 0 warnings, 0 normalisations, 0 suggestions"


def test_check_no_build_reads_the_existing_output(make_site: SiteFactory, capsys, tmp_path):
    root = make_site(CLEAN)
    out_dir = tmp_path / "out"
    assert run(capsys, "build", "--source", root, "--output", out_dir, "--no-search")[0] == 0
    (out_dir / "about/index.html").write_text('<!DOCTYPE html><html lang="en"><title>x</title>'
                                              '<p><a href="../index.html#nope">x</a><div>\n</html>')
    code, out, _ = run(capsys, "check", "--source", root, "--output", out_dir, "--no-build")
    assert code == 1
    # An output folder outside the current folder is shown by its absolute path.
    page = out_dir / "about/index.html"
    assert out.splitlines() == [
        f"{page}:1: broken anchor '../index.html#nope': no id 'nope' in index.html",
        f"{page}:2: <div> opened on line 1 is not closed before </html>",
        "check failed: 2 errors, 0 warnings, 0 normalisations, 0 suggestions",
    ]
    # Nothing was rebuilt: the damaged page is still there.
    assert "#nope" in (out_dir / "about/index.html").read_text()


def test_check_no_build_without_output_fails(make_site: SiteFactory, capsys):
    code, _, err = run(capsys, "check", "--source", make_site(CLEAN), "--no-build")
    assert code == 1
    assert "output folder not found; build the site first" in err


def test_strict_fails_on_warnings_but_normalisations_are_only_information(make_site: SiteFactory, capsys,
                                                                          monkeypatch):
    root = make_site({**CLEAN, "seeds/gamma.txt": "Gamma note\nThe lede,with a glued comma.\nPart one\n"
                                                  "The text stops in the middle of a"})
    monkeypatch.chdir(root)
    code, out, _ = run(capsys, "check", "--no-search")
    assert code == 0
    assert "seeds/gamma.txt:2: normalised 'lede,with' -> 'lede, with'" in out.splitlines()
    assert "seeds/gamma.txt:4: warning: the text ends mid-sentence" in out.splitlines()
    assert out.splitlines()[-1] == "check passed: 0 errors, 1 warning, 1 normalisation, 0 suggestions"
    code, out, _ = run(capsys, "check", "--no-search", "--strict")
    assert code == 1
    assert out.splitlines()[-1] == "check failed: 0 errors, 1 warning, 1 normalisation, 0 suggestions"
    # Only normalisations: --strict passes.
    (root / "seeds/gamma.txt").write_text("Gamma note\nThe lede,with a glued comma.\nPart one\nThe end.\n")
    assert run(capsys, "check", "--no-search", "--strict")[0] == 0


def test_check_json_output(make_site: SiteFactory, capsys, monkeypatch):
    root = make_site({**CLEAN, "templates/base.html": BAD_LINK_BASE,
                      "seeds/gamma.txt": "Gamma note\nThe lede,with a glued comma.\nPart one\n"
                                                  "The text stops in the middle of a"})
    monkeypatch.chdir(root)
    code, out, _ = run(capsys, "check", "--no-search", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert set(report) == {"errors", "warnings", "normalisations", "suggestions"}
    assert {"path": "seeds/gamma.txt", "line": 2, "code": "missing-space",
            "message": "normalised 'lede,with' -> 'lede, with'"} in report["normalisations"]
    assert [w["code"] for w in report["warnings"]] == ["truncated"]
    error = report["errors"][0]
    assert set(error) == {"path", "line", "code", "message"}
    assert error["code"] == "broken-link" and error["path"].startswith("build/") and error["line"] > 0


def test_check_json_output_when_the_build_fails(make_site: SiteFactory, capsys):
    root = make_site({**CLEAN, "summitsite.yml": "colour: blue\n"})
    code, out, _ = run(capsys, "check", "--source", root, "--no-search", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [e["code"] for e in report["errors"]] == ["config-unknown-key"]
    assert report["warnings"] == [] and report["normalisations"] == []


# --- the site served under a subpath ------------------------------------------------------------------

class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


class _SubpathHandler(SimpleHTTPRequestHandler):
    """Serves the output folder under /news/ only, as a web host would; everything else is a 404."""

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if not path.startswith("/news/"):
            return "/nonexistent/summitsite-test"
        return super().translate_path(path[len("/news"):])

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_SubpathHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/news/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except HTTPError as exc:
        return exc.code, b"", ""


def test_site_built_for_a_subpath_works_when_served_there(make_site: SiteFactory, capsys):
    root = make_site(CLEAN)
    assert run(capsys, "build", "--source", root, "--base-url", "https://example.org/news/")[0] == 0
    with serve(root / "build") as base:
        seen: set[str] = set()
        queue = [base]
        broken = []
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            status, body, kind = fetch(url)
            if status != 200:
                broken.append(url)
                continue
            if kind == "text/html":
                parser = _Links()
                parser.feed(body.decode("utf-8"))
                for link in parser.links:
                    parts = urlsplit(link)
                    if parts.scheme or parts.netloc:
                        continue  # another site
                    target = urljoin(url, link).split("#")[0]
                    if target:
                        queue.append(target)
        assert broken == []
        assert {base, base + "articles/alpha-report-on-the-summit/index.html", base + "about/index.html",
                base + "static/style.css"} <= seen
        # The absolute URLs of the sitemap and the feed name pages that exist at the subpath.
        public = "https://example.org/news/"
        for name in ("sitemap.xml", "feed.xml"):
            status, body, _ = fetch(base + name)
            assert status == 200
            absolute = re.findall(r"https://example\.org/news/[^<\"]*", body.decode())
            assert absolute
            for link in absolute:
                assert fetch(base + link[len(public):])[0] == 200, link
        meta = fetch(base + "search/data/meta.json")
        assert meta[0] == 200 and meta[2] == "application/json"
        assert fetch(base + "search/data/docs/0.json")[0] == 200
        assert fetch(base.replace("/news/", "/index.html"))[0] == 404  # nothing leaks outside /news/


def test_site_advice_is_reported_but_never_fails_a_check(make_site: SiteFactory, capsys, monkeypatch):
    # Advisers (entity suggestions) give information, like normalisations: shown, never failing --strict.
    def adviser(site):
        return [Diagnostic("warning", "entity-suggestion", f"'{site.articles[0].title}' could be an entity",
                           site.articles[0].source, 1)]

    monkeypatch.setattr(check, "SITE_ADVISERS", (adviser,))
    root = make_site(CLEAN)
    monkeypatch.chdir(root)
    code, out, _ = run(capsys, "check", "--no-search", "--strict")
    assert code == 0
    assert "seeds/alpha.txt:1: suggestion: 'Alpha report on the summit' could be an entity" in out.splitlines()
    assert out.splitlines()[-1].endswith(", 1 suggestion")
    code, out, _ = run(capsys, "check", "--no-search", "--no-build", "--format", "json")
    assert json.loads(out)["suggestions"][0]["code"] == "entity-suggestion"


def test_check_suggests_the_near_miss_in_the_repository_site(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    code, out, _ = run(capsys, "check", "--no-search", "--output", str(tmp_path / "out"))
    assert code == 0
    assert any("suggestion:" in line and "Shanghai Cooperation Association" in line for line in out.splitlines())
