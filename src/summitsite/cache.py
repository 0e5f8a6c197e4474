"""The build cache: parsed articles and the fingerprints of the rendered pages, kept inside the site folder.

Everything lives in `SITE/.summitsite-cache/` (git-ignored), never in a global place. Each file is a pickle
behind a header that names the cache format and a fingerprint of summitsite's own code (every module, the
built-in theme and the heading model), so a cache written by another version, or by a changed checkout, is
never loaded. A file that cannot be read for any reason (missing, truncated, garbage, another version) is
treated as empty: the cache can make a build faster, never make it fail or differ.

What is stored:
- `parsed/`: seed key -> Article. The key hashes everything `parse_seed` sees: the seed's text, its
  site-relative path, the parse options and the sidecar metadata (so the sidecar's bytes), plus the code.
- `mentions/`: (seed key, entity list) -> the article's mention scan (`mentions.ArticleScan`).
- `search/`: (seed key, slug) -> the article's search record (`search.Record`).
  Each of these is `SHARDS` files by the key's first byte: a one-seed edit rewrites one small file of
  each, where one file for all had pickled the whole site again (a second copy of it in memory, and most
  of a rebuild's time after the render), and one file per entry made 30,000 files of 10,000 articles.
- `sidecars.pickle`: (shown path, bytes) of each seed's sidecar -> its `ArticleMeta`, so an unchanged sidecar
  is not read as YAML again.
- `related.pickle`: the last related-articles result and a hash of everything it was computed from
  (each article's slug, title, entities and tags), so an edit that changes none of them reuses it.
- `feed.pickle`: the last Atom feed and a hash of what it shows (`feeds.FeedSource`), kept while that is
  unchanged.
- `postings.pickle`: the last search index's postings (`search.InvertedIndex`), so that an edit makes only
  the postings of the words it changed.
- `templates/`: the compiled templates (Jinja bytecode, `render.TemplateCache`), each for one template
  source and one summitsite code fingerprint.
- `output.pickle`: the last build's `OutputState`: a hash of every input file and option (for the
  no-change rebuild), each output file's fingerprint, content hash and stat stamp, whether it has search.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import stat
import sys
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from summitsite import __version__
from summitsite.model import pickled_by_fields

CACHE_DIR = ".summitsite-cache"
FORMAT = 1
_MAGIC = b"summitsite-cache"


@lru_cache(maxsize=1)
def clear_cache(source: Path) -> list[Path]:
    """Delete the site's build cache (a plain folder, never followed through a link); return what was deleted."""
    folder = source / CACHE_DIR
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
        return [folder]
    return []


_CODE_SUFFIXES = (".py", ".html", ".xml", ".txt", ".json", ".css", ".js")


def code_fingerprint() -> bytes:
    """A hash of summitsite's version and every file of the package (code, theme, heading model)."""
    root = resources.files("summitsite")
    if isinstance(root, Path):
        # A build asks several times; the hash is made again only when a file's stamp changed (a checkout
        # edited while the dev server runs).
        return _code_fingerprint(root, _package_stamps(root))
    return _code_fingerprint.__wrapped__(root, ())


def _package_files(root: Any) -> Iterator[Any]:
    stack = [root]
    while stack:
        folder = stack.pop()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir():
                stack.append(entry)
            elif entry.name.endswith(_CODE_SUFFIXES):
                yield entry


def _package_stamps(root: Path) -> tuple:
    stamps = []
    for path in _package_files(root):
        st = path.stat()
        stamps.append((path.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(stamps)


@lru_cache(maxsize=4)
def _code_fingerprint(root: Any, stamps: tuple) -> bytes:
    h = hashlib.sha256(f"{__version__}\0{FORMAT}\0{sys.version_info[:2]}".encode())
    for entry in _package_files(root):
        h.update(entry.name.encode() + b"\0" + hashlib.sha256(entry.read_bytes()).digest())
    return h.digest()


def digest(*parts: bytes | str) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FileRecord:
    """One output file as the last build left it."""

    sha: bytes
    """sha256 of its bytes."""
    size: int
    mtime_ns: int
    ino: int
    fingerprint: bytes | None = None
    """The render inputs of the page (None for files that are not cached pages)."""

    def matches(self, st: os.stat_result) -> bool:
        return st.st_size == self.size and st.st_mtime_ns == self.mtime_ns and st.st_ino == self.ino


@dataclass
class OutputState:
    output: str
    """The resolved output folder these records describe."""
    inputs: bytes = b""
    """Hash of every input file and build option; equal means nothing changed."""
    files: dict[str, FileRecord] = field(default_factory=dict)
    search: bool = False
    """The output has a search index."""
    warnings: tuple = ()
    articles: int = 0
    notes: tuple[str, ...] = ()
    aspects: Any = None
    """What each page showed of each article (`incremental.SiteAspects`): which pages an edit can change."""
    noindex: Any = None
    """The pages marked noindex (a frozenset), when the build made a sitemap; else None."""

    def __getstate__(self) -> dict[str, Any]:
        # The file records pickled as a few columns: as 22,000 records (and their paths, hashes and the
        # pickler's argument tuples, all memoised to the end) they were half of the last cache save's
        # 15 MB peak at 10,000 articles, the build's own peak.
        return {**self.__dict__, "files": _file_columns(self.files)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, files=_file_records(state["files"]))


def _file_columns(files: dict[str, FileRecord]) -> tuple:
    records = files.values()
    fingerprints = [r.fingerprint for r in records]
    return ("\0".join(files),  # no file name holds a NUL
            b"".join(r.sha for r in records), array("H", (len(r.sha) for r in records)),
            array("q", (r.size for r in records)), array("q", (r.mtime_ns for r in records)),
            array("Q", (r.ino for r in records)),
            b"".join(f or b"" for f in fingerprints),
            array("H", (0 if f is None else len(f) + 1 for f in fingerprints)))


def _file_records(columns: tuple) -> dict[str, FileRecord]:
    paths, shas, sha_sizes, sizes, mtimes, inos, fingerprints, fingerprint_sizes = columns
    records: dict[str, FileRecord] = {}
    at = fat = 0
    for i, path in enumerate(paths.split("\0") if paths else ()):
        sha = shas[at:at + sha_sizes[i]]
        at += sha_sizes[i]
        fingerprint = None
        if fingerprint_sizes[i]:
            fingerprint = fingerprints[fat:fat + fingerprint_sizes[i] - 1]
            fat += fingerprint_sizes[i] - 1
        records[path] = FileRecord(sha, sizes[i], mtimes[i], inos[i], fingerprint)
    return records


class BuildCache:
    """Load and save the cache files of one site; `enabled=False` (`--no-cache`) reads and writes nothing."""

    def __init__(self, site_root: Path, enabled: bool = True) -> None:
        self.folder = Path(site_root) / CACHE_DIR
        self.enabled = enabled
        self.header = _MAGIC + b"\0" + code_fingerprint() + b"\n"
        self._held: dict[tuple[str, str], frozenset[bytes]] = {}
        """(kind, shard) -> the keys that shard's file holds, as last read or written."""

    def load(self, name: str) -> Any:
        return self._read(self.folder / name) if self.enabled else None

    def save(self, name: str, value: Any) -> None:
        if self.enabled:
            self._write(self.folder, name, value)

    def load_entries(self, kind: str, keys: Iterable[bytes]) -> dict[bytes, Any]:
        """The stored entries of `kind` among `keys`; unreadable ones are simply missing.

        Entries live in `SHARDS` files by the first byte of their key: an edit rewrites one small file
        instead of the whole store, and a site of 10,000 articles is not 30,000 files.
        """
        found: dict[bytes, Any] = {}
        if not self.enabled:
            return found
        folder = self.folder / kind
        for shard, wanted in _by_shard(keys).items():
            stored = self._read(folder / shard)
            if not isinstance(stored, dict):
                continue
            self._held[(kind, shard)] = frozenset(stored)
            for key in wanted:
                if key in stored:
                    found[key] = stored[key]
        return found

    def save_entries(self, kind: str, entries: Mapping[bytes, Any], keep: Iterable[bytes]) -> None:
        """Store `entries` and drop every other stored entry of `kind` that is not in `keep`.

        Only shards that gain an entry or lose one are written again (what a shard held is known from
        `load_entries`); a shard left with nothing to keep is deleted.
        """
        if not self.enabled:
            return
        folder = self.folder / kind
        kept = _by_shard(keep)
        new = _by_shard(entries)
        try:
            names = {name for name in os.listdir(folder) if not name.startswith(".")}
        except OSError:
            names = set()
        for shard in sorted(names | new.keys()):
            wanted = kept.get(shard, set())
            held = self._held.get((kind, shard))
            if not wanted and shard not in new:
                with contextlib.suppress(OSError):
                    os.unlink(folder / shard)
                continue
            if shard not in new and (held is None or held == wanted):
                continue
            old = self._read(folder / shard) if held is not None else None
            content = {key: old[key] for key in sorted(wanted) if isinstance(old, dict) and key in old}
            content.update((key, entries[key]) for key in sorted(new.get(shard, ())))
            self._write(folder, shard, content)
            self._held[(kind, shard)] = frozenset(content)

    def _read(self, path: Path) -> Any:
        try:
            with open(path, "rb") as f:
                if f.read(len(self.header)) != self.header:
                    return None
                return pickle.load(f)
        except Exception:  # a missing, truncated, foreign or garbage file is no cache at all
            return None

    def _write(self, folder: Path, name: str, value: Any) -> None:
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # Straight into the file: a pickle made in memory first (twice over, with getvalue) was the
            # peak of a build's memory.
            with open(tmp, "wb") as f:
                f.write(self.header)
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / name)
        except OSError:
            # A read-only site folder still builds, only without a cache.
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


SHARDS = 256
"""Entry files per kind of entry (`BuildCache.load_entries`)."""


def _by_shard(keys: Iterable[bytes]) -> dict[str, set[bytes]]:
    shards: dict[str, set[bytes]] = {}
    for key in keys:
        shards.setdefault(f"{key[0] % SHARDS:02x}", set()).add(key)
    return shards


# What `render_files` reads: the configuration file and these folders. Everything else (build/, dot folders,
# README.md, ...) can change without a rebuild.
INPUT_DIRS = ("seeds", "content", "templates", "static")
"""What a build reads besides summitsite.yml; everything else in the site folder can change freely."""


Stamp = tuple[int, int, int, int]
"""(size, mtime, ctime, inode) of a file: any write changes the ctime, which no tool can set back."""

RACY_NS = 2_000_000_000
"""A file changed this recently may change again within its clock tick unseen: its stamp is not kept."""


def input_digests(source: Path, config_name: str = "summitsite.yml",
                  stamps: dict[str, tuple[Stamp, bytes]] | None = None) -> dict[str, bytes]:
    """A hash of every file the build could read, by site-relative path (dot files and folders excluded).

    With `stamps` (path -> (stamp, hash), as the last call left it), a file whose stamp is unchanged is not
    read again, as git does for its index; `stamps` is then updated to this call's files. A file changed
    within `RACY_NS` of the call is read, and its stamp not kept.
    """
    digests: dict[str, bytes] = {}
    known = dict(stamps) if stamps is not None else {}
    fresh: dict[str, tuple[Stamp, bytes]] = {}
    recent = time.time_ns() - RACY_NS

    def read(path: str, rel: str) -> None:
        # One stat per file, and strings rather than Path objects: this runs for every file of every build.
        try:
            st = os.stat(path)
        except OSError:
            return  # deleted since the listing, or a dangling link: not a file the build can read
        if not stat.S_ISREG(st.st_mode):  # FIFOs and devices are never read
            return
        try:
            stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            found = known.get(rel)
            if isinstance(found, tuple) and len(found) == 2 and found[0] == stamp and isinstance(found[1], bytes):
                sha = found[1]
            else:
                sha = _file_sha(path)
            if max(st.st_mtime_ns, st.st_ctime_ns) < recent:
                fresh[rel] = (stamp, sha)
        except OSError:
            sha = b""  # unreadable: the build will say which
        digests[rel] = sha

    config = source / config_name
    if config.is_file():
        read(os.fspath(config), config_name)
    root = os.fspath(source)
    for name in INPUT_DIRS:
        for folder, dirs, files in os.walk(os.path.join(root, name)):  # followlinks=False: no loops
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            base = os.path.relpath(folder, root).replace(os.sep, "/")
            for file in sorted(files):
                if not file.startswith("."):
                    read(os.path.join(folder, file), f"{base}/{file}")
    if stamps is not None:
        stamps.clear()
        stamps.update(fresh)
    return digests


def _file_sha(path: str) -> bytes:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


def template_sources(site_root: Path) -> bytes:
    """A hash of the site's own templates (the built-in ones are part of `code_fingerprint`)."""
    h = hashlib.sha256()
    top = Path(site_root) / "templates"
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        for file in sorted(files):
            path = Path(folder, file)
            h.update(path.relative_to(top).as_posix().encode() + b"\0")
            try:
                h.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                h.update(b"?")
    return h.digest()


class SiteFiles(Mapping[str, bytes]):
    """The output files of a build: new bytes, files carried over unread from the previous output, and
    files already placed in the new output folder.

    `kept` maps a path to the previous output's file, whose bytes the cache vouches for (its stamp matched);
    `staged` maps a path to the SHA-256 of the file a worker wrote into `folder` (`write.Staging`). Reading
    such an entry reads that file, so the feeds, the search index or `check` can still see every byte, while
    `write_output` hard-links a kept file and leaves a staged one in place, without reading either.
    """

    def __init__(self, fresh: dict[str, bytes], kept: dict[str, Path] | None = None,
                 staged: dict[str, bytes] | None = None, folder: Path | None = None) -> None:
        self.fresh = fresh
        self.kept = kept or {}
        self.staged = staged or {}
        self.folder = folder

    def __getitem__(self, path: str) -> bytes:
        data = self.fresh.get(path)
        if data is not None:
            return data
        if path in self.staged:
            return (self.folder / path).read_bytes()  # type: ignore[operator]
        return self.kept[path].read_bytes()

    def __contains__(self, path: object) -> bool:
        return path in self.fresh or path in self.kept or path in self.staged

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.fresh.keys() | self.kept.keys() | self.staged.keys()))

    def __len__(self) -> int:
        return len(self.fresh.keys() | self.kept.keys() | self.staged.keys())
