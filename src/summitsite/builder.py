"""The one build pipeline: load -> search index -> analyse -> render -> feeds -> write.

The CLI, the tests and the dev server all call it.

`render_files` is the pure part (a site folder in, a map of output files out); `build` adds the atomic
write. Nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from summitsite import pool, views
from summitsite.analyse import RelateArticles, Site, analyse
from summitsite.cache import BuildCache, FileRecord, OutputState, SiteFiles, code_fingerprint, digest, input_digests
from summitsite.config import SiteConfig, load_config, override_base_url
from summitsite.entities import EntityMatcher, known_names, load_entities
from summitsite.errors import SummitError
from summitsite.feeds import FeedSource, atom_xml, fallback_time, feed_files, noindex_pages
from summitsite.loader import SeedJob, load_seeds
from summitsite.mentions import ArticleScan, MentionIndex, ScanArticle, scan_article
from summitsite.model import Article, ArticleMeta, Diagnostic
from summitsite.pages import load_pages
from summitsite.parse import ParseOptions, parse_seed
from summitsite.progress import Progress
from summitsite.related import RelatedIndex, related_articles, related_for, related_index, related_inputs
from summitsite.render import (
    PageJob,
    builtin_static,
    collect_static,
    make_environment,
    page_context,
    page_jobs,
    render_page,
    render_page_chunks,
)
from summitsite.search import InvertedIndex, Record, doc_path, documents, index_files, inverted_index, record_of
from summitsite.write import MARKER, Staging, WriteReport, check_output_location, write_output

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RenderResult:
    site: Site
    files: Mapping[str, bytes]
    """Output path -> bytes, for every file of the site (a `SiteFiles` when some are carried over unread)."""
    warnings: tuple[Diagnostic, ...]
    search_seconds: float | None = None
    """Time spent making the search index, or None when the site has no search."""
    fingerprints: dict[str, bytes] = dataclasses.field(default_factory=dict)
    """Output page -> the fingerprint of its render inputs (see `summitsite.incremental`)."""
    parsed: int = 0
    """Seeds parsed by this build (the others came from the cache)."""
    rendered: int = 0
    """Pages rendered by this build (the others were reused unchanged)."""
    aspects: Any = None
    """The `incremental.SiteAspects` the next build compares with (only made for a build with a cache)."""
    noindex: frozenset[str] | None = None
    """The pages marked noindex, when the sitemap needed to know (with a base_url)."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    """HTML pages written."""
    seconds: float
    warnings: tuple[Diagnostic, ...]
    write: WriteReport
    search_seconds: float | None = None
    """Time spent making the search index, or None when the build skipped it."""
    notes: tuple[str, ...] = ()
    """Things worth knowing that are not problems (e.g. why there is no sitemap.xml)."""
    site: Site | None = None
    """The analysed site that was built; None when nothing changed and the build was skipped."""
    skipped: bool = False
    """True when no input changed since the cached build, so nothing was loaded, rendered or written."""
    parsed: int = 0
    rendered: int = 0

    def summary(self, output: str) -> str:
        search = "no search index" if self.search_seconds is None else f"search index {self.search_seconds:.2f} s"
        return (f"Built {self.articles} article{'s' if self.articles != 1 else ''} into {self.pages} pages "
                f"in {self.seconds:.2f} s ({search}) -> {output} ({self.write.written} written, "
                f"{self.write.unchanged} unchanged, {self.write.removed} removed)")


ParseSeed = Callable[[str, str, ParseOptions, ArticleMeta | None], Article]


def load_site(source: Path, include_drafts: bool = False, *, base_url: str | None = None,
              search: bool | None = None, parse: ParseSeed = parse_seed,
              parse_all: Callable[[list[SeedJob]], list[Article]] | None = None,
              scan: ScanArticle = scan_article, relate: RelateArticles = related_articles,
              known_meta: MutableMapping[bytes, ArticleMeta] | None = None,
              on_documents: Callable[[Site], None] | None = None) -> tuple[Site, tuple[Diagnostic, ...]]:
    """The analysed site and the loader's and analyser's warnings; nothing is rendered.

    `base_url` and `search`, when given, replace summitsite.yml's (an empty base_url clears it).
    `parse` replaces `parse_seed` for every seed (the dev server passes a cache of unchanged articles);
    `scan` and `relate` replace `scan_article` and `related_articles` (the build's answer from its cache), and
    `known_meta` holds the sidecars already read (`loader.load_seeds`); `on_documents` is `analyse`'s.
    """
    # Every loading stage runs even when an earlier one failed, so one run reports all the problems.
    errors: list[Diagnostic] = []
    config = _collect(errors, load_config, source, default=SiteConfig())
    if base_url is not None:
        config = _collect(errors, override_base_url, config, base_url, default=config)
    if search is not None:
        config = dataclasses.replace(config, search=search)
    # The entity list comes first: its names tell the loader how names are capitalised ("russia's").
    entities = _collect(errors, load_entities, source, default=())
    loaded = _collect(errors, lambda: load_seeds(source, config, include_drafts, parse, known_names(entities),
                                                 parse_all=parse_all, known_meta=known_meta), default=None)
    pages = _collect(errors, load_pages, source, include_drafts, config.allow_html, default=[])
    if errors:
        raise SummitError(errors)
    site = analyse(config, list(loaded.articles), pages, entities, scan, relate, on_documents)
    warnings = [*loaded.diagnostics, *(d for a in site.articles for d in a.diagnostics), *site.diagnostics]
    return site, tuple(warnings)


def render_files(source: Path, include_drafts: bool = False, *, base_url: str | None = None,
                 search: bool | None = None, parse: ParseSeed = parse_seed, jobs: int = 1,
                 cache: BuildCache | None = None, previous: OutputState | None = None,
                 reuse: dict[str, tuple[bytes, bytes]] | None = None,
                 progress: Progress | None = None, memo: AnalysisMemo | None = None,
                 staging: Staging | None = None, env: jinja2.Environment | None = None) -> RenderResult:
    """Everything up to, but not including, writing: the site and its files, or SummitError.

    The files are the rendered pages, the static files, feed.xml, robots.txt, sitemap.xml (with a
    base_url) and, when the site has search (`search` overrides summitsite.yml), the search index under
    `search.INDEX_DIR`. Templates see the same setting, so a site without the index never links to it.

    `jobs` > 1 parses and renders in that many worker processes (same bytes for any number). `cache`
    keeps parsed seeds, mention scans and search records between builds. `previous` (the cache's record of
    the output folder) lets a page whose fingerprint is unchanged be carried over from that folder
    unrendered; `reuse` (path -> (fingerprint, bytes), the dev server's last build) does the same from
    memory, and `memo` keeps its analysis. With `staging`, each rendered page goes straight into that new
    output folder (`SiteFiles.staged`) instead of into memory. `env` is a `render.make_environment(source)`
    made earlier (the dev server keeps one while the templates are unchanged, rather than compile them again).
    """
    with gc_paused():
        return _render_files(source, include_drafts, base_url, search, parse, jobs, cache, previous, reuse,
                             progress, memo, staging, env)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off in this process for the duration, then as it was.

    A build allocates hundreds of thousands of long-lived objects that hold no cycles (articles, scans,
    search records); every few hundred of them started a collection, and every so often one that walked
    all the objects made before. That was a fifth of a one-seed edit's time. Nothing is kept from being
    freed: objects without cycles go as soon as they are unused, and the cycles left wait for the end of
    the build. The worker processes keep the collector on (`pool.run_indexed`).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Everything made meanwhile moves to the oldest generation without being walked: otherwise the first
        # young collection after the pause would walk all of it. (Not when the program has frozen objects of
        # its own: unfreezing would undo that.)
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def _render_files(source: Path, include_drafts: bool, base_url: str | None, search: bool | None,
                  parse: ParseSeed, jobs: int, cache: BuildCache | None, previous: OutputState | None,
                  reuse: dict[str, tuple[bytes, bytes]] | None, progress: Progress | None,
                  memo: AnalysisMemo | None, staging: Staging | None, env: jinja2.Environment | None) -> RenderResult:
    progress = progress or Progress(None)
    parser = _CachedParser(cache, jobs, parse, progress)
    scans = _CachedScans(cache, parser, memo)
    relate = _CachedRelated(cache, memo, jobs)
    sidecars = _CachedSidecars(cache)
    index: list[_SearchIndex] = []

    def make_index(documents: Site) -> None:
        if not documents.config.search:
            return
        if jobs > 1 and parser.parsed >= pool.MIN_ITEMS:
            index.append(pool.run_isolated(_search_index, documents, cache, parser, staging, progress))
        else:
            index.append(_search_index(documents, cache, parser, staging, progress))

    # The search index is made as soon as the articles are final, before the analysis: it needs nothing
    # else. When many articles were parsed afresh (a cold build), so that their records are made too, that
    # is in a process of its own: the records and postings (90 MB at 10,000 articles) then take no room in
    # this process, where the rest of the build and every page worker forked from it would carry them, or
    # the free space they leave, to the end. After an edit the records come from the cache; there the
    # child's copying of every page of articles it touches cost more (0.2 s at 1,000 articles) than it saved.
    site, warnings = load_site(source, include_drafts, base_url=base_url, search=search, parse_all=parser,
                               scan=scans, relate=relate, known_meta=sidecars, on_documents=make_index)
    scans.save()
    relate.save()
    sidecars.save()
    progress.stage("analysed")
    if env is None:
        env = make_environment(source, cache.folder / TEMPLATES if cache is not None and cache.enabled else None)
    plan = page_jobs(site)
    from summitsite.incremental import Fingerprinter, settled_pages, site_aspects  # imported late: they import render

    fingerprinter = Fingerprinter(site, source, parser.keys)
    # Only a build that records its output (with the cache) needs the aspects, for the next build.
    aspects = site_aspects(fingerprinter, plan, previous.aspects if previous is not None else None) \
        if cache is not None else None
    settled = settled_pages(previous.aspects, aspects, plan) \
        if previous is not None and aspects is not None else set()
    # Each page's context, fingerprint and (when the fingerprint is new) rendering happen together in the
    # workers: the context is computed once and shared by the two, and none of it is a serial step.
    old_out = Path(previous.output) if previous is not None else None
    pages = _Pages(env, site, plan, views.compare_entities(site), fingerprinter, source,
                   previous.files if previous is not None else {}, old_out, reuse or {}, staging)
    progress.start("rendering", len(plan))
    # A settled page is only checked on disk, here; the others go to the workers.
    outcomes: list = [None] * len(plan)
    for i in settled:
        outcomes[i] = _settled_page(pages, i)
    todo = [i for i, outcome in enumerate(outcomes) if outcome is None]
    progress.advance(len(plan) - len(todo))
    # Hub pages (entities, compare, topics, the FAQ) each show part of every article that concerns them.
    weight = {"faq": 0, "entity": 1, "topic": 2, "compare": 3, "index": 4, "entities": 5, "topics": 6}
    heavy = sorted((n for n, i in enumerate(todo) if plan[i].kind in weight),
                   key=lambda n: (weight[plan[todo[n]].kind], n))
    for i, outcome in zip(todo, pool.run_indexed(_page_job, (pages, todo), len(todo), jobs, progress.advance,
                                                 heavy=heavy), strict=True):
        outcomes[i] = outcome
    progress.stage("rendered")
    fresh: dict[str, bytes] = {}
    kept: dict[str, Path] = {}
    staged: dict[str, bytes] = {}
    fingerprints: list[bytes] = []
    rendered_count = 0
    for job, (fingerprint, how, data) in zip(plan, outcomes, strict=True):
        if job.path in fresh or job.path in kept or job.path in staged:
            raise ValueError(f"two outputs would be written to {job.path}")
        fingerprints.append(fingerprint)
        if how == _KEPT:
            kept[job.path] = old_out / job.path  # type: ignore[operator]
        elif how == _REUSED:
            fresh[job.path] = pages.reuse[job.path][1]
        elif how == _STAGED:
            staged[job.path] = data  # type: ignore[assignment]  # the SHA-256 of what was placed
            rendered_count += 1
        else:
            fresh[job.path] = data  # type: ignore[assignment]
            rendered_count += 1
    for path in builtin_static():
        if path in fresh or path in kept or path in staged:
            raise ValueError(f"two outputs would be written to {path}")
    fresh.update(collect_static(source))
    files = SiteFiles(fresh, kept, staged, staging.path if staging is not None else None)
    # The sitemap lists the rendered pages, so the feeds come after rendering.
    noindex = None
    if site.config.base_url:
        # A kept page has the bytes it had in the last build: whether it said noindex is known from then.
        known = {path: path in previous.noindex for path in files.kept} \
            if previous is not None and isinstance(previous.noindex, frozenset) else {}
        noindex = frozenset(noindex_pages(files, known))
    _merge(files, feed_files(site, files, fallback_time(), _CachedAtom(cache), noindex), "feeds")
    search_seconds = None
    if index:
        _merge(files, index[0].files, "the search index", index[0].placed)
        search_seconds = index[0].seconds
    progress.stage("ready to write")
    by_path = dict(zip((j.path for j in plan), fingerprints, strict=True))
    # Without files carried over from an old output, the result is the plain sorted dict it always was.
    out_files: Mapping[str, bytes] = files if files.kept or files.staged else dict(sorted(files.fresh.items()))
    return RenderResult(site, out_files, warnings, search_seconds, by_path, parser.parsed, rendered_count, aspects,
                        noindex)


@dataclass(frozen=True, slots=True)
class _SearchIndex:
    files: dict[str, bytes]
    """What `search.index_files` returned: the index's files not already placed in the staging folder."""
    placed: dict[str, bytes]
    """Path -> SHA-256 of each index file written into the staging folder."""
    seconds: float


def _search_index(site: Site, cache: BuildCache | None, parser: _CachedParser, staging: Staging | None,
                  progress: Progress) -> _SearchIndex:
    """The search index of `site`'s documents, with the records and postings the cache keeps for the next build."""
    started = time.perf_counter()
    progress.stage("indexing for search")
    records, written = _CachedSearch(cache, parser).records(site, staging)
    previous_index = cache.load(_INVERTED) if cache is not None else None
    usable = isinstance(previous_index, InvertedIndex) and isinstance(previous_index.terms, tuple) \
        and isinstance(previous_index.postings, dict)
    inverted = inverted_index(records, previous_index if usable else None)
    del previous_index
    in_staging = {i: staging.path / doc_path(i) for i in written} if staging is not None else {}
    placed = {doc_path(i): sha for i, sha in written.items()}

    def place(path: str, data: bytes) -> None:
        placed[path] = staging.place(path, (data,))  # type: ignore[union-attr]  # only with staging

    files = index_files(records, site.config.language, inverted, in_staging, place if staging is not None else None)
    if cache is not None:
        cache.save(_INVERTED, inverted)
    return _SearchIndex(files, placed, time.perf_counter() - started)


def site_from_cache(source: Path, include_drafts: bool = False, *, base_url: str | None = None,
                    search: bool | None = None, jobs: int | None = None) -> tuple[Site, tuple[Diagnostic, ...]]:
    """`load_site`, with the parsed articles taken from the build cache where it has them."""
    parser = _CachedParser(BuildCache(source), pool.default_jobs() if jobs is None else jobs, parse_seed,
                           Progress(False))
    return load_site(source, include_drafts, base_url=base_url, search=search, parse_all=parser)


_RENDERED, _KEPT, _REUSED, _STAGED = "rendered", "kept", "reused", "staged"
TEMPLATES = "templates"
"""The build cache's folder of compiled templates (`render.TemplateCache`)."""
_INVERTED = "postings.pickle"
"""The last search index's postings (`search.InvertedIndex`), so that an edit makes only its words' again."""
_STAMPS = "inputs.pickle"
"""The stamps and hashes of the input files (`cache.input_digests`), so that a build reads only changed ones."""


@dataclass(frozen=True, slots=True)
class _Pages:
    """What the page workers share (inherited through fork): the site, its plan, the last build's records."""

    env: jinja2.Environment
    site: Site
    plan: list[PageJob]
    compare: tuple
    fingerprinter: Any
    source: Path
    records: Mapping[str, FileRecord]
    """The previous output's files (path -> record with the fingerprint it was rendered from)."""
    old_out: Path | None
    reuse: Mapping[str, tuple[bytes, bytes]]
    """The dev server's last build: path -> (fingerprint, bytes)."""
    staging: Staging | None
    """Where a rendered page goes, when not back to the parent in memory."""


def _settled_page(pages: _Pages, i: int) -> tuple[bytes, str, None] | None:
    """A settled page kept from the old output without computing its context, or None if its file there is
    not the one recorded (then it is fingerprinted, and rendered if need be, like any other page)."""
    record = pages.records.get(pages.plan[i].path)
    if record is None or record.fingerprint is None or pages.old_out is None:
        return None
    try:
        if record.matches(os.lstat(pages.old_out / pages.plan[i].path)):
            return record.fingerprint, _KEPT, None
    except OSError:
        pass
    return None


def _page_job(state: tuple[_Pages, list[int]], n: int) -> tuple[bytes, str, bytes | None]:
    """(fingerprint, how, bytes) of the page `todo[n]`: rendered, or found unchanged in memory or in the old
    output. A page placed in the staging folder comes back as its SHA-256 instead of its bytes.
    """
    pages, todo = state
    i = todo[n]
    job = pages.plan[i]
    try:
        context = page_context(pages.site, job, pages.compare)
        fingerprint = pages.fingerprinter.page(job, context)
        if pages.reuse.get(job.path, (None,))[0] == fingerprint:
            return fingerprint, _REUSED, None
        record = pages.records.get(job.path)
        if record is not None and record.fingerprint == fingerprint and pages.old_out is not None:
            try:
                if record.matches(os.lstat(pages.old_out / job.path)):
                    return fingerprint, _KEPT, None
            except OSError:
                pass
        if pages.staging is None:
            return fingerprint, _RENDERED, render_page(pages.env, pages.site, job, context)
        sha = pages.staging.place(job.path, render_page_chunks(pages.env, pages.site, job, context))
        return fingerprint, _STAGED, sha
    except Exception as exc:
        # A site's own template can fail in any way (a typo, a filter given the wrong type): report the
        # template and line. An exception that did not pass through a template is summitsite's bug: re-raise.
        # This runs in the worker, where the traceback that names the template still exists.
        diagnostic = template_diagnostic(exc, pages.source)
        if diagnostic is None:
            raise
        raise SummitError([diagnostic]) from None


def _parse_job(jobs: list[SeedJob], i: int) -> Article:
    return jobs[i].parse()


class _CachedParser:
    """`parse_all` for `load_seeds`: cached articles by key, the rest parsed in the worker pool."""

    KIND = "parsed"

    def __init__(self, cache: BuildCache | None, jobs: int, parse: ParseSeed, progress: Progress) -> None:
        self.cache, self.jobs, self.parse, self.progress = cache, jobs, parse, progress
        self.parsed = 0
        self.keys: dict[int, bytes] = {}
        """id(article) -> the cache key it was parsed or found under, for the articles of this build."""
        self.articles: list[Article] = []

    def __call__(self, jobs: list[SeedJob]) -> list[Article]:
        if self.parse is not parse_seed:  # a stand-in (the dev server's own cache): call it as it is
            return [self.parse(job.text(), job.shown, job.options, job.meta) for job in jobs]
        code = code_fingerprint()
        # Every job holds the same options (and most no sidecar): each repr once, not once per seed, where the
        # options' list of names made it a fortieth of a one-seed edit.
        reprs: dict[int, tuple[object, str]] = {}

        def shown(value: object) -> str:
            known = reprs.get(id(value))
            if known is None:
                known = reprs[id(value)] = (value, repr(value))  # holds the value, so that its id stays its own
            return known[1]

        keys = [digest(code, job.text_sha, job.shown, shown(job.options), shown(job.meta)) for job in jobs]
        stored = self.cache.load_entries(self.KIND, keys) if self.cache is not None else {}
        missing = [i for i, key in enumerate(keys) if not isinstance(stored.get(key), Article)]
        self.progress.start("parsing", len(missing))
        parsed = pool.run_indexed(_parse_job, [jobs[i] for i in missing], len(missing), self.jobs,
                                  self.progress.advance)
        self.parsed = len(parsed)
        for i, article in zip(missing, parsed, strict=True):
            stored[keys[i]] = article
        articles = [stored[key] for key in keys]
        self.keys = {id(article): key for article, key in zip(articles, keys, strict=True)}
        self.articles = articles
        if self.cache is not None:
            self.cache.save_entries(self.KIND, {keys[i]: stored[keys[i]] for i in missing}, keys)
        return articles


class AnalysisMemo:
    """What the dev server keeps in memory between rebuilds: each article's mention scan and the last
    related-articles result. Its parse cache hands back the very same `Article` for an unchanged seed, so
    a scan is found by the article's identity (the entry holds the article, so the identity stays unique).
    """

    def __init__(self) -> None:
        self.scans: dict[int, tuple[Article, str, ArticleScan]] = {}
        self.related: tuple[bytes, Mapping[str, tuple[str, ...]]] | None = None
        self.matcher: EntityMatcher | None = None
        """The entity matcher of the last build that scanned anything (the dev server's fast pass scans with it)."""


class _CachedScans:
    """`scan_article` answering from the build cache for articles it has scanned with the same entity list.

    Finding the mentions is most of the whole-site analysis; after a one-seed edit only that seed's scan is
    new. An article is known by the key it was parsed under (its text, options and sidecar, summitsite's
    code), so an article the analysis changed (a duplicate slug renamed) is simply scanned again.
    """

    KIND = "mentions"

    def __init__(self, cache: BuildCache | None, parser: _CachedParser, memo: AnalysisMemo | None = None) -> None:
        self.cache, self.parser, self.memo = cache, parser, memo
        self.stored: dict[bytes, ArticleScan] = {}
        """The scans not yet handed to the mention index (each is handed over once, then forgotten)."""
        self.seen: dict[int, tuple[Article, str, ArticleScan]] = {}
        self.prefetched = False

    def __call__(self, article: Article, matcher: EntityMatcher) -> ArticleScan:
        if self.memo is not None:
            self.memo.matcher = matcher
            entry = self.memo.scans.get(id(article))
            if entry is None or entry[0] is not article or entry[1] != matcher.signature:
                entry = (article, matcher.signature, scan_article(article, matcher))
            self.seen[id(article)] = entry
            return entry[2]
        key = self.parser.keys.get(id(article))
        if key is None:
            return scan_article(article, matcher)
        if not self.prefetched:
            self._prefetch(matcher)
        # Popped: the mention index keeps what it needs of each scan (its sections), and the build never holds
        # a second copy.
        found = self.stored.pop(digest(key, matcher.signature), None)
        return found if isinstance(found, ArticleScan) else scan_article(article, matcher)

    def _prefetch(self, matcher: EntityMatcher) -> None:
        """Scan every parsed article the cache lacks in the worker pool, rather than one by one here, and store
        the new scans in the cache (keeping exactly the scans of this build's articles)."""
        self.prefetched = True
        keys = [digest(self.parser.keys[id(a)], matcher.signature) for a in self.parser.articles]
        if self.cache is not None:
            self.stored = self.cache.load_entries(self.KIND, keys)
        todo = [i for i, key in enumerate(keys) if not isinstance(self.stored.get(key), ArticleScan)]
        new: dict[bytes, ArticleScan] = {}

        def collect(n: int, scan: ArticleScan) -> None:
            new[keys[todo[n]]] = self.stored[keys[todo[n]]] = scan

        pool.run_indexed(_scan_job, ([self.parser.articles[i] for i in todo], matcher), len(todo), self.parser.jobs,
                         collect=collect)
        if self.cache is not None:
            self.cache.save_entries(self.KIND, new, keys)

    def save(self) -> None:
        if self.memo is not None:
            self.memo.scans = self.seen  # the articles of this build only: the others are gone
        self.stored, self.seen = {}, {}


class _CachedSidecars(dict):
    """The sidecars read by the last build, by the hash of their shown path and bytes (`loader.load_seeds`):
    reading YAML is most of what loading costs once the articles come from the cache."""

    FILE = "sidecars.pickle"

    def __init__(self, cache: BuildCache | None) -> None:
        stored = cache.load(self.FILE) if cache is not None else None
        super().__init__(stored if isinstance(stored, dict) else {})
        self.cache, self.used, self.before = cache, set(), frozenset(self)

    def get(self, key: bytes, default: Any = None) -> Any:
        self.used.add(key)
        found = super().get(key, default)
        return found if isinstance(found, ArticleMeta) else default

    def __setitem__(self, key: bytes, meta: ArticleMeta) -> None:
        self.used.add(key)
        super().__setitem__(key, meta)

    def save(self) -> None:
        """Keep exactly the sidecars of this build; write only when that changed."""
        if self.cache is not None and self.used != self.before:
            self.cache.save(self.FILE, {key: self[key] for key in sorted(self.used) if key in self})


class _CachedRelated:
    """`related_articles`, reused from the build cache when its inputs (`related_inputs`) are unchanged."""

    FILE = "related.pickle"

    def __init__(self, cache: BuildCache | None, memo: AnalysisMemo | None = None, jobs: int = 1) -> None:
        self.cache, self.memo, self.jobs = cache, memo, jobs
        self.result: tuple[bytes, Mapping[str, tuple[str, ...]]] | None = None

    def _compute(self, articles: tuple[Article, ...], mentions: MentionIndex) -> dict[str, tuple[str, ...]]:
        # Scoring is per article and the site is dense (most articles share some entity or tag with most
        # others), so the articles are shared out over the worker pool.
        index = related_index(articles, mentions)
        found = pool.run_indexed(_related_job, index, len(articles), self.jobs)
        return {article.slug: slugs for article, slugs in zip(articles, found, strict=True)}

    def __call__(self, articles: tuple[Article, ...], mentions: MentionIndex) -> Mapping[str, tuple[str, ...]]:
        key = digest(code_fingerprint(), repr(related_inputs(articles, mentions)))
        if self.memo is not None:
            if self.memo.related is not None and self.memo.related[0] == key:
                return self.memo.related[1]
            related = self._compute(articles, mentions)
            self.memo.related = (key, related)
            return related
        stored = self.cache.load(self.FILE) if self.cache is not None else None
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and isinstance(stored[1], dict):
            return stored[1]
        related = self._compute(articles, mentions)
        self.result = (key, related)
        return related

    def save(self) -> None:
        if self.cache is not None and self.result is not None:
            self.cache.save(self.FILE, self.result)


def _related_job(index: RelatedIndex, i: int) -> tuple[str, ...]:
    return related_for(index, i)


def _scan_job(state: tuple[list[Article], EntityMatcher], i: int) -> ArticleScan:
    articles, matcher = state
    return scan_article(articles[i], matcher)


class _CachedSearch:
    """The search records of the site's documents, an article's from the build cache when it has it.

    An article is known by the key it was parsed under and its slug (like `_CachedScans`), so after a
    one-seed edit only that article's record is made again; content pages and entities are few and quick,
    and are always made afresh. Missing records are made in the worker pool.
    """

    KIND = "search"

    def __init__(self, cache: BuildCache | None, parser: _CachedParser) -> None:
        self.cache, self.parser = cache, parser

    def records(self, site: Site, staging: Staging | None = None) -> tuple[list[Record], dict[int, bytes]]:
        """Every document's record, and (with `staging`) the SHA-256 of each document file written there.

        With `staging`, a record made now has its document file written into the new output folder by the
        worker that made it, and comes back without it (`doc` empty): at 10,000 articles the documents are
        130 MB, which the main process held to the end of the build. The cache still gets them whole, a shard at a time.
        """
        items = documents(site)
        keys: list[bytes | None] = []
        for item in items:
            parsed = self.parser.keys.get(id(item)) if isinstance(item, Article) else None
            keys.append(digest(parsed, item.slug) if parsed is not None else None)
        wanted = [key for key in keys if key is not None]
        stored = self.cache.load_entries(self.KIND, wanted) if self.cache is not None else {}
        found: list[Record | None] = [stored.get(key) if key is not None else None for key in keys]
        del stored
        missing = [i for i, record in enumerate(found) if not isinstance(record, Record)]
        written: dict[int, bytes] = {}

        def collect(n: int, made: tuple[Record, bytes | None]) -> None:
            i = missing[n]
            found[i], sha = made
            if sha is not None:
                written[i] = sha

        pool.run_indexed(_search_job, ([items[i] for i in missing], missing, staging), len(missing),
                         self.parser.jobs, collect=collect)
        if self.cache is not None:
            new = {keys[i]: i for i in missing if keys[i] is not None}
            self.cache.save_entries(self.KIND, _WrittenRecords(new, found, staging), wanted)  # type: ignore[arg-type]
        return found, written  # type: ignore[return-value]  # every entry was filled above


def _search_job(state: tuple[list, list[int], Staging | None], n: int) -> tuple[Record, bytes | None]:
    """The record of document `numbers[n]` and, with `staging`, the SHA-256 of its document file, which the
    worker writes there itself: sent back to the main process, the documents of a big site were a hundred
    megabytes in passing, which it kept as its peak."""
    items, numbers, staging = state
    record = record_of(items[n])
    if staging is None:
        return record, None
    return Record(b"", record.terms, record.length), staging.place(doc_path(numbers[n]), (record.doc,))


class _WrittenRecords(Mapping[bytes, Record]):
    """Cache key -> the new record of document `i`, its document read back from the staging folder when it
    was written there: the cache pickles a shard at a time, so only a shard's documents are in memory."""

    def __init__(self, numbers: dict[bytes, int], records: list[Record | None], staging: Staging | None) -> None:
        self.numbers, self.records, self.staging = numbers, records, staging

    def __getitem__(self, key: bytes) -> Record:
        i = self.numbers[key]
        record = self.records[i]
        assert record is not None
        if record.doc or self.staging is None:
            return record
        return Record((self.staging.path / doc_path(i)).read_bytes(), record.terms, record.length)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.numbers)

    def __len__(self) -> int:
        return len(self.numbers)


class _CachedAtom:
    """`feeds.atom_xml`, answering from the build cache while the feed's source is the last build's: the feed
    shows every article's title, date and summary, so an edit of an article's body leaves it as it was."""

    NAME = "feed.pickle"

    def __init__(self, cache: BuildCache | None) -> None:
        self.cache = cache

    def __call__(self, source: FeedSource) -> bytes:
        key = digest(repr(source))
        stored = self.cache.load(self.NAME) if self.cache is not None else None
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and isinstance(stored[1], bytes):
            return stored[1]
        data = atom_xml(source)
        if self.cache is not None:
            self.cache.save(self.NAME, (key, data))
        return data


def _collect(errors: list[Diagnostic], stage: Callable[..., T], *args: Any, default: T) -> T:
    try:
        return stage(*args)
    except SummitError as exc:
        errors.extend(exc.diagnostics)
        return default


def _merge(files: SiteFiles, extra: dict[str, bytes], origin: str, staged: Mapping[str, bytes] | None = None) -> None:
    """Add generated files (and, as `staged`, path -> SHA-256 of those already written into the staging
    folder); one that would replace a page or a static file is an error, never silent."""
    staged = staged or {}
    clashes = sorted(path for path in (*extra, *staged) if path in files)
    if clashes:
        raise SummitError([Diagnostic("error", "output-clash", f"{origin} would overwrite {path}, which the "
                                      f"site already has; rename that page or static file", path)
                           for path in clashes])
    files.fresh.update(extra)
    files.staged.update(staged)


def build(source: Path, output: Path | None = None, include_drafts: bool = False, *,
          base_url: str | None = None, search: bool | None = None, jobs: int | None = None,
          use_cache: bool = True, progress: bool | None = None) -> BuildReport:
    """Build the site in `source` into `output` (default `source/build`), atomically.

    `base_url` and `search` override summitsite.yml's (`search=False` skips the search index). `jobs`
    worker processes parse and render (default: one per CPU). `use_cache=False` neither reads nor writes
    `source/.summitsite-cache/`. `progress` shows a progress bar (default: on an interactive terminal only).
    """
    started = time.perf_counter()
    output = output if output is not None else source / "build"
    check_output_location(source, output)
    jobs = pool.default_jobs() if jobs is None else max(1, jobs)
    cache = BuildCache(source, enabled=use_cache)
    out = output.resolve()
    state = cache.load("output.pickle")
    if not isinstance(state, OutputState) or state.output != str(out):
        state = None
    options = repr((include_drafts, base_url, search, os.environ.get("SOURCE_DATE_EPOCH")))
    stored = cache.load(_STAMPS)
    stamps = stored if isinstance(stored, dict) else {}
    before = dict(stamps)
    inputs = digest(code_fingerprint(), options, *(part for path, sha in sorted(
        input_digests(source, stamps=stamps).items()) for part in (path, sha)))
    if stamps != before:
        cache.save(_STAMPS, stamps)
    del stored, stamps, before  # 20,000 files' stamps at 10,000 articles: not for the rest of the build to hold
    if state is not None and state.inputs == inputs and _output_intact(out, state):
        pages = sum(1 for path in state.files if path.endswith(".html"))
        return BuildReport(state.articles, pages, time.perf_counter() - started, state.warnings,
                           WriteReport(0, len(state.files), 0), 0.0 if state.search else None, state.notes,
                           None, skipped=True)
    bar = Progress(progress)
    staging = Staging(output)
    try:
        result = render_files(source, include_drafts, base_url=base_url, search=search, jobs=jobs,
                              cache=cache if use_cache else None, previous=state, progress=bar, staging=staging)
        files = result.files if isinstance(result.files, SiteFiles) else SiteFiles(dict(result.files))
        report = write_output(files, output, source, state.files if state is not None else None, staging)
    except BaseException:
        staging.discard()  # also on Ctrl-C: the previous output stays as it was, with nothing beside it
        raise
    bar.done()
    pages = sum(1 for path in files if path.endswith(".html"))
    notes: tuple[str, ...] = ()
    if not result.site.config.base_url:
        notes = ("no sitemap.xml: base_url is not set (summitsite.yml or --base-url), and a sitemap needs "
                 "absolute URLs; feed.xml uses relative links and tag: ids",)
    if use_cache:
        cache.save("output.pickle", _record_output(out, files, state, result, inputs, notes, report.untouched))
    return BuildReport(len(result.site.articles), pages, time.perf_counter() - started, result.warnings, report,
                       result.search_seconds, notes, result.site, parsed=result.parsed, rendered=result.rendered)


def _output_intact(out: Path, state: OutputState) -> bool:
    """The output folder holds exactly the recorded files, each with its recorded stamp, and the marker."""
    if not (out / MARKER).is_file():
        return False
    found = 0
    for folder, _dirs, names in os.walk(out):
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), out).replace(os.sep, "/")
            if rel == MARKER:
                continue
            record = state.files.get(rel)
            try:
                if record is None or not record.matches(os.lstat(os.path.join(folder, name))):
                    return False
            except OSError:
                return False
            found += 1
    return found == len(state.files)


def _record_output(out: Path, files: SiteFiles, previous: OutputState | None, result: RenderResult,
                   inputs: bytes, notes: tuple[str, ...], untouched: frozenset[str] = frozenset()) -> OutputState:
    """The records of the output just written; a file in `untouched` keeps its previous record's hash and stamp."""
    records: dict[str, FileRecord] = {}
    for path in files:
        if path in untouched:
            old = previous.files[path]  # type: ignore[union-attr]
            records[path] = FileRecord(old.sha, old.size, old.mtime_ns, old.ino, result.fingerprints.get(path))
            continue
        data = files.fresh.get(path)
        # A staged file came with its hash; a kept one has a record, which it was checked against.
        sha = (hashlib.sha256(data).digest() if data is not None
               else files.staged.get(path) or previous.files[path].sha)  # type: ignore[union-attr]
        try:
            st = os.lstat(out / path)
        except OSError:
            continue
        records[path] = FileRecord(sha, st.st_size, st.st_mtime_ns, st.st_ino, result.fingerprints.get(path))
    return OutputState(str(out), inputs, records, result.search_seconds is not None, result.warnings,
                       len(result.site.articles), notes, result.aspects, result.noindex)


def template_diagnostic(exc: BaseException, source: Path) -> Diagnostic | None:
    """A failure inside a template as `templates/x.html:LINE: message`, or None if no template was involved."""
    name, line = None, None
    if isinstance(exc, jinja2.TemplateSyntaxError):
        name, line = exc.filename or exc.name, exc.lineno
    else:
        # Jinja rewrites tracebacks so that template frames carry the template's file name and line.
        tb = exc.__traceback__
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith((".html", ".xml", ".txt")):
                name, line = filename, tb.tb_lineno
            tb = tb.tb_next
    if name is None and not isinstance(exc, jinja2.TemplateError):
        return None
    if name:
        path = Path(name)
        try:
            name = path.resolve().relative_to(source.resolve()).as_posix()
        except ValueError:
            name = f"(built-in) {path.name}" if path.is_absolute() else name
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return Diagnostic("error", "template", f"template error: {message}", name or "templates", line)
