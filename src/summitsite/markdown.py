"""The one configured Markdown renderer for `content/*.md`: CommonMark plus tables, footnotes and
definition lists (mdit-py-plugins), raw HTML off.

Headings get the same slugs and de-duplication as seed sections, so anchors look alike site-wide.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from summitsite.model import Heading
from summitsite.slugs import SlugRegistry, make_slug


def _make_parser() -> MarkdownIt:
    # The "commonmark" preset enables raw HTML; content is untrusted text, so it is switched off here.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    return md


_PARSER = _make_parser()


def render_markdown(text: str) -> tuple[str, tuple[Heading, ...]]:
    """Render Markdown to an HTML fragment; returns it with the headings (level >= 2) for a TOC.

    A level-1 heading in the body is shown as h2: the page title is the page's only h1.
    """
    tokens = _PARSER.parse(text)
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
    return _PARSER.renderer.render(tokens, _PARSER.options, {}), tuple(headings)
