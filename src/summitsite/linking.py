"""Entity links inside article text, added while rendering the text from the model (never over finished HTML).

`link_entities(text, section_key)` escapes `text` and wraps the mentions that `summitsite.mentions`
chose as the first of their entity in that section in `<a class="entity">`. The choice was made once,
on the model, as `(text, start, end)`; here it is only looked up, so rendering has no state of its own.
If the same text occurs twice in a section, both copies get the link: the lookup is by text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
from markupsafe import Markup, escape

from summitsite import urls
from summitsite.mentions import FirstLinks, links_by_text
from summitsite.paths import entity_path


@jinja2.pass_context
def link_entities(context: jinja2.runtime.Context, text: str, section_key: str) -> Markup:
    """`text`, escaped, with the section's first mention of each entity linked to the entity page."""
    site: Any = context.get("site")
    article: Any = context.get("article")
    if site is None or article is None or not text:
        return escape(text)
    first = site.mentions.first_links
    key = (article.slug, section_key)
    wanted = (first.in_text(key, text) if isinstance(first, FirstLinks)
              else links_by_text(first.get(key)).get(text))
    if not wanted:
        return escape(text)
    page_path = context["page_path"]
    # Plain string pieces, escaped one by one: Markup.format and Markup.join re-escape through
    # string.Formatter on every call, which made this filter the most expensive part of an article page.
    parts: list[str] = []
    position = 0
    for start, end, slug in wanted:
        parts.append(escape(text[position:start]))
        parts.append('<a class="entity" href="')
        parts.append(_entity_href(page_path, slug))
        parts.append('">')
        parts.append(escape(text[start:end]))
        parts.append("</a>")
        position = end
    parts.append(escape(text[position:]))
    return Markup("".join(parts))


def _entity_href(page_path: str, slug: str) -> str:
    return str(escape(_linker(page_path)(entity_path(slug))))


@functools.lru_cache(maxsize=8)
def _linker(page_path: str) -> Callable[[str], str]:
    # `urls.linker` works out the page's climb once; the page being rendered calls this for every link
    # in its text. A few pages are kept, not every page of the build.
    return urls.linker(page_path)
