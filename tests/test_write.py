"""Tests for summitsite.write: location checks, safe paths, the atomic swap and cleaning."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from summitsite import write
from summitsite.cache import SiteFiles
from summitsite.errors import SummitError
from summitsite.write import (
    MARKER,
    Staging,
    WriteReport,
    check_output_location,
    clean_output,
    safe_output_path,
    write_output,
)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes, keyed by POSIX path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".build."))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "site"
    src.mkdir()
    (src / "seed.txt").write_text("an article\n")
    return src


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return tmp_path / "public"


SITE = {
    "index.html": b"<h1>home</h1>",
    "articles/a/index.html": b"<h1>a</h1>",
    "articles/b/index.html": b"<h1>b</h1>",
    "static/style.css": b"body{}",
}


def test_writes_files_and_marker(source: Path, output: Path) -> None:
    report = write_output(SITE, output, source)
    assert report == WriteReport(written=4, unchanged=0, removed=0)
    files = tree(output)
    assert files.pop(MARKER).startswith(b"made by summitsite")
    assert files == SITE
    assert leftovers(output.parent) == []


def test_missing_output_folder_and_parents_are_created(source: Path, tmp_path: Path) -> None:
    output = tmp_path / "deep" / "er" / "out"
    write_output({"index.html": b"x"}, output, source)
    assert (output / "index.html").read_bytes() == b"x"
    assert (output / MARKER).is_file()


def test_empty_existing_folder_is_accepted(source: Path, output: Path) -> None:
    output.mkdir()
    write_output({"index.html": b"x"}, output, source)
    assert (output / "index.html").read_bytes() == b"x"


def test_second_write_keeps_unchanged_files_and_removes_stale(source: Path, output: Path) -> None:
    write_output(SITE, output, source)
    keep = output / "articles/a/index.html"
    # Backdate the file so that a rewrite would be visible even on a coarse-grained clock.
    os.utime(keep, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = os.stat(keep)

    new = dict(SITE)
    new["index.html"] = b"<h1>home, changed</h1>"
    del new["articles/b/index.html"]
    report = write_output(new, output, source)

    assert report == WriteReport(written=1, unchanged=2, removed=1)
    after = os.stat(output / "articles/a/index.html")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    files = tree(output)
    del files[MARKER]
    assert files == new
    assert not (output / "articles/b").exists()
    assert leftovers(output.parent) == []


def test_unchanged_files_are_copied_when_hard_links_fail(source: Path, output: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write_output(SITE, output, source)
    keep = output / "static/style.css"
    os.utime(keep, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))

    def no_link(*args, **kwargs):
        raise OSError("hard links not supported")

    monkeypatch.setattr(os, "link", no_link)
    report = write_output(SITE, output, source)
    assert report == WriteReport(written=0, unchanged=4, removed=0)
    assert os.stat(keep).st_mtime_ns == 1_000_000_000_000_000_000
    assert keep.read_bytes() == SITE["static/style.css"]


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()], ids=["oserror", "ctrl-c"])
def test_failure_mid_write_leaves_previous_output(source: Path, output: Path, exc: BaseException,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write_output(SITE, output, source)
    before = tree(output)
    real_write = write._write_new
    calls = []

    def flaky(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise exc
        real_write(path, data)

    monkeypatch.setattr(write, "_write_new", flaky)
    new = {rel: data + b" v2" for rel, data in SITE.items()}
    expected = SummitError if isinstance(exc, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        write_output(new, output, source)
    assert len(calls) == 2
    assert tree(output) == before
    assert leftovers(output.parent) == []


@pytest.mark.parametrize("exc", [OSError("busy"), KeyboardInterrupt()], ids=["oserror", "ctrl-c"])
def test_failure_during_swap_puts_old_output_back(source: Path, output: Path, exc: BaseException,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write_output(SITE, output, source)
    before = tree(output)
    real_rename = os.rename

    def flaky(src, dst):
        # Fail exactly when the new folder would take the output's place (the old one is already aside).
        if Path(src).name.startswith(".build.tmp-"):
            raise exc
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises((SummitError, KeyboardInterrupt)):
        write_output({"index.html": b"new"}, output, source)
    monkeypatch.undo()
    assert tree(output) == before
    assert leftovers(output.parent) == []


def test_failure_on_first_build_leaves_nothing(source: Path, output: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(write, "_write_new", broken)
    with pytest.raises(KeyboardInterrupt):
        write_output(SITE, output, source)
    assert not output.exists()
    assert leftovers(output.parent) == []


BAD_PATHS = ["../x", "/etc/x", "a/../../x", "a/../b", "./a", "C:/x", "c:x", "a\\b", "", "a//b", "a/",
             "a/\x00b", ".."]


@pytest.mark.parametrize("rel", BAD_PATHS)
def test_bad_relative_paths_are_refused(output: Path, rel: str) -> None:
    output.mkdir()
    with pytest.raises(SummitError) as info:
        safe_output_path(output, rel)
    assert info.value.diagnostics[0].code == "unsafe-output-path"


@pytest.mark.parametrize("rel", BAD_PATHS)
def test_write_with_a_bad_path_leaves_previous_output(source: Path, output: Path, rel: str) -> None:
    write_output(SITE, output, source)
    before = tree(output)
    with pytest.raises(SummitError):
        write_output({"index.html": b"new", rel: b"evil"}, output, source)
    assert tree(output) == before
    assert leftovers(output.parent) == []


def test_path_through_symlink_leading_outside_is_refused(tmp_path: Path, output: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    output.mkdir()
    try:
        (output / "link").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("symbolic links are not available")
    with pytest.raises(SummitError, match="symbolic link"):
        safe_output_path(output, "link/x")
    # A symlink that stays inside the output is harmless.
    (output / "real").mkdir()
    (output / "inner").symlink_to(output / "real", target_is_directory=True)
    assert safe_output_path(output, "inner/x") == output / "inner/x"


def test_good_paths_are_accepted(output: Path) -> None:
    output.mkdir()
    assert safe_output_path(output, "articles/習/index.html") == output / "articles" / "習" / "index.html"
    assert safe_output_path(output, "ab:c/..d") == output / "ab:c" / "..d"


def test_path_that_is_both_file_and_folder_is_refused(source: Path, output: Path) -> None:
    with pytest.raises(SummitError, match="both a file and the folder"):
        write_output({"a": b"1", "a/b": b"2"}, output, source)
    assert not output.exists()


def test_marker_name_is_reserved(source: Path, output: Path) -> None:
    with pytest.raises(SummitError, match="reserved"):
        write_output({MARKER: b"x"}, output, source)


def test_output_equal_to_source_is_refused(source: Path) -> None:
    with pytest.raises(SummitError) as info:
        write_output({"index.html": b"x"}, source, source)
    assert str(source.resolve()) in str(info.value)
    assert (source / "seed.txt").read_text() == "an article\n"
    assert not (source / "index.html").exists()


def test_output_above_source_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "project" / "site"
    source.mkdir(parents=True)
    output = tmp_path / "project"
    with pytest.raises(SummitError) as info:
        check_output_location(source, output)
    assert str(output.resolve()) in str(info.value)
    assert "contains the source" in str(info.value)
    with pytest.raises(SummitError):
        write_output({"index.html": b"x"}, tmp_path / "project" / "site" / "..", source)
    assert source.is_dir()


def test_output_inside_source_is_allowed(source: Path) -> None:
    write_output({"index.html": b"x"}, source / "_site", source)
    assert (source / "_site" / "index.html").read_bytes() == b"x"


def test_unmarked_folder_with_user_files_is_refused(source: Path, output: Path) -> None:
    output.mkdir()
    (output / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(SummitError) as info:
        write_output({"index.html": b"x"}, output, source)
    assert str(output.resolve()) in str(info.value)
    assert tree(output) == {"thesis.docx": b"years of work"}
    assert leftovers(output.parent) == []


def test_output_that_is_a_file_is_refused(source: Path, output: Path) -> None:
    output.write_bytes(b"not a folder")
    with pytest.raises(SummitError, match="not a folder"):
        write_output({"index.html": b"x"}, output, source)
    assert output.read_bytes() == b"not a folder"


def test_clean_output_removes_a_marked_folder(source: Path, output: Path) -> None:
    write_output(SITE, output, source)
    clean_output(output, source)
    assert not output.exists()
    assert leftovers(output.parent) == []
    clean_output(output, source)  # nothing left to clean is not an error


def test_clean_output_refuses_an_unmarked_folder(source: Path, output: Path) -> None:
    output.mkdir()
    (output / "notes.txt").write_text("mine")
    with pytest.raises(SummitError) as info:
        clean_output(output, source)
    assert str(output.resolve()) in str(info.value)
    assert (output / "notes.txt").read_text() == "mine"


def test_clean_output_refuses_an_empty_unmarked_folder(source: Path, output: Path) -> None:
    output.mkdir()
    with pytest.raises(SummitError, match=re.escape(f"it has no {MARKER} file")):
        clean_output(output, source)
    assert output.is_dir()


def test_clean_output_refuses_the_source(source: Path) -> None:
    (source / MARKER).write_text("planted")
    with pytest.raises(SummitError):
        clean_output(source, source)
    assert (source / "seed.txt").is_file()


def _staged(site: dict[str, bytes], output: Path) -> tuple[SiteFiles, Staging]:
    """`site` with its HTML pages placed in a staging folder, as the build's workers place them."""
    staging = Staging(output)
    staged = {}
    for rel, data in site.items():
        if rel.endswith(".html"):
            staged[rel] = staging.place(rel, [data[:3], data[3:]])
            assert staged[rel] == hashlib.sha256(data).digest()
    fresh = {rel: data for rel, data in site.items() if rel not in staged}
    return SiteFiles(fresh, {}, staged, staging.path), staging


def test_staged_pages_are_swapped_in_and_unchanged_ones_keep_their_file(source: Path, output: Path) -> None:
    write_output(SITE, output, source)
    keep = output / "articles/a/index.html"
    os.utime(keep, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = os.stat(keep)
    new = dict(SITE, **{"index.html": b"<h1>home, changed</h1>", "articles/c/index.html": b"<h1>c</h1>"})
    files, staging = _staged(new, output)
    assert leftovers(output.parent) == [staging.path.name]  # placed beside the output, not yet visible
    assert files["index.html"] == new["index.html"]  # read back from the staging folder
    assert tree(output)["index.html"] == SITE["index.html"]

    report = write_output(files, output, source, staging=staging)

    # Unchanged: a.html (staged, same bytes as before) and the stylesheet; a.html keeps its very file.
    assert report == WriteReport(written=2, unchanged=3, removed=0)
    after = os.stat(keep)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    written = tree(output)
    del written[MARKER]
    assert written == new
    assert leftovers(output.parent) == []


def test_a_failed_staged_write_leaves_the_previous_output_and_no_staging(source: Path, output: Path,
                                                                        monkeypatch) -> None:
    write_output(SITE, output, source)
    before = tree(output)
    files, staging = _staged(dict(SITE, **{"index.html": b"<h1>new</h1>"}), output)
    monkeypatch.setattr(write, "_write_new", lambda path, data: (_ for _ in ()).throw(OSError(28, "No space")))
    with pytest.raises(SummitError, match="No space"):
        write_output(files, output, source, staging=staging)
    assert tree(output) == before
    assert leftovers(output.parent) == []


@pytest.mark.parametrize("rel", BAD_PATHS)
def test_staging_refuses_bad_paths(output: Path, rel: str) -> None:
    staging = Staging(output)
    with pytest.raises(SummitError) as info:
        staging.place(rel, [b"evil"])
    assert info.value.diagnostics[0].code == "unsafe-output-path"
    staging.discard()
    assert leftovers(output.parent) == []


def test_staging_places_a_path_once_and_discard_removes_everything(output: Path) -> None:
    staging = Staging(output)
    staging.place("articles/a/index.html", [b"one"])
    with pytest.raises(ValueError, match=re.escape("two outputs would be written to articles/a/index.html")):
        staging.place("articles/a/index.html", [b"two"])
    assert (staging.path / "articles/a/index.html").read_bytes() == b"one"
    staging.discard()
    assert leftovers(output.parent) == []


def test_a_discarded_staging_removes_the_folders_it_made_and_no_others(tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    staging = Staging(tmp_path / "kept" / "new" / "deeper" / "out")
    assert staging.path.parent == tmp_path / "kept" / "new" / "deeper"
    staging.discard()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept"]


BIG = {f"articles/a{i}/index.html": f"<h1>{i}</h1>".encode() for i in range(30)}


def test_a_small_update_replaces_only_the_changed_files_in_place(source: Path, output: Path) -> None:
    write_output(BIG, output, source)
    folder = os.stat(output).st_ino
    keep = output / "articles/a1/index.html"
    os.utime(keep, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = os.stat(keep)
    new = dict(BIG, **{"articles/a2/index.html": b"<h1>2, changed</h1>", "articles/new/index.html": b"<h1>n</h1>"})
    del new["articles/a3/index.html"]
    assert len(new) * write.IN_PLACE_SHARE >= 3

    report = write_output(new, output, source)

    assert report == WriteReport(written=2, unchanged=28, removed=1)
    assert os.stat(output).st_ino == folder  # updated, not swapped
    after = os.stat(keep)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    files = tree(output)
    assert files.pop(MARKER).startswith(b"made by summitsite")
    assert files == new
    assert not (output / "articles/a3").exists()  # its folder went with it
    assert leftovers(output.parent) == []


@pytest.mark.parametrize("exc", [OSError("busy"), KeyboardInterrupt()], ids=["oserror", "ctrl-c"])
@pytest.mark.parametrize("step", ["replace", "remove"])
def test_a_failed_update_in_place_puts_back_every_old_file(source: Path, output: Path, exc: BaseException,
                                                           step: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write_output(BIG, output, source)
    before = tree(output)
    new = dict(BIG, **{"articles/a2/index.html": b"<h1>2, changed</h1>", "articles/new/index.html": b"<h1>n</h1>"})
    del new["articles/a3/index.html"]
    real = os.replace if step == "replace" else os.rename
    calls = []

    def flaky(src, dst):
        # The second file put in place, or the file to remove (the rollback's own moves go through).
        if Path(dst).is_relative_to(output.resolve()) and not Path(src).is_relative_to(output.resolve()):
            calls.append(dst)
            if len(calls) == 2:
                raise exc
        elif step == "remove" and Path(src).is_relative_to(output.resolve()):
            raise exc
        real(src, dst)

    monkeypatch.setattr(os, step if step == "replace" else "rename", flaky)
    with pytest.raises((SummitError, KeyboardInterrupt)):
        write_output(new, output, source)
    monkeypatch.undo()
    assert tree(output) == before
    assert not (output / "articles/new").exists()
    assert leftovers(output.parent) == []


def test_an_update_that_needs_a_file_to_become_a_folder_swaps_a_new_folder_in(source: Path, output: Path) -> None:
    old = dict(BIG, **{"notes": b"a file"})
    write_output(old, output, source)
    folder = os.stat(output).st_ino
    new = dict(BIG, **{"notes/index.html": b"now a folder"})
    assert write_output(new, output, source) == WriteReport(written=1, unchanged=30, removed=1)
    assert os.stat(output).st_ino != folder
    files = tree(output)
    del files[MARKER]
    assert files == new
    assert leftovers(output.parent) == []


def test_tree_files_lists_files_and_links_without_entering_linked_folders(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "page.html").write_bytes(b"x")
    (root / "top.txt").write_bytes(b"x")
    (root / MARKER).write_bytes(b"made by summitsite")
    (root / "a" / "to-b").symlink_to(root / "a" / "b", target_is_directory=True)
    (root / "dangling").symlink_to(tmp_path / "nowhere")
    (root / "empty").mkdir()
    assert write._tree_files(root) == {"a/b/page.html", "top.txt", "a/to-b", "dangling"}


def test_files_are_compared_block_by_block_and_a_link_is_never_the_same(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_COMPARE_BLOCK", 4)
    data = b"0123456789abcdef-end"
    old, staged = tmp_path / "old", tmp_path / "staged"
    old.write_bytes(data)
    staged.write_bytes(data)
    assert write._same_bytes(old, data) and write._staged_same(old, staged)
    for other in (data[:-1] + b"E", data[:-1], b"X" + data[1:]):
        staged.write_bytes(other)
        assert not write._same_bytes(old, other) and not write._staged_same(old, staged)
    assert write._same_bytes(tmp_path / "empty", b"") is False  # missing
    (tmp_path / "empty").write_bytes(b"")
    assert write._same_bytes(tmp_path / "empty", b"")
    link = tmp_path / "link"
    link.symlink_to(old)
    staged.write_bytes(data)
    assert not write._same_bytes(link, data) and not write._staged_same(link, staged)
