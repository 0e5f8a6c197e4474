"""Where each entity is mentioned: per article, per section, with the sentences that mention it.

Pure: articles and entities in, a `MentionIndex` out. Every text of an article is scanned once by the
one `EntityMatcher`. Headings are never scanned (a heading names a section, it does not mention
anything); paragraphs, lead-in labels, list items, table cells, callouts and FAQ questions and answers
are. The lede and any text before the first heading form the intro, section key "".

The renderer links the first mention of each entity in each section, and only that one. Which
occurrence that is gets decided here, once, as `(text, start, end)`, so rendering stays a pure lookup.
FAQ questions count as mentions but are never linked: they are the clickable `<summary>` of their answer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter

from summitsite.entities import EntityMatcher, sentence_spans
from summitsite.model import (
    Article,
    Block,
    Callout,
    Entity,
    FaqBlock,
    ListBlock,
    Paragraph,
    SectionMention,
    Table,
    pickled_by_fields,
)

INTRO = ""
INTRO_HEADING = "Introduction"


@dataclass(frozen=True, slots=True)
class Text:
    """One piece of body text, in the order the article template shows it."""

    text: str
    linkable: bool = True
    """False for text that must stay plain (FAQ questions are `<summary>` elements)."""
    faq: str | None = None
    """The FAQ anchor when the text is an FAQ question or answer."""


@dataclass(frozen=True, slots=True)
class MentionIndex:
    """Every mention of every entity in the articles, indexed both ways."""

    by_entity: Mapping[str, tuple[SectionMention, ...]] = field(default_factory=dict)
    """Entity slug -> the sections that mention it, in reading order of articles, then document order."""
    by_article: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Article slug -> entity slug -> mentions in the article, most mentioned first (ties by slug)."""
    section_entities: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(article slug, section key) -> the entities the section mentions, in order of first mention."""
    first_links: Mapping[tuple[str, str], Mapping[str, tuple[str, int, int]]] = field(default_factory=dict)
    """(article slug, section key) -> entity slug -> (text, start, end) of the mention to link."""
    co_mentions: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    """Entity slug -> (other entity slug, number of sections mentioning both), most shared first."""
    faq_entities: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(article slug, FAQ anchor) -> the entities its question or answer mentions."""

    _mentioning: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)
    """A memo of `articles_mentioning`: every article page asks it for each of its entities."""

    def articles_mentioning(self, entity: str) -> tuple[str, ...]:
        """Slugs of the articles mentioning `entity`, in reading order."""
        found = self._mentioning.get(entity)
        if found is None:
            found = self._mentioning[entity] = tuple(dict.fromkeys(m.article for m in self.by_entity.get(entity, ())))
        return found


def section_texts(article: Article) -> Iterator[tuple[str, str, list[Text]]]:
    """(section key, heading, texts) for the intro and each section, texts in template order, headings left out."""
    intro = [Text(article.lede)] if article.lede else []
    for block in article.intro:
        intro.extend(block_texts(block))
    if intro:
        yield INTRO, INTRO_HEADING, intro
    for section in article.sections:
        texts = [t for block in section.blocks for t in block_texts(block)]
        yield section.anchor, section.heading, texts


def block_texts(block: Block) -> Iterator[Text]:
    if isinstance(block, Paragraph):
        if block.label:
            yield Text(block.label)
        yield Text(block.text)
    elif isinstance(block, ListBlock):
        stack = list(reversed(block.items))
        while stack:
            item = stack.pop()
            yield Text(item.text)
            stack.extend(reversed(item.children))
    elif isinstance(block, Table):
        for cell in block.header:
            yield Text(cell)
        for row in block.rows:
            for cell in row:
                yield Text(cell)
    elif isinstance(block, Callout):
        yield Text(block.label)
        yield Text(block.text)
    elif isinstance(block, FaqBlock):
        for faq in block.items:
            yield Text(faq.question, linkable=False, faq=faq.anchor)
            yield Text(faq.answer, faq=faq.anchor)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SectionScan:
    """What one section (or the intro) of one article says about the entities; no slug, so it can be cached."""

    key: str
    heading: str
    counts: tuple[tuple[str, int], ...]
    """(entity slug, mentions), in order of first mention."""
    sentences: Mapping[str, tuple[str, ...]]
    links: Mapping[str, tuple[str, int, int]]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ArticleScan:
    """The mentions in one article: a pure function of the article's text and the entity list."""

    sections: tuple[SectionScan, ...]
    faq_entities: tuple[tuple[str, tuple[str, ...]], ...]
    """(FAQ anchor, entities its question or answer mentions)."""


ScanArticle = Callable[[Article, EntityMatcher], ArticleScan]


def scan_article(article: Article, matcher: EntityMatcher) -> ArticleScan:
    """Scan one article's texts once; linear in the length of the text."""
    sections = []
    faq_entities: dict[str, dict[str, None]] = defaultdict(dict)
    for key, heading, texts in section_texts(article):
        counts: Counter[str] = Counter()
        sentences: dict[str, dict[str, None]] = defaultdict(dict)
        links: dict[str, tuple[str, int, int]] = {}
        for text in texts:
            matches = matcher.find(text.text)
            if not matches:
                continue
            spans = sentence_spans(text.text)
            i = 0
            for match in matches:
                counts[match.entity] += 1
                if text.linkable and match.entity not in links:
                    links[match.entity] = (text.text, match.start, match.end)
                if text.faq is not None:
                    faq_entities[text.faq][match.entity] = None
                while i + 1 < len(spans) and spans[i][1] <= match.start:
                    i += 1
                start, end = spans[i] if spans else (0, len(text.text))
                sentences[match.entity][text.text[start:end]] = None
        if counts:
            # Counter keeps first-insertion order: the order of first mention
            sections.append(SectionScan(key, heading, tuple(counts.items()),
                                        {slug: tuple(found) for slug, found in sentences.items()}, links))
    return ArticleScan(tuple(sections), tuple((anchor, tuple(found)) for anchor, found in faq_entities.items()))


def index_mentions(articles: tuple[Article, ...], entities: tuple[Entity, ...],
                   scan: ScanArticle = scan_article) -> MentionIndex:
    """Scan every article once (`scan` may answer from a cache) and index the mentions both ways."""
    matcher = EntityMatcher(entities)
    if not matcher:
        return MentionIndex()
    by_entity: dict[str, list[SectionMention]] = defaultdict(list)
    by_article: dict[str, dict[str, int]] = {}
    section_entities: dict[tuple[str, str], tuple[str, ...]] = {}
    first_links: dict[tuple[str, str], Mapping[str, tuple[str, int, int]]] = {}
    faq_entities: dict[tuple[str, str], tuple[str, ...]] = {}
    co: dict[str, dict[str, int]] = defaultdict(dict)
    for article in articles:
        found = scan(article, matcher)
        totals: dict[str, int] = {}
        for section in found.sections:
            order = tuple(slug for slug, _ in section.counts)
            section_entities[(article.slug, section.key)] = order
            first_links[(article.slug, section.key)] = section.links
            for slug, count in section.counts:
                by_entity[slug].append(SectionMention(slug, article.slug, section.key, section.heading, count,
                                                      section.sentences[slug]))
                # Plain dicts: Counter.update checks its argument against an ABC on every call. The
                # entity's count of itself is dropped below.
                shared = co[slug]
                for other in order:
                    shared[other] = shared.get(other, 0) + 1
                totals[slug] = totals.get(slug, 0) + count
        for anchor, slugs in found.faq_entities:
            faq_entities[(article.slug, anchor)] = slugs
        by_article[article.slug] = dict(_most_first(totals))
    for slug, shared in co.items():
        del shared[slug]
    return MentionIndex(
        by_entity={slug: tuple(found) for slug, found in sorted(by_entity.items())},
        by_article=by_article,
        section_entities=section_entities,
        first_links=first_links,
        co_mentions={slug: _most_first(c) for slug, c in sorted(co.items()) if c},
        faq_entities=faq_entities,
    )


def _most_first(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """(slug, count) pairs, the highest count first, ties by slug: two stable sorts, no key function per item."""
    return tuple(sorted(sorted(counts.items()), key=itemgetter(1), reverse=True))
