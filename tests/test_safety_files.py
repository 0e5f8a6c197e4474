"""Safety: nothing outside the output folder is ever written, and a failed build changes nothing.

Every test snapshots the whole scratch area (site, output and their parent) and compares it afterwards,
so a stray write anywhere, not only in the output, fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import tree_bytes
from summitsite import builder, write
from summitsite.cache import CACHE_DIR
from summitsite.cli import main
from summitsite.write import MARKER

SEED = "Harbour Talks Resume\nThe two sides met again on Monday to talk about the harbour and its future.\n"


def snapshot(root: Path) -> dict[str, object]:
    """Every file, folder and link under root: path -> bytes, 'dir' or ('link', target).

    The build cache in the site folder (`.summitsite-cache/`) is left out: it is the one documented place
    outside the output that a build writes to.
    """
    found: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != CACHE_DIR]
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = path.read_bytes()
    return found


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".build.tmp-", ".build.old-")))


@pytest.fixture
def area(tmp_path: Path) -> Path:
    """tmp_path/site (one seed) and tmp_path/elsewhere (files that must never change)."""
    (tmp_path / "site" / "seeds").mkdir(parents=True)
    (tmp_path / "site" / "seeds" / "a.txt").write_text(SEED)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("precious\n")
    return tmp_path


def run_build(site: Path, *extra: str) -> int:
    return main(["build", "--source", str(site), "--no-search", *extra])


# --- slugs, sidecars, front matter and template names cannot point outside -----------------------------

@pytest.mark.parametrize("slug", ["../x", "../../elsewhere", "/tmp/x", "C:/x", "C:x", "a/b", "a\\\\b", ".", "..",
                                  "x/../../y", "%2e%2e"])
def test_sidecar_slug_cannot_leave_the_output(area: Path, slug: str, capsys) -> None:
    (area / "site" / "seeds" / "a.yml").write_text(f'slug: "{slug}"\n')
    before = snapshot(area)
    assert run_build(area / "site") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seeds/a.yml:1: 'slug' must be lower-case words" in err
    assert snapshot(area) == before


@pytest.mark.parametrize("field, value", [("slug", "../x"), ("slug", "/etc"), ("slug", "C:\\\\x"),
                                          ("template", "../x.html"), ("template", "/etc/passwd.html"),
                                          ("template", "..\\\\x.html"), ("template", "C:x.html"),
                                          ("template", "sub/x.html"), ("template", "../../elsewhere/keep.txt")])
def test_front_matter_slug_and_template_cannot_leave_the_output(area: Path, field: str, value: str, capsys) -> None:
    (area / "site" / "content").mkdir()
    (area / "site" / "content" / "about.md").write_text(f'---\ntitle: About\n{field}: "{value}"\n---\nText.\n')
    before = snapshot(area)
    assert run_build(area / "site") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"content/about.md:3: '{field}' must be" in err
    assert snapshot(area) == before


def test_entity_names_that_slugify_oddly_stay_inside(area: Path) -> None:
    names = ["..", "../../elsewhere", "/etc/passwd", "C:\\Windows", "~root", "%2e%2e%2f", "Привет/../мир", "名前"]
    (area / "site" / "content").mkdir()
    (area / "site" / "content" / "entities.yml").write_text(
        "".join(f'- name: "{n}"\n  kind: thing\n' for n in names).replace("\\", "\\\\"))
    before = {k: v for k, v in snapshot(area).items() if not k.startswith("site/build")}
    assert run_build(area / "site") == 0
    after = {k: v for k, v in snapshot(area).items() if not k.startswith("site/build")}
    assert after == before
    entity_dirs = sorted(p.name for p in (area / "site" / "build" / "entities").iterdir() if p.is_dir())
    assert len(entity_dirs) == len(names)
    assert all("/" not in d and "\\" not in d and d not in (".", "..") for d in entity_dirs)


def test_output_that_is_a_symlink_replaces_the_target_and_keeps_the_link(area: Path) -> None:
    real = area / "real-output"
    link = area / "out-link"
    link.symlink_to(real, target_is_directory=True)
    assert run_build(area / "site", "--output", str(link)) == 0
    assert link.is_symlink() and (real / MARKER).is_file() and (real / "index.html").is_file()
    assert run_build(area / "site", "--output", str(link)) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert (area / "elsewhere" / "keep.txt").read_text() == "precious\n"
    assert leftovers(area) == []


def test_symlinked_folder_inside_the_old_output_is_never_followed(area: Path) -> None:
    site = area / "site"
    assert run_build(site) == 0
    out = site / "build"
    # Someone replaced a folder of the output with a link to a folder elsewhere, and a file with a link too.
    import shutil

    shutil.rmtree(out / "articles")
    (out / "articles").symlink_to(area / "elsewhere", target_is_directory=True)
    (out / "static" / "style.css").unlink()
    (out / "static" / "style.css").symlink_to(area / "elsewhere" / "keep.txt")
    elsewhere = snapshot(area / "elsewhere")
    assert run_build(site) == 0
    assert snapshot(area / "elsewhere") == elsewhere
    assert not (out / "articles").is_symlink() and (out / "articles").is_dir()
    assert not (out / "static" / "style.css").is_symlink()
    assert leftovers(site) == []


# --- where the output may be ----------------------------------------------------------------------------

@pytest.mark.parametrize("where, message", [
    ("site", "is the source folder"),
    (".", "contains the source folder"),
    ("..", "contains the source folder"),
])
def test_output_equal_to_or_above_the_source_is_refused(area: Path, where: str, message: str, capsys) -> None:
    before = snapshot(area)
    output = (area / where) if where != "site" else area / "site"
    assert run_build(area / "site", "--output", str(output)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert snapshot(area) == before


def test_output_holding_files_summitsite_did_not_make_is_refused(area: Path, capsys) -> None:
    before = snapshot(area)
    assert run_build(area / "site", "--output", str(area / "elsewhere")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "was not made by summitsite" in err and MARKER in err
    assert snapshot(area) == before
    # An output path that is a file is refused too.
    assert run_build(area / "site", "--output", str(area / "elsewhere" / "keep.txt")) == 1
    assert "is not a folder" in capsys.readouterr().err
    assert snapshot(area) == before


# --- build --clean --------------------------------------------------------------------------------------

def test_clean_removes_only_leftover_build_folders(area: Path, capsys) -> None:
    site = area / "site"
    assert run_build(site) == 0
    stale = [site / ".build.tmp-0123456789ab", site / ".build.old-ba9876543210"]
    for folder in stale:
        (folder / "articles").mkdir(parents=True)
        (folder / "articles" / "x.html").write_text("half-written")
    keep = [site / ".build.tmp-not-ours", site / ".build.old-0123"]
    for folder in keep:
        folder.mkdir()
    (site / ".build.tmp-aaaaaaaaaaaa").symlink_to(area / "elsewhere", target_is_directory=True)
    before_elsewhere = snapshot(area / "elsewhere")
    output_before = tree_bytes(site / "build")
    assert run_build(site) == 0  # a plain build leaves them alone
    assert all(f.exists() for f in stale)
    capsys.readouterr()
    assert run_build(site, "--clean") == 0
    err = capsys.readouterr().err
    assert all(not f.exists() for f in stale) and all(f.is_dir() for f in keep)
    cache = site / CACHE_DIR  # the build cache goes too
    assert sorted(line for line in err.splitlines() if line.startswith("removed ")) == [
        f"removed {f}" for f in sorted([*stale, cache])]
    assert (site / ".build.tmp-aaaaaaaaaaaa").is_symlink()
    assert snapshot(area / "elsewhere") == before_elsewhere
    assert tree_bytes(site / "build") == output_before


def test_clean_refuses_an_output_it_may_not_replace(area: Path, capsys) -> None:
    (area / ".build.tmp-0123456789ab").mkdir()
    assert run_build(area / "site", "--clean", "--output", str(area / "elsewhere")) == 1
    assert "was not made by summitsite" in capsys.readouterr().err
    assert (area / ".build.tmp-0123456789ab").is_dir()


# --- a failed build changes nothing ---------------------------------------------------------------------

def _boom(exc: BaseException):
    def fail(*args, **kwargs):
        raise exc

    return fail


STAGES = [
    (builder, "load_config"),
    (builder, "load_seeds"),
    (builder, "load_pages"),
    (builder, "load_entities"),
    (builder, "analyse"),
    (builder, "render_page_chunks"),
    (builder, "collect_static"),
    (builder, "feed_files"),
    (builder, "index_files"),
    (write, "_write_new"),
    (write, "_carry_over"),
    (write.Staging, "place"),
    (write, "_keep_aside"),
    (write, "_put"),
]
IN_PLACE = {"_keep_aside", "_put"}
"""Steps of a small update made in place; the other steps of writing are those of a new folder swapped in."""


@pytest.fixture
def built_site(area: Path) -> Path:
    site = area / "site"
    (site / "seeds" / "b.txt").write_text(SEED.replace("Harbour", "Ferry"))
    assert main(["build", "--source", str(site), "--no-search"]) == 0
    return site


@pytest.mark.parametrize("module, name", STAGES, ids=[name for _, name in STAGES])
@pytest.mark.parametrize("exc", [RuntimeError("injected"), KeyboardInterrupt(), OSError(28, "No space left")],
                         ids=["error", "ctrl-c", "disk-full"])
def test_a_failure_at_any_stage_leaves_the_output_byte_identical(built_site: Path, monkeypatch, module, name,
                                                                 exc, capsys) -> None:
    site = built_site
    out = site / "build"
    before = tree_bytes(out)
    stat_before = {p: os.stat(out / p).st_ino for p in before}
    monkeypatch.setattr(module, name, _boom(exc))
    monkeypatch.setattr(write, "IN_PLACE_SHARE", 1.0 if name in IN_PLACE else 0.0)
    (site / "seeds" / "a.txt").write_text(SEED + "A new paragraph that the failed build never publishes.\n")
    args = ["build", "--source", str(site)] + ([] if name == "index_files" else ["--no-search"])
    if isinstance(exc, RuntimeError):
        with pytest.raises(RuntimeError):  # summitsite's own bug: it propagates, but nothing changes
            main(args)
    else:
        code = main(args)
        assert code == (130 if isinstance(exc, KeyboardInterrupt) else 1)
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip().count("\n") == 0
    assert tree_bytes(out) == before
    assert {p: os.stat(out / p).st_ino for p in before} == stat_before  # not even rewritten in place
    assert leftovers(site) == []


def test_a_template_that_raises_leaves_the_output_byte_identical(built_site: Path, capsys) -> None:
    site = built_site
    before = tree_bytes(site / "build")
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text(
        '{% extends "summitsite/article.html" %}\n{% block article_footer %}{{ 1 // 0 }}{% endblock %}\n')
    assert main(["build", "--source", str(site), "--no-search"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("site/templates/article.html:2: template error") or "templates/article.html:2:" in err
    assert "Traceback" not in err
    assert tree_bytes(site / "build") == before
    assert leftovers(site) == []


def test_bad_input_leaves_the_output_byte_identical(built_site: Path, capsys) -> None:
    site = built_site
    before = tree_bytes(site / "build")
    for name, text in [("summitsite.yml", "title: [unclosed\n"), ("seeds/a.yml", "date: 2024-13-45\n"),
                       ("content/entities.yml", "- name: X\n  kind: Not A Kind\n")]:
        (site / name).parent.mkdir(exist_ok=True)
        (site / name).write_text(text)
        assert main(["build", "--source", str(site), "--no-search"]) == 1
        (site / name).unlink()
    assert tree_bytes(site / "build") == before
    assert leftovers(site) == []


def test_a_failed_first_build_leaves_no_folder_behind(area: Path, capsys) -> None:
    site = area / "site"
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text(
        '{% extends "summitsite/article.html" %}\n{% block article_footer %}{{ 1 // 0 }}{% endblock %}\n')
    assert run_build(site, "--output", str(area / "public" / "news" / "out")) == 1
    assert "template error" in capsys.readouterr().err
    assert not (area / "public").exists()
