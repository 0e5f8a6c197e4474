"""The dev server's site in memory: build, rebuild on change, and tell waiting pages what changed.

`LiveSite` owns the one swap-able output map. It is filled by a builder (`DevBuilder`, after MkDocs `serve`)
that calls `builder.render_files` and never writes to disk. A request that arrives while a build is under way
waits for it (MkDocs `_serve_request`), so nobody sees half a site, unless a fast pass (below) has already
swapped in the pages of the edit it brings; each visible change bumps an epoch and is recorded with the output
paths it touched, so an open page reloads only when its own file changed.

A failed build keeps the last good files and records the problems as `path:line: message` lines, which the
HTTP side shows in an overlay (Zola). Work a rebuild avoids:
- nothing at all when the site's input files hash the same as at the last build (a `touch`, an editor
  saving unchanged text, a change outside what the site reads);
- parsing a seed whose text, path, options and metadata are unchanged (`ParseCache`);
- reloading pages whose output bytes did not change.

An edit to the text of a seed, the common case, is shown before the rebuild: the fast pass renders that
article's page from the last build's analysis (`summitsite.fastpass`, Hugo's "fast render mode") and
reloads it, then the full build brings the rest of the site up to date.
"""

from __future__ import annotations

import collections
import gc
import hashlib
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import jinja2
import watchfiles

from summitsite.analyse import Site
from summitsite.builder import AnalysisMemo, RenderResult, render_files
from summitsite.cache import INPUT_DIRS, input_digests, template_sources
from summitsite.config import CONFIG_NAME
from summitsite.entities import EntityMatcher
from summitsite.errors import SummitError
from summitsite.fastpass import edited_pages, edited_site, keeps_place
from summitsite.loader import SEED_SUFFIX, SEEDS_DIR, SIDECAR_SUFFIX, decode_text, load_sidecar
from summitsite.mentions import scan_article
from summitsite.model import Article, ArticleMeta
from summitsite.parse import ParseOptions, parse_seed
from summitsite.progress import Progress
from summitsite.render import make_environment

BUILD_WAIT = 120.0
"""Seconds a request waits for a build under way before it is answered from whatever is there."""
WATCH_STEP_MS = 50
"""A burst of changes ends after this many quiet milliseconds: saving three files means one rebuild."""
WATCH_DEBOUNCE_MS = 1600
"""...but a burst that never goes quiet is cut after this long, so the page does not wait forever."""
HISTORY = 64
"""Changes remembered for event streams that fall behind; further back, every page reloads."""
SAVED_DURING_BUILD_RETRIES = 5
"""Builds in a row that may find a seed saved again while they read it, before that is reported."""


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
    fast: Change | None = None
    """The edited articles' pages, swapped in by the fast pass before the full build; None without one."""


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
        self.options: ParseOptions | None = None
        """The options of the last call: every seed of a build is parsed with the same."""

    def begin(self) -> None:
        self._used = {}
        self.parsed = 0

    def __call__(self, text: str, source: str, options: ParseOptions, meta: ArticleMeta | None) -> Article:
        key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), source, options, meta)
        article = self._used.get(key) or self._entries.get(key)
        if article is None:
            # Kept until the next `prune()`: an article the fast pass parsed is the one the full build gets.
            article = self._entries[key] = parse_seed(text, source, options, meta)
            self.parsed += 1
        self._used[key] = article
        self.options = options
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


def _is_seed_text(path: str) -> bool:
    """A site-relative path is a seed's text, `seeds/<name>.txt` (not its sidecar, nor a file in a sub-folder)."""
    parts = PurePosixPath(path)
    return parts.parent == PurePosixPath(SEEDS_DIR) and parts.suffix == SEED_SUFFIX


class DevBuilder:
    """The dev server's builds: `render_files` through one `ParseCache` and `AnalysisMemo` for the session
    (calling it builds), and `fast`, the edited articles' pages from the last build's analysis."""

    def __init__(self, source: Path, include_drafts: bool = False) -> None:
        self.source = Path(source)
        self.include_drafts = include_drafts
        self.cache = ParseCache()
        self.memo = AnalysisMemo()
        self._last: dict[str, tuple[bytes, bytes]] = {}
        """Output page -> (fingerprint, bytes) of the last good build: a page whose inputs did not change is reused."""
        self._env: tuple[bytes, jinja2.Environment] | None = None
        """The Jinja environment and the hash of the site's templates it was made for: compiled templates are kept."""
        self._good: tuple[Site, ParseOptions | None, EntityMatcher | None] | None = None
        """The last good build's site, parse options and entity matcher: what the fast pass starts from."""
        self._no_fast_pass = threading.Event()
        """Clear while a fast pass runs: a full build under way waits for it (`_Yielding`)."""
        self._no_fast_pass.set()

    def __call__(self) -> RenderResult:
        self.cache.begin()
        templates = template_sources(self.source)
        if self._env is None or self._env[0] != templates:
            self._env = (templates, make_environment(self.source))
        # The preview is served from the root of its own host, so base_url is cleared: absolute links
        # (canonical, 404.html) then point at the preview, not at the published site. The search
        # index is left out: the preview keeps no search records, so each rebuild would index every page.
        result = render_files(self.source, self.include_drafts, base_url="", search=False, parse=self.cache,
                              reuse=self._last, memo=self.memo, env=self._env[1],
                              progress=_Yielding(self._no_fast_pass))
        self.cache.prune()
        self._last.clear()
        files = result.files
        self._last.update({path: (fp, files[path]) for path, fp in result.fingerprints.items() if path in files})
        self._good = (result.site, self.cache.options, self.memo.matcher)
        return result

    def fast(self, seeds: tuple[str, ...]) -> dict[str, bytes] | None:
        """The pages of the articles of `seeds` (site-relative `seeds/*.txt` paths whose text alone changed since
        the last good build), rendered from that build's analysis: see `summitsite.fastpass`.

        None when that could move or hide a page (a new title or slug, a seed that is not an article of the
        last build, is empty now or cannot be read): only the full build can say what then.
        """
        if self._good is None or self._env is None:
            return None
        # Python runs one thread at a time: a full build under way pauses at its next page, and no garbage
        # collection starts (a full one walks the whole analysed site, ten times as long as this pass).
        collecting = gc.isenabled()
        gc.disable()
        self._no_fast_pass.clear()
        try:
            return self._fast(seeds, *self._good, self._env[1])
        finally:
            self._no_fast_pass.set()
            if collecting:
                gc.enable()

    def _fast(self, seeds: tuple[str, ...], site: Site, options: ParseOptions | None, matcher: EntityMatcher | None,
              env: jinja2.Environment) -> dict[str, bytes] | None:
        where = {article.source: i for i, article in enumerate(site.articles)}
        edits: dict[int, Article] = {}
        for shown in seeds:
            i = where.get(shown)
            if i is None or options is None:
                return None
            path = self.source / shown
            sidecar = path.with_suffix(SIDECAR_SUFFIX)
            # Read as `loader.load_seeds` reads it, so the parse cache hands the full build this very Article.
            try:
                text = decode_text(path.read_bytes(), shown)
                meta = load_sidecar(sidecar, shown.removesuffix(SEED_SUFFIX) + SIDECAR_SUFFIX) \
                    if sidecar.is_file() else None
            except (OSError, SummitError):
                return None
            if not text.strip():
                return None
            article = self.cache(text, shown, options, meta)
            if not keeps_place(site.articles[i], article):
                return None
            edits[i] = article
        scans = None
        if matcher:
            scans = {}
            for i, article in edits.items():
                scans[i] = scan_article(article, matcher)
                # The full build that follows finds the scan here, as for any article it has seen.
                self.memo.scans[id(article)] = (article, matcher.signature, scans[i])
        return edited_pages(env, edited_site(site, edits, scans), tuple(edits))


class _Yielding(Progress):
    """The full build's progress (a bar on a terminal, as for `build`), which waits at every report while
    `go` is clear: a fast pass is running, and should have the interpreter to itself."""

    def __init__(self, go: threading.Event) -> None:
        super().__init__(None)
        self._go = go

    def _draw(self) -> None:
        self._go.wait()
        super()._draw()


def make_builder(source: Path, include_drafts: bool = False) -> tuple[DevBuilder, ParseCache]:
    """The builder the dev server rebuilds with, and its parse cache."""
    builder = DevBuilder(source, include_drafts)
    return builder, builder.cache


class LiveSite:
    """The served site: the last good output, the current problems, and the epoch pages compare against."""

    def __init__(self, source: Path, build: Callable[[], RenderResult],
                 log: Callable[[str], None] = print, log_error: Callable[[str], None] = print,
                 fast: Callable[[tuple[str, ...]], Mapping[str, bytes] | None] | None = None) -> None:
        """`build` renders the whole site; `fast`, given the seeds whose text alone changed, their pages
        (or None) from the last build's analysis (`DevBuilder.fast`)."""
        self.source = Path(source)
        self._build = build
        self._fast = fast
        self._log = log
        self._log_error = log_error
        self._cond = threading.Condition()
        self._one_build = threading.Lock()  # rebuilds never overlap, whoever calls them
        self._one_fast = threading.Lock()
        self._files: Mapping[str, bytes] = {}
        self._good: Mapping[str, bytes] = {}
        """The last good build's files: `_files` is this, plus pages of fast passes it did not cover."""
        self._fast_pages: dict[str, tuple[int, bytes]] = {}
        """Pages the fast passes swapped in -> (which pass, bytes), until a build that started after it ends."""
        self._fast_passes = 0
        """Fast passes started: a build that starts when this is N covers passes 1..N."""
        self._good_digests: dict[str, bytes] = {}
        """The inputs of the last good build, as `input_digests` gives them."""
        self._pending = False
        """The watcher saw a change that the builder thread has not started building."""
        self._pending_force = False
        self._waiting = False
        """The pending change is one that no fast pass showed: requests wait for its build."""
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

    # --- building, from the watcher and builder threads ------------------------------------------------

    def rebuild(self, force: bool = False, changed: Iterable[str] = ()) -> RebuildReport:
        """Build again if an input changed (or `force`), swap in the result and wake the pages that changed.

        `changed` are the site-relative paths seen to change. When they are edits to the text of seeds only,
        the fast pass first swaps in those articles' pages (`fast_pass`); requests are then answered at once,
        from the site with those pages, while the full build runs. (The watcher runs the two in two threads,
        so that an edit is shown even while the build of an earlier one is under way.)
        """
        fast = self.fast_pass(changed)
        return self._full_build(force or fast is not None, wait=fast is None, fast=fast)

    def fast_pass(self, changed: Iterable[str]) -> Change | None:
        """Swap in the pages of the seeds in `changed` whose text alone changed, rendered from the last build's
        analysis (`DevBuilder.fast`), and wake them. None when there is nothing to do or it is not safe:
        any other input changed, a seed was added or removed, a change is waiting for its full build, or the
        last build failed (the full build must clear the overlay).

        A full build must follow: until one that started after this pass has finished, its pages stay served
        over what builds give (`_swap`), and that build's result replaces them.
        """
        changed = tuple(sorted(set(changed)))
        if self._fast is None or not changed:
            return None
        with self._one_fast:
            started = time.perf_counter()
            with self._cond:
                # The inputs of the site served, not of a build under way: that one may have read the edit
                # already, and still be a second from showing it.
                digests = self._good_digests
                if not self._built or self._problems or self._building:
                    return None
                self._fast_passes += 1
                generation = self._fast_passes
            seeds = []
            for path in changed:
                file = self.source / path
                try:
                    data = file.read_bytes()
                except OSError:
                    if path in digests or (file.exists() and not file.is_dir()):
                        return None  # removed, or unreadable: the full build says what happened
                    continue  # a folder, or an editor's temporary file that is gone already
                if path not in digests:
                    return None  # a new file: only the full build knows what it changes
                if _is_seed_text(path):
                    # Even if it is as the served site was built: a fast pass since may have shown other text.
                    seeds.append(path)
                elif hashlib.sha256(data).digest() != digests[path]:
                    return None  # not a seed's text: only the full build knows what changes
            if not seeds:
                return None
            try:
                pages = self._fast(tuple(seeds))
            except Exception:
                pages = None  # e.g. a template error: the full build that follows reports it
            if not pages:
                return None
            with self._cond:
                old = self._files
                swapped = {p: data for p, data in pages.items() if p in old and old[p] != data}
                if not swapped:
                    return None
                self._files = {**old, **swapped}
                self._fast_pages.update((p, (generation, data)) for p, data in swapped.items())
                self._epoch += 1
                change = Change(self._epoch, frozenset(swapped))
                self._history.append(change)
                self._cond.notify_all()
        what = f"{seeds[0]} changed" if len(seeds) == 1 else f"{len(seeds)} seeds changed"
        self._log(f"Rendered {len(swapped)} page{'s' if len(swapped) != 1 else ''} in "
                  f"{time.perf_counter() - started:.2f} s after {what}; building the rest")
        return change

    def _full_build(self, force: bool, wait: bool, fast: Change | None = None) -> RebuildReport:
        """The whole site, built and swapped in. With `wait`, requests wait for it: it brings a change that
        no fast pass has shown."""
        with self._one_build:
            with self._cond:
                self._building = self._building or wait
                generation = self._fast_passes
            started = time.perf_counter()
            try:
                return self._rebuild(force, started, generation, fast)
            finally:
                with self._cond:
                    self._building = self._waiting  # a change that came in meanwhile, still to be built
                    self._cond.notify_all()

    def _rebuild(self, force: bool, started: float, generation: int, fast: Change | None) -> RebuildReport:
        digests = self._input_digests()
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
            for attempt in range(1, SAVED_DURING_BUILD_RETRIES + 1):
                try:
                    result = self._build()
                    break
                except SummitError as exc:
                    saved = [d.path for d in exc.diagnostics if d.code == "seed-changed"]
                    if not saved or len(saved) < len(exc.diagnostics) or attempt == SAVED_DURING_BUILD_RETRIES:
                        raise
                # An editor saved a seed again between the build's two reads of it. That is no problem
                # of the site: shown, it would flash an overlay and hold back the fast pass of that very
                # save until another build. Build again at once, from the inputs as they are now, covering
                # the fast passes made so far.
                self._log(f"{saved[0]} was saved again during the build; building again")
                self._digests = digests = self._input_digests()
                with self._cond:
                    generation = self._fast_passes
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
        if files is not None:
            with self._cond:
                self._good_digests = digests
        change = self._swap(files, problems, generation)
        self._report(seconds, inputs if previous is not None else (), files, problems, warnings, change)
        return RebuildReport(False, seconds, inputs, change, problems, fast)

    def _input_digests(self) -> dict[str, bytes]:
        try:
            return input_digests(self.source)
        except OSError as exc:  # the site folder itself vanished or became unreadable
            return {"": repr(exc).encode()}

    def _swap(self, files: Mapping[str, bytes] | None, problems: tuple[str, ...], generation: int) -> Change | None:
        """Serve a build's files (or, for a failed build, the last good ones) and record what pages see change.

        Pages from fast passes that started after this build did (`generation`) stay on top: the build may
        have read their seeds before the edit, and the full build after them will replace them.
        """
        with self._cond:
            old = self._files
            if files is not None:
                # Keep the old bytes of unchanged files: the new copies are freed with the render result.
                self._good = {p: (old[p] if old.get(p) == data else data) for p, data in files.items()}
            later = {p: data for p, (g, data) in self._fast_pages.items() if g > generation and p in self._good}
            self._fast_pages = {p: self._fast_pages[p] for p in later}
            new = {**self._good, **later} if later else self._good
            changed = {p for p in new.keys() | old.keys() if old.get(p) != new.get(p)}
            everything = (problems != self._problems or not self._built
                          or any(_embedded_by_pages(p) for p in changed) or len(changed) > HISTORY)
            self._files = new
            self._built = self._built or files is not None
            if not changed and not everything:
                return None
            self._epoch += 1
            change = Change(self._epoch, None if everything else frozenset(changed))
            self._history.append(change)
            self._problems = problems
            self._cond.notify_all()
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
        """Build, then rebuild after every burst of changes until `stop` is set. Never dies of an exception.

        This thread watches and runs the fast passes; the full builds run in a thread of their own
        (`_builds`), so that an edit saved while a build is under way is shown at once, not after it.
        """
        self.rebuild(force=True)
        builds = threading.Thread(target=self._builds, args=(stop,), name="summitsite-build", daemon=True)
        builds.start()
        root = self.source.resolve()
        synced = False
        last_failure = ""
        while not stop.is_set():
            try:
                for changes in watchfiles.watch(root, watch_filter=input_filter(root), stop_event=stop,
                                                debounce=WATCH_DEBOUNCE_MS, step=WATCH_STEP_MS, rust_timeout=1000,
                                                yield_on_timeout=True, raise_interrupt=False):
                    # The first yield comes once the watch is in place: catch edits made during the first
                    # build, which no event will report (any change makes a full build look at every input).
                    if changes:
                        self._changed(Path(path).relative_to(root).as_posix() for _, path in changes)
                    elif not synced:
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
        with self._cond:
            self._cond.notify_all()  # the builder thread sees `stop`
        builds.join()

    def _changed(self, paths: Iterable[str]) -> None:
        """A burst of changes: show what the fast pass can now, and have the builder thread build the rest."""
        fast = self.fast_pass(paths)
        with self._cond:
            self._pending = True
            self._pending_force = self._pending_force or fast is not None
            if fast is None:
                self._waiting = self._building = True  # nothing of it shown yet: requests wait for its build
            self._cond.notify_all()

    def _builds(self, stop: threading.Event) -> None:
        """The builder thread: one full build at a time, for all the changes seen since the last one began."""
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._stopping or stop.is_set(), timeout=0.5)
                if self._stopping or stop.is_set():
                    return
                if not self._pending:
                    continue
                force, wait = self._pending_force, self._waiting
                self._pending = self._pending_force = self._waiting = False
            try:
                self._full_build(force, wait)
            except Exception:  # summitsite's own bug: say so, and keep building on the next change
                self._log_error(traceback.format_exc().rstrip())


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

