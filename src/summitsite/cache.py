"""The build cache: parsed articles and the fingerprints of the rendered pages, kept inside the site folder.

Everything lives in `SITE/.summitsite-cache/` (git-ignored), never in a global place. Each file is a pickle
behind a header that names the cache format and a fingerprint of summitsite's own code (every module, the
built-in theme and the heading model), so a cache written by another version, or by a changed checkout, is
never loaded. A file that cannot be read for any reason (missing, truncated, garbage, another version) is
treated as empty: the cache can make a build faster, never make it fail or differ.

What is stored:
- `parsed.pickle`: seed key -> Article. The key hashes everything `parse_seed` sees: the seed's text, its
  site-relative path, the parse options and the sidecar metadata (so the sidecar's bytes), plus the code.
- `output.pickle`: the last build's `OutputState`: a hash of every input file and option (for the
  no-change rebuild), each output file's fingerprint, content hash and stat stamp, the search index key.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from summitsite import __version__

CACHE_DIR = ".summitsite-cache"
FORMAT = 1
_MAGIC = b"summitsite-cache"


@lru_cache(maxsize=1)
def code_fingerprint() -> bytes:
    """A hash of summitsite's version and every file of the package (code, theme, heading model)."""
    h = hashlib.sha256(f"{__version__}\0{FORMAT}\0{sys.version_info[:2]}".encode())
    root = resources.files("summitsite")
    stack = [root]
    while stack:
        folder = stack.pop()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir():
                stack.append(entry)
            elif entry.name.endswith((".py", ".html", ".xml", ".txt", ".json", ".css", ".js")):
                h.update(entry.name.encode() + b"\0" + hashlib.sha256(entry.read_bytes()).digest())
    return h.digest()


def digest(*parts: bytes | str) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


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
    search_key: bytes | None = None
    warnings: tuple = ()
    articles: int = 0
    notes: tuple[str, ...] = ()


class BuildCache:
    """Load and save the cache files of one site; `enabled=False` (`--no-cache`) reads and writes nothing."""

    def __init__(self, site_root: Path, enabled: bool = True) -> None:
        self.folder = Path(site_root) / CACHE_DIR
        self.enabled = enabled
        self.header = _MAGIC + b"\0" + code_fingerprint() + b"\n"

    def load(self, name: str) -> Any:
        if not self.enabled:
            return None
        try:
            with open(self.folder / name, "rb") as f:
                if f.read(len(self.header)) != self.header:
                    return None
                return pickle.load(f)
        except Exception:  # a missing, truncated, foreign or garbage file is no cache at all
            return None

    def save(self, name: str, value: Any) -> None:
        if not self.enabled:
            return
        try:
            self.folder.mkdir(exist_ok=True)
            tmp = self.folder / f".{name}.{os.getpid()}.tmp"
            buf = io.BytesIO()
            buf.write(self.header)
            pickle.dump(value, buf, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.write_bytes(buf.getvalue())
            os.replace(tmp, self.folder / name)
        except OSError:
            pass  # a read-only site folder still builds, only without a cache
