"""Which pages must be rendered again: a fingerprint of everything each page's template context shows.

A page's fingerprint hashes a site-wide *shell* (summitsite's code and built-in theme, the site's own
templates, the configuration, the content pages and the entities, which every page can show through the
header, navigation and entity links) together with the page's own data:

- an article page: the whole article, the cards (title, slug, lede, metadata, word count, headings) of its
  previous, next and related articles, and its entity counts and "elsewhere" counts;
- an entity, compare, topic, FAQ or index page: its view, with each article in it as its card;
- the topics index: the topics; the search page and 404 page: the shell alone.

With the built-in templates that is exactly what each page's context can reach. A site with templates of
its own can reach anything in the `Site`, so there the shell also hashes every article in full: any change
to the content re-renders every page (unchanged bytes are still not rewritten), correct if not minimal.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path

from summitsite import views
from summitsite.analyse import Site
from summitsite.cache import code_fingerprint, digest, template_sources
from summitsite.model import Article
from summitsite.render import PageJob


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, cards: dict[int, bytes]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._cards = cards

    def persistent_id(self, obj: object) -> bytes | None:
        if type(obj) is Article:
            return self._cards.get(id(obj))
        return None


def _card(article: Article) -> bytes:
    """What a list of articles can show of one article (never its body)."""
    headings = tuple((s.heading, s.anchor, s.level) for s in article.sections)
    return hashlib.sha256(pickle.dumps((article.slug, article.title, article.lede, article.meta, article.source,
                                        article.word_count, headings), protocol=4)).digest()


def _link(article: Article) -> bytes:
    """What an entity, compare or FAQ page shows of an article: its link, title and metadata."""
    return hashlib.sha256(pickle.dumps((article.slug, article.title, article.meta, article.source),
                                       protocol=4)).digest()


def _full(article: Article) -> bytes:
    return hashlib.sha256(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)).digest()


def page_fingerprints(site: Site, jobs: list[PageJob], source: Path) -> list[bytes]:
    """One fingerprint per job: equal fingerprints mean equal rendered bytes."""
    cards = {id(a): _card(a) for a in site.articles}
    links = {id(a): _link(a) for a in site.articles}
    full = {id(a): _full(a) for a in site.articles}
    templates = Path(source) / "templates"
    custom = templates.is_dir() and any(p.is_file() for p in templates.rglob("*"))
    shell_parts: list[bytes | str] = [code_fingerprint(), template_sources(source),
                                      pickle.dumps((site.config, site.pages, site.entities), protocol=4)]
    if custom:
        shell_parts += [b"custom", *(full[id(a)] for a in site.articles)]
    shell = digest(*shell_parts)

    def dump(value: object, short: bool = False) -> bytes:
        buf = io.BytesIO()
        _Pickler(buf, links if short else cards).dump(value)
        return hashlib.sha256(buf.getvalue()).digest()

    articles = site.articles
    compare = views.compare_entities(site)
    result = []
    for job in jobs:
        parts: list[bytes | str] = [shell, job.kind, job.path, job.template]
        if job.kind == "article":
            i = job.index
            article = articles[i]
            parts.append(full[id(article)])
            parts.append(cards[id(articles[i - 1])] if i > 0 else b"-")
            parts.append(cards[id(articles[i + 1])] if i + 1 < len(articles) else b"-")
            parts += [cards[id(site.article(s))] for s in site.related.get(article.slug, ())]
            parts.append(pickle.dumps((
                [(e.slug, n) for e, n in views.article_entities(site, article)],
                [(e.slug, len(others)) for e, others in views.elsewhere(site, article)]), protocol=4))
        elif job.kind == "index":
            parts.append(dump(site.listed))
        elif job.kind == "entities":
            parts.append(dump(views.entity_groups(site), short=True))
        elif job.kind == "entity":
            parts.append(dump(views.entity_view(site, site.entities[job.index]), short=True))
        elif job.kind == "compare":
            parts.append(dump(views.compare_view(site, compare[job.index]), short=True))
        elif job.kind == "topic":
            parts.append(dump(views.topic_view(site, site.topics[job.index])))
        elif job.kind == "topics":
            parts.append(dump(site.topics))
        elif job.kind == "faq":
            parts.append(dump(views.faq_hub(site), short=True))
        elif job.kind == "page":
            parts.append(str(job.index))
        result.append(digest(*parts))
    return result
