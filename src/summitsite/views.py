"""What the cross-reference pages show, decided in Python: entity pages, compare views, the FAQ hub, topics.

Each function takes the analysed `Site` and returns a small frozen view that a template only lays out,
so the ordering and set arithmetic live here, tested, and a site's template overrides cannot get them wrong.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from summitsite.analyse import Site
from summitsite.model import Article, Entity, Faq, SectionMention, Topic, pickled_by_fields

CO_MENTION_LIMIT = 10
COMPARE_LIMIT = 12
"""Columns of a compare view: side by side, a dozen articles can still be read; a thousand cannot."""
COUNTS_LIMIT = 20
"""Articles in the chart and table of mentions on an entity's page: those that mention it most. Every article
is still listed, a page at a time, under "Where it is mentioned"; a bar and a row for each of 7,700 articles
made an entity's first page 4.5 MB at 10,000 articles."""
# Kinds in the order the entity index shows them; any other kind follows, alphabetically.
KIND_ORDER = ("person", "country", "organisation", "place")
_KIND_PLURALS = {"person": "People", "country": "Countries"}


def kind_heading(kind: str) -> str:
    """`People`, `Countries`, `Organisations`, ...: the heading of a group of entities."""
    return _KIND_PLURALS.get(kind, kind.replace("-", " ").capitalize() + "s")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class EntityGroup:
    kind: str
    heading: str
    entities: tuple[tuple[Entity, int, int], ...]
    """(entity, mentions in all articles, number of articles mentioning it), by name."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ArticleMentions:
    article: Article
    count: int
    sections: tuple[SectionMention, ...]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class EntityView:
    """One page of an entity's page: up to `ENTITY_PAGE_ARTICLES` articles' sentences that mention it; the
    first page also counts the mentions in every article and shows the entities mentioned alongside."""

    entity: Entity
    articles: tuple[ArticleMentions, ...]
    """This page's articles mentioning the entity, in reading order, with the sentences."""
    co_mentions: tuple[tuple[Entity, int], ...]
    """Entities mentioned in the same sections, with the number of such sections, most first (first page only)."""
    has_compare: bool
    counts: tuple[tuple[Article, int], ...] = ()
    """The articles that mention the entity most (at most `COUNTS_LIMIT`; ties go to the earlier in reading
    order), with their numbers of mentions, in reading order (first page only)."""
    page: int = 1
    pages: int = 1
    counted: int = 0
    """How many articles mention the entity (first page only)."""
    mentions: int = 0
    """How many times they mention it in all (first page only)."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CompareColumn:
    article: Article
    count: int
    sections: tuple[SectionMention, ...]
    distinct: tuple[Entity, ...]
    """Entities mentioned alongside this one in this article only."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CompareView:
    entity: Entity
    columns: tuple[CompareColumn, ...]
    """The `COMPARE_LIMIT` articles that mention the entity most (ties: reading order), in reading order."""
    shared: tuple[Entity, ...]
    """Entities mentioned alongside this one in every compared article."""
    total: int
    """How many articles mention the entity: more than `len(columns)` when the view is cut."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FaqEntry:
    article: Article
    faq: Faq
    entities: tuple[Entity, ...]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FaqHub:
    """One page of the FAQ hub: the FAQs of up to `FAQ_PAGE_ARTICLES` articles, and the same questions by entity."""

    by_article: tuple[tuple[Article, tuple[FaqEntry, ...]], ...]
    by_entity: tuple[tuple[Entity, tuple[FaqEntry, ...]], ...]
    page: int = 1
    """This page's number, from 1."""
    pages: int = 1
    """How many pages the hub has."""


def entity_groups(site: Site) -> tuple[EntityGroup, ...]:
    kinds: dict[str, list[tuple[Entity, int, int]]] = {}
    for entity in site.entities:  # already sorted by name
        total, articles = site.mentions.totals(entity.slug)
        kinds.setdefault(entity.kind, []).append((entity, total, articles))
    order = sorted(kinds, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k))
    return tuple(EntityGroup(k, kind_heading(k), tuple(kinds[k])) for k in order)


def has_compare(site: Site, entity: str) -> bool:
    return len(site.mentions.articles_mentioning(entity)) >= 2


def compare_entities(site: Site) -> tuple[Entity, ...]:
    """The entities that two or more articles mention: each gets a compare page."""
    return tuple(e for e in site.entities if has_compare(site, e.slug))


ENTITY_PAGE_ARTICLES = 100
"""Articles per page of an entity's page: with every sentence from every article on one page, an entity's
page was 1 MB at 1,000 articles and 8 MB at 10,000; a page of 100 is about 250 kB. (Smaller pages cost
more: each page is a whole page to render, and 25 a page took a quarter longer than 100 in all.)"""


def entity_pages(site: Site, entity: Entity) -> int:
    """How many pages the entity's page has."""
    return _page_count(len(site.mentions.articles_mentioning(entity.slug)), ENTITY_PAGE_ARTICLES)


def entity_view(site: Site, entity: Entity, page: int = 1) -> EntityView:
    start = (page - 1) * ENTITY_PAGE_ARTICLES
    mentioning = site.mentions.articles_mentioning(entity.slug)
    grouped: dict[str, list[SectionMention]] = {}
    for mention in site.mentions.mentions_between(entity.slug, start, start + ENTITY_PAGE_ARTICLES):
        grouped.setdefault(mention.article, []).append(mention)
    articles = tuple(ArticleMentions(site.article(slug), sum(m.count for m in found), tuple(found))
                     for slug, found in grouped.items())
    pages = _page_count(len(mentioning), ENTITY_PAGE_ARTICLES)
    if page > 1:
        return EntityView(entity, articles, (), has_compare(site, entity.slug), (), page, pages)
    co = site.mentions.co_mentions.get(entity.slug, ())[:CO_MENTION_LIMIT]
    every = site.mentions.article_counts(entity.slug)
    counts = tuple((site.article(slug), every[slug]) for slug in most_mentioning(every, COUNTS_LIMIT))
    return EntityView(entity, articles, tuple((site.entity(s), n) for s, n in co), has_compare(site, entity.slug),
                      counts, page, pages, len(every), sum(every.values()))


def most_mentioning(counts: dict[str, int], limit: int) -> list[str]:
    """The `limit` keys of `counts` (article slugs, in reading order) with the highest counts, ties to the
    earlier, in reading order."""
    every = list(counts)
    if len(every) <= limit:
        return every
    chosen = {every[i] for i in sorted(range(len(every)), key=lambda i: (-counts[every[i]], i))[:limit]}
    return [slug for slug in every if slug in chosen]


def compare_view(site: Site, entity: Entity) -> CompareView:
    counts = site.mentions.article_counts(entity.slug)
    every = list(counts)
    # The most mentions first, then reading order; shown in reading order. The entity page lists them all,
    # so only the chosen articles' sentences are cut out here.
    chosen = set(most_mentioning(counts, COMPARE_LIMIT))
    sections: dict[str, list[SectionMention]] = {}
    for mention in site.mentions.mentions_in(entity.slug, chosen):
        sections.setdefault(mention.article, []).append(mention)
    per_article = tuple(ArticleMentions(site.article(slug), counts[slug], tuple(sections[slug]))
                        for slug in every if slug in chosen)
    neighbours: list[set[str]] = []
    for item in per_article:
        found: set[str] = set()
        for section in item.sections:
            found.update(site.mentions.section_entities.get((item.article.slug, section.section), ()))
        found.discard(entity.slug)
        neighbours.append(found)
    shared = set.intersection(*neighbours) if neighbours else set()
    # An entity is distinct to an article when no other article's sections name it: counted once over all
    # articles rather than by uniting the other k-1 sets for each article (quadratic on a big site).
    seen_in = Counter(slug for found in neighbours for slug in found)
    columns = []
    for i, item in enumerate(per_article):
        distinct = {slug for slug in neighbours[i] if seen_in[slug] == 1}
        columns.append(CompareColumn(item.article, item.count, item.sections, _entities(site, distinct)))
    return CompareView(entity, tuple(columns), _entities(site, shared), len(every))


def _entities(site: Site, slugs: set[str]) -> tuple[Entity, ...]:
    return tuple(e for e in site.entities if e.slug in slugs)  # site.entities is sorted by name


FAQ_PAGE_ARTICLES = 25
"""Articles per page of the FAQ hub: with the whole site's questions on one page, the hub of 1,000 articles
was 8 MB of HTML, too big for a reader's browser (and 80 MB at 10,000)."""


def faq_pages(site: Site) -> int:
    """How many pages the FAQ hub has (one, saying there are no questions, when no article has any)."""
    return _page_count(len(site.faq_articles()), FAQ_PAGE_ARTICLES)


def _page_count(items: int, per_page: int) -> int:
    return max(1, -(-items // per_page))


def faq_hub(site: Site, page: int = 1) -> FaqHub:
    """Page `page` of the FAQ hub: the FAQs of its articles (reading order), then the same questions by entity
    (by name, then article order). Each page's links stay on that page."""
    listed = site.faq_articles()
    start = (page - 1) * FAQ_PAGE_ARTICLES
    by_article = []
    by_entity: dict[str, list[FaqEntry]] = {}
    for article in listed[start:start + FAQ_PAGE_ARTICLES]:
        entries = []
        for faq in article.faqs:
            slugs = site.mentions.faq_entities.get((article.slug, faq.anchor), ())
            entry = FaqEntry(article, faq, tuple(sorted((site.entity(s) for s in slugs),
                                                        key=lambda e: (e.name.casefold(), e.slug))))
            entries.append(entry)
            for slug in slugs:
                by_entity.setdefault(slug, []).append(entry)
        by_article.append((article, tuple(entries)))
    grouped = tuple((e, tuple(by_entity[e.slug])) for e in site.entities if e.slug in by_entity)
    return FaqHub(tuple(by_article), grouped, page, _page_count(len(listed), FAQ_PAGE_ARTICLES))


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicView:
    topic: Topic
    articles: tuple[Article, ...]
    pages: tuple
    """Content pages of kind `article` with this tag."""


def topic_view(site: Site, topic: Topic) -> TopicView:
    return TopicView(topic, tuple(site.article(s) for s in topic.articles), tuple(site.page(s) for s in topic.pages))


def article_entities(site: Site, article: Article) -> tuple[tuple[Entity, int], ...]:
    """The entities an article mentions, most mentioned first."""
    return tuple((site.entity(slug), n) for slug, n in site.mentions.by_article.get(article.slug, {}).items())


def elsewhere(site: Site, article: Article) -> tuple[Entity, ...]:
    """The article's entities that other articles mention too: the compare links.

    Without how many other articles: the compare page shows them. That number changes whenever any article
    starts or stops mentioning the entity, and on every page that showed it, so an edit naming an entity for
    the first time re-rendered most of the site's article pages for one digit each. Whether an entity is
    listed here changes only with its compare page, which a build always notices (the page list changes).
    """
    return tuple(site.entity(slug) for slug in site.mentions.by_article.get(article.slug, {})
                 if has_compare(site, slug))
