"""Output paths of the cross-reference pages: entities, topics, compare views, the FAQ hub, search and 404.

Like `summitsite.urls`, every path is POSIX, relative to the output folder, and names a file.
"""

from __future__ import annotations

ENTITIES_INDEX = "entities/index.html"
TOPICS_INDEX = "topics/index.html"
FAQ_INDEX = "faq/index.html"
SEARCH = "search/index.html"
SEARCH_INDEX = "search/data/meta.json"
"""The search index's entry file, which the search page reads; the rest of the index is beside it."""
NOT_FOUND = "404.html"


def entity_path(slug: str, number: int = 1) -> str:
    """Page `number` (from 1) of an entity's page: the first is `entities/SLUG/`, the others `.../page/N/`."""
    return f"entities/{slug}/index.html" if number == 1 else f"entities/{slug}/page/{number}/index.html"


def topic_path(slug: str) -> str:
    return f"topics/{slug}/index.html"


def compare_path(slug: str) -> str:
    return f"compare/{slug}/index.html"


def faq_page_path(number: int) -> str:
    """Page `number` (from 1) of the FAQ hub: the first is `FAQ_INDEX`, the others `faq/page/N/` (as Hugo pages)."""
    return FAQ_INDEX if number == 1 else f"faq/page/{number}/index.html"
