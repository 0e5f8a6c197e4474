"""Writing a finished site to the output folder: location checks, safe paths, the swap and the update.

This module owns everything that touches the output folder on disk. A build is written into a fresh
temporary folder next to the output and swapped in with renames, so readers (a web server, a browser)
see either the whole previous site or the whole new one, and a failed or interrupted build leaves the
previous output exactly as it was. A small update (an edit to a few articles) is cheaper done in place:
each changed file is replaced atomically and the old ones are kept aside until all are in, so a failure
still puts back the previous output; readers may then see old and new pages side by side for the
milliseconds that takes, as with Hugo or rsync. Making and deleting a folder per page was most of the
time a one-seed edit spent writing. Every output folder carries `MARKER`, which is what allows summitsite
to replace or delete a folder without risking files it did not make.

A build may fill that temporary folder before the write (`Staging`): its workers put each rendered page
there as soon as it exists, so that no process holds the whole site in memory at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from summitsite.cache import FileRecord
from summitsite.errors import error

MARKER = ".summitsite-output"
MARKER_TEXT = b"made by summitsite; safe to delete\n"

_TMP_PREFIX = ".build.tmp-"
_OLD_PREFIX = ".build.old-"
_DRIVE = re.compile(r"[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write did, counted in output files (the marker is not counted)."""

    written: int
    """Files that are new or whose bytes changed."""
    unchanged: int
    """Files identical to the previous output, carried over with their mtime."""
    removed: int
    """Files of the previous output that the new site no longer has."""
    untouched: frozenset[str] = field(default=frozenset(), compare=False)
    """Files an in-place update left exactly as the previous records describe them (same size, mtime and
    inode, checked before the update): their records still hold, without another stat."""


def check_output_location(source: Path, output: Path) -> None:
    """Refuse an output folder that would clobber the source or files summitsite did not make."""
    src = source.resolve()
    out = output.resolve()
    if out == src:
        raise error(f"the output folder {out} is the source folder; choose another output folder",
                    code="output-is-source")
    if src.is_relative_to(out):
        raise error(f"the output folder {out} contains the source folder {src}; replacing it would "
                    f"delete the source", code="output-contains-source")
    if not os.path.lexists(out):
        return
    if not out.is_dir():
        raise error(f"the output folder {out} exists and is not a folder", code="output-not-folder")
    if not (out / MARKER).is_file() and any(out.iterdir()):
        raise error(f"the output folder {out} is not empty and was not made by summitsite (no {MARKER} "
                    f"file); empty it or choose another output folder", code="output-not-ours")


def _check_rel(rel: str) -> None:
    """Refuse anything but a plain relative POSIX path; the same rule on every platform."""
    problem = None
    if not isinstance(rel, str):
        problem = "is not a string"
    elif not rel:
        problem = "is empty"
    elif "\x00" in rel:
        problem = "contains a NUL character"
    elif "\\" in rel:
        problem = "contains a backslash"
    elif rel.startswith("/"):
        problem = "is absolute"
    elif _DRIVE.match(rel):
        problem = "starts with a Windows drive"
    else:
        for segment in rel.split("/"):
            if segment == "":
                problem = "has an empty segment"
            elif segment in (".", ".."):
                problem = f"has a '{segment}' segment"
            if problem:
                break
    if problem:
        raise error(f"unsafe output path {rel!r}: it {problem}", code="unsafe-output-path")


def safe_output_path(output: Path, rel: str) -> Path:
    """`output / rel` after checking `rel` is a plain relative path that stays inside `output`."""
    _check_rel(rel)
    path = output / rel
    # The string checks cannot see symlinks already on disk (a folder in the output pointing elsewhere).
    root = output.resolve()
    if not path.resolve().is_relative_to(root):
        raise error(f"unsafe output path {rel!r}: it leads outside the output folder {root} through a "
                    f"symbolic link", code="unsafe-output-path")
    return path


def _write_new(path: Path, data: bytes) -> None:
    """Write one file of the new site (a separate function so tests can make it fail)."""
    with open(path, "xb") as f:
        f.write(data)


class Staging:
    """The new output folder while it is being filled: a fresh folder beside the output, not yet visible.

    Pages go in with `place` (from any worker process: it is only a path), the rest with `write_output`,
    which then swaps the folder in. Whatever happens in between, `discard` removes it, and a folder left
    by a killed build has the name `clean_leftovers` looks for.
    """

    def __init__(self, output: Path) -> None:
        parent = output.resolve().parent
        # The folders made here, innermost first, so that a failed first build leaves nothing behind.
        self.made = [folder for folder in (parent, *parent.parents) if not folder.exists()]
        parent.mkdir(parents=True, exist_ok=True)
        self.path = _fresh_sibling(parent, _TMP_PREFIX, create=True)

    def place(self, rel: str, chunks: Iterable[bytes]) -> bytes:
        """Write one file of the new site into the folder, piece by piece; its SHA-256. A path is placed once."""
        _check_rel(rel)
        dest = self.path / rel
        sha = hashlib.sha256()
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "xb") as f:
                for chunk in chunks:
                    sha.update(chunk)
                    f.write(chunk)
            return sha.digest()
        except FileExistsError:
            raise ValueError(f"two outputs would be written to {rel}") from None
        except OSError as exc:
            raise error(f"could not write the new output folder {self.path}: {exc}",
                        code="output-write-failed") from None

    def discard(self) -> None:
        if os.path.lexists(self.path):
            shutil.rmtree(self.path, ignore_errors=True)
        for folder in self.made:
            try:
                folder.rmdir()  # only if still empty: the swap may have put the output there
            except OSError:
                break


def _carry_over(old: Path, new: Path) -> None:
    """Reuse an unchanged file: a hard link keeps its inode and mtime, so caches and rsync see no change."""
    try:
        os.link(old, new)
    except OSError:
        # File systems without hard links (FAT, some network mounts); copy2 still keeps the mtime.
        shutil.copy2(old, new)


def _stamp_matches(old: Path, record: FileRecord | None) -> bool:
    """The old file is still the one the cache recorded (same size, mtime and inode)."""
    if record is None:
        return False
    try:
        return record.matches(os.lstat(old))
    except OSError:
        return False


_COMPARE_BLOCK = 1 << 20
"""Files are compared a megabyte at a time: a hub page of a big site (the FAQ of 10,000 articles) is 80 MB."""


def _same_bytes(old: Path, data: bytes) -> bool:
    view = memoryview(data)
    try:
        st = os.lstat(old)  # a link in the old output is never the same as a file
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        with open(old, "rb") as f:
            for start in range(0, len(data), _COMPARE_BLOCK):
                if f.read(_COMPARE_BLOCK) != view[start:start + _COMPARE_BLOCK]:
                    return False
            return True
    except OSError:
        return False


def _staged_same(old: Path, staged: Path) -> bool:
    """The staged file has the old file's bytes."""
    try:
        st = os.lstat(old)  # a link in the old output is never the same as a file
        if not stat.S_ISREG(st.st_mode) or st.st_size != os.lstat(staged).st_size:
            return False
        with open(old, "rb") as a, open(staged, "rb") as b:
            while True:
                block = a.read(_COMPARE_BLOCK)
                if block != b.read(_COMPARE_BLOCK):
                    return False
                if not block:
                    return True
    except OSError:
        return False


def _tree_files(root: Path) -> set[str]:
    """The POSIX paths of the files under `root` (symlinks count as files and are not followed; a folder
    that cannot be listed is skipped, as os.walk does)."""
    found: set[str] = set()
    # Strings, not Path objects: building a Path per file was most of the time of a small update's write.
    stack = [("", os.fspath(root))]
    while stack:
        base, folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((f"{base}{entry.name}/", entry.path))
                    else:
                        found.add(base + entry.name)
        except OSError:
            continue
    found.discard(MARKER)
    return found


def _fresh_sibling(parent: Path, prefix: str, create: bool) -> Path:
    """A new name next to the output; os.mkdir (unlike mkdtemp) keeps the umask's usual permissions."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(6)}"
        if create:
            try:
                os.mkdir(path)
            except FileExistsError:
                continue
            return path
        if not os.path.lexists(path):
            return path


def _validate_files(files: Mapping[str, bytes]) -> list[str]:
    paths = sorted(files)
    for rel in paths:
        _check_rel(rel)
    if MARKER in files:
        raise error(f"unsafe output path {MARKER!r}: the name is reserved for summitsite's marker file",
                    code="unsafe-output-path")
    # A path that is both a file and a folder ("a" and "a/b") would fail half-way through the write.
    for rel in paths:
        parts = rel.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in files:
                raise error(f"output path {prefix!r} is both a file and the folder of {rel!r}",
                            code="unsafe-output-path")
    return paths


IN_PLACE_SHARE = 0.1
"""An update that changes or removes at most this share of the output's files is made in place."""


def write_output(files: Mapping[str, bytes], output: Path, source: Path,
                 previous: Mapping[str, FileRecord] | None = None, staging: Staging | None = None) -> WriteReport:
    """Make the output folder hold exactly `files` (POSIX relative path -> bytes), all or nothing.

    `previous` (the build cache's records of the last output) lets an unchanged file be recognised by its
    stored hash and stat stamp instead of by reading it again; files that `files` carries over from the
    old output (`SiteFiles.kept`) are not read at all. With `staging`, the files that `files` has already
    placed there (`SiteFiles.staged`, path -> SHA-256) are used from there.

    A small update (at most `IN_PLACE_SHARE` of the files changed or removed) replaces just those files in
    the output folder, each atomically; anything bigger fills a new folder and swaps it in. Either way an
    error or Ctrl-C puts back exactly the previous output.
    """
    previous = previous or {}
    kept = getattr(files, "kept", {})
    staged = getattr(files, "staged", {}) if staging is not None else {}
    check_output_location(source, output)
    paths = _validate_files(files)
    # Work on the real folder: if `output` is a symlink, the swap replaces its target, not the link.
    out = output.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    had_old = os.path.lexists(out)
    old_files = _tree_files(out) if had_old else set()

    tmp: Path | None = staging.path if staging is not None else None
    try:
        if tmp is None:
            tmp = _fresh_sibling(parent, _TMP_PREFIX, create=True)
        same, as_recorded = _unchanged(files, paths, out, tmp, old_files, kept, staged, previous)
        changed = [rel for rel in paths if rel not in same]
        removed = sorted(old_files - set(paths))
        report = WriteReport(written=len(changed), unchanged=len(same), removed=len(removed))
        if had_old and _fits_in_place(out, changed, removed, len(paths), old_files):
            _update_in_place(files, out, tmp, changed, removed, old_files, staged)
            return dataclasses.replace(report, untouched=frozenset(as_recorded))
        _fill(files, out, tmp, paths, same, staged)
    except BaseException as exc:
        # Also on KeyboardInterrupt: a Ctrl-C must not leave a half-written or missing output.
        if tmp is not None and os.path.lexists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            # A full disk or a permission problem is a user-facing problem, not a crash.
            raise error(f"could not write the output folder {out}: {exc}", code="output-write-failed") from exc
        raise
    _swap_in(tmp, out, had_old)
    return report


def _unchanged(files: Mapping[str, bytes], paths: list[str], out: Path, tmp: Path, old_files: set[str],
               kept: Mapping[str, Path], staged: Mapping[str, bytes],
               previous: Mapping[str, FileRecord]) -> tuple[set[str], set[str]]:
    """The paths whose file in the old output already has the new bytes, and those of them whose file is
    still the one recorded in `previous` (same stamp)."""
    same = set()
    as_recorded = set()
    for rel in paths:
        # `_tree_files` never enters a linked folder, so a file it listed has only real folders above it.
        old = out / rel if rel in old_files else None
        record = previous.get(rel)
        recorded = old is not None and _stamp_matches(old, record)
        if rel in staged:
            equal = record.sha == staged[rel] if recorded else (  # type: ignore[union-attr]
                old is not None and _staged_same(old, tmp / rel))
        elif rel in kept:
            if not recorded:
                raise error(f"{rel} in the output folder {out} changed during the build; build again",
                            code="output-changed")
            equal = True
        else:
            data = bytes(files[rel])
            if recorded:
                equal = hashlib.sha256(data).digest() == record.sha  # type: ignore[union-attr]
            else:
                equal = old is not None and _same_bytes(old, data)
        if equal:
            same.add(rel)
            if recorded:
                as_recorded.add(rel)
    return same, as_recorded


def _fill(files: Mapping[str, bytes], out: Path, tmp: Path, paths: list[str], same: set[str],
          staged: Mapping[str, bytes]) -> None:
    """Complete the new folder `tmp`: unchanged files linked from the old output, the others written."""
    made: set[Path] = set()
    for rel in paths:
        # `tmp` holds only what this build made (folders and regular files, never a link), and the paths
        # passed `_check_rel`: no need to resolve each one, which cost a third of a rebuild.
        dest = tmp / rel
        if rel in staged:
            if rel in same:
                os.unlink(dest)
                _carry_over(out / rel, dest)
            continue
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        if rel in same:
            _carry_over(out / rel, dest)
        else:
            _write_new(dest, bytes(files[rel]))
    _write_new(tmp / MARKER, MARKER_TEXT)


def _swap_in(tmp: Path, out: Path, had_old: bool) -> None:
    """Put the complete new folder `tmp` in the place of the output folder."""
    aside: Path | None = None
    try:
        if had_old:
            aside = _fresh_sibling(out.parent, _OLD_PREFIX, create=False)
            os.rename(out, aside)
        os.rename(tmp, out)
    except BaseException as exc:
        # The quick rename back comes first, so a second Ctrl-C during the slow rmtree costs only clutter.
        swapped = not os.path.lexists(tmp) and os.path.lexists(out)
        if aside is not None and os.path.lexists(aside):
            if swapped:
                # Interrupted right after the swap: the new output is complete, so keep it.
                shutil.rmtree(aside, ignore_errors=True)
            elif not os.path.lexists(out):
                os.rename(aside, out)
        if os.path.lexists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise error(f"could not write the output folder {out}: {exc}", code="output-write-failed") from exc
        raise
    if aside is not None:
        # The new site is in place; a leftover old copy is only clutter, not worth failing the build.
        shutil.rmtree(aside, ignore_errors=True)


def _fits_in_place(out: Path, changed: list[str], removed: list[str], total: int, old_files: set[str]) -> bool:
    """A small update of a folder summitsite made, where no new file needs an old file's name as a folder
    (or an old folder's name as a file)."""
    if len(changed) + len(removed) > total * IN_PLACE_SHARE or not (out / MARKER).is_file():
        return False
    old_folders = {rel.rsplit("/", n)[0] for rel in old_files for n in range(1, rel.count("/") + 1)}
    return not any(rel in old_folders or any(folder in old_files for folder in _folders_of(rel)) for rel in changed)


def _folders_of(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _update_in_place(files: Mapping[str, bytes], out: Path, tmp: Path, changed: list[str], removed: list[str],
                     old_files: set[str], staged: Mapping[str, bytes]) -> None:
    """Replace the changed files and remove the removed ones inside the output folder, keeping each old file
    (by a hard link) in a folder beside it until all are done, to put them back if anything fails."""
    for rel in changed:
        if rel not in staged:
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            _write_new(dest, bytes(files[rel]))
    aside = _fresh_sibling(out.parent, _OLD_PREFIX, create=True)
    replaced: list[str] = []
    moved: list[str] = []
    made: list[Path] = []
    try:
        for rel in changed:
            target = out / rel
            if rel in old_files:
                (aside / rel).parent.mkdir(parents=True, exist_ok=True)
                _keep_aside(target, aside / rel)
            else:
                made.extend(_make_folders(out, rel))
            _put(tmp / rel, target)
            replaced.append(rel)
        for rel in removed:
            (aside / rel).parent.mkdir(parents=True, exist_ok=True)
            os.rename(out / rel, aside / rel)
            moved.append(rel)
    except BaseException:
        for rel in reversed(moved):
            os.rename(aside / rel, out / rel)
        for rel in reversed(replaced):
            if rel in old_files:
                os.replace(aside / rel, out / rel)
            else:
                os.unlink(out / rel)
        for folder in reversed(made):
            folder.rmdir()
        shutil.rmtree(aside, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    # The folders that removed files leave empty go too, as they would with a new folder swapped in.
    for rel in removed:
        for folder in reversed(_folders_of(rel)):
            try:
                os.rmdir(out / folder)
            except OSError:
                break


def _put(new: Path, target: Path) -> None:
    """Replace one file of the output atomically (a separate function so tests can make it fail)."""
    os.replace(new, target)


def _keep_aside(old: Path, copy: Path) -> None:
    """A second name for the old file (itself, if it is a symbolic link), or a copy where links fail."""
    try:
        os.link(old, copy, follow_symlinks=False)
    except OSError:
        shutil.copy2(old, copy, follow_symlinks=False)


def _make_folders(out: Path, rel: str) -> list[Path]:
    """Make the missing folders above `out / rel`; the ones made, outermost first."""
    made = []
    for folder in _folders_of(rel):
        path = out / folder
        if not os.path.isdir(path):
            os.mkdir(path)
            made.append(path)
    return made


_LEFTOVER = re.compile(r"\.build\.(?:tmp|old)-[0-9a-f]{12}")


def clean_leftovers(output: Path) -> list[Path]:
    """Delete the temporary folders an interrupted build left next to `output`; return what was deleted.

    Only folders named like the ones `write_output` makes (`.build.tmp-<12 hex>`, `.build.old-<12 hex>`) are
    touched, never a symbolic link, and never the output folder itself or anything else beside it.
    """
    parent = output.resolve().parent
    if not parent.is_dir():
        return []
    removed = []
    for entry in sorted(parent.iterdir()):
        if _LEFTOVER.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
            removed.append(entry)
    return removed


def clean_output(output: Path, source: Path) -> None:
    """Delete the output folder, but only one that summitsite made (it carries `MARKER`)."""
    check_output_location(source, output)
    out = output.resolve()
    if not os.path.lexists(out):
        return
    if not (out / MARKER).is_file():
        raise error(f"not deleting {out}: it has no {MARKER} file, so summitsite did not make it",
                    code="output-not-ours")
    # Rename first: an interrupted rmtree could otherwise delete the marker and leave a folder that
    # the next build refuses to replace.
    aside = _fresh_sibling(out.parent, _OLD_PREFIX, create=False)
    os.rename(out, aside)
    shutil.rmtree(aside)
