"""Which pages must be rendered again: a fingerprint of everything each page's template context shows.

A page's fingerprint hashes a site-wide *shell* (summitsite's code and built-in theme, the site's own
templates, the configuration, the content pages and the entities, which every page can show through the
header, navigation and entity links) together with the page's own data:

- its whole template context (`render.page_context`: views, charts, entity counts, neighbours...), with
  every article in it reduced to its card (title, slug, lede, metadata, reading time, headings) and every
  entity to its slug (the shell has the rest);
- an article page also the whole article; the home page the cards of the listed articles; the topics
  index the topics (these templates read them from `site`).

An article the build found in (or put into) its cache is known by the key it was parsed under, which
covers its text, options, sidecar and summitsite's code: with its slug, that key stands for the whole
article on its own page, which hashes it instead of pickling the article again; articles without a key
are pickled whole. A mention of an entity is hashed by what it shows (section, heading, count, sentences),
not by its article's key: an edit elsewhere in the article leaves the entity and compare pages as they were.

With the built-in templates that is exactly what each page's context can reach. A site with templates of
its own can reach anything in the `Site`, so there the shell also hashes every article in full: any change
to the content re-renders every page (unchanged bytes are still not rewritten), correct if not minimal.

Computing every page's context only to find most fingerprints unchanged was most of a one-seed edit's
rendering stage. So a build also records what each page kind can show of each article (`SiteAspects`: the
whole article, its card, its mention counts, what each entity page shows of it, its FAQs, its related
articles), and the next build compares: when only some articles' text changed, and not their cards,
`settled_pages` names the pages that cannot have changed, and those are kept from the old output without
their context being computed.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summitsite import paths, urls
from summitsite.analyse import Site
from summitsite.cache import code_fingerprint, digest, template_sources
from summitsite.mentions import INTRO, QUOTE_HASH
from summitsite.model import Article, Entity, pickled_by_fields
from summitsite.render import PageJob, reading_minutes


def _as_card(card: bytes) -> bytes:
    return card


def _as_entity(slug: str) -> str:
    return slug


class _HashSink:
    """A file for the pickler that hashes what is written instead of keeping it.

    A hub page's context pickles to tens of megabytes on a big site (the FAQ hub holds every question and
    answer): kept in a buffer, then copied out to be hashed, it was a page worker's peak memory.
    """

    __slots__ = ("write",)

    def __init__(self, hasher: Any) -> None:
        self.write = hasher.update


class _Pickler(pickle.Pickler):
    """Pickles a page context with every `Article` in it replaced by the hash of its card, and every entity
    of the site by its slug (the shell hashes the entities whole).

    The replacement goes through `dispatch_table`, which the C pickler consults only for types it lists;
    a `persistent_id` hook instead was a Python call for each of the millions of objects in a site's
    contexts, and made fingerprinting cost a third of rendering.
    """

    def __init__(self, file: _HashSink, cards: dict[int, bytes], entities: dict[int, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: a fingerprint must not depend on which equal values happen to be one object (a scan fresh
        # from a worker or read from the cache, an article parsed now or loaded). Contexts have no cycles.
        self.fast = True

        def reduce(article: Article) -> Any:
            card = cards.get(id(article))
            return (_as_card, (card,)) if card is not None else article.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

        def reduce_entity(entity: Entity) -> Any:
            # Without a memo, an entity would be pickled whole at each of its places: once per question that
            # names it, twice over, on the FAQ hub.
            slug = entities.get(id(entity))
            return (_as_entity, (slug,)) if slug is not None else entity.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

        self.dispatch_table = {Article: reduce, Entity: reduce_entity}


def _card(article: Article) -> bytes:
    """What a list of articles can show of one article (never its body)."""
    headings = tuple((s.heading, s.anchor, s.level) for s in article.sections)
    # Lists show the reading time, not the word count: an edit that adds a sentence changes the count but
    # rarely the minutes, and must not re-render every page that lists or links the article.
    return hashlib.sha256(pickle.dumps((article.slug, article.title, article.lede, article.meta, article.source,
                                        reading_minutes(article), headings), protocol=4)).digest()


def _full(article: Article) -> bytes:
    return hashlib.sha256(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)).digest()


class Fingerprinter:
    """Fingerprints pages one at a time, so that the build's workers can each do their share.

    Made once per build in the parent (the shell and the article cards, which every page needs); a forked
    worker inherits it and calls `page` for its pages.
    """

    def __init__(self, site: Site, source: Path, keys: Mapping[int, bytes] | None = None) -> None:
        """`keys`: id(article) -> the cache key the article was parsed under, where the build has one."""
        self.site = site
        known = keys or {}
        self.keys = {a.slug: known[id(a)] for a in site.articles if id(a) in known}
        """Article slug -> parse key, for the articles analysis handed on as they were parsed."""
        self.cards = {id(a): _card(a) for a in site.articles}
        self.entities = {id(e): e.slug for e in site.entities}
        """The site's entities, known by their slugs: the shell below hashes each of them whole."""
        templates = Path(source) / "templates"
        custom = templates.is_dir() and any(p.is_file() for p in templates.rglob("*"))
        shell_parts: list[bytes | str] = [code_fingerprint(), template_sources(source),
                                          pickle.dumps((site.config, site.pages, site.entities), protocol=4)]
        if custom:
            shell_parts += [b"custom", *(_full(a) for a in site.articles)]
        self.shell = digest(*shell_parts)

    def _dump(self, value: object) -> bytes:
        hasher = hashlib.sha256()
        _Pickler(_HashSink(hasher), self.cards, self.entities).dump(value)
        return hasher.digest()

    def page(self, job: PageJob, given: dict[str, Any]) -> bytes:
        """The fingerprint of `job` with its `render.page_context`: equal fingerprints mean equal bytes."""
        site = self.site
        # The page's own template context, hashed whole (functions such as 404's url() depend only on the
        # config, which is in the shell): whatever a template is given is covered, charts included.
        context = {k: v for k, v in given.items() if not callable(v)}
        parts: list[bytes | str] = [self.shell, job.kind, job.path, job.template, self._dump(sorted(context.items()))]
        if job.kind == "article":
            article = site.articles[job.index]  # its own page shows the whole article, not a card
            key = self.keys.get(article.slug)
            parts.append(digest(b"article", key, article.slug) if key is not None else _full(article))
        elif job.kind == "index":
            parts.append(self._dump(site.listed))  # index.html lists site.listed, outside its page context
        elif job.kind == "topics":
            parts.append(self._dump(site.topics))  # topics.html reads site.topics
        return digest(*parts)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ArticleAspects:
    """What each kind of page can show of one article, hashed: its own page, a list, the mention index, the FAQ."""

    slug: str
    own: bytes
    """The whole article under its slug (its parse key, or the article pickled): its own page."""
    card: bytes
    """What a list or a neighbour link shows (`_card`)."""
    presence: bytes
    """Which entities it mentions, how often, and in which sections and FAQs: every count, chart and co-mention."""
    faqs: bytes
    """Its questions and answers, and the entities each one mentions: what the FAQ hub shows of it."""
    entities: tuple[str, ...]
    """The entities it mentions, each with a hash in `entity_hashes`."""
    entity_hashes: bytes
    """Per entity of `entities`, `ENTITY_HASH` bytes: a hash of what that entity's pages show of the article:
    the quotes (`ArticleScan.quote_hashes`: each section's heading, count and sentences) and the entities
    mentioned in the same sections (co-mentions). One string, as a pair of objects per entity and article
    was tens of megabytes of a big site's build, and as many objects to pickle into the cache."""

    def hashes(self) -> dict[str, bytes]:
        """Entity slug -> its hash."""
        found = self.entity_hashes
        return {entity: found[i * ENTITY_HASH:(i + 1) * ENTITY_HASH] for i, entity in enumerate(self.entities)}


ENTITY_HASH = 32


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SiteAspects:
    """A build's per-article aspects, beside the page fingerprints it recorded (`cache.OutputState.aspects`).

    The next build compares its own with them (`settled_pages`) to find the pages whose fingerprints cannot
    have changed, and keeps those pages without computing their context at all.
    """

    shell: bytes
    plan: tuple[str, ...]
    """The output path of each page, in `render.page_jobs` order."""
    articles: tuple[ArticleAspects, ...]
    """In reading order."""
    related: tuple[tuple[str, ...], ...]
    """Each article's related articles, in reading order."""


def site_aspects(fingerprinter: Fingerprinter, plan: list[PageJob], previous: SiteAspects | None) -> SiteAspects:
    """This build's `SiteAspects`; an article whose `own` hash the previous build had is not hashed again."""
    site = fingerprinter.site
    mentions = site.mentions
    known = {a.own: a for a in previous.articles} if isinstance(previous, SiteAspects) else {}
    found = []
    for article in site.articles:
        key = fingerprinter.keys.get(article.slug)
        own = digest(b"article", key, article.slug) if key is not None else _full(article)
        aspects = known.get(own)
        if aspects is None:
            slug = article.slug
            counts = mentions.by_article.get(slug, {})
            sections = (INTRO, *(s.anchor for s in article.sections))
            faqs = article.faqs
            presence = (tuple(counts.items()),
                        tuple((k, mentions.section_entities.get((slug, k))) for k in sections),
                        tuple((f.anchor, mentions.faq_entities.get((slug, f.anchor))) for f in faqs))
            aspects = ArticleAspects(slug, own, fingerprinter.cards[id(article)],
                                     hashlib.sha256(pickle.dumps(presence, protocol=4)).digest(),
                                     hashlib.sha256(pickle.dumps((faqs, presence[2]), protocol=4)).digest(),
                                     *_entity_aspects(mentions.quoted.get(slug, ((), b"")), presence[1]))
        found.append(aspects)
    return SiteAspects(fingerprinter.shell, tuple(job.path for job in plan), tuple(found),
                       tuple(tuple(site.related.get(a.slug, ())) for a in site.articles))


def _entity_aspects(quoted: tuple[tuple[str, ...], bytes], sections: tuple[tuple[str, tuple[str, ...] | None], ...],
                    ) -> tuple[tuple[str, ...], bytes]:
    """(the entities quoted, the hash of each one's quotes and of the entities of each section that mentions it)."""
    shared: dict[str, list[tuple[str, ...]]] = {}
    for _key, order in sections:
        if order:
            for entity in order:
                shared.setdefault(entity, []).append(order)
    entities, hashes = quoted
    return entities, b"".join(
        hashlib.sha256(pickle.dumps((hashes[i * QUOTE_HASH:(i + 1) * QUOTE_HASH], shared.get(entity, [])),
                                    protocol=4)).digest()
        for i, entity in enumerate(entities))


def settled_pages(previous: SiteAspects | None, current: SiteAspects, plan: list[PageJob]) -> set[int]:
    """The pages (indices into `plan`) whose fingerprints are the previous build's, known from the aspects alone.

    Nothing is settled unless the shell, the list of pages and every article's card are as before. Then only
    these can differ: the edited articles' own pages; the entity and compare pages whose quotes, counts or
    co-mentions from them changed; the home page and the entity index (if their mention counts changed); the
    FAQ hub (if their FAQs, or the entities these mention, changed); and the pages whose related articles
    changed. Every other page shows only the shell, cards and the unedited articles' mentions (see the
    module docstring): it is settled.
    """
    if (not isinstance(previous, SiteAspects) or previous.shell != current.shell or previous.plan != current.plan
            or len(previous.articles) != len(current.articles)):
        return set()
    unsettled: set[str] = set()
    entities: set[str] = set()
    """The entities whose every page (and compare page) must be looked at."""
    for old, new, old_related, new_related in zip(previous.articles, current.articles, previous.related,
                                                  current.related, strict=True):
        if old.own != new.own:
            if old.card != new.card:
                return set()
            unsettled.add(urls.article_path(new.slug))
            if old.presence != new.presence:
                # Its mention counts changed: so did the charts of the home page and the entity index, which
                # count mentions across articles. Another article's page lists an entity for comparison only
                # while the entity's compare page exists, and a compare page that comes or goes changes the
                # page list, which settles nothing.
                unsettled.update((urls.INDEX, paths.ENTITIES_INDEX))
            # The entities whose quotes, counts or co-mentions from it changed, or that it stopped or started naming.
            before, after = old.hashes(), new.hashes()
            for entity in before.keys() | after.keys():
                if before.get(entity) != after.get(entity):
                    entities.add(entity)
                    unsettled.add(paths.compare_path(entity))
            if old.faqs != new.faqs:
                # Every page of the hub: an article that gains its first question or loses its last moves the others.
                unsettled.update(job.path for job in plan if job.kind == "faq")
        elif old_related != new_related:
            unsettled.add(urls.article_path(new.slug))
    # An entity's page is cut into pages by article: an edit can move every page after the article's.
    unsettled.update(job.path for job in plan if job.kind == "entity" and job.path.split("/")[1] in entities)
    return {i for i, job in enumerate(plan) if job.path not in unsettled}
