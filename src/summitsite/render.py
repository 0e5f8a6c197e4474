"""Turning a `Site` into output files: the Jinja environment, each page's context, and the static files.

Pure: a `Site` and an `Environment` in, a map of output path to bytes out; nothing is written here. Every
decision that is not markup (reading time, excerpts, TOC nesting, heading clamping, which URLs are safe to
link) is made in this module so the templates stay declarative and a site's overrides cannot get it wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from summitsite import charts, paths, urls, views
from summitsite.analyse import Site
from summitsite.cache import code_fingerprint
from summitsite.controls import remove_controls
from summitsite.linking import link_entities
from summitsite.model import Article, Callout, Entity, FaqBlock, ListBlock, Page, Paragraph, Table, Topic
from summitsite.related import tag_slug
from summitsite.seo import Structured, json_ld

if TYPE_CHECKING:  # importlib.resources.abc is 3.11+; only the type checker needs it
    from importlib.resources.abc import Traversable

WORDS_PER_MINUTE = 230
EXCERPT_WORDS = 40
DESCRIPTION_WORDS = 30
STATIC_DIR = "static"

# Spelled out rather than strftime("%B") so that output never depends on the machine's locale.
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
# A label that already ends like this ("Pro Tip:", "Why now?") gets no extra colon.
_LABEL_END = frozenset(".:;!?…,")


@dataclass(frozen=True, slots=True)
class TocNode:
    """One entry of a rendered table of contents, with the entries nested under it."""

    text: str
    anchor: str
    level: int
    children: tuple[TocNode, ...] = ()


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates, kept in the build cache: every build compiled the theme again, a tenth of a
    one-seed edit's time.

    A compiled template is used only for the same template source and the same summitsite code (which sets
    the environment's options: the compiled code depends on them), under the same Python and Jinja. A file
    that cannot be read is compiled again, and one that cannot be written is not kept: never an error.
    """

    def __init__(self, directory: Path, code: bytes) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        super().__init__(str(directory))
        self.code = code

    def get_source_checksum(self, source: str) -> str:
        return hashlib.sha256(self.code + source.encode("utf-8", "surrogatepass")).hexdigest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # garbage, a truncated file, another Python's marshal format: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class _CleanSource(jinja2.BaseLoader):
    """Templates without control characters, so that the text a template writes is as clean as the values it
    prints (see `without_controls`)."""

    def __init__(self, loader: jinja2.BaseLoader) -> None:
        self.loader = loader

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.loader.get_source(environment, template)
        return remove_controls(source), filename, uptodate

    def list_templates(self) -> list[str]:
        return self.loader.list_templates()


def make_environment(site_root: Path, compiled: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: the site's `templates/` first, then the built-in theme (also as `summitsite/…`).

    `compiled` is a folder where compiled templates are kept between builds (`TemplateCache`)."""
    builtin = jinja2.PackageLoader("summitsite", "theme/templates")
    loader = _CleanSource(jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(Path(site_root) / "templates"),
        # The prefix lets an override extend the very template it replaces: {% extends "summitsite/article.html" %}.
        jinja2.PrefixLoader({"summitsite": builtin}),
        builtin,
    ]))
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        finalize=without_controls,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build makes its own environment, and the dev server a new one when a template changes
        # (`LiveSite`): checking every template's file time on every page was 3% of rendering.
        auto_reload=False,
        bytecode_cache=TemplateCache(compiled, code_fingerprint()) if compiled is not None else None,
    )
    env.filters.update({
        "block_kind": block_kind,
        "css_name": charts.css_name,
        "excerpt": excerpt,
        "heading_level": heading_level,
        "http_url": http_url,
        "json_ld": json_ld,
        "label_name": label_name,
        "lead_in_label": lead_in_label,
        "lead_in_suffix": lead_in_suffix,
        "link_entities": link_entities,
        "long_date": long_date,
        "reading_minutes": reading_minutes,
    })
    env.globals.update({
        "entity_path": paths.entity_path,
        "topic_path": paths.topic_path,
        "compare_path": paths.compare_path,
        "faq_page_path": paths.faq_page_path,
        "tag_slug": tag_slug,
        "paths": paths,
    })
    return env


def without_controls(value: Any) -> Any:
    """Jinja's `finalize`: every printed string loses its control characters.

    Inputs lose them when read (see `summitsite.controls`); this also covers values a template makes."""
    # Runs for every value a page prints: most are plain printable strings, answered without another call.
    if value.__class__ is str and value.isprintable():
        return value
    # Markup passes as it is. A macro's output is made of values printed through here and of template text
    # (`_CleanSource`): checking it again when the caller prints it checked every section of a page two or
    # three times over, a tenth of the rendering. The other Markup is this package's, made from inputs
    # that lost their controls when read: JSON-LD, charts, a page's Markdown.
    if isinstance(value, str) and not isinstance(value, Markup):
        return remove_controls(value)
    return value


@dataclass(frozen=True, slots=True)
class PageJob:
    """One page to render: its output path, its template, and which page it is (`kind` and `index`)."""

    path: str
    template: str
    kind: str
    """index, article, page, entities, entity, compare, topics, topic, faq, search or 404."""
    index: int = 0
    """The position of the article, content page, entity, compare entity or topic it shows."""
    number: int = 1
    """Which page of a list cut into pages (an entity's mentions, the FAQ hub) it is, from 1."""


def page_jobs(site: Site) -> list[PageJob]:
    """Every page of the site, in the order `render_site` renders them."""
    jobs = [PageJob(urls.INDEX, "index.html", "index")]
    jobs += [article_job(site, i) for i in range(len(site.articles))]
    jobs += [PageJob(urls.page_path(p.slug), p.template or "page.html", "page", i) for i, p in enumerate(site.pages)]
    jobs.append(PageJob(paths.ENTITIES_INDEX, "entities.html", "entities"))
    jobs += [PageJob(paths.entity_path(e.slug, n), "entity.html", "entity", i, n)
             for i, e in enumerate(site.entities) for n in range(1, views.entity_pages(site, e) + 1)]
    jobs += [PageJob(paths.compare_path(e.slug), "compare.html", "compare", i)
             for i, e in enumerate(views.compare_entities(site))]
    jobs.append(PageJob(paths.TOPICS_INDEX, "topics.html", "topics"))
    jobs += [PageJob(paths.topic_path(t.slug), "topic.html", "topic", i) for i, t in enumerate(site.topics)]
    jobs += [PageJob(paths.faq_page_path(n), "faq.html", "faq", 0, n) for n in range(1, views.faq_pages(site) + 1)]
    jobs.append(PageJob(paths.SEARCH, "search.html", "search"))
    jobs.append(PageJob(paths.NOT_FOUND, "404.html", "404"))
    return jobs


def article_job(site: Site, i: int) -> PageJob:
    """The page of `site.articles[i]`."""
    return PageJob(urls.article_path(site.articles[i].slug), "article.html", "article", i)


def page_context(site: Site, job: PageJob, compare: tuple[Entity, ...] | None = None) -> dict[str, Any]:
    """What `job`'s template sees beyond the common context (`site`, `config`, `url`, ...)."""
    kind, i = job.kind, job.index
    if kind == "article":
        articles = site.articles
        article = articles[i]
        return dict(article=article,
                    prev_article=articles[i - 1] if i > 0 else None,
                    next_article=articles[i + 1] if i + 1 < len(articles) else None,
                    toc=toc_tree((s.heading, s.anchor, s.level) for s in article.sections),
                    related=tuple(site.article(s) for s in site.related.get(article.slug, ())),
                    entities=views.article_entities(site, article),
                    elsewhere=views.elsewhere(site, article),
                    topics=tuple((t, tag_slug(t)) for t in article.meta.tags))
    if kind == "page":
        page = site.pages[i]
        # Only pages of kind "article" make topics; a plain page's tags link only to topics that exist.
        topic_slugs = {topic.slug for topic in site.topics}
        return dict(page=page, toc=page_toc(page),
                    topics=tuple((t, tag_slug(t)) for t in page.meta.tags if tag_slug(t) in topic_slugs))
    if kind == "index":
        return dict(network=charts.network(site))
    if kind == "entities":
        return dict(groups=views.entity_groups(site), chart=charts.index_bars(site))
    if kind == "entity":
        entity = site.entities[i]
        view = views.entity_view(site, entity, job.number)
        chart = charts.entity_bars(entity.name, ((article.title, n) for article, n in view.counts),
                                   articles=view.counted, total=view.mentions)
        return dict(view=view, chart=chart if view.counts else None)
    if kind == "compare":
        entity = (compare if compare is not None else views.compare_entities(site))[i]
        return dict(view=views.compare_view(site, entity))
    if kind == "topic":
        return dict(view=views.topic_view(site, site.topics[i]))
    if kind == "faq":
        return dict(hub=views.faq_hub(site, job.number))
    if kind == "404":
        return dict(url=_url_from_anywhere(site), canonical="")
    return {}


def render_page(env: jinja2.Environment, site: Site, job: PageJob, context: dict[str, Any]) -> bytes:
    """`job`'s page, given its `page_context` (computed once: the build also fingerprints it)."""
    return _render(env, job.template, site, job.path, **context)


CHUNK_CHARACTERS = 1 << 16


def render_page_chunks(env: jinja2.Environment, site: Site, job: PageJob, context: dict[str, Any]) -> Iterator[bytes]:
    """`render_page`'s bytes in pieces of about 64 KB, for writing as they come.

    The whole page never exists at once: Jinja's `render` joins every fragment of a page (hundreds of
    thousands on the FAQ hub of a large site) before encoding it, which made the hub pages the peak of a
    build's memory.
    """
    pieces = env.get_template(job.template).generate(_common(site, job.path, context))
    pending: list[str] = []
    size = 0
    # Fragments are taken a batch at a time: a large page yields hundreds of thousands of them, and a
    # Python-level step per fragment cost more than joining them.
    while taken := list(itertools.islice(pieces, _BATCH_PIECES)):
        batch = "".join(taken)
        pending.append(batch)
        size += len(batch)
        if size >= CHUNK_CHARACTERS:
            yield "".join(pending).encode("utf-8")
            pending.clear()
            size = 0
    if pending:
        yield "".join(pending).encode("utf-8")


_BATCH_PIECES = 512


def render_site(site: Site, env: jinja2.Environment) -> dict[str, bytes]:
    """Every page of the site plus the built-in static files, keyed by output path, in sorted order."""
    files: dict[str, bytes] = {}

    def add(path: str, data: bytes) -> None:
        # analyse() already makes slugs unique; a clash here is a bug, and it must not overwrite silently.
        if path in files:
            raise ValueError(f"two outputs would be written to {path}")
        files[path] = data

    compare = views.compare_entities(site)
    for job in page_jobs(site):
        add(job.path, render_page(env, site, job, page_context(site, job, compare)))
    for path, data in builtin_static().items():
        add(path, data)
    return dict(sorted(files.items()))


def _render(env: jinja2.Environment, template: str, site: Site, page_path: str, **extra: Any) -> bytes:
    return env.get_template(template).render(_common(site, page_path, extra)).encode("utf-8")


def _common(site: Site, page_path: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The context every template sees, plus the page's own `extra`."""
    return {
        "site": site,
        "config": site.config,
        "page_path": page_path,
        "url": _url_from(page_path),
        "path_of": path_of,
        "ld": Structured(site, page_path),
        "canonical": urls.absolute_url(site.config.base_url, page_path) if site.config.base_url else "",
        **extra,
    }


def _url_from_anywhere(site: Site) -> Callable[[str], str]:
    """Links for a page served at any depth (404.html): root-relative, under `base_url`'s path.

    A relative link cannot work from an unknown depth. The path of base_url (`/news/` for
    https://example.org/news/) names the site's root on its host without naming the host, so the page
    makes no request to another origin; without a base_url the site is assumed to be at the host's root.
    """
    root = urls.root_path(site.config.base_url)

    def url(path: str, fragment: str = "") -> str:
        return root + urls.relative_url(urls.INDEX, path + "#" + fragment if fragment else path)

    return url


def _url_from(page_path: str) -> Callable[[str], str]:
    # Remembered for this page only: a hub page links the same few targets thousands of times, while a
    # cache shared by every page kept a link per (page, target) alive for the whole build, most of a
    # worker's memory growth.
    memo: dict[str, str] = {}
    link = urls.linker(page_path)

    def url(path: str, fragment: str = "") -> str:
        """The link to `path` from this page; with `fragment`, to that anchor in it (`path` has no `#` then).

        `url(p, anchor)` is `url(p ~ '#' ~ anchor)`, but the page's link to `p` is worked out once however
        many of its anchors a page links to (an entity page links thousands of sections).
        """
        href = memo.get(path)
        if href is None:
            href = memo[path] = link(path)
        if fragment and path:
            return href + "#" + urls.quote_fragment(fragment)
        return link("#" + fragment) if fragment else href

    return url


def path_of(item: Article | Page | Entity | Topic) -> str:
    """The output path of an article, content page, entity or topic, for `url(path_of(x))` in templates."""
    if isinstance(item, Article):
        return urls.article_path(item.slug)
    if isinstance(item, Page):
        return urls.page_path(item.slug)
    if isinstance(item, Entity):
        return paths.entity_path(item.slug)
    if isinstance(item, Topic):
        return paths.topic_path(item.slug)
    raise TypeError(f"no output path for {type(item).__name__}")


# --- static files ---------------------------------------------------------------------------------------

def builtin_static() -> dict[str, bytes]:
    """The theme's own static files, as `static/<name>`."""
    root = resources.files("summitsite").joinpath("theme", STATIC_DIR)
    files: dict[str, bytes] = {}
    _read_traversable(root, STATIC_DIR, files)
    return dict(sorted(files.items()))


def _read_traversable(folder: Traversable, prefix: str, files: dict[str, bytes]) -> None:
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            _read_traversable(entry, f"{prefix}/{entry.name}", files)
        else:
            files[f"{prefix}/{entry.name}"] = entry.read_bytes()


def collect_static(site_root: Path) -> dict[str, bytes]:
    """The built-in static files overlaid with the site's own `static/` folder (same name: the site wins).

    Dot files are skipped (editor and OS droppings), and so is any symlink that leads outside the site
    folder, so that a stray link can never publish a file from elsewhere on the machine.
    """
    files = builtin_static()
    site_root = Path(site_root)
    real_root = site_root.resolve()
    folder = site_root / STATIC_DIR
    if folder.is_dir() and _inside(folder.resolve(), real_root):
        _read_site_folder(folder, STATIC_DIR, real_root, files, set())
    return dict(sorted(files.items()))


def _read_site_folder(folder: Path, prefix: str, real_root: Path, files: dict[str, bytes],
                      seen: set[Path]) -> None:
    real = folder.resolve()
    if real in seen:  # a symlink loop inside the site
        return
    seen.add(real)
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink() and not _inside(path.resolve(), real_root):
            continue
        if entry.is_dir():
            _read_site_folder(path, f"{prefix}/{entry.name}", real_root, files, seen)
        elif entry.is_file():
            files[f"{prefix}/{entry.name}"] = path.read_bytes()


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


# --- values the templates show ----------------------------------------------------------------------------

def reading_minutes(article: Article) -> int:
    """Minutes to read the article at 230 words a minute, rounded up; never 0."""
    return max(1, math.ceil(article.word_count / WORDS_PER_MINUTE))


def excerpt(text: str, words: int = EXCERPT_WORDS) -> str:
    """The first `words` words of `text`, cut at a word boundary and marked with "…" when cut."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    # Trailing commas or dashes before the ellipsis read as a typo ("and so,…").
    return " ".join(parts[:words]).rstrip(",;:-–—") + "…"


def toc_tree(entries: Iterable[tuple[str, str, int]]) -> tuple[TocNode, ...]:
    """Nest (text, anchor, level) entries: each one goes under the nearest earlier entry of a lower level."""
    root: list[Any] = [0, []]  # [level, children] frames; the root sits above every real level
    stack = [root]
    for text, anchor, level in entries:
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        frame: list[Any] = [level, [], text, anchor]
        stack[-1][1].append(frame)
        stack.append(frame)
    return _freeze(root[1])


def _freeze(frames: list[list[Any]]) -> tuple[TocNode, ...]:
    return tuple(TocNode(text, anchor, level, _freeze(children)) for level, children, text, anchor in frames)


def page_toc(page: Page) -> tuple[TocNode, ...]:
    """A content page gets a table of contents only when it has two headings or more."""
    if len(page.headings) < 2:
        return ()
    return toc_tree((h.text, h.anchor, h.level) for h in page.headings)


def heading_level(level: int) -> int:
    """A section level as an HTML heading level: never h1 (the page title owns it), never past h6."""
    return min(max(level, 2), 6)


def lead_in_label(label: str) -> str:
    """A paragraph's lead-in label with a colon, unless it already ends in punctuation."""
    label = label.rstrip()
    return label if label and label[-1] in _LABEL_END else label + ":"


def lead_in_suffix(label: str) -> str:
    """The colon `lead_in_label` would add ("" when the label already ends in punctuation)."""
    label = label.rstrip()
    return "" if label and label[-1] in _LABEL_END else ":"


def label_name(label: str) -> str:
    """A callout label without its trailing colon, as an accessible name ("Pro Tip:" -> "Pro Tip")."""
    return label.strip().rstrip(":").rstrip() or "Note"


def http_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL; None otherwise, so `javascript:` and friends are never linked."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def long_date(date: dt.date) -> str:
    """`2 March 2026`, the same on every machine."""
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


_BLOCK_KINDS: tuple[tuple[type, str], ...] = (
    (Paragraph, "paragraph"),
    (ListBlock, "list"),
    (Table, "table"),
    (Callout, "callout"),
    (FaqBlock, "faq"),
)


def block_kind(block: object) -> str:
    """The macro name in `_blocks.html` that renders `block`; an unknown block type is a bug, not a skip."""
    for cls, name in _BLOCK_KINDS:
        if isinstance(block, cls):
            return name
    raise TypeError(f"no template for block type {type(block).__name__}")
