"""The one build pipeline: load -> analyse -> render -> write. The CLI, the tests and the dev server all call it.

`render_files` is the pure part (a site folder in, a map of output files out); `build` adds the atomic
write. Nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from summitsite.analyse import Site, analyse
from summitsite.config import load_config
from summitsite.errors import SummitError
from summitsite.loader import load_seeds
from summitsite.model import Article, ArticleMeta, Diagnostic
from summitsite.pages import load_pages
from summitsite.parse import ParseOptions, parse_seed
from summitsite.render import collect_static, make_environment, render_site
from summitsite.write import WriteReport, check_output_location, write_output


@dataclass(frozen=True, slots=True)
class RenderResult:
    site: Site
    files: dict[str, bytes]
    """Output path -> bytes, for every file of the site."""
    warnings: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    """HTML pages written."""
    seconds: float
    warnings: tuple[Diagnostic, ...]
    write: WriteReport

    def summary(self, output: str) -> str:
        return (f"Built {self.articles} article{'s' if self.articles != 1 else ''} into {self.pages} pages "
                f"in {self.seconds:.2f} s -> {output} ({self.write.written} written, "
                f"{self.write.unchanged} unchanged, {self.write.removed} removed)")


def render_files(source: Path, include_drafts: bool = False,
                 parse: Callable[[str, str, ParseOptions, ArticleMeta | None], Article] = parse_seed) -> RenderResult:
    """Everything up to, but not including, writing: the site and its files, or SummitError.

    `parse` replaces `parse_seed` for every seed (the dev server passes a cache of unchanged articles).
    """
    config = load_config(source)
    loaded = load_seeds(source, config, include_drafts, parse)
    pages = load_pages(source, include_drafts)
    site = analyse(config, list(loaded.articles), pages)
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
    warnings = [*loaded.diagnostics, *(d for a in site.articles for d in a.diagnostics), *site.diagnostics]
    return RenderResult(site, files, tuple(warnings))


def build(source: Path, output: Path | None = None, include_drafts: bool = False) -> BuildReport:
    """Build the site in `source` into `output` (default `source/build`), atomically."""
    started = time.perf_counter()
    output = output if output is not None else source / "build"
    check_output_location(source, output)
    result = render_files(source, include_drafts)
    report = write_output(result.files, output, source)
    pages = sum(1 for path in result.files if path.endswith(".html"))
    return BuildReport(len(result.site.articles), pages, time.perf_counter() - started, result.warnings, report)


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
