"""Tests for summitsite.render and the built-in theme: output paths, escaping, structure, overrides."""

from __future__ import annotations

import datetime as dt
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from summitsite.analyse import Site
from summitsite.config import SiteConfig
from summitsite.model import (
    Article,
    ArticleMeta,
    Callout,
    Faq,
    FaqBlock,
    Heading,
    ListBlock,
    ListItem,
    Page,
    Paragraph,
    Section,
    Table,
)
from summitsite.render import (
    collect_static,
    excerpt,
    make_environment,
    reading_minutes,
    render_site,
    toc_tree,
)

HOSTILE = '<script>alert(1)</script>" onmouseover="x'
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --- helpers ---------------------------------------------------------------------------------------------

def article(slug: str = "alpha", title: str = "Alpha", *, sections=(), intro=(), truncated=False,
            lede: str = "The lede of the article.", meta: ArticleMeta | None = None) -> Article:
    return Article(source=f"seeds/{slug}.txt", title=title, slug=slug, lede=lede, intro=tuple(intro),
                   sections=tuple(sections), toc=(), truncated=truncated, meta=meta or ArticleMeta())


def section(heading: str, level: int = 2, anchor: str | None = None, blocks=()) -> Section:
    return Section(heading=heading, level=level, anchor=anchor or heading.lower(), line=1, blocks=tuple(blocks))


def make_site(articles=(), pages=(), **config) -> Site:
    return Site(SiteConfig(**config), tuple(articles), tuple(pages))


def render(site: Site, root: Path | None = None) -> dict[str, str]:
    env = make_environment(root or Path("/nonexistent-site-root"))
    return {path: data.decode("utf-8") for path, data in render_site(site, env).items()
            if path.endswith(".html")}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag and all(n.attrs.get(k) == v for k, v in attrs.items())]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


VOID = {"meta", "link", "br", "img", "hr", "input"}


class TreeBuilder(HTMLParser):
    """Just enough of a DOM to check structure; fails loudly on unbalanced tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        assert self.current.tag == tag, f"</{tag}> closes <{self.current.tag}>"
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, "unclosed elements"
    return builder.root


def toc_shape(ol: Node) -> list:
    """The nested TOC as [(href, [children...]), ...]."""
    shape = []
    for li in (c for c in ol.children if isinstance(c, Node) and c.tag == "li"):
        link = next(c for c in li.children if isinstance(c, Node) and c.tag == "a")
        nested = [c for c in li.children if isinstance(c, Node) and c.tag == "ol"]
        shape.append((link.attrs["href"], toc_shape(nested[0]) if nested else []))
    return shape


# --- output paths and links ----------------------------------------------------------------------------

def test_every_page_path_is_produced():
    page = Page("content/about.md", "About", "about", "<p>About us.</p>", ())
    site = make_site([article("alpha"), article("beta", "Beta")], [page])
    out = render_site(site, make_environment(Path("/nonexistent")))
    assert set(out) == {"index.html", "articles/alpha/index.html", "articles/beta/index.html",
                        "about/index.html", "static/style.css", "static/search.js", "static/toc.js", "404.html",
                        "entities/index.html", "topics/index.html", "faq/index.html", "search/index.html"}
    assert list(out) == sorted(out)
    assert all(isinstance(v, bytes) for v in out.values())


def test_stylesheet_and_home_links_are_relative_to_each_page():
    page = Page("content/about.md", "About", "about", "<p>x</p>", ())
    out = render(make_site([article("x")], [page]))
    assert 'href="../../static/style.css"' in out["articles/x/index.html"]
    assert 'href="../../index.html"' in out["articles/x/index.html"]
    assert 'href="../static/style.css"' in out["about/index.html"]
    assert 'href="static/style.css"' in out["index.html"]
    assert 'href="articles/x/index.html"' in out["index.html"]
    assert 'href="about/index.html"' in out["index.html"]


def test_render_site_is_deterministic():
    meta = ArticleMeta(date=dt.date(2026, 3, 2), author="Ann")
    site = make_site([article("a", sections=[section("One")], meta=meta), article("b", "B")],
                     [Page("content/p.md", "P", "p", "<p>x</p>", ())])
    first = render_site(site, make_environment(Path("/nonexistent")))
    second = render_site(site, make_environment(Path("/nonexistent")))
    assert first == second
    assert list(first) == list(second)


def test_html_skeleton_and_single_h1():
    out = render(make_site([article("a", sections=[section("One")])], language="en-GB", title="News"))
    for path, html in out.items():
        assert html.startswith("<!DOCTYPE html>\n"), path
        assert '<html lang="en-GB">' in html
        assert '<meta charset="utf-8">' in html
        assert '<a class="skip-link" href="#main_content">' in html
        tree = parse(html)
        assert len(tree.find_all("h1")) == 1, path
        assert len(tree.find_all("main", id="main_content")) == 1
        for landmark in ("header", "nav", "footer"):
            assert tree.find_all(landmark), (path, landmark)
        html = html.replace('"https://schema.org"', "")  # JSON-LD's vocabulary, not a link
        assert "http://" not in html and "https://" not in html and "//" not in html.replace("://", ""), path


# --- escaping ---------------------------------------------------------------------------------------------

def hostile_article() -> Article:
    blocks = (
        Paragraph(HOSTILE, 3, label=HOSTILE),
        ListBlock(False, (ListItem(HOSTILE, 4, (ListItem(HOSTILE, 5),)),), 4),
        Table((HOSTILE,), ((HOSTILE,),), 6),
        Callout(HOSTILE, HOSTILE, HOSTILE, 7),
        FaqBlock((Faq(HOSTILE, HOSTILE, "faq-1", 8),), 8),
    )
    meta = ArticleMeta(author=HOSTILE, summary=HOSTILE, source_url="https://example.org/?" + HOSTILE)
    return article("evil", HOSTILE, lede=HOSTILE, sections=[section(HOSTILE, anchor="evil", blocks=blocks)],
                   intro=[Paragraph(HOSTILE, 2)], meta=meta)


def test_hostile_text_appears_only_escaped():
    page = Page("content/p.md", HOSTILE, "p", "<p>ok</p>", ())
    out = render(make_site([hostile_article()], [page], title=HOSTILE, description=HOSTILE))
    for path, html in out.items():
        # The theme's own scripts: JSON-LD blocks and the search page's files. Nothing else may open one.
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
            assert "<" not in block and ">" not in block and "&" not in block, path
        html = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
        html = re.sub(r'<script src="[^"<>]*"( defer)?>', "", html)
        assert "<script" not in html, path
        assert '" onmouseover="x' not in html, path
        assert "onmouseover=" not in html.replace("&#34; onmouseover=&#34;", ""), path
        assert ESCAPED_SCRIPT in html, path
    body = out["articles/evil/index.html"]
    # Every field of the hostile article made it to the page (escaped), not silently dropped.
    assert body.count(ESCAPED_SCRIPT) >= 12


def test_template_syntax_in_input_is_not_evaluated():
    sneaky = "{{ 7*7 }} {% if true %}yes{% endif %}"
    a = article("t", sneaky, lede=sneaky, sections=[section(sneaky, anchor="s", blocks=[Paragraph(sneaky, 2)])])
    out = render(make_site([a]))
    html = out["articles/t/index.html"]
    assert html.count("{{ 7*7 }}") >= 4
    assert "49" not in html
    assert "{% if true %}yes{% endif %}" in html


def test_only_http_source_urls_are_linked():
    good = article("good", meta=ArticleMeta(source_url="https://example.org/story"))
    bad = article("bad", "Bad", meta=ArticleMeta(source_url="javascript:alert(1)"))
    out = render(make_site([good, bad]))
    assert '<a href="https://example.org/story"' in out["articles/good/index.html"]
    assert "Original article" in out["articles/good/index.html"]
    assert "javascript:" not in out["articles/bad/index.html"]
    assert "Original article" not in out["articles/bad/index.html"]
    assert "<code>seeds/bad.txt</code>" in out["articles/bad/index.html"]


def test_page_body_html_is_inserted_as_markup():
    page = Page("content/p.md", "P", "p", '<h2 id="one">One</h2><p>Body <em>text</em></p>', ())
    html = render(make_site([], [page]))["p/index.html"]
    assert '<p>Body <em>text</em></p>' in html


# --- structure --------------------------------------------------------------------------------------------

def test_toc_nests_by_level():
    sections = [section("A", 2, "a"), section("B", 3, "b"), section("C", 3, "c"), section("D", 2, "d")]
    html = render(make_site([article("x", sections=sections)]))["articles/x/index.html"]
    navs = parse(html).find_all("nav", **{"aria-label": "Table of contents"})
    assert len(navs) == 1
    top = [c for c in navs[0].children if isinstance(c, Node) and c.tag == "ol"]
    assert toc_shape(top[0]) == [("#a", [("#b", []), ("#c", [])]), ("#d", [])]


def test_toc_tree_puts_deeper_levels_under_the_previous_shallower_one():
    tree = toc_tree([("A", "a", 2), ("B", "b", 4), ("C", "c", 3), ("D", "d", 3), ("E", "e", 2)])
    shape = [(n.anchor, [(c.anchor, [g.anchor for g in c.children]) for c in n.children]) for n in tree]
    assert shape == [("a", [("b", []), ("c", []), ("d", [])]), ("e", [])]


def test_no_toc_without_sections():
    html = render(make_site([article("x")]))["articles/x/index.html"]
    assert "Table of contents" not in html


def test_page_toc_only_with_two_headings():
    one = Page("content/one.md", "One", "one", '<h2 id="a">A</h2>', (Heading("A", 2, "a"),))
    two = Page("content/two.md", "Two", "two", '<h2 id="a">A</h2><h3 id="b">B</h3>',
               (Heading("A", 2, "a"), Heading("B", 3, "b")))
    out = render(make_site([], [one, two]))
    assert "Table of contents" not in out["one/index.html"]
    navs = parse(out["two/index.html"]).find_all("nav", **{"aria-label": "Table of contents"})
    top = [c for c in navs[0].children if isinstance(c, Node) and c.tag == "ol"]
    assert toc_shape(top[0]) == [("#a", [("#b", [])])]


def test_every_section_and_faq_anchor_has_an_id():
    faqs = FaqBlock((Faq("Why?", "Because.", "why", 5), Faq("How?", "So.", "how", 6)), 5)
    sections = [section("Intro", 2, "intro"), section("Deep", 3, "deep"),
                section("Very deep", 7, "very-deep"), section("FAQ", 2, "faq", [faqs])]
    html = render(make_site([article("x", sections=sections)]))["articles/x/index.html"]
    tree = parse(html)
    ids = [n.attrs["id"] for n in tree.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for anchor in ("intro", "deep", "very-deep", "faq", "why", "how"):
        assert anchor in ids
    assert tree.find_all("h3", id="deep")
    assert tree.find_all("h6", id="very-deep"), "levels past 6 clamp to h6"
    heading = tree.find_all("h2", id="intro")[0]
    assert heading.find_all("a", href="#intro", **{"class": "permalink"})
    details = tree.find_all("details", id="why")[0]
    assert details.find_all("summary")[0].text() == "Why?"


def test_blocks_render_as_the_right_elements():
    blocks = [
        Paragraph("text one", 1, label="Energy Security"),
        Paragraph("text two", 2, label="Why now?"),
        ListBlock(True, (ListItem("first", 3, (ListItem("child", 4),)), ListItem("second", 5)), 3),
        Table((), (("a", "b"),), 6),
        Table(("H1", "H2"), (("c", "d"),), 7),
        Callout("did-you-know", "Did you know?", "Facts.", 8),
    ]
    html = render(make_site([article("x", sections=[section("S", blocks=blocks)])]))["articles/x/index.html"]
    assert '<p class="lead-in"><strong>Energy Security:</strong> text one</p>' in html
    assert '<strong>Why now?</strong> text two' in html
    tree = parse(html)
    outer = [ol for ol in tree.find_all("ol") if "first" in ol.text()][-1]
    assert outer.find_all("li")[0].find_all("ol"), "child items nest in their parent's <li>"
    tables = tree.find_all("table")
    assert not tables[0].find_all("thead") and tables[0].find_all("tbody")
    assert [th.attrs.get("scope") for th in tables[1].find_all("th")] == ["col", "col"]
    assert tree.find_all("div", **{"class": "table-wrap", "role": "region", "tabindex": "0"})
    aside = tree.find_all("aside", **{"class": "callout callout-did-you-know"})[0]
    assert aside.attrs["aria-label"] == "Did you know?"
    assert aside.find_all("p", **{"class": "callout-label"})[0].text() == "Did you know?"


def test_truncated_notice_only_when_truncated():
    out = render(make_site([article("cut", truncated=True, sections=[section("S")]), article("whole", "W")]))
    assert 'class="truncated-notice"' in out["articles/cut/index.html"]
    assert 'class="truncated-notice"' not in out["articles/whole/index.html"]


def pager_links(html: str) -> dict[str, str]:
    navs = parse(html).find_all("nav", **{"aria-label": "More articles"})
    if not navs:
        return {}
    return {a.attrs["rel"]: a.attrs["href"] for a in navs[0].find_all("a")}


def test_prev_next_follow_site_order():
    out = render(make_site([article("one", "One"), article("two", "Two"), article("three", "Three")]))
    assert pager_links(out["articles/one/index.html"]) == {"next": "../two/index.html"}
    assert pager_links(out["articles/two/index.html"]) == {"prev": "../one/index.html",
                                                           "next": "../three/index.html"}
    assert pager_links(out["articles/three/index.html"]) == {"prev": "../two/index.html"}


def test_single_article_has_no_pager():
    assert pager_links(render(make_site([article("only")]))["articles/only/index.html"]) == {}


def test_index_lists_articles_with_excerpt_reading_time_and_date():
    long_lede = " ".join(f"w{i}" for i in range(100))
    meta = ArticleMeta(date=dt.date(2026, 3, 2), author="Ann Smith")
    out = render(make_site([article("a", "Alpha", lede=long_lede, meta=meta), article("b", "Beta")]))
    tree = parse(out["index.html"])
    assert [a.text() for a in tree.find_all("h2")[0].find_all("a")] == ["Alpha"]
    assert "w39…" in out["index.html"] and "w40" not in out["index.html"]
    assert '<time datetime="2026-03-02">2 March 2026</time>' in out["index.html"]
    assert "Ann Smith" in out["index.html"]
    assert out["index.html"].count("1 min read") == 2


# --- small helpers -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (229, 1), (230, 1), (231, 2), (690, 3), (691, 4)])
def test_reading_minutes(words, minutes):
    # The lede counts: word_count = lede words + block words.
    assert reading_minutes(article(lede=" ".join(["w"] * words))) == minutes


def test_excerpt_cuts_at_a_word_boundary():
    assert excerpt("one two three", 5) == "one two three"
    assert excerpt("one two, three four", 2) == "one two…"
    assert excerpt("  spaced   out  ", 5) == "spaced out"


# --- template overrides ----------------------------------------------------------------------------------------

def test_site_template_overrides_builtin_by_name(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text("CUSTOM {{ config.title }} {{ site.articles | length }}\n")
    out = render(make_site([article("a")], title="Mine"), tmp_path)
    assert out["index.html"] == "CUSTOM Mine 1\n"
    assert "<h1>Alpha</h1>" in out["articles/a/index.html"]


def test_override_can_extend_the_builtin_it_replaces(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "article.html").write_text(
        '{% extends "summitsite/article.html" %}\n'
        '{% block article_footer %}<p class="mine">Custom footer for {{ article.title }}</p>{% endblock %}\n')
    a = article("a", "Alpha", sections=[section("Body", blocks=[Paragraph("Built-in body.", 2)])])
    html = render(make_site([a]), tmp_path)["articles/a/index.html"]
    assert '<p class="mine">Custom footer for Alpha</p>' in html
    assert "<h1>Alpha</h1>" in html
    assert "<p>Built-in body.</p>" in html
    assert "Source file:" not in html
    parse(html)


def test_override_of_base_applies_to_builtin_pages(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text(
        '{% extends "summitsite/base.html" %}{% block footer %}<footer>MY FOOTER</footer>{% endblock %}')
    out = render(make_site([article("a")]), tmp_path)
    assert "<footer>MY FOOTER</footer>" in out["articles/a/index.html"]
    assert "<footer>MY FOOTER</footer>" in out["index.html"]


def test_an_override_writes_no_control_characters_from_its_text_its_macros_or_its_values(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text(
        '{% macro box(x) %}<b>\x01{{ x }}\x0b</b>{% endmacro %}'
        'A\x07B {{ box("v\x02w") }} {{ box(box("in\x03ner")) }} {{ "s\x1ft" }} {{ config.title }}\x7f\n')
    out = render(make_site([article("a")], title="Mine"), tmp_path)
    assert out["index.html"] == "AB <b>vw </b> <b><b>inner </b> </b> st Mine\n"


def test_undefined_variables_are_errors(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text("{{ artcles }}")
    with pytest.raises(jinja2.UndefinedError):
        render(make_site([]), tmp_path)


# --- static files -------------------------------------------------------------------------------------------

def test_builtin_stylesheet_is_in_the_output():
    out = render_site(make_site([]), make_environment(Path("/nonexistent")))
    css = out["static/style.css"].decode()
    assert "prefers-color-scheme: dark" in css
    assert "@media print" in css
    assert "url(" not in css and "@import" not in css, "no external requests"


def test_collect_static_overlays_site_files(tmp_path):
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "style.css").write_text("body{}")
    (static / "img" / "logo.svg").write_text("<svg/>")
    (static / ".DS_Store").write_text("junk")
    files = collect_static(tmp_path)
    assert files["static/style.css"] == b"body{}"
    assert files["static/img/logo.svg"] == b"<svg/>"
    assert "static/.DS_Store" not in files
    assert list(files) == sorted(files)


def test_collect_static_without_site_folder_gives_the_builtins(tmp_path):
    assert set(collect_static(tmp_path)) == {"static/search.js", "static/style.css", "static/toc.js"}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_collect_static_refuses_symlinks_leaving_the_site(tmp_path):
    site, outside = tmp_path / "site", tmp_path / "outside"
    (site / "static").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (site / "shared.txt").write_text("shared")
    (site / "static" / "secret.txt").symlink_to(outside / "secret.txt")
    (site / "static" / "leak").symlink_to(outside, target_is_directory=True)
    (site / "static" / "shared.txt").symlink_to(site / "shared.txt")
    files = collect_static(site)
    assert "static/secret.txt" not in files
    assert not any(path.startswith("static/leak") for path in files)
    assert files["static/shared.txt"] == b"shared"
