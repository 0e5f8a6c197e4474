"""Safety: hostile text in every input field lands in every output as text, never as markup.

One site is built with a corpus of injection strings in every field summitsite reads: seed title, lede,
heading, paragraph, label, list item, table cell, callout and FAQ question and answer; sidecar title,
author, summary and tags; front matter title, summary and tags; entity name, alias, description; the
config's title and description. Every output is then parsed (html.parser, ElementTree, json) and checked.
"""

from __future__ import annotations

import json
import posixpath
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from summitsite.builder import build
from summitsite.check import check_site
from summitsite.markdown import allowed_url, render_markdown
from summitsite.write import MARKER

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='x",
    "</script><script>x</script>",
    "<!--",
    "]]>",
    "{{ 7*7 }}",
    "{% include 'x' %}",
    "{% raw %}",
    "{#",
    "javascript:alert(1)",
    "data:text/html,<script>",
    "&amp;",
    "ctl\x01\x02\x08\x0b\x0c\x1b\x1f\x7f\x85end",
    "line\u2028sep\u2029para",
    "rtl\u202eevil",
    "w" * 3000,
)
# Characters that must never reach an HTML or XML output.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The words the hostile strings are made of, which must never appear as element or attribute names.
FORBIDDEN_TAGS = {"img", "b"}
FORBIDDEN_ATTRS = {"onerror", "onmouseover", "onclick"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")

SEED = """Harbour Talks Resume With PAYLOAD In The Title
The lede sentence mentions PAYLOAD and goes on for long enough to be a lede of this article about harbours.
Table of Contents
- Background PAYLOAD
- Frequently Asked Questions
Background PAYLOAD
The first paragraph of the background mentions PAYLOAD and then continues so that it reads as real prose.
Energy Security PAYLOAD: the labelled paragraph mentions the harbour and PAYLOAD and continues a while.
- first list item PAYLOAD
- second list item
| Name | Value |
|---|---|
| cell PAYLOAD | 42 |
| other | PAYLOAD |
Did You Know? The callout text holds PAYLOAD and goes on for a little while.
Frequently Asked Questions
- What is PAYLOAD here? It is the answer PAYLOAD, given in full.
Q: Why does PAYLOAD matter?
A: Because the answer says PAYLOAD.
"""


def clean(text: str) -> str:
    """What summitsite keeps of a hostile string: control characters go (VT, FF and NEL become spaces)."""
    text = re.sub("[\x0b\x0c\x85]", " ", text)
    return CONTROLS.sub("", text)


def yaml_str(text: str) -> str:
    # JSON is YAML: a double-quoted string with \\u escapes carries any character, controls included.
    return json.dumps(text)


def hostile_site(root: Path) -> Path:
    (root / "seeds").mkdir(parents=True)
    (root / "content").mkdir()
    entities = []
    for i, payload in enumerate(HOSTILE):
        (root / "seeds" / f"s{i:02}.txt").write_text(SEED.replace("PAYLOAD", payload), encoding="utf-8")
        (root / "seeds" / f"s{i:02}.yml").write_text(
            f"title: {yaml_str(f'Sidecar {i} {payload}')}\n"
            f"author: {yaml_str(f'Author {payload}')}\n"
            f"summary: {yaml_str(f'Summary {payload}')}\n"
            f"tags: [{yaml_str(f'tag {i} {payload}')}, {yaml_str('harbour')}]\n"
            f"source_url: {yaml_str('https://example.org/a?q=' + payload.replace(chr(10), ''))}\n"
            f"date: 2024-01-{i % 28 + 1:02}\n", encoding="utf-8")
        (root / "content" / f"p{i:02}.md").write_text(
            f"---\ntitle: {yaml_str(f'Page {i} {payload}')}\nsummary: {yaml_str(f'Page summary {payload}')}\n"
            f"tags: [{yaml_str(f'ptag {i} {payload}')}]\n---\n"
            f"# Heading {payload}\n\nBody {payload}\n\n## Second {payload}\n\nMore text.\n", encoding="utf-8")
        entities.append(f"- name: {yaml_str(f'Entity{i} {payload}')}\n  kind: person\n"
                        f"  aliases: [{yaml_str(f'Alias{i} {payload}')}]\n"
                        f"  description: {yaml_str(f'Described {payload}')}\n")
    (root / "content" / "entities.yml").write_text("".join(entities), encoding="utf-8")
    (root / "summitsite.yml").write_text(
        f"title: {yaml_str('Site ' + ' '.join(HOSTILE[:13]))}\n"
        f"description: {yaml_str('About ' + ' '.join(HOSTILE[:16]))}\n"
        "base_url: https://example.org/news/\nnormalise: false\n", encoding="utf-8")
    return root


class Collector(HTMLParser):
    """Every element, attribute, comment and script body of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.text.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def collect(html: str) -> Collector:
    parser = Collector()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    root = hostile_site(tmp_path_factory.mktemp("hostile") / "site")
    output = root / "build"
    build(root, output, search=True)
    files = {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}
    return output, files


def html_pages(files: dict[str, bytes]) -> dict[str, str]:
    return {path: data.decode("utf-8") for path, data in files.items() if path.endswith(".html")}


def test_no_hostile_string_becomes_markup_in_any_page(built) -> None:
    _, files = built
    pages = html_pages(files)
    assert len(pages) > 50
    for path, html in pages.items():
        page = collect(html)
        for tag, attrs in page.tags:
            assert tag not in FORBIDDEN_TAGS, (path, tag, attrs)
            assert not FORBIDDEN_ATTRS & set(attrs), (path, tag, attrs)
            for name in ("href", "src", "action", "formaction"):
                value = (attrs.get(name) or "").strip().lower()
                assert not value.startswith(BAD_SCHEMES), (path, tag, attrs)
        for comment in page.comments:
            assert "alert" not in comment and "Entity" not in comment, (path, comment)
        for attrs, body in page.scripts:
            if attrs.get("type") == "application/ld+json":
                json.loads(body)  # every block parses: nothing ended it early
            else:
                assert "alert" not in body and body.strip() != "x", (path, body[:200])


def test_hostile_text_round_trips_as_text(built) -> None:
    _, files = built
    pages = html_pages(files)
    for i, payload in enumerate(HOSTILE):
        article = next(p for p in pages if (p.startswith("articles/") and f"sidecar-{i}-" in p) or
                       p == f"articles/sidecar-{i}/index.html")
        page = collect(pages[article])
        text = "".join(page.text)
        fields = [f"Sidecar {i} {payload}", f"Author {payload}", f"tag {i} {payload}"]
        if "\u2028" not in payload:  # a line separator in a seed ends the line, like a line feed
            fields += [f"cell {payload}", f"The callout text holds {payload}", f"Because the answer says {payload}"]
        for field in fields:
            assert clean(field) in text, (article, field)
        for ld in (json.loads(body) for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"):
            if ld["@type"] == "NewsArticle":
                assert ld["headline"] == clean(f"Sidecar {i} {payload}")
                assert ld["author"]["name"] == clean(f"Author {payload}")
            if ld["@type"] == "FAQPage":
                assert clean(f"What is {payload} here?") in {q["name"] for q in ld["mainEntity"]}
    site_title = clean("Site " + " ".join(HOSTILE[:13]))
    index = collect(pages["index.html"])
    assert site_title in "".join(index.text)
    assert "{{ 7*7 }}" in "".join(index.text)  # template syntax in input is never evaluated


def test_no_control_characters_in_any_output(built) -> None:
    _, files = built
    for path, data in files.items():
        if path.endswith((".html", ".xml", ".txt", ".css")):
            assert not CONTROLS.search(data.decode("utf-8")), path


def test_json_ld_cannot_end_its_script_block(built) -> None:
    _, files = built
    for path, html in html_pages(files).items():
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
            assert "<" not in block and ">" not in block, path
            json.loads(block)


def test_feed_and_sitemap_parse_and_hold_the_text(built) -> None:
    _, files = built
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(files["feed.xml"])
    titles = {e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)}
    assert titles == {clean(f"Sidecar {i} {p}") for i, p in enumerate(HOSTILE)}
    assert feed.findtext("a:title", namespaces=ns) == clean("Site " + " ".join(HOSTILE[:13]))
    terms = {c.get("term") for c in feed.iter("{http://www.w3.org/2005/Atom}category")}
    assert clean(f"tag 1 {HOSTILE[1]}") in terms
    summaries = {e.findtext("a:summary", namespaces=ns) for e in feed.findall("a:entry", ns)}
    assert clean(f"Summary {HOSTILE[5]}") in summaries
    sitemap = ET.fromstring(files["sitemap.xml"])
    locs = [u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for u in sitemap]
    assert locs and all(loc.startswith("https://example.org/news/") for loc in locs)
    assert all(not CONTROLS.search(loc) and "<" not in loc and '"' not in loc for loc in locs)


def test_search_index_is_inert_json_that_holds_the_literal_text(built) -> None:
    _, files = built
    index = {path: data for path, data in files.items() if path.startswith("search/data/")}
    assert len(index) > 40
    for path, data in index.items():
        # No character that could start markup or end a script, whatever the file is served or pasted as.
        for raw in (b"<", b">", b"&", "\u2028".encode(), "\u2029".encode()):
            assert raw not in data, (path, raw)
        assert not CONTROLS.search(data.decode("utf-8")), path
        json.loads(data)
    docs = [json.loads(data) for path, data in index.items() if path.startswith("search/data/docs/")]
    titles = {" ".join(doc["title"].split()) for doc in docs}  # entity names have their spaces tidied
    texts = "\n".join(part for doc in docs for section in doc["sections"] for part in section)
    for i, payload in enumerate(HOSTILE):
        # As text, exactly as the pages show it (see test_hostile_text_round_trips_as_text).
        for title in (f"Sidecar {i} {payload}", f"Entity{i} {payload}", f"Page {i} {payload}"):
            assert " ".join(clean(title).split()) in titles, title
        if "\u2028" not in payload:
            assert clean(f"cell {payload}") in texts and clean(f"Background {payload}") in texts
    # Every link in the index is relative to the search page and leads to a page of the site.
    for doc in docs:
        target = posixpath.normpath(posixpath.join("search", doc["url"]))
        assert target in files and doc["url"].startswith("../"), doc["url"]
        for anchor, _, _ in doc["sections"]:
            assert re.fullmatch(r"[a-z0-9-]*", anchor), anchor


def test_hostile_site_passes_the_link_and_structure_check(built) -> None:
    output, _ = built
    assert (output / MARKER).is_file()
    errors = [d for d in check_site(output, "/news/") if d.severity == "error"]
    assert errors == []


def test_source_url_with_a_bad_scheme_is_refused(make_site) -> None:
    from summitsite.errors import SummitError

    for url in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:x", "//e.org/x"):
        site = make_site({"seeds/a.txt": "A title\nSome text for the article.\n",
                          "seeds/a.yml": f"source_url: {yaml_str(url)}\n"})
        with pytest.raises(SummitError, match="source_url"):
            build(site, site / "build", search=False)


def test_config_base_url_with_a_bad_scheme_is_refused(make_site) -> None:
    from summitsite.errors import SummitError

    for url in ("javascript:alert(1)//", "data:text/html,x", "ftp://e.org/"):
        site = make_site({"seeds/a.txt": "A title\nSome text.\n", "summitsite.yml": f"base_url: {yaml_str(url)}\n"})
        with pytest.raises(SummitError, match="base_url"):
            build(site, site / "build", search=False)


# --- Markdown in content/ -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://example.org/x", "http://example.org", "mailto:a@example.org",
                                 "../about/index.html", "x.html", "#part", "//example.org/x", "?q=1", ""])
def test_markdown_allows_http_mailto_and_relative_links(url: str) -> None:
    assert allowed_url(url)
    html, _ = render_markdown(f"[link]({url}) ![img]({url})")
    if url:
        assert f'href="{url}"' in html and f'src="{url}"' in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "java\tscript:alert(1)", "&#106;avascript:alert(1)", "vbscript:x", "file:///etc/passwd",
                                 "data:text/html,<script>alert(1)</script>", "data:image/png;base64,AAAA",
                                 "data:image/svg+xml,<svg onload=alert(1)>", "tel:123", "ftp://example.org/"])
def test_markdown_refuses_every_other_scheme_for_links_and_images(url: str) -> None:
    for text in (f"[link]({url})", f"![img]({url})", f"<{url}>", f"[ref]\n\n[ref]: {url}"):
        html, _ = render_markdown(text)
        tree = collect(html)
        for _tag, attrs in tree.tags:
            assert "href" not in attrs and "src" not in attrs, (text, html)


def test_markdown_raw_html_is_text_unless_allowed(make_site) -> None:
    body = "Hello <b onclick=alert(1)>bold</b>\n\n<script>alert(1)</script>\n"
    off, _ = render_markdown(body)
    assert "<b " not in off and "<script>" not in off and "&lt;script&gt;" in off
    on, _ = render_markdown(body, allow_html=True)
    assert "<b onclick=alert(1)>" in on
    # Through the site's setting: off by default, on with allow_html: true.
    site = make_site({"seeds/a.txt": "A title\nSome text.\n", "content/about.md": f"---\ntitle: About\n---\n{body}"})
    build(site, site / "build", search=False)
    assert "<script>alert(1)</script>" not in (site / "build/about/index.html").read_text()
    (site / "summitsite.yml").write_text("allow_html: true\n")
    build(site, site / "build", search=False)
    assert "<script>alert(1)</script>" in (site / "build/about/index.html").read_text()
    # Links keep their scheme rule with raw HTML on: the Markdown link is still refused.
    html, _ = render_markdown("[x](javascript:alert(1))", allow_html=True)
    assert "href" not in html


def test_allow_html_must_be_true_or_false(make_site) -> None:
    from summitsite.config import parse_config
    from summitsite.errors import SummitError

    assert parse_config("allow_html: true\n").allow_html is True
    assert parse_config("").allow_html is False
    with pytest.raises(SummitError, match="'allow_html' must be true or false"):
        parse_config("allow_html: yes please\n")
