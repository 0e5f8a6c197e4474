"""The one configured Markdown renderer for `content/*.md`: CommonMark plus tables, footnotes and
definition lists (mdit-py-plugins), raw HTML off unless the site opts in (`allow_html: true`).

Links and images may only use the schemes in `ALLOWED_SCHEMES`, or no scheme at all (a relative link, a
`#fragment`, a `//host/path` link); anything else (`javascript:`, `vbscript:`, `data:` images included,
`file:`, `tel:`) is not linked and stays visible as the Markdown text it was written as.

Headings get the same slugs and de-duplication as seed sections, so anchors look alike site-wide.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from summitsite.model import Heading
from summitsite.slugs import SlugRegistry, make_slug

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
"""The URL schemes a Markdown link or image may use; a URL without a scheme is always allowed."""

# A browser ignores tabs and line breaks anywhere in a URL, and leading control characters and spaces,
# when it looks for the scheme: "java\tscript:" is javascript:. The check sees the URL the same way.
_IGNORED_IN_URL = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def allowed_url(url: str) -> bool:
    """True if `url` (entities already decoded) has no scheme or one of `ALLOWED_SCHEMES`."""
    cleaned = _IGNORED_IN_URL.sub("", url).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
                                                  "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c"
                                                  "\x1d\x1e\x1f ").lower()
    match = _SCHEME.match(cleaned)
    if match is None:
        # No scheme: relative, #fragment or //host. A ":" before any "/", "?" or "#" would be a scheme to a
        # browser even if it is not a well-formed one ("ja%76ascript:" is not, but refuse anything odd).
        head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
        return ":" not in head
    return match.group(1) in ALLOWED_SCHEMES


@functools.cache
def _parser(allow_html: bool) -> MarkdownIt:
    # Made, and imported, when first needed: a site without Markdown pages never needs them, and they were a
    # tenth of the time summitsite took to start.
    from markdown_it import MarkdownIt
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    # The "commonmark" preset enables raw HTML; content is untrusted text, so it is off unless the site
    # opts in with `allow_html: true` in summitsite.yml.
    md = MarkdownIt("commonmark", {"html": allow_html, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    md.validateLink = allowed_url  # type: ignore[method-assign]
    return md


def render_markdown(text: str, allow_html: bool = False) -> tuple[str, tuple[Heading, ...]]:
    """Render Markdown to an HTML fragment; returns it with the headings (level >= 2) for a TOC.

    A level-1 heading in the body is shown as h2: the page title is the page's only h1. Raw HTML in the
    text is shown as text unless `allow_html` is true (the site's `allow_html` setting).
    """
    html, headings, _ = render_markdown_page(text, allow_html)
    return html, headings


def render_markdown_page(text: str, allow_html: bool = False) -> tuple[str, tuple[Heading, ...], tuple[str, ...]]:
    """`render_markdown`, plus the text under each heading (`Page.texts`), from the same parse."""
    parser = _parser(bool(allow_html))
    tokens = parser.parse(text)
    anchors = SlugRegistry()
    headings = []
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        if token.tag == "h1":
            token.tag = "h2"
            tokens[i + 2].tag = "h2"
        inline: Token = tokens[i + 1]
        parts = inline.children or ()
        text_content = "".join(c.content for c in parts if c.type in ("text", "code_inline"))
        anchor = anchors.claim(make_slug(text_content))
        token.attrSet("id", anchor)
        headings.append(Heading(text_content, int(token.tag[1]), anchor))
    return parser.renderer.render(tokens, parser.options, {}), tuple(headings), _plain_texts(tokens)


def _plain_texts(tokens: list[Token]) -> tuple[str, ...]:
    """The text of each part of the body: before the first heading, then under each heading (headings left
    out: they are `Heading.text`). Raw HTML, where allowed, is markup and not text; image alt text is text."""
    parts: list[list[str]] = [[]]
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            parts.append([])
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif in_heading:
            continue
        elif token.type == "inline":
            parts[-1].append(_inline_text(token.children or ()))
        elif token.type in ("code_block", "fence"):
            parts[-1].append(token.content)
    return tuple("\n".join(text.strip() for text in part if text.strip()) for part in parts)


def _inline_text(children: list[Token]) -> str:
    out = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(_inline_text(child.children or ()))
    return "".join(out)
