"""Golden snapshots of every page type, built from tests/fixtures/site; `pytest --update-golden` rewrites them."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from summitsite.builder import render_files
from summitsite.check import check_site
from summitsite.urls import root_path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "site"
GOLDEN = HERE / "golden" / "site"
# The theme's static files are not page output: snapshotting them would only duplicate the theme. The
# search index (search/data/, JSON) is output, and is snapshotted like the pages.
SKIP_PREFIXES = ("static/",)


def rendered() -> dict[str, bytes]:
    files = render_files(FIXTURE).files
    return {path: data for path, data in files.items() if not path.startswith(SKIP_PREFIXES)}


def test_golden_site(request: pytest.FixtureRequest) -> None:
    files = rendered()
    if request.config.getoption("--update-golden"):
        for old in GOLDEN.rglob("*"):
            if old.is_file() and old.relative_to(GOLDEN).as_posix() not in files:
                old.unlink()
        for path, data in files.items():
            target = GOLDEN / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return
    expected = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert any(path.startswith("search/data/terms/") for path in expected)
    assert set(files) == expected, "output files differ from tests/golden/site (run pytest --update-golden)"
    problems = []
    for path, data in files.items():
        want = (GOLDEN / path).read_text(encoding="utf-8")
        got = data.decode("utf-8")
        if got != want:
            diff = difflib.unified_diff(want.splitlines(keepends=True), got.splitlines(keepends=True),
                                        f"golden/site/{path}", f"output/{path}")
            problems.append("".join(diff))
    assert not problems, "\n".join(problems)


def test_every_page_type_has_a_golden() -> None:
    files = rendered()
    for path in ("index.html", "404.html", "search/index.html", "faq/index.html", "entities/index.html",
                 "entities/norland/index.html", "compare/norland/index.html", "topics/index.html",
                 "topics/harbours/index.html", "about/index.html", "field-notes/index.html",
                 "articles/harbour-talks-open-in-lisbon/index.html"):
        assert path in files


def test_fixture_site_has_no_broken_links(tmp_path: Path) -> None:
    for path, data in render_files(FIXTURE).files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    assert [d.format() for d in check_site(tmp_path, root_path("https://example.org/fixture/"))] == []


def test_two_renders_are_byte_identical() -> None:
    assert render_files(FIXTURE).files == render_files(FIXTURE).files
