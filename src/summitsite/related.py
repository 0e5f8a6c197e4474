"""Topics (tags) and related articles, both computed from inverted indexes.

Related articles, modelled on Hugo's related content. For an article A, every other article B gets

    score(A, B) = sum over entities e mentioned by both:  ENTITY_WEIGHT * idf(e)
                + sum over tags t carried by both:        TAG_WEIGHT

    idf(e) = ln(1 + N / df(e))

where N is the number of articles and df(e) the number of articles mentioning e, so an entity that
every article mentions counts for ln 2 ~ 0.69 and a rarer one for more. ENTITY_WEIGHT is 1.0 and
TAG_WEIGHT is 2.0: a shared tag is an editor's explicit statement that two articles belong together.
Tags are compared by their topic slug, so "North Korea" and "north-korea" are one tag. Articles with
a score of 0 are never related. The top RELATED_LIMIT (5) are kept, ordered by score (highest first),
then by title (case-insensitive), then by slug, so the result is deterministic.

Scores are accumulated from the inverted indexes (entity -> articles, tag -> articles): only articles
that share something with A are ever visited, never every pair of articles.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from summitsite.mentions import MentionIndex
from summitsite.model import Article, Page, Topic
from summitsite.slugs import make_slug

ENTITY_WEIGHT = 1.0
TAG_WEIGHT = 2.0
RELATED_LIMIT = 5


def tag_slug(tag: str) -> str:
    return make_slug(tag, fallback="tag")


def build_topics(articles: Iterable[Article], pages: Iterable[Page] = ()) -> tuple[Topic, ...]:
    """One topic per distinct tag slug, sorted by slug; the name is the tag as first written."""
    names: dict[str, str] = {}
    tagged: dict[str, dict[str, None]] = defaultdict(dict)
    tagged_pages: dict[str, dict[str, None]] = defaultdict(dict)
    for article in articles:
        for tag in article.meta.tags:
            slug = tag_slug(tag)
            names.setdefault(slug, tag)
            tagged[slug][article.slug] = None
    for page in pages:
        if page.kind != "article":
            continue
        for tag in page.meta.tags:
            slug = tag_slug(tag)
            names.setdefault(slug, tag)
            tagged_pages[slug][page.slug] = None
    return tuple(Topic(names[slug], slug, tuple(tagged[slug]), tuple(tagged_pages[slug])) for slug in sorted(names))


@dataclass(frozen=True, slots=True)
class RelatedIndex:
    """The inverted indexes and weights `related_for` scores from, built once per site."""

    articles: tuple[Article, ...]
    features: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    """Per article: (its entities, its distinct tag slugs)."""
    by_entity: dict[str, list[str]]
    by_tag: dict[str, list[str]]
    idf: dict[str, float]
    titles: dict[str, str]
    limit: int


def related_index(articles: tuple[Article, ...], mentions: MentionIndex, limit: int = RELATED_LIMIT) -> RelatedIndex:
    n = len(articles)
    by_entity: dict[str, list[str]] = defaultdict(list)
    by_tag: dict[str, list[str]] = defaultdict(list)
    features = []
    for article in articles:
        entities = tuple(mentions.by_article.get(article.slug, {}))
        tags = tuple(dict.fromkeys(tag_slug(t) for t in article.meta.tags))
        features.append((entities, tags))
        for entity in entities:
            by_entity[entity].append(article.slug)
        for tag in tags:
            by_tag[tag].append(article.slug)
    idf = {entity: math.log(1 + n / len(slugs)) for entity, slugs in by_entity.items()}
    titles = {a.slug: a.title.casefold() for a in articles}
    return RelatedIndex(articles, tuple(features), dict(by_entity), dict(by_tag), idf, titles, limit)


def related_for(index: RelatedIndex, i: int) -> tuple[str, ...]:
    """The related articles of `index.articles[i]`, best first: one article's share of the work."""
    article = index.articles[i]
    entities, tags = index.features[i]
    scores: dict[str, float] = defaultdict(float)
    for entity in entities:
        weight = ENTITY_WEIGHT * index.idf[entity]
        for other in index.by_entity[entity]:
            scores[other] += weight
    for tag in tags:
        for other in index.by_tag[tag]:
            scores[other] += TAG_WEIGHT
    scores.pop(article.slug, None)
    titles = index.titles
    # Rounded so that the order never depends on the order in which floats were added.
    # heapq.nsmallest is sorted(...)[:limit] without sorting every candidate (all articles, on a dense site).
    ranked = heapq.nsmallest(index.limit, ((-round(s, 9), titles[slug], slug) for slug, s in scores.items() if s > 0))
    return tuple(slug for _, _, slug in ranked)


def related_articles(articles: tuple[Article, ...], mentions: MentionIndex,
                     limit: int = RELATED_LIMIT) -> dict[str, tuple[str, ...]]:
    """Article slug -> slugs of up to `limit` related articles, best first (see the module docstring)."""
    index = related_index(articles, mentions, limit)
    return {article.slug: related_for(index, i) for i, article in enumerate(articles)}


def related_inputs(articles: tuple[Article, ...], mentions: MentionIndex) -> tuple:
    """Everything `related_articles` reads, in a small comparable form: equal inputs, equal result.

    An edit that keeps an article's title, tags and set of entities (most edits) leaves every related list
    as it was, so the build can reuse the last result rather than score every pair of articles again.
    """
    return tuple((a.slug, a.title.casefold(), tuple(sorted(mentions.by_article.get(a.slug, {}))),
                  tuple(dict.fromkeys(tag_slug(t) for t in a.meta.tags))) for a in articles)

