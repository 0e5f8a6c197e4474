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

Each weight is rounded to a whole number of 1/65536ths (`SCALE`) before it is added, so a score is an
exact integer: no float summation order can change a result, and equal scores are exactly equal.

Scores are computed from the inverted indexes (entity -> articles, tag -> articles) held as bit sets,
one bit per article, with articles numbered in title-then-slug order. For an article A, each shared
feature's weight times its bit set is added into bit-sliced counters (one integer per bit of the score,
ripple-carry adds), so every candidate is scored at once in a few hundred whole-integer operations
instead of one dictionary update per (feature, candidate) pair: on a densely connected site, where
most articles share something with most others, the latter grows with the square of the site. The best
candidates are then read off the top bit down, and among equal scores the lowest bit is the first by
title, then slug.
"""

from __future__ import annotations

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


SCALE = 1 << 16
"""Weights are whole numbers of 1/SCALE."""


@dataclass(frozen=True, slots=True)
class RelatedIndex:
    """The bit sets and weights `related_for` scores from, built once per site."""

    articles: tuple[Article, ...]
    features: tuple[tuple[tuple[int, int], ...], ...]
    """Per article: (bit set of the articles sharing the feature, integer weight) for each of its features."""
    bits: tuple[int, ...]
    """Per article: its bit (articles are numbered in title-then-slug order)."""
    slug_at: tuple[str, ...]
    """Bit number -> article slug."""
    limit: int


def _weight(value: float) -> int:
    return max(1, round(value * SCALE))


def related_index(articles: tuple[Article, ...], mentions: MentionIndex, limit: int = RELATED_LIMIT) -> RelatedIndex:
    n = len(articles)
    order = sorted(range(n), key=lambda i: (articles[i].title.casefold(), articles[i].slug))
    position = [0] * n
    for bit, i in enumerate(order):
        position[i] = bit
    by_entity: dict[str, int] = defaultdict(int)
    by_tag: dict[str, int] = defaultdict(int)
    df: dict[str, int] = defaultdict(int)
    own = []
    for i, article in enumerate(articles):
        entities = tuple(mentions.by_article.get(article.slug, {}))
        tags = tuple(dict.fromkeys(tag_slug(t) for t in article.meta.tags))
        own.append((entities, tags))
        for entity in entities:
            by_entity[entity] |= 1 << position[i]
            df[entity] += 1
        for tag in tags:
            by_tag[tag] |= 1 << position[i]
    weights = {entity: _weight(ENTITY_WEIGHT * math.log(1 + n / count)) for entity, count in df.items()}
    tag_weight = _weight(TAG_WEIGHT)
    features = tuple(tuple([(by_entity[e], weights[e]) for e in entities] + [(by_tag[t], tag_weight) for t in tags])
                     for entities, tags in own)
    return RelatedIndex(articles, features, tuple(1 << p for p in position),
                        tuple(articles[i].slug for i in order), limit)


def related_for(index: RelatedIndex, i: int) -> tuple[str, ...]:
    """The related articles of `index.articles[i]`, best first: one article's share of the work."""
    planes: list[int] = []  # planes[b]: the articles whose score has bit b set
    candidates = 0
    for members, weight in index.features[i]:
        candidates |= members
        bit = 0
        while weight:
            if weight & 1:
                carry, p = members, bit
                while carry:
                    if p >= len(planes):
                        planes.extend([0] * (p + 1 - len(planes)))
                    overflow = planes[p] & carry
                    planes[p] ^= carry
                    carry, p = overflow, p + 1
            weight >>= 1
            bit += 1
    candidates &= ~index.bits[i]
    found = []
    while candidates and len(found) < index.limit:
        best = candidates
        for plane in reversed(planes):
            top = best & plane
            if top:
                best = top
        first = best & -best  # equal scores: the first by title, then slug
        found.append(index.slug_at[first.bit_length() - 1])
        candidates ^= first
    return tuple(found)


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

