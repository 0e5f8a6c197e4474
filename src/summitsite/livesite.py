"""The dev server's site in memory: build, rebuild on change, and tell waiting pages what changed.

`LiveSite` owns the one swap-able output map. It is filled by a builder closure (MkDocs `serve`) that calls
`builder.render_files` and never writes to disk. A request that arrives while a build is under way waits
for it (MkDocs `_serve_request`), so nobody sees half a site; each visible change bumps an epoch and is
recorded with the output paths it touched, so an open page reloads only when its own file changed.

A failed build keeps the last good files and records the problems as `path:line: message` lines, which the
HTTP side shows in an overlay (Zola). Work a rebuild avoids:
- nothing at all when the site's input files hash the same as at the last build (a `touch`, an editor
  saving unchanged text, a change outside what the site reads);
- parsing a seed whose text, path, options and metadata are unchanged (`ParseCache`);
- reloading pages whose output bytes did not change.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from summitsite.builder import AnalysisMemo, RenderResult, render_files
from summitsite.cache import INPUT_DIRS, input_digests
from summitsite.config import CONFIG_NAME
from summitsite.errors import SummitError
from summitsite.model import Article, ArticleMeta
from summitsite.parse import ParseOptions, parse_seed

BUILD_WAIT = 120.0
"""Seconds a request waits for a build under way before it is answered from whatever is there."""
WATCH_STEP_MS = 50
"""A burst of changes ends after this many quiet milliseconds: saving three files means one rebuild."""
WATCH_DEBOUNCE_MS = 1600
"""...but a burst that never goes quiet is cut after this long, so the page does not wait forever."""
HISTORY = 64
"""Changes remembered for event streams that fall behind; further back, every page reloads."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What is served at one moment. `files` is never mutated: a rebuild swaps in a new map."""

    files: Mapping[str, bytes]
    problems: tuple[str, ...]
    """`path:line: message` lines of the last build's errors; empty when it succeeded."""
    epoch: int
    """Bumped by every change a page could see (its bytes, or the problems shown over it)."""
    built: bool
    """False until one build has succeeded (then `files` is empty)."""


@dataclass(frozen=True, slots=True)
class Change:
    epoch: int
    paths: frozenset[str] | None
    """Output paths whose bytes changed, appeared or vanished; None means every page."""


@dataclass(frozen=True, slots=True)
class RebuildReport:
    skipped: bool
    """True when no input file changed, so nothing was rendered."""
    seconds: float
    inputs: tuple[str, ...]
    """Input files that changed since the last build."""
    change: Change | None
    """What the pages see; None when the output is byte for byte the same."""
    problems: tuple[str, ...]


class ParseCache:
    """`parse_seed` with a memory, keyed by a hash of the text plus every other argument.

    `parse_seed` is a pure function of its arguments, so an unchanged seed gives an equal Article and need not
    be parsed again: a one-seed edit in a 1,000-article site parses one seed. After a successful build only
    the entries that build used are kept, so deleted and edited seeds do not pile up.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple, Article] = {}
        self._used: dict[tuple, Article] = {}
        self.parsed = 0
        """Seeds actually parsed since the last `begin()`, for the rebuild report and the tests."""

    def begin(self) -> None:
        self._used = {}
        self.parsed = 0

    def __call__(self, text: str, source: str, options: ParseOptions, meta: ArticleMeta | None) -> Article:
        key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), source, options, meta)
        article = self._used.get(key) or self._entries.get(key)
        if article is None:
            article = parse_seed(text, source, options, meta)
            self.parsed += 1
        self._used[key] = article
        return article

    def prune(self) -> None:
        # Called after a successful build only: a failed build may have stopped before loading every seed.
        self._entries = self._used
        self._used = {}


# Outputs no page loads: a change to one of these reloads no page by itself (feeds, sitemap, search data).
_STANDALONE = (".html", ".xml", ".txt", ".json")


def _embedded_by_pages(path: str) -> bool:
    """A stylesheet, script, image or font: any page may load it, so every page reloads when it changes."""
    return not path.endswith(_STANDALONE)


def make_builder(source: Path, include_drafts: bool = False) -> tuple[Callable[[], RenderResult], ParseCache]:
    """The closure the dev server rebuilds with: `render_files` through one `ParseCache` for the session."""
    cache = ParseCache()
    memo = AnalysisMemo()
    last: dict[str, tuple[bytes, bytes]] = {}
    """Output page -> (fingerprint, bytes) of the last good build: a page whose inputs did not change is reused."""

    def build() -> RenderResult:
        cache.begin()
        # The preview is served from the root of its own host, so base_url is cleared: absolute links
        # (canonical, 404.html) then point at the preview, not at the published site. The search
        # index is left out: the preview keeps no search records, so each rebuild would index every page.
        result = render_files(source, include_drafts, base_url="", search=False, parse=cache, reuse=last,
                              memo=memo)
        cache.prune()
        last.clear()
        files = result.files
        last.update({path: (fp, files[path]) for path, fp in result.fingerprints.items() if path in files})
        return result

    return build, cache


class LiveSite:
    """The served site: the last good output, the current problems, and the epoch pages compare against."""

    def __init__(self, source: Path, build: Callable[[], RenderResult],
                 log: Callable[[str], None] = print, log_error: Callable[[str], None] = print) -> None:
        self.source = Path(source)
        self._build = build
        self._log = log
        self._log_error = log_error
        self._cond = threading.Condition()
        self._one_build = threading.Lock()  # rebuilds never overlap, whoever calls them
        self._files: Mapping[str, bytes] = {}
        self._problems: tuple[str, ...] = ()
        self._epoch = 0
        self._built = False
        self._building = True  # until the first build: early requests wait for it
        self._stopping = False
        self._history: collections.deque[Change] = collections.deque(maxlen=HISTORY)
        self._digests: dict[str, bytes] | None = None
        self._warnings: frozenset[str] = frozenset()
        self.builds = 0
        """Builds actually run (not skipped), for the tests."""
        self.watching = threading.Event()
        """Set once the watcher is in place and has caught up: from then on every save is seen."""

    # --- reading, from request threads -------------------------------------------------------------------

    def snapshot(self, timeout: float = BUILD_WAIT) -> Snapshot:
        """The site as it is once any build under way has finished."""
        with self._cond:
            self._cond.wait_for(lambda: not self._building or self._stopping, timeout)
            return Snapshot(self._files, self._problems, self._epoch, self._built)

    @property
    def epoch(self) -> int:
        with self._cond:
            return self._epoch

    @property
    def stopping(self) -> bool:
        with self._cond:
            return self._stopping

    def wait_for_change(self, epoch: int, timeout: float) -> Change | None:
        """Block until the epoch moves past `epoch` (the union of the changes since), or None on timeout/stop."""
        with self._cond:
            self._cond.wait_for(lambda: self._epoch != epoch or self._stopping, timeout)
            if self._stopping or self._epoch == epoch:
                return None
            since = [c for c in self._history if c.epoch > epoch]
            if not since or since[0].epoch != epoch + 1 or any(c.paths is None for c in since):
                return Change(self._epoch, None)
            return Change(self._epoch, frozenset().union(*(c.paths for c in since if c.paths is not None)))

    def stop(self) -> None:
        """Wake everything that waits, so event streams and requests return promptly."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    # --- building, from the watcher thread --------------------------------------------------------------

    def rebuild(self, force: bool = False) -> RebuildReport:
        """Build again if an input changed (or `force`), swap in the result and wake the pages that changed."""
        with self._one_build:
            with self._cond:
                self._building = True
            started = time.perf_counter()
            try:
                return self._rebuild(force, started)
            finally:
                with self._cond:
                    self._building = False
                    self._cond.notify_all()

    def _rebuild(self, force: bool, started: float) -> RebuildReport:
        try:
            digests = input_digests(self.source)
        except OSError as exc:  # the site folder itself vanished or became unreadable
            digests = {"": repr(exc).encode()}
        previous = self._digests
        inputs = tuple(sorted(p for p in digests.keys() | (previous or {}).keys()
                              if (previous or {}).get(p) != digests.get(p)))
        if previous is not None and not inputs and not force:
            return RebuildReport(True, time.perf_counter() - started, (), None, self._problems)
        self._digests = digests
        self.builds += 1
        files: Mapping[str, bytes] | None = None
        warnings: tuple[str, ...] = ()
        try:
            result = self._build()
            files = result.files
            warnings = tuple(d.format() for d in result.warnings)
            problems: tuple[str, ...] = ()
        except SummitError as exc:
            problems = tuple(d.format() for d in exc.diagnostics) or ("summitsite: the build failed",)
        except OSError as exc:  # a file vanished mid-build (an editor's save); the next event rebuilds
            problems = (f"{exc.filename or 'summitsite'}: {exc.strerror or exc}",)
        except Exception as exc:
            # summitsite's own bug: keep serving and watching, and show enough to report it.
            self._log_error(traceback.format_exc().rstrip())
            problems = (f"summitsite: internal error: {type(exc).__name__}: {exc} (the traceback is in the terminal)",)
        seconds = time.perf_counter() - started
        change = self._swap(files, problems)
        self._report(seconds, inputs if previous is not None else (), files, problems, warnings, change)
        return RebuildReport(False, seconds, inputs, change, problems)

    def _swap(self, files: Mapping[str, bytes] | None, problems: tuple[str, ...]) -> Change | None:
        with self._cond:
            old = self._files
            if files is not None:
                changed = {p for p in files.keys() | old.keys() if old.get(p) != files.get(p)}
                # Keep the old bytes of unchanged files: the new copies are freed with the render result.
                files = {p: (data if p in changed else old[p]) for p, data in files.items()}
            else:
                changed = set()
            everything = (problems != self._problems or not self._built
                          or any(_embedded_by_pages(p) for p in changed) or len(changed) > HISTORY)
            if not changed and not everything:
                return None
            self._epoch += 1
            change = Change(self._epoch, None if everything else frozenset(changed))
            self._history.append(change)
            if files is not None:
                self._files = files
                self._built = True
            self._problems = problems
            return change

    def _report(self, seconds: float, inputs: tuple[str, ...], files: Mapping[str, bytes] | None,
                problems: tuple[str, ...], warnings: tuple[str, ...], change: Change | None) -> None:
        what = ""
        if inputs:
            what = f" after {inputs[0]} changed" if len(inputs) == 1 else f" after {len(inputs)} files changed"
        if problems:
            kept = "; still serving the last good site" if self._built else ""
            self._log_error(f"Build failed in {seconds:.2f} s{what}{kept}:")
            for line in problems:
                self._log_error(line)
            return
        # Warnings once each: a 1,000-article site should not repeat the same hundreds on every save.
        for line in warnings:
            if line not in self._warnings:
                self._log_error(line)
        self._warnings = frozenset(warnings)
        pages = "" if not inputs else ": no page changed" if change is None else (
            ": every page reloads" if change.paths is None else
            f": {len(change.paths)} file{'s' if len(change.paths) != 1 else ''} changed")
        count = sum(1 for p in files or () if p.endswith(".html"))
        self._log(f"Built {count} pages in {seconds:.2f} s{what}{pages}")

    def watch(self, stop: threading.Event) -> None:
        """Build, then rebuild after every burst of changes until `stop` is set. Never dies of an exception."""
        self.rebuild(force=True)
        root = self.source.resolve()
        synced = False
        last_failure = ""
        while not stop.is_set():
            try:
                for changes in watchfiles.watch(root, watch_filter=input_filter(root), stop_event=stop,
                                                debounce=WATCH_DEBOUNCE_MS, step=WATCH_STEP_MS, rust_timeout=1000,
                                                yield_on_timeout=True, raise_interrupt=False):
                    # The first (empty) yield comes once the watch is in place: catch edits made during the
                    # first build, which no event will report. After that only real changes rebuild.
                    if changes or not synced:
                        self.rebuild()
                    if not synced:
                        synced, last_failure = True, ""
                        self.watching.set()
            except Exception as exc:  # e.g. the site folder was removed; try again rather than stop reloading
                if stop.is_set():
                    break
                failure = f"summitsite: watching {self.source} failed ({exc}); retrying every second"
                if failure != last_failure:  # once, not every second
                    self._log_error(failure)
                last_failure, synced = failure, False
                stop.wait(1.0)


def input_filter(root: Path) -> Callable[[watchfiles.Change, str], bool]:
    """The watchfiles filter: the configuration and the input folders, minus dot files and editor backups."""

    def relevant(change: watchfiles.Change, path: str) -> bool:
        try:
            parts = Path(path).relative_to(root).parts
        except ValueError:
            return False
        if not parts or any(p.startswith(".") for p in parts) or parts[-1].endswith("~"):
            return False
        return parts == (CONFIG_NAME,) or parts[0] in INPUT_DIRS

    return relevant

