"""Safety, property-based: for any input text, the loader and the renderer never crash, every page is
well-formed HTML (a strict tag-balance check), and nothing from the input becomes an element or attribute.

Example counts are modest so the whole module runs in a few seconds on two cores.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summitsite.analyse import analyse
from summitsite.config import SiteConfig
from summitsite.controls import remove_controls
from summitsite.loader import parse_options
from summitsite.markdown import render_markdown
from summitsite.model import ArticleMeta
from summitsite.parse import parse_seed
from summitsite.render import make_environment, render_site

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})
# Markup-like pieces the generated text is made of: the element and attribute names are unique to the
# test, so finding one in the output means input became markup.
PIECES = ["<zzevil zzattr='1'>", "</zzevil>", "<zzevil", "zzattr=\"x\"", "<!--", "-->", "<script>", "</script>",
          "]]>", "{{ 7*7 }}", "{% raw %}", "{#", "&amp;", "&", "<", ">", "\"", "'", "`", "=", "[a](javascript:x)",
          "![i](data:image/png;base64,AA)", "<javascript:x>", "Q: ", "A: ", "- ", "| a | b |", "|---|---|",
          "Did You Know? ", "Table of Contents", "Frequently Asked Questions", "1. ", ": ", "? ", "\n", "\n\n",
          "\r\n", "\r", "\t", "\x01", "\x0b", "\u2028", "\u202e", "\ufeff", "Harbour", "Talks", "the", "talks",
          "Résumé", "北京", "Пекин", "김정은", "بكين"]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=60).map("".join)
OPTIONS = parse_options(SiteConfig(normalise=True))
# One environment for every example (it caches compiled templates); the site has no templates/ of its own.
ENV = make_environment(Path(__file__).parent / "no-such-site")


class StrictHTML(HTMLParser):
    """Tags must nest exactly (void elements aside); records every element and attribute name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.names: set[str] = set()
        self.scripts: list[tuple[str | None, str]] = []
        self._in_script: str | None = None

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.names.update(name for name, _ in attrs)
        if tag == "script":
            self._in_script = dict(attrs).get("type")
            self.scripts.append((self._in_script, ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.names.add(tag)
        self.names.update(name for name, _ in attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self._in_script is not None:
            kind, body = self.scripts[-1]
            self.scripts[-1] = (kind, body + data)


def strict_parse(html: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(html)
    parser.close()
    if parser.stack:
        parser.problems.append(f"unclosed: {parser.stack}")
    return parser


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_the_loader_never_crashes(text: str) -> None:
    article = parse_seed(text, "seeds/x.txt", OPTIONS, None)
    assert article.slug and article.title is not None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=texts, title=texts, tag=texts)
def test_rendered_pages_are_well_formed_and_input_never_becomes_markup(seed: str, title: str, tag: str) -> None:
    # Seeds reach the parser through decode_text, which drops control characters; do the same here.
    seed = remove_controls(seed)
    meta = ArticleMeta(title=title.strip() or None, tags=(tag.strip(),) if tag.strip() else ())
    article = parse_seed(seed, "seeds/x.txt", OPTIONS, meta)
    site = analyse(SiteConfig(title=title or "t", description=tag), [article], [])
    files = render_site(site, ENV)
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        page = strict_parse(data.decode("utf-8"))
        assert page.problems == [], (path, page.problems[:3])
        assert "zzevil" not in page.names and "zzattr" not in page.names, path
        for kind, body in page.scripts:
            if kind == "application/ld+json":
                json.loads(body)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_markdown_without_html_never_passes_input_markup_or_bad_links(text: str) -> None:
    html, headings = render_markdown(text)
    page = strict_parse(f"<div>{html}</div>")
    assert "zzevil" not in page.names and "zzattr" not in page.names
    assert "script" not in page.names
    lowered = html.lower()
    assert 'href="javascript:' not in lowered and 'src="data:' not in lowered
    assert len({h.anchor for h in headings}) == len(headings)
