"""Entity links inside article text, added while rendering the text from the model (never over finished HTML).

`link_entities(text, section_key)` escapes `text` and wraps the mentions that `summitsite.mentions`
chose as the first of their entity in that section in `<a class="entity">`. The choice was made once,
on the model, as `(text, start, end)`; here it is only looked up, so rendering has no state of its own.
If the same text occurs twice in a section, both copies get the link: the lookup is by text.
"""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup, escape

from summitsite import urls
from summitsite.paths import entity_path


@jinja2.pass_context
def link_entities(context: jinja2.runtime.Context, text: str, section_key: str) -> Markup:
    """`text`, escaped, with the section's first mention of each entity linked to the entity page."""
    site: Any = context.get("site")
    article: Any = context.get("article")
    if site is None or article is None or not text:
        return escape(text)
    links = site.mentions.first_links.get((article.slug, section_key))
    if not links:
        return escape(text)
    wanted = sorted((start, end, slug) for slug, (where, start, end) in links.items() if where == text)
    if not wanted:
        return escape(text)
    page_path = context["page_path"]
    parts, position = [], 0
    for start, end, slug in wanted:
        href = urls.relative_url(page_path, entity_path(slug))
        parts.append(escape(text[position:start]))
        parts.append(Markup('<a class="entity" href="{}">{}</a>').format(href, text[start:end]))
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
