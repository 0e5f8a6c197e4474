"""The one build pipeline: load -> analyse -> render -> feeds -> search index -> write.

The CLI, the tests and the dev server all call it.

`render_files` is the pure part (a site folder in, a map of output files out); `build` adds the atomic
write. Nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from summitsite.analyse import Site, analyse
from summitsite.config import SiteConfig, load_config, override_base_url
from summitsite.entities import known_names, load_entities
from summitsite.errors import SummitError
from summitsite.feeds import fallback_time, feed_files
from summitsite.loader import load_seeds
from summitsite.model import Article, ArticleMeta, Diagnostic
from summitsite.pages import load_pages
from summitsite.parse import ParseOptions, parse_seed
from summitsite.render import collect_static, make_environment, render_site
from summitsite.search import index_files
from summitsite.write import WriteReport, check_output_location, write_output

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RenderResult:
    site: Site
    files: dict[str, bytes]
    """Output path -> bytes, for every file of the site."""
    warnings: tuple[Diagnostic, ...]
    search_seconds: float | None = None
    """Time spent making the search index, or None when the site has no search."""


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
    """The analysed site that was built."""

    def summary(self, output: str) -> str:
        search = "no search index" if self.search_seconds is None else f"search index {self.search_seconds:.2f} s"
        return (f"Built {self.articles} article{'s' if self.articles != 1 else ''} into {self.pages} pages "
                f"in {self.seconds:.2f} s ({search}) -> {output} ({self.write.written} written, "
                f"{self.write.unchanged} unchanged, {self.write.removed} removed)")


ParseSeed = Callable[[str, str, ParseOptions, ArticleMeta | None], Article]


def load_site(source: Path, include_drafts: bool = False, *, base_url: str | None = None,
              search: bool | None = None, parse: ParseSeed = parse_seed) -> tuple[Site, tuple[Diagnostic, ...]]:
    """The analysed site and the loader's and analyser's warnings; nothing is rendered.

    `base_url` and `search`, when given, replace summitsite.yml's (an empty base_url clears it).
    `parse` replaces `parse_seed` for every seed (the dev server passes a cache of unchanged articles).
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
    loaded = _collect(errors, load_seeds, source, config, include_drafts, parse, known_names(entities),
                      default=None)
    pages = _collect(errors, load_pages, source, include_drafts, config.allow_html, default=[])
    if errors:
        raise SummitError(errors)
    site = analyse(config, list(loaded.articles), pages, entities)
    warnings = [*loaded.diagnostics, *(d for a in site.articles for d in a.diagnostics), *site.diagnostics]
    return site, tuple(warnings)


def render_files(source: Path, include_drafts: bool = False, *, base_url: str | None = None,
                 search: bool | None = None, parse: ParseSeed = parse_seed) -> RenderResult:
    """Everything up to, but not including, writing: the site and its files, or SummitError.

    The files are the rendered pages, the static files, feed.xml, robots.txt, sitemap.xml (with a
    base_url) and, when the site has search (`search` overrides summitsite.yml), the Pagefind bundle
    under `pagefind/`. Templates see the same setting, so a site without the bundle never links to it.
    """
    site, warnings = load_site(source, include_drafts, base_url=base_url, search=search, parse=parse)
    env = make_environment(source)
    try:
        files = render_site(site, env)
    except Exception as exc:
        # A site's own template can fail in any way (a typo, a filter given the wrong type): report the
        # template and line. An exception that did not pass through a template is summitsite's bug: re-raise.
        diagnostic = template_diagnostic(exc, source)
        if diagnostic is None:
            raise
        raise SummitError([diagnostic]) from None
    files.update(collect_static(source))
    # The sitemap lists the rendered pages, so the feeds come after rendering and before the search bundle.
    _merge(files, feed_files(site, files, fallback_time()), "feeds")
    search_seconds = None
    if site.config.search:
        search_started = time.perf_counter()
        _merge(files, index_files(files, site.config.language), "the search index")
        search_seconds = time.perf_counter() - search_started
    return RenderResult(site, dict(sorted(files.items())), warnings, search_seconds)


def _collect(errors: list[Diagnostic], stage: Callable[..., T], *args: Any, default: T) -> T:
    try:
        return stage(*args)
    except SummitError as exc:
        errors.extend(exc.diagnostics)
        return default


def _merge(files: dict[str, bytes], extra: dict[str, bytes], origin: str) -> None:
    """Add generated files; one that would replace a page or a static file is an error, never silent."""
    clashes = sorted(set(files) & set(extra))
    if clashes:
        raise SummitError([Diagnostic("error", "output-clash", f"{origin} would overwrite {path}, which the "
                                      f"site already has; rename that page or static file", path)
                           for path in clashes])
    files.update(extra)


def build(source: Path, output: Path | None = None, include_drafts: bool = False, *,
          base_url: str | None = None, search: bool | None = None) -> BuildReport:
    """Build the site in `source` into `output` (default `source/build`), atomically.

    `base_url` and `search` override summitsite.yml's (`search=False` skips the Pagefind index).
    """
    started = time.perf_counter()
    output = output if output is not None else source / "build"
    check_output_location(source, output)
    result = render_files(source, include_drafts, base_url=base_url, search=search)
    files = result.files
    report = write_output(files, output, source)
    pages = sum(1 for path in files if path.endswith(".html"))
    notes = ()
    if not result.site.config.base_url:
        notes = ("no sitemap.xml: base_url is not set (summitsite.yml or --base-url), and a sitemap needs "
                 "absolute URLs; feed.xml uses relative links and tag: ids",)
    return BuildReport(len(result.site.articles), pages, time.perf_counter() - started, result.warnings, report,
                       result.search_seconds, notes, result.site)


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
