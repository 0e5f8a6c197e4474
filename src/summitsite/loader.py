"""Reading seed articles from disk: decoding, sidecar metadata, and the `seeds/` folder as a whole.

The text itself is parsed by `summitsite.parse`; this module owns everything that touches files, so
`parse_seed` stays a pure function of a string.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from summitsite.config import SiteConfig
from summitsite.controls import strip_controls
from summitsite.errors import SummitError
from summitsite.model import Article, ArticleMeta, Diagnostic
from summitsite.parse import DEFAULT_BOILERPLATE, DEFAULT_CALLOUTS, ParseOptions, parse_seed
from summitsite.slugs import make_slug
from summitsite.yamlmap import describe, read_mapping

SEEDS_DIR = "seeds"
SEED_SUFFIX = ".txt"
SIDECAR_SUFFIX = ".yml"

META_KEYS = ("title", "date", "author", "source_url", "tags", "summary", "slug", "draft")


@dataclass(frozen=True, slots=True)
class LoadResult:
    articles: tuple[Article, ...]
    diagnostics: tuple[Diagnostic, ...]
    """Warnings about skipped files; each article carries its own warnings too."""


def parse_options(config: SiteConfig, known_names: tuple[str, ...] = ()) -> ParseOptions:
    """The parser's options from the site's settings; `known_names` feeds the name-casing repair."""
    return ParseOptions(normalise=config.normalise, callouts=merge_callouts(DEFAULT_CALLOUTS, config.callouts),
                        boilerplate=DEFAULT_BOILERPLATE + config.boilerplate, known_names=known_names)


def merge_callouts(defaults: tuple[tuple[str, str], ...],
                   extra: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Site callouts over the built-in ones: same label (any case) replaces; kind `off` removes.

    Longer labels come first so that "Pro Tip:" wins over "Tip:".
    """
    merged = {label.casefold(): (label.casefold(), kind) for label, kind in defaults}
    for label, kind in extra:
        key = label.strip().casefold()
        if kind == "off":
            merged.pop(key, None)
        else:
            merged[key] = (key, kind)
    return tuple(sorted(merged.values(), key=lambda item: -len(item[0])))


_LINE_BREAK = re.compile(rb"\r\n?|\n")


def decode_text(data: bytes, shown: str) -> str:
    """Bytes of a text file as str: UTF-8 with or without a BOM, any line endings, control characters removed
    (see `strip_controls`). Raise SummitError for a binary file or one that is not UTF-8."""
    return strip_controls(_decode(data, shown))[0]


def _decode(data: bytes, shown: str) -> str:
    if b"\x00" in data[:8192]:
        raise SummitError([Diagnostic("error", "binary-file",
                                      "this is a binary file, not a text article; remove it from the folder", shown)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Any line ending counts (CRLF, LF, or a lone CR), so the line is the one an editor shows.
        line = len(_LINE_BREAK.findall(data, 0, exc.start)) + 1
        raise SummitError([Diagnostic(
            "error", "not-utf8",
            f"not valid UTF-8 (byte {exc.start}: 0x{data[exc.start]:02x}); save the file as UTF-8, "
            f"for example with: iconv -f cp1252 -t utf-8", shown, line)]) from None


def load_seed(path: Path, root: Path, config: SiteConfig, known_names: tuple[str, ...] = ()) -> Article:
    """Load one seed file (and its sidecar, if any) into an Article."""
    shown = display_path(path, root)
    return parse_seed(decode_text(path.read_bytes(), shown), shown, parse_options(config, known_names),
                      _sidecar_meta(path, lambda p: display_path(p, root)))


def _sidecar_meta(path: Path, shown: Callable[[Path], str],
                  known: MutableMapping[bytes, ArticleMeta] | None = None,
                  present: bool | None = None) -> ArticleMeta | None:
    """The seed's sidecar, if it has one. `present` says whether the sidecar is a file, when the caller
    already knows from its folder listing."""
    sidecar = path.with_suffix(SIDECAR_SUFFIX)
    if not (sidecar.is_file() if present is None else present):
        return None
    if known is None:
        return load_sidecar(sidecar, shown(sidecar))
    data, name = sidecar.read_bytes(), shown(sidecar)
    key = hashlib.sha256(name.encode("utf-8") + b"\0" + data).digest()
    meta = known.get(key)
    if meta is None:
        meta = known[key] = _sidecar_from(data, name)
    return meta


def _shown_in(folder: Path, root: Path, links: frozenset[str]) -> Callable[[Path], str]:
    """`display_path` for the files of `folder`, resolving the folder once rather than every file.

    A file that is not a link shows as the folder's shown path plus its name; a link (`links` names them)
    may lead anywhere, so it is resolved on its own.
    """
    prefix = display_path(folder, root)

    def shown(path: Path) -> str:
        return display_path(path, root) if path.name in links else f"{prefix}/{path.name}"

    return shown


@dataclass(frozen=True, slots=True)
class SeedJob:
    """One seed for `parse_all` to parse: the file, and a hash of the text `load_seeds` read from it.

    The text itself is not kept: at 10,000 seeds it is a hundred megabytes, which the main process would hold
    (and, freed, not give back) for the rest of the build. Whoever parses reads the file again (`text`).
    """

    path: Path
    shown: str
    options: ParseOptions
    meta: ArticleMeta | None
    text_sha: bytes
    """SHA-256 of the decoded text (`text_digest`): with the other fields, what the parse depends on."""

    def text(self) -> str:
        """The seed's text as `load_seeds` read it; SummitError if the file changed since."""
        try:
            text = strip_controls(_decode(self.path.read_bytes(), self.shown))[0]
        except OSError as exc:
            raise SummitError([Diagnostic("error", "seed-changed", f"could not be read again: {exc.strerror}; "
                                          f"build again", self.shown)]) from None
        if text_digest(text) != self.text_sha:
            raise SummitError([Diagnostic("error", "seed-changed",
                                          "the file changed while the site was being built; build again",
                                          self.shown)])
        return text

    def parse(self) -> Article:
        return parse_seed(self.text(), self.shown, self.options, self.meta)


def text_digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def load_seeds(root: Path, config: SiteConfig, include_drafts: bool = False,
               parse: Callable[[str, str, ParseOptions, ArticleMeta | None], Article] = parse_seed,
               known_names: tuple[str, ...] = (), *,
               parse_all: Callable[[list[SeedJob]], list[Article]] | None = None,
               known_meta: MutableMapping[bytes, ArticleMeta] | None = None) -> LoadResult:
    """Every `seeds/*.txt` of the site, in file-name order. All problems are collected before raising.

    `parse` stands in for `parse_seed` (same signature, same result): the dev server passes a cache.
    `parse_all`, when given, parses every seed at once (the builder's cache and process pool) instead,
    from `SeedJob`s, which hold no text.
    `known_meta` holds sidecars already read, by the hash of their shown path and bytes (the build cache's):
    a sidecar found there is not parsed again, and one read now is added.
    """
    folder = root / SEEDS_DIR
    if not folder.is_dir():
        raise SummitError([Diagnostic("error", "no-seeds",
                                      "folder not found; put the articles there, one .txt file each",
                                      f"{SEEDS_DIR}/")])
    # One listing answers "a file?", "a link?" and "a sidecar?" for every seed: a stat call or three per seed
    # (through pathlib) were a thirtieth of a one-seed edit at 1,000 seeds.
    with os.scandir(folder) as listing:
        entries = {entry.name: entry for entry in listing}
    files = {name for name, entry in entries.items() if entry.is_file()}
    links = frozenset(name for name, entry in entries.items() if entry.is_symlink())
    candidates = sorted(folder / name for name in entries if Path(name).suffix == SEED_SUFFIX)
    unusable = [_not_a_file(p) for p in candidates if p.name not in files]
    paths = [p for p in candidates if p.name in files]
    if unusable:
        raise SummitError(unusable)
    if not paths:
        raise SummitError([Diagnostic("error", "no-seeds", "no seed articles (*.txt files) found",
                                      f"{SEEDS_DIR}/")])
    options = parse_options(config, known_names)
    jobs: list[SeedJob] = []
    articles: list[Article] = []
    diagnostics, errors = [], []
    shown_of = _shown_in(folder, root, links)
    for path in paths:
        shown = shown_of(path)
        try:
            text, removed, line = strip_controls(_decode(path.read_bytes(), shown))
            meta = _sidecar_meta(path, shown_of, known_meta, path.stem + SIDECAR_SUFFIX in files)
        except SummitError as exc:
            errors.extend(exc.diagnostics)
            continue
        if removed:
            diagnostics.append(Diagnostic("warning", "control-characters",
                                          f"{removed} control character{'s' if removed != 1 else ''} removed "
                                          f"(the first on this line)", shown, line))
        if not text.strip():
            diagnostics.append(Diagnostic("warning", "empty-seed", "the file is empty; skipped", shown))
            continue
        if meta is not None and meta.draft and not include_drafts:
            continue
        if parse_all is not None:
            jobs.append(SeedJob(path, shown, options, meta, text_digest(text)))
        elif not errors:  # parsed as read, so that no more than one text is held at a time
            articles.append(parse(text, shown, options, meta))
    if errors:
        raise SummitError(errors)
    if parse_all is not None:
        articles = parse_all(jobs)
    return LoadResult(tuple(articles), tuple(diagnostics))


def _not_a_file(path: Path) -> Diagnostic:
    """Why a `seeds/*.txt` entry cannot be read as an article: a folder, a broken link, or something else."""
    shown = f"{SEEDS_DIR}/{path.name}"  # not display_path: a link's target may lie anywhere
    if path.is_symlink() and not path.exists():
        return Diagnostic("error", "seed-not-file", f"a symbolic link to {os.readlink(path)}, which does not exist; "
                          f"fix or remove the link", shown)
    if path.is_dir():
        return Diagnostic("error", "seed-not-file", "a folder, not a text file; rename or move it", shown)
    return Diagnostic("error", "seed-not-file", "not a regular file; a seed must be a plain .txt file", shown)


def load_sidecar(path: Path, shown: str) -> ArticleMeta:
    """Read `seeds/<name>.yml`; every unknown key, wrong type and bad date is reported."""
    return _sidecar_from(path.read_bytes(), shown)


@functools.lru_cache(maxsize=16384)
def _sidecar_from(data: bytes, shown: str) -> ArticleMeta:
    # Remembered by content: the dev server reads every sidecar again on each rebuild, and ArticleMeta is
    # immutable. A sidecar with a problem raises, and is read again next time.
    return parse_meta(read_mapping(decode_text(data, shown), shown, "sidecar-yaml"), shown)


def parse_meta(entries: dict, shown: str, allowed: tuple[str, ...] = META_KEYS) -> ArticleMeta:
    """Check metadata entries (from a sidecar or front matter) and build an ArticleMeta."""
    problems: list[Diagnostic] = []
    values: dict[str, Any] = {}
    for key, entry in entries.items():
        if key not in allowed:
            problems.append(Diagnostic("error", "meta-unknown-key",
                                       f"unknown key '{key}' (known keys: {', '.join(allowed)})",
                                       shown, entry.key_line))
            continue
        value, message = _check_meta(key, entry.value)
        if message:
            problems.append(Diagnostic("error", "meta-value", message, shown, entry.value_line))
        elif value is not None:
            values[key] = value
    if problems:
        raise SummitError(problems)
    return ArticleMeta(**values)


def _check_meta(key: str, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    if key == "draft":
        if isinstance(value, bool):
            return value, None
        return None, f"'draft' must be true or false, not {describe(value)}"
    if key == "date":
        return _parse_date(value)
    if key == "tags":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(t, (str, int)) and str(t).strip() for t in value):
            return None, f"'tags' must be a list of names, not {describe(value)}"
        return tuple(dict.fromkeys(str(t).strip() for t in value)), None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return None, f"'{key}' must be text, not {describe(value)}"
    value = str(value).strip()
    if key == "slug" and make_slug(value, fallback="") != value:
        return None, (f"'slug' must be lower-case words joined by hyphens, such as '{make_slug(value)}', "
                      f"not '{value}'")
    if key == "source_url" and urlsplit(value).scheme not in ("http", "https"):
        return None, f"'source_url' must be an http(s) address, not '{value}'"
    return value, None


def _parse_date(value: Any) -> tuple[dt.date | None, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = str(value).strip()
    for parse in (dt.date.fromisoformat, lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()):
        try:
            return parse(text), None
        except ValueError:
            pass
    return None, f"'date' must be a date such as 2024-05-31, not '{text}'"


def display_path(path: Path, root: Path) -> str:
    """`path` as diagnostics and the model show it: relative to the site folder when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
