"""The whole-site pass: article order, unique URLs, and everything that relates one article to another.

Pure: articles and pages in, a `Site` out, with the problems found as diagnostics.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from summitsite.config import SiteConfig
from summitsite.model import Article, Diagnostic, Page
from summitsite.slugs import SlugRegistry


@dataclass(frozen=True, slots=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]
    """In reading order: the order of the home page and of previous/next links."""
    pages: tuple[Page, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


# Top-level output folders that an article page slug must not shadow.
RESERVED_PAGE_SLUGS = frozenset({"articles", "static", "pagefind"})


def analyse(config: SiteConfig, articles: list[Article], pages: list[Page]) -> Site:
    """Order the articles, give every article and page a unique slug, and collect the warnings."""
    diagnostics: list[Diagnostic] = []
    ordered = sorted(articles, key=_reading_order)
    article_slugs = SlugRegistry()
    unique_articles = []
    for article in ordered:
        slug = article_slugs.claim(article.slug)
        if slug != article.slug:
            diagnostics.append(Diagnostic(
                "warning", "duplicate-slug",
                f"slug '{article.slug}' is already used by another article; this one is '{slug}'",
                article.source, article.title_line))
            article = dataclasses.replace(article, slug=slug)
        unique_articles.append(article)
    page_slugs = SlugRegistry(RESERVED_PAGE_SLUGS)
    unique_pages = []
    for page in sorted(pages, key=lambda p: p.source):
        slug = page_slugs.claim(page.slug)
        if slug != page.slug:
            diagnostics.append(Diagnostic(
                "warning", "duplicate-slug",
                f"slug '{page.slug}' is already used; this page is '{slug}'", page.source, 1))
            page = dataclasses.replace(page, slug=slug)
        unique_pages.append(page)
    return Site(config, tuple(unique_articles), tuple(unique_pages), tuple(diagnostics))


def _reading_order(article: Article):
    # Newest first; undated articles after dated ones; ties by title, then by file, so the order is total.
    date = article.meta.date
    return (date is None, -(date.toordinal()) if date else 0, article.title.casefold(), article.source)
