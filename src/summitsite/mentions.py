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

import bisect
import hashlib
import pickle
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from summitsite.entities import EntityMatcher, sentence_spans
from summitsite.model import (
    Article,
    Block,
    Entity,
    FaqBlock,
    SectionMention,
    block_strings,
    pickled_by_fields,
)

INTRO = ""
INTRO_HEADING = "Introduction"
_ARTICLE = attrgetter("article")


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
    """Entity slug -> the sections that mention it, in reading order of articles, then document order
    (a `Quotes`: the sentences are cut from the articles when an entity is looked up)."""
    by_article: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Article slug -> entity slug -> mentions in the article, most mentioned first (ties by slug)."""
    section_entities: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(article slug, section key) -> the entities the section mentions, in order of first mention."""
    first_links: Mapping[tuple[str, str], Mapping[str, tuple[str, int, int]]] = field(default_factory=dict)
    """(article slug, section key) -> entity slug -> (text, start, end) of the mention to link (a `FirstLinks`)."""
    co_mentions: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    """Entity slug -> (other entity slug, number of sections mentioning both), most shared first."""
    faq_entities: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(article slug, FAQ anchor) -> the entities its question or answer mentions."""
    quoted: Mapping[str, tuple[tuple[str, ...], bytes]] = field(default_factory=dict)
    """Article slug -> its scan's (`ArticleScan.quoted`, `ArticleScan.quote_hashes`)."""

    _mentioning: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)
    """A memo of `articles_mentioning`: every article page asks it for each of its entities."""

    def articles_mentioning(self, entity: str) -> tuple[str, ...]:
        """Slugs of the articles mentioning `entity`, in reading order."""
        found = self._mentioning.get(entity)
        if found is None:
            by_entity = self.by_entity
            found = self._mentioning[entity] = (
                by_entity.articles(entity) if isinstance(by_entity, Quotes)
                else tuple(dict.fromkeys(map(_ARTICLE, by_entity.get(entity, ())))))
        return found

    def totals(self, entity: str) -> tuple[int, int]:
        """(mentions, articles mentioning it) of `entity`, without cutting out its sentences."""
        by_entity = self.by_entity
        if isinstance(by_entity, Quotes):
            return by_entity.totals(entity)
        found = by_entity.get(entity, ())
        return sum(m.count for m in found), len({m.article for m in found})

    def article_counts(self, entity: str) -> dict[str, int]:
        """Article slug -> mentions of `entity` in it, in reading order, without cutting out its sentences."""
        by_entity = self.by_entity
        if isinstance(by_entity, Quotes):
            return by_entity.article_counts(entity)
        counts: dict[str, int] = {}
        for m in by_entity.get(entity, ()):
            counts[m.article] = counts.get(m.article, 0) + m.count
        return counts

    def mentions_between(self, entity: str, start: int, stop: int) -> tuple[SectionMention, ...]:
        """`by_entity[entity]`, only the sections of `articles_mentioning(entity)[start:stop]` (a page of them)."""
        by_entity = self.by_entity
        if isinstance(by_entity, Quotes):
            return by_entity.between(entity, start, stop)
        chosen = set(self.articles_mentioning(entity)[start:stop])
        return tuple(m for m in by_entity.get(entity, ()) if m.article in chosen)

    def mentions_in(self, entity: str, articles: Container[str]) -> tuple[SectionMention, ...]:
        """`by_entity[entity]`, only the sections of `articles` (slugs): the others' sentences are not cut out."""
        by_entity = self.by_entity
        if isinstance(by_entity, Quotes):
            return by_entity.mentions_in(entity, articles)
        return tuple(m for m in by_entity.get(entity, ()) if m.article in articles)


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
    if isinstance(block, FaqBlock):
        for faq in block.items:
            yield Text(faq.question, linkable=False, faq=faq.anchor)
            yield Text(faq.answer, faq=faq.anchor)
    else:
        for text in block_strings(block):
            yield Text(text)


def _section_text(article: Article, key: str) -> tuple[str, str, list[str]]:
    """(key, heading, the texts of `section_texts` as plain strings) of the section `key`, without a `Text`
    each; the key and heading are the article's own strings (a scan's key, from a worker or the cache, is a copy)."""
    if key == INTRO:
        strings = [article.lede] if article.lede else []
        for block in article.intro:
            strings.extend(block_strings(block))
        return INTRO, INTRO_HEADING, strings
    section = next(s for s in article.sections if s.anchor == key)  # anchors are unique in an article
    return section.anchor, section.heading, [text for block in section.blocks for text in block_strings(block)]


Span = tuple[int, int, int]
"""(text, start, end): characters start:end of the section's text number `text`, counted in `section_texts` order."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SectionScan:
    """What one section (or the intro) of one article says about the entities; no slug, so it can be cached.

    It holds positions, not text, packed in one array: a scan travels from a worker and lives in the build
    cache apart from its article, and text (or a tuple per sentence, or per entity) in it would cost more
    than the article's own text on a big site. `Quotes` and `FirstLinks` turn the positions back into the
    article's strings.
    """

    key: str
    entities: tuple[str, ...]
    """The entities the section mentions, in order of first mention (the index's `section_entities`)."""
    spans: array
    """For each entity of `entities`, in order: its number of mentions, its number of sentences, the `Span`
    of the mention to link with its text number plus one (0 0 0 for none: the entity is only named in FAQ
    questions), then the `Span` of each sentence that mentions it, in document order. `_HEAD` numbers come
    before the sentences. Two bytes a number where all fit (nearly always), else four."""


_HEAD = 5
"""Numbers before an entity's sentences in `SectionScan.spans`: mentions, sentences, the link's `Span`."""


def _heads(section: SectionScan) -> Iterator[int]:
    """Where each entity's part of `section.spans` starts, in the order of `section.entities`."""
    packed, at = section.spans, 0
    for _ in section.entities:
        yield at
        at += _HEAD + 3 * packed[at + 1]


def _packed(counts: Mapping[str, int], sentences: Mapping[str, Mapping[Span, None]],
            links: Mapping[str, Span]) -> array:
    numbers: list[int] = []
    for entity, count in counts.items():
        found = sentences[entity]
        numbers.append(count)
        numbers.append(len(found))
        link = links.get(entity)
        numbers.extend((link[0] + 1, link[1], link[2]) if link is not None else (0, 0, 0))
        for span in found:
            numbers.extend(span)
    # Half the size where it can be: the scans of a big site's sections are tens of megabytes of numbers.
    return array("H" if max(numbers, default=0) <= 0xFFFF else "I", numbers)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ArticleScan:
    """The mentions in one article: a pure function of the article's text and the entity list."""

    sections: tuple[SectionScan, ...]
    faq_entities: tuple[tuple[str, tuple[str, ...]], ...]
    """(FAQ anchor, entities its question or answer mentions)."""
    quoted: tuple[str, ...] = ()
    """The entities the article mentions, in order of first mention, each with a hash in `quote_hashes`."""
    quote_hashes: bytes = b""
    """`QUOTE_HASH` bytes per entity of `quoted`: a hash of what the entity's pages quote from the article
    (each section's key, heading, count and sentences). The build compares them to know which entity pages
    an edit can change (`incremental.settled_pages`). One string of them, as a pair of objects per
    entity and article was tens of megabytes on a big site."""


ScanArticle = Callable[[Article, EntityMatcher], ArticleScan]
QUOTE_HASH = 16
"""Bytes of each hash in `ArticleScan.quote_hashes`."""


def scan_article(article: Article, matcher: EntityMatcher) -> ArticleScan:
    """Scan one article's texts once; linear in the length of the text."""
    sections = []
    faq_entities: dict[str, dict[str, None]] = defaultdict(dict)
    quoted: dict[str, Any] = {}
    for key, heading, texts in section_texts(article):
        counts: Counter[str] = Counter()
        sentences: dict[str, dict[Span, None]] = defaultdict(dict)
        links: dict[str, Span] = {}
        seen: set[tuple[str, str]] = set()
        """(entity, sentence) already found in this section: a sentence said twice is one excerpt."""
        for number, text in enumerate(texts):
            matches = matcher.spans(text.text)
            if not matches:
                continue
            spans = sentence_spans(text.text)
            i = 0
            for first, last, entity in matches:
                counts[entity] += 1
                if text.linkable and entity not in links:
                    links[entity] = (number, first, last)
                if text.faq is not None:
                    faq_entities[text.faq][entity] = None
                while i + 1 < len(spans) and spans[i][1] <= first:
                    i += 1
                start, end = spans[i] if spans else (0, len(text.text))
                sentence = text.text[start:end]
                if (entity, sentence) not in seen:
                    seen.add((entity, sentence))
                    sentences[entity][(number, start, end)] = None
        if counts:
            # Counter keeps first-insertion order: the order of first mention
            sections.append(SectionScan(key, tuple(counts), _packed(counts, sentences, links)))
            for entity, count in counts.items():
                quote = (key, heading, count, tuple(texts[n].text[a:b] for n, a, b in sentences[entity]))
                hasher = quoted.get(entity)
                if hasher is None:
                    hasher = quoted[entity] = hashlib.blake2b(digest_size=QUOTE_HASH)
                hasher.update(pickle.dumps(quote, protocol=4))
    return ArticleScan(tuple(sections), tuple((anchor, tuple(found)) for anchor, found in faq_entities.items()),
                       tuple(quoted), b"".join(hasher.digest() for hasher in quoted.values()))


PLACE = 4
"""Numbers per place in `Quotes`' arrays: one section's mention of one entity, as (the article's number in
reading order, the section's number in the index's list of scans, where the entity's part of the scan's
spans starts, the number of mentions)."""


class Quotes(Mapping[str, tuple[SectionMention, ...]]):
    """`MentionIndex.by_entity`: entity slug -> the `SectionMention`s, with their sentences, of the sections
    that mention it, in reading order.

    The sentences are cut from the articles when an entity is looked up, and not kept: only an entity's own
    page and its compare page show them, and those are rendered in the worker processes, each for the
    entities it was given. Counting (`articles`, `totals`) needs no sentences at all. Holding every
    sentence of a big site was most of the mention index's memory, and making them most of its time; each
    entity's places are packed in one array of `PLACE` numbers each, as a tuple per place was the rest.
    """

    __slots__ = ("_articles", "_places", "_scans")

    def __init__(self, articles: tuple[Article, ...], places: Mapping[str, array],
                 scans: Sequence[SectionScan | None]) -> None:
        self._articles = articles
        self._places = places
        self._scans = scans

    def __getitem__(self, entity: str) -> tuple[SectionMention, ...]:
        return self._cut(entity, self._places[entity], None)

    def mentions_in(self, entity: str, articles: Container[str]) -> tuple[SectionMention, ...]:
        """This entity's mentions in `articles` (slugs) only."""
        return self._cut(entity, self._places.get(entity, _NONE), articles)

    def between(self, entity: str, start: int, stop: int) -> tuple[SectionMention, ...]:
        """This entity's mentions in the `start`-th to `stop - 1`-th of the articles mentioning it: the places
        are in reading order, so a page of them is found by bisection, and only its sentences are cut out."""
        places = self._places.get(entity, _NONE)
        numbers = places[0::PLACE]
        chosen = list(dict.fromkeys(numbers))[start:stop]
        if not chosen:
            return ()
        low, high = bisect.bisect_left(numbers, chosen[0]), bisect.bisect_right(numbers, chosen[-1])
        return self._cut(entity, places[low * PLACE:high * PLACE], None)

    def _cut(self, entity: str, places: array, only: Container[str] | None) -> tuple[SectionMention, ...]:
        articles, scans = self._articles, self._scans
        found = []
        for j in range(0, len(places), PLACE):
            article = articles[places[j]]
            if only is not None and article.slug not in only:
                continue
            section = scans[places[j + 1]]
            assert section is not None, "a place names a section that was replaced"
            at = places[j + 2]
            key, heading, strings = _section_text(article, section.key)
            packed = section.spans
            spans = packed[at + _HEAD:at + _HEAD + 3 * packed[at + 1]]
            sentences = tuple(strings[text][start:end]
                              for text, start, end in zip(spans[0::3], spans[1::3], spans[2::3], strict=True))
            found.append(SectionMention(entity, article.slug, key, heading, places[j + 3], sentences))
        return tuple(found)

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, entity: object) -> bool:
        return entity in self._places

    def articles(self, entity: str) -> tuple[str, ...]:
        """Slugs of the articles mentioning `entity`, in reading order."""
        articles = self._articles
        return tuple(articles[number].slug for number in dict.fromkeys(self._places.get(entity, _NONE)[0::PLACE]))

    def article_counts(self, entity: str) -> dict[str, int]:
        """Article slug -> mentions of `entity` in it, in reading order."""
        places = self._places.get(entity, _NONE)
        counts: dict[str, int] = {}
        for number, count in zip(places[0::PLACE], places[3::PLACE], strict=True):
            slug = self._articles[number].slug
            counts[slug] = counts.get(slug, 0) + count
        return counts

    def totals(self, entity: str) -> tuple[int, int]:
        """(mentions, articles mentioning it)."""
        places = self._places.get(entity, _NONE)
        return sum(places[3::PLACE]), len(set(places[0::PLACE]))


_NONE = array("I")


class SectionEntities(Mapping[tuple[str, str], tuple[str, ...]]):
    """`MentionIndex.section_entities`, read from the scans: (article slug, section key) -> the entities the
    section mentions, in order of first mention. It also finds a section's scan for `FirstLinks`.

    An article's scans are consecutive in the index's list of scans, so only their range is kept per
    article, and a section is found among its article's dozen: a dict entry and a key tuple for every
    section, in this table and again in `FirstLinks`, were 20 MB at 10,000 articles.
    """

    __slots__ = ("_count", "_ranges", "_scans")

    def __init__(self, ranges: Mapping[str, range], scans: Sequence[SectionScan | None]) -> None:
        """`ranges`: article slug -> the numbers in `scans` of its sections' scans (articles that mention
        nothing are left out)."""
        self._ranges = ranges
        self._scans = scans
        self._count = sum(map(len, ranges.values()))

    def number(self, key: object) -> int | None:
        """The number in the scans of section `key` ((article slug, section key)), or None."""
        if not (isinstance(key, tuple) and len(key) == 2):
            return None
        found = self._ranges.get(key[0])
        if found is not None:
            scans = self._scans
            for number in found:
                section = scans[number]
                if section is not None and section.key == key[1]:
                    return number
        return None

    def __getitem__(self, key: tuple[str, str]) -> tuple[str, ...]:
        number = self.number(key)
        if number is None:
            raise KeyError(key)
        return self._scans[number].entities  # type: ignore[union-attr]  # number() found it

    def __contains__(self, key: object) -> bool:
        return self.number(key) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        scans = self._scans
        for slug, numbers in self._ranges.items():
            for number in numbers:
                yield slug, scans[number].key  # type: ignore[union-attr]  # a range names live scans only

    def __len__(self) -> int:
        return self._count

    def orders(self) -> Iterator[tuple[str, ...]]:
        """Every section's entities (the values), without finding each section by its key."""
        for slug in self._ranges:
            yield from self.orders_of(slug)

    def numbers(self, slug: str) -> range:
        """The numbers in the scans of article `slug`'s sections."""
        return self._ranges.get(slug, range(0))

    def orders_of(self, slug: str) -> Iterator[tuple[str, ...]]:
        """The entities of each of article `slug`'s sections, in document order."""
        scans = self._scans
        for number in self.numbers(slug):
            yield scans[number].entities  # type: ignore[union-attr]


class FirstLinks(Mapping[tuple[str, str], Mapping[str, tuple[str, int, int]]]):
    """`MentionIndex.first_links`: (article slug, section key) -> entity slug -> (text, start, end) of the
    mention to link, worked out from the section's scan when its article page asks (see `Quotes`)."""

    __slots__ = ("_articles", "_by_text", "_made", "_made_for", "_owners", "_scans", "_sections")

    def __init__(self, articles: tuple[Article, ...], sections: SectionEntities,
                 scans: Sequence[SectionScan | None], owners: array) -> None:
        """`sections` finds a section's number in `scans`; `owners` holds the article number (in reading
        order) of each of `scans`."""
        self._articles = articles
        self._sections = sections
        self._scans = scans
        self._owners = owners
        # The sections of the article asked for last: its page asks once for each text of a section. Only
        # that article's: a worker renders thousands of article pages, and a memo of every section it had
        # seen grew by 60 MB at 10,000 articles.
        self._made: dict[tuple[str, str], Mapping[str, tuple[str, int, int]]] = {}
        self._by_text: dict[tuple[str, str], dict[str, tuple[tuple[int, int, str], ...]]] = {}
        self._made_for = ""

    def __getitem__(self, key: tuple[str, str]) -> Mapping[str, tuple[str, int, int]]:
        links = self._made.get(key)
        if links is None:
            self._forget_others(key[0])
            links = self._made[key] = self._links(key)
        return links

    def in_text(self, key: tuple[str, str], text: str) -> tuple[tuple[int, int, str], ...]:
        """The links of section `key` that are in `text`, as (start, end, entity slug) in order; () if none.

        What an article page asks for every text it prints: the section's links grouped by text once, and
        a text without links (most of them) answered by one lookup."""
        grouped = self._by_text.get(key)
        if grouped is None:
            self._forget_others(key[0])
            grouped = self._by_text[key] = links_by_text(self.get(key))
        return grouped.get(text, ())

    def _forget_others(self, article: str) -> None:
        if article != self._made_for:
            self._made, self._by_text, self._made_for = {}, {}, article

    def _links(self, key: tuple[str, str]) -> Mapping[str, tuple[str, int, int]]:
        number = self._sections.number(key)
        if number is None:
            raise KeyError(key)
        section = self._scans[number]
        assert section is not None, "a section key names a section that was replaced"
        strings = _section_text(self._articles[self._owners[number]], section.key)[2]
        packed = section.spans
        links = {}
        for entity, at in zip(section.entities, _heads(section), strict=True):
            text, start, end = packed[at + 2:at + 5]
            if text:
                links[entity] = (strings[text - 1], start, end)
        return links

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._sections)

    def __len__(self) -> int:
        return len(self._sections)

    def __contains__(self, key: object) -> bool:
        return key in self._sections


def links_by_text(links: Mapping[str, tuple[str, int, int]] | None) -> dict[str, tuple[tuple[int, int, str], ...]]:
    """A section's first links (entity slug -> (text, start, end)) grouped by text, each text's in order."""
    grouped: dict[str, list[tuple[int, int, str]]] = {}
    for slug, (text, start, end) in (links or {}).items():
        grouped.setdefault(text, []).append((start, end, slug))
    return {text: tuple(sorted(spans)) for text, spans in grouped.items()}


class CoMentions(Mapping[str, tuple[tuple[str, int], ...]]):
    """`MentionIndex.co_mentions`, counted from the sections' entities when first asked.

    Only the entity pages and the entities' network chart show co-mentions, and after most edits neither is
    rendered again; counting every pair of entities in every section was most of the index's time.
    """

    __slots__ = ("_made", "_section_entities")

    def __init__(self, section_entities: SectionEntities) -> None:
        self._section_entities = section_entities
        self._made: dict[str, tuple[tuple[str, int], ...]] | None = None

    def _table(self) -> dict[str, tuple[tuple[str, int], ...]]:
        if self._made is None:
            co: dict[str, dict[str, int]] = defaultdict(dict)
            for order in self._section_entities.orders():
                for slug in order:
                    # Plain dicts: Counter.update checks its argument against an ABC on every call.
                    shared = co[slug]
                    for other in order:
                        shared[other] = shared.get(other, 0) + 1
            for slug, shared in co.items():
                del shared[slug]  # an entity's count of itself
            self._made = {slug: _most_first(c) for slug, c in sorted(co.items()) if c}
        return self._made

    def __getitem__(self, entity: str) -> tuple[tuple[str, int], ...]:
        return self._table()[entity]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


def index_mentions(articles: tuple[Article, ...], entities: tuple[Entity, ...],
                   scan: ScanArticle = scan_article) -> MentionIndex:
    """Scan every article once (`scan` may answer from a cache) and index the mentions both ways."""
    matcher = EntityMatcher(entities)
    if not matcher:
        return MentionIndex()
    scans: list[SectionScan | None] = []
    owners = array("I")
    places: dict[str, array] = {}
    by_article: dict[str, dict[str, int]] = {}
    ranges: dict[str, range] = {}
    faq_entities: dict[tuple[str, str], tuple[str, ...]] = {}
    quoted: dict[str, tuple[tuple[str, ...], bytes]] = {}
    for number, article in enumerate(articles):
        found = scan(article, matcher)
        totals: dict[str, int] = {}
        first = len(scans)
        for section in found.sections:
            for entity, place in _enter(section, number, scans, owners):
                mine = places.get(entity)
                if mine is None:
                    mine = places[entity] = array("I")
                mine.extend(place)
                totals[entity] = totals.get(entity, 0) + place[3]
        if len(scans) > first:
            ranges[article.slug] = range(first, len(scans))
        for anchor, slugs in found.faq_entities:
            faq_entities[(article.slug, anchor)] = slugs
        by_article[article.slug] = dict(_most_first(totals))
        quoted[article.slug] = (found.quoted, found.quote_hashes)
    section_entities = SectionEntities(ranges, scans)
    return MentionIndex(
        by_entity=Quotes(articles, dict(sorted(places.items())), scans),
        by_article=by_article,
        section_entities=section_entities,
        first_links=FirstLinks(articles, section_entities, scans, owners),
        co_mentions=CoMentions(section_entities),
        faq_entities=faq_entities,
        quoted=quoted,
    )


def _enter(section: SectionScan, number: int, scans: list[SectionScan | None], owners: array,
           ) -> Iterator[tuple[str, tuple[int, int, int, int]]]:
    """Append a section of article `number` to the index's scans; yield each entity it mentions with its
    place (`PLACE` numbers) for the entity's array."""
    place = len(scans)
    scans.append(section)
    owners.append(number)
    packed = section.spans
    for entity, at in zip(section.entities, _heads(section), strict=True):
        yield entity, (number, place, at, packed[at])


def _most_first(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """(slug, count) pairs, the highest count first, ties by slug: two stable sorts, no key function per item."""
    return tuple(sorted(sorted(counts.items()), key=itemgetter(1), reverse=True))


def replace_article(index: MentionIndex, articles: tuple[Article, ...], position: int,
                    scan: ArticleScan) -> MentionIndex:
    """`index` with the mentions of `articles[position]` taken from `scan`, the others as they were.

    Equal to `index_mentions` of `articles` when `index` was made from the same articles but for that one,
    with the same slug and place in reading order. The dev server's fast pass re-renders an edited article's
    page with it: scanning and indexing all the other articles again is most of a rebuild's analysis.
    """
    slug = articles[position].slug
    quotes, links, table = index.by_entity, index.first_links, index.section_entities
    if not isinstance(quotes, Quotes) or not isinstance(links, FirstLinks) \
            or not isinstance(table, SectionEntities):  # an index without entities
        return index
    # A copy, as `index` stays usable; the article's old sections leave a hole each (no place names them).
    scans = list(quotes._scans)
    owners = array("I", links._owners)
    old_orders = list(table.orders_of(slug))
    for number in table.numbers(slug):
        scans[number] = None
    ranges = dict(table._ranges)
    places = dict(quotes._places)
    for entity in index.by_article.get(slug, ()):
        old = places[entity]
        kept = array("I")
        for j in range(0, len(old), PLACE):
            if old[j] != position:
                kept.extend(old[j:j + PLACE])
        places[entity] = kept
    totals: dict[str, int] = {}
    new_orders = []
    first = len(scans)
    for section in scan.sections:
        new_orders.append(section.entities)
        for entity, place in _enter(section, position, scans, owners):
            found = places.get(entity, _NONE)
            # In reading order, then document order: after the article's own earlier sections.
            cut = PLACE * bisect.bisect_right(found[0::PLACE], position)
            places[entity] = found[:cut] + array("I", place) + found[cut:]
            totals[entity] = totals.get(entity, 0) + place[3]
    if len(scans) > first:
        ranges[slug] = range(first, len(scans))
    else:
        ranges.pop(slug, None)
    section_entities = SectionEntities(ranges, scans)
    faq_entities = {key: found for key, found in index.faq_entities.items() if key[0] != slug}
    faq_entities.update(((slug, anchor), found) for anchor, found in scan.faq_entities)

    # Co-mentions count sections: take the article's old sections out and its new ones in.
    co: dict[str, dict[str, int]] = {}
    for step, orders in ((-1, old_orders), (1, new_orders)):
        for order in orders:
            for entity in order:
                shared = co.get(entity)
                if shared is None:
                    shared = co[entity] = dict(index.co_mentions.get(entity, ()))
                for other in order:
                    if other != entity:
                        shared[other] = shared.get(other, 0) + step
    co_mentions = dict(index.co_mentions)
    for entity, shared in co.items():
        counts = {other: n for other, n in shared.items() if n}
        if counts:
            co_mentions[entity] = _most_first(counts)
        else:
            co_mentions.pop(entity, None)
    return MentionIndex(
        by_entity=Quotes(articles, {entity: found for entity, found in sorted(places.items()) if found}, scans),
        by_article={**index.by_article, slug: dict(_most_first(totals))},
        section_entities=section_entities,
        first_links=FirstLinks(articles, section_entities, scans, owners),
        co_mentions=dict(sorted(co_mentions.items())),
        faq_entities=faq_entities,
        quoted={**index.quoted, slug: (scan.quoted, scan.quote_hashes)},
    )
