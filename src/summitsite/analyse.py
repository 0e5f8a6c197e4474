"""The whole-site pass: article order, unique URLs, and everything that relates one article to another.

Pure: articles and pages in, a `Site` out, with the problems found as diagnostics.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from summitsite.config import SiteConfig
from summitsite.mentions import MentionIndex, ScanArticle, index_mentions, scan_article
from summitsite.model import Article, Diagnostic, Entity, Page, Topic
from summitsite.related import build_topics, related_articles
from summitsite.slugs import SlugRegistry

RelateArticles = Callable[[tuple[Article, ...], MentionIndex], Mapping[str, tuple[str, ...]]]


@dataclass(frozen=True, slots=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]
    """In reading order: the order of the home page and of previous/next links."""
    pages: tuple[Page, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    entities: tuple[Entity, ...] = ()
    """From `content/entities.yml`, sorted by name (case-insensitive)."""
    mentions: MentionIndex = field(default_factory=MentionIndex)
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Article slug -> related article slugs, best first (see `summitsite.related`)."""
    topics: tuple[Topic, ...] = ()
    """One per tag, sorted by slug."""

    _by_slug: Mapping[tuple[str, str], object] = field(init=False, repr=False, compare=False)
    """(kind, slug) -> entity, article or page: a lookup table derived from the fields above."""
    _faq_articles: list[tuple[Article, ...]] = field(default_factory=list, init=False, repr=False, compare=False)
    """A memo of `faq_articles`: every page of the FAQ hub asks for it."""

    def __post_init__(self) -> None:
        table: dict[tuple[str, str], object] = {}
        for kind, items in (("entity", self.entities), ("article", self.articles), ("page", self.pages)):
            for item in items:
                table.setdefault((kind, item.slug), item)
        object.__setattr__(self, "_by_slug", table)

    def entity(self, slug: str) -> Entity:
        return self._by_slug[("entity", slug)]  # type: ignore[return-value]

    def article(self, slug: str) -> Article:
        return self._by_slug[("article", slug)]  # type: ignore[return-value]

    def page(self, slug: str) -> Page:
        return self._by_slug[("page", slug)]  # type: ignore[return-value]

    def faq_articles(self) -> tuple[Article, ...]:
        """The articles that have FAQs, in reading order."""
        if not self._faq_articles:
            self._faq_articles.append(tuple(article for article in self.articles if article.faqs))
        return self._faq_articles[0]

    @property
    def listed(self) -> tuple[Article | Page, ...]:
        """What the home page lists: the articles, then content pages of kind `article`."""
        items = (*self.articles, *(p for p in self.pages if p.kind == "article"))
        return tuple(sorted(items, key=lambda x: _reading_order(x) if isinstance(x, Article) else _page_order(x)))


# Top-level output folders that an article page slug must not shadow.
RESERVED_PAGE_SLUGS = frozenset({"articles", "static", "entities", "topics", "compare", "faq", "search"})


def analyse(config: SiteConfig, articles: list[Article], pages: list[Page], entities: tuple[Entity, ...] = (),
            scan: ScanArticle = scan_article, relate: RelateArticles = related_articles,
            on_documents: Callable[[Site], None] | None = None) -> Site:
    """Order the articles, give every article and page a unique slug, index entity mentions, topics and
    related articles, and collect the warnings. `scan` finds one article's mentions and `relate` the related
    articles (the build passes versions of `scan_article` and `related_articles` that use its cache).

    `on_documents`, when given, is called with the site as soon as its articles, pages and entities are final,
    before the mention index and the related articles are made (its `mentions`, `related` and `topics` are
    empty): the build makes the search index there, which needs nothing else, while the process holds only
    the parsed articles. At 10,000 articles the analysis is a further 90 MB.
    """
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
    final_articles = tuple(unique_articles)
    final_pages = tuple(unique_pages)
    sorted_entities = tuple(sorted(entities, key=lambda e: (e.name.casefold(), e.slug)))
    if on_documents is not None:
        on_documents(Site(config, final_articles, final_pages, tuple(diagnostics), entities=sorted_entities))
    mentions = index_mentions(final_articles, tuple(entities), scan)
    return Site(config, final_articles, final_pages, tuple(diagnostics),
                entities=sorted_entities,
                mentions=mentions,
                related=relate(final_articles, mentions),
                topics=build_topics(final_articles, unique_pages))


def _page_order(page: Page):
    date = page.meta.date
    return (date is None, -(date.toordinal()) if date else 0, page.title.casefold(), page.source)


def _reading_order(article: Article):
    # Newest first; undated articles after dated ones; ties by title, then by file, so the order is total.
    date = article.meta.date
    return (date is None, -(date.toordinal()) if date else 0, article.title.casefold(), article.source)
