"""Slugs for URLs and ids: readable, Unicode-safe, and unique within their namespace."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from slugify import slugify

# Apostrophes vanish rather than split a word: "Russia's" -> "russias", not "russia-s".
_APOSTROPHES = [["'", ""], ["\u2019", ""], ["\u2018", ""], ["\u02bc", ""]]

# Slugs never contain "_" (python-slugify drops it), so ids the templates use for page furniture
# ("main_content", "toc_title") can never collide with an id made from a heading.


@functools.lru_cache(maxsize=16384)  # pure; every page asks again for the slugs of the same tags and names
def make_slug(text: str, fallback: str = "section", max_length: int = 80) -> str:
    """A lower-case, hyphenated slug of `text` that keeps non-Latin letters readable."""
    slug = slugify(text, allow_unicode=True, replacements=_APOSTROPHES, max_length=max_length,
                   word_boundary=True)
    return slug or fallback


class SlugRegistry:
    """Hands out slugs unique within one namespace (a page's ids, the site's article URLs).

    The second "overview" becomes "overview-2", the third "overview-3", deterministically in call order.
    """

    def __init__(self, taken: Iterable[str] = ()):
        self._taken = set(taken)
        # The last suffix handed out per base, so that claiming one base k times costs O(k), not O(k^2).
        self._last: dict[str, int] = {}

    def claim(self, base: str) -> str:
        n = self._last.get(base, 1)
        slug = base if n == 1 else f"{base}-{n}"
        while slug in self._taken:
            n += 1
            slug = f"{base}-{n}"
        self._taken.add(slug)
        self._last[base] = n
        return slug

    def __contains__(self, slug: str) -> bool:
        return slug in self._taken
