"""Checking a built site: broken links, broken anchors, duplicate ids, unsafe links and malformed HTML.

This module owns the post-build check. It reads the output folder as a browser would see it, so it
catches problems no matter which stage caused them. Every page is parsed exactly once (its ids, links
and structure problems are collected in one pass); links are then resolved against a set of the files
in the output, which keeps the check linear in the size of the site.

`check_project` is `summitsite check`: it adds the loader's warnings and normalisations and the
whole-site advisers to what the output shows.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from summitsite.analyse import Site
from summitsite.errors import SummitError
from summitsite.model import Diagnostic
from summitsite.suggest import suggest_entities
from summitsite.urls import root_path

# Attributes holding a URL, per element.
_URL_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "script": ("src",),
    "source": ("src", "srcset"),
    "iframe": ("src",),
}

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
                   "param", "source", "track", "wbr"})

# Elements whose end tag HTML lets an author leave out (or whose start tag is implied); the parser
# closes them implicitly, so neither a missing nor a stray end tag of these is reported.
_OPTIONAL_END = frozenset({"html", "head", "body", "p", "li", "dt", "dd", "tr", "td", "th", "option",
                           "optgroup", "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rp", "rt",
                           "rtc"})

# Browsers drop these from anywhere in a URL before parsing it, so "java\nscript:" is still javascript:.
_URL_NOISE = re.compile(r"[\t\n\r]")

# One srcset candidate: a URL (a run of non-space), then optional descriptors up to the next comma.
_SRCSET_CANDIDATE = re.compile(r"[\s,]*(\S+)(?<!,)(?:\s[^,]*)?")


def _srcset_urls(value: str) -> list[str]:
    """The URLs of a `srcset`; a URL may itself contain commas (`data:` URLs), so no naive split."""
    urls = []
    for match in _SRCSET_CANDIDATE.finditer(value):
        url = match.group(1).rstrip(",")
        if url:
            urls.append(url)
    return urls


@dataclass
class _Link:
    value: str
    line: int


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    links: list[_Link] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Collects one page's ids, URLs and structure problems."""

    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.page = _Page()
        self._first_id_line: dict[str, int] = {}
        self._stack: list[tuple[str, int]] = []

    def _problem(self, code: str, message: str, line: int) -> None:
        self.page.problems.append(Diagnostic("error", code, message, self.path, line))

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        names: set[str] = set()
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                # A set, so `<a id="x" name="x">` (one element, two names for it) is not a duplicate.
                names.add(value)
            elif name in _URL_ATTRS.get(tag, ()):
                if name == "srcset":
                    self.page.links.extend(_Link(url, line) for url in _srcset_urls(value))
                else:
                    self.page.links.append(_Link(value, line))
        for name in sorted(names):
            if name in self._first_id_line:
                self._problem("duplicate-id", f"duplicate id {name!r} (first used on line "
                                              f"{self._first_id_line[name]})", line)
            else:
                self._first_id_line[name] = line
                self.page.ids.add(name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)
        if tag not in _VOID:
            self._stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # `<br/>`, and self-closing elements in inline SVG or MathML (`<path/>`): nothing stays open.
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag in _VOID:
            return
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                break
        else:
            if tag not in _OPTIONAL_END:
                self._problem("html-structure", f"end tag </{tag}> does not match any open element", line)
            return
        for open_tag, open_line in self._stack[i + 1:]:
            if open_tag not in _OPTIONAL_END:
                self._problem("html-structure", f"<{open_tag}> opened on line {open_line} is not closed "
                                                f"before </{tag}>", line)
        del self._stack[i:]

    def close(self) -> None:
        super().close()
        for tag, line in self._stack:
            if tag not in _OPTIONAL_END:
                self._problem("html-structure", f"<{tag}> is never closed", line)
        self._stack.clear()


def _parse_page(path: Path, rel: str) -> _Page:
    parser = _PageParser(rel)
    # A page that is not valid UTF-8 is still checked; the replacement characters cannot hide a link.
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.page


def _site_files(output: Path) -> tuple[set[str], set[str]]:
    """The POSIX paths of every file and every folder under `output`."""
    files: set[str] = set()
    dirs: set[str] = {"."}
    for dirpath, dirnames, filenames in os.walk(output):
        base = Path(dirpath).relative_to(output)
        dirs.update((base / d).as_posix() for d in dirnames)
        files.update((base / f).as_posix() for f in filenames)
    return files, dirs


def _resolve(page: str, path: str, root: str = "/") -> str | None:
    """The output-relative target of a link's (decoded) path, or None when it leaves the output.

    A root-relative link must lie under `root`, the site's path on its host (urls.root_path).
    """
    if path.startswith("/"):
        if not path.startswith(root):
            return None
        path = path[len(root):] or "."
        base = ""
    else:
        base = posixpath.dirname(page)
    joined = posixpath.join(base, path.lstrip("/"))
    target = posixpath.normpath(joined) if joined else "."
    if target == ".." or target.startswith("../"):
        return None
    return target


def _check_link(page: str, link: _Link, files: set[str], dirs: set[str],
                pages: dict[str, _Page], root: str) -> Diagnostic | None:
    href = link.value.strip()
    cleaned = _URL_NOISE.sub("", href)
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return Diagnostic("error", "broken-link", f"broken link {href!r}: not a valid URL", page, link.line)
    if parts.scheme.lower() == "javascript":
        return Diagnostic("error", "unsafe-link", f"unsafe link {href!r}: javascript: URLs are not allowed",
                          page, link.line)
    if parts.scheme or parts.netloc:
        return None  # another site, mail, phone or inline data: not ours to check
    # Invalid UTF-8 escapes decode to U+FFFD, which names no file, so they are reported as missing.
    path = unquote(parts.path, encoding="utf-8", errors="replace")
    if path:
        target = _resolve(page, path, root)
        if target is None:
            return Diagnostic("error", "broken-link", f"broken link {href!r}: it points outside the output "
                                                      f"folder", page, link.line)
        if path.endswith("/") or target in dirs:
            target = "index.html" if target == "." else f"{target}/index.html"
        if target not in files:
            return Diagnostic("error", "broken-link", f"broken link {href!r}: {target} does not exist",
                              page, link.line)
    else:
        target = page  # "#x" or "?q" alone: this page
    fragment = unquote(parts.fragment)
    if fragment and target in pages and fragment not in pages[target].ids:
        return Diagnostic("error", "broken-anchor", f"broken anchor {href!r}: no id {fragment!r} in {target}",
                          page, link.line)
    return None


def check_site(output: Path, root: str = "/") -> list[Diagnostic]:
    """Every link, anchor, id and structure problem in the built site under `output`, sorted.

    `root` is the site's path on its host (urls.root_path(base_url)), for root-relative links.
    """
    files, dirs = _site_files(output)
    pages = {rel: _parse_page(output / rel, rel) for rel in sorted(files) if rel.endswith(".html")}
    problems: list[Diagnostic] = []
    for rel, page in pages.items():
        problems.extend(page.problems)
        for link in page.links:
            problem = _check_link(rel, link, files, dirs, pages, root)
            if problem is not None:
                problems.append(problem)
    # A stable sort: problems on one line stay in the order they were found.
    problems.sort(key=lambda d: (d.path or "", d.line or 0))
    return problems


# --- `summitsite check`: the site's source and its output, reported together ------------------------------

# Whole-site advisers: each looks at the analysed site and returns advice, such as names that could join
# the entity list. Advice is reported but never fails a check, not even with --strict.
SITE_ADVISERS: tuple[Callable[[Site], list[Diagnostic]], ...] = (suggest_entities,)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `summitsite check` found. Paths are relative to the site folder where possible."""

    errors: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]
    normalisations: tuple[Diagnostic, ...]
    """Repairs the loader made to the text (informational; they never fail a check, not even --strict)."""
    suggestions: tuple[Diagnostic, ...] = ()
    """Advice from the site advisers, e.g. entities to add (informational, like normalisations)."""

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))


def normalisation_diagnostics(site: Site) -> list[Diagnostic]:
    """Every repair of every article as `path:line: normalised 'before' -> 'after'` (code: the rule)."""
    found = []
    for article in sorted(site.articles, key=lambda a: a.source):
        for n in article.normalisations:
            found.append(Diagnostic("warning", n.rule, f"normalised {n.before!r} -> {n.after!r}",
                                    article.source, n.line))
    return found


def check_project(source: Path, output: Path, *, build_first: bool = True, include_drafts: bool = False,
                  base_url: str | None = None, search: bool | None = None, jobs: int | None = None,
                  use_cache: bool = True) -> CheckReport:
    """Build `source` into `output` (unless `build_first` is False: then the output is read as it is),
    and report the output's broken links, anchors and HTML, the loader's warnings and normalisations,
    and the site advisers' findings. A source that cannot be built raises SummitError, as `build` does."""
    # Imported here: the builder is a heavier dependency than the link checker alone needs.
    from summitsite.builder import build, load_site, site_from_cache

    if build_first:
        report = build(source, output, include_drafts, base_url=base_url, search=search, jobs=jobs,
                       use_cache=use_cache)
        site, warnings = report.site, report.warnings
        if site is None:  # nothing changed since the cached build: the site comes from the cached articles
            site, _ = site_from_cache(source, include_drafts, base_url=base_url, search=search, jobs=jobs)
    else:
        if not output.is_dir():
            raise SummitError([Diagnostic("error", "no-output", "output folder not found; build the site first, "
                                          "or run check without --no-build", str(output))])
        site, warnings = load_site(source, include_drafts, base_url=base_url)
    found = [*warnings]
    found.extend(_relative_to(d, output, source) for d in check_site(output, root_path(site.config.base_url)))
    return CheckReport(
        errors=tuple(d for d in found if d.severity == "error"),
        warnings=tuple(d for d in found if d.severity != "error"),
        normalisations=tuple(normalisation_diagnostics(site)),
        suggestions=tuple(d for adviser in SITE_ADVISERS for d in adviser(site)),
    )


def _relative_to(diagnostic: Diagnostic, output: Path, source: Path) -> Diagnostic:
    """An output-relative path as seen from the site folder (`build/index.html`), like every other path."""
    if diagnostic.path is None:
        return diagnostic
    shown = Path(os.path.relpath(output / diagnostic.path, source)).as_posix()
    return dataclasses.replace(diagnostic, path=shown)
