"""Structured data (JSON-LD) and the URLs that OpenGraph and canonical links need.

Absolute URLs come from `config.base_url`. Without one, canonical links and `og:url` are left out, and
JSON-LD uses relative URLs (JSON-LD resolves them against the page, as a browser resolves links).
Dates are only ever the article's own: an undated article has no `datePublished`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from summitsite import urls
from summitsite.model import Article, Faq

# Inside <script>, "</script>" or "<!--" in a string would end or confuse the block; \u escapes keep the
# JSON identical in meaning. U+2028/U+2029 are escaped for old JavaScript parsers.
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_ld(data: Any) -> Markup:
    """`data` as JSON safe to put between `<script type="application/ld+json">` tags."""
    return Markup(script_safe(json.dumps(data, ensure_ascii=False, separators=(", ", ": "))))


def script_safe(text: str) -> str:
    """JSON text with `<`, `>`, `&`, U+2028 and U+2029 as `\\u` escapes: it cannot end a script block or
    start a comment or tag, wherever it is put or however it is served; the JSON value is the same."""
    for char, escaped in _SCRIPT_SAFE.items():
        text = text.replace(char, escaped)
    return text


class Structured:
    """JSON-LD builders bound to one page: the site and the page's own output path."""

    def __init__(self, site: Any, page_path: str):
        self._site = site
        self._page_path = page_path

    def url(self, path: str) -> str:
        """Absolute under base_url when there is one; otherwise relative to this page."""
        base = self._site.config.base_url
        if not base:
            return urls.relative_url(self._page_path, path)
        target, hash_, fragment = path.partition("#")
        return urls.absolute_url(base, target) + hash_ + fragment

    def canonical(self) -> str:
        """This page's absolute URL, or "" without a base_url."""
        base = self._site.config.base_url
        return urls.absolute_url(base, self._page_path) if base else ""

    def breadcrumbs(self, trail: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """A BreadcrumbList from (name, output path) pairs, starting at the home page."""
        items = [{"@type": "ListItem", "position": i, "name": name, "item": self.url(path)}
                 for i, (name, path) in enumerate([("Home", urls.INDEX), *trail], start=1)]
        return {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items}

    def news_article(self, article: Article, description: str, entity_names: Iterable[str]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": description,
            "inLanguage": self._site.config.language,
            "url": self.url(urls.article_path(article.slug)),
            "mainEntityOfPage": self.url(urls.article_path(article.slug)),
            "publisher": {"@type": "Organization", "name": self._site.config.title},
            "wordCount": article.word_count,
        }
        meta = article.meta
        if meta.date:
            data["datePublished"] = meta.date.isoformat()
        if meta.author:
            data["author"] = {"@type": "Person", "name": meta.author}
        if meta.tags:
            data["keywords"] = list(meta.tags)
        if meta.source_url and meta.source_url.startswith(("http://", "https://")):
            data["isBasedOn"] = meta.source_url
        names = list(entity_names)
        if names:
            data["mentions"] = [{"@type": "Thing", "name": name} for name in names]
        return data

    def faq_page(self, entries: Iterable[tuple[Article, Faq]]) -> dict[str, Any]:
        questions = [{
            "@type": "Question",
            "name": faq.question,
            "url": self.url(f"{urls.article_path(article.slug)}#{faq.anchor}"),
            "acceptedAnswer": {"@type": "Answer", "text": faq.answer},
        } for article, faq in entries]
        return {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": questions}

    def article_faq_page(self, article: Article) -> dict[str, Any]:
        return self.faq_page((article, faq) for faq in article.faqs)
