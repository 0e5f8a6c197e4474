"""End to end: the repository's own site and a fixture site build, link up, and stay byte-identical."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO, tree_bytes
from summitsite.builder import build, render_files
from summitsite.check import check_site
from summitsite.urls import root_path
from summitsite.write import MARKER

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "site"


def test_repository_site_builds_with_every_link_and_anchor_resolving(tmp_path: Path) -> None:
    report = build(REPO, tmp_path / "out")
    assert report.articles == 2
    assert check_site(tmp_path / "out", root_path(report.site.config.base_url)) == []
    pages = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.html"))
    assert "index.html" in pages and "about/index.html" in pages
    assert sum(p.startswith("articles/") for p in pages) == 2


def test_article_page_has_what_a_reader_needs(tmp_path: Path) -> None:
    build(REPO, tmp_path / "out")
    html = next((tmp_path / "out" / "articles").glob("chinas-*/index.html")).read_text(encoding="utf-8")
    assert html.count("<h1>") == 1
    assert '<nav class="toc" aria-label="Table of contents"' in html
    assert "<thead>" in html and "<aside" in html and '<details id="faq-will-this-alliance-last"' in html
    assert "ends mid-sentence" in html
    assert 'class="permalink"' in html
    assert "Share your opinions in the comments below" not in html
    # The table of contents block is set aside, not rendered as body text.
    assert "Table of Contents" not in html
    assert 'rel="prev"' in html or 'rel="next"' in html


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    build(REPO, tmp_path / "one")
    build(REPO, tmp_path / "two")
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_rebuild_keeps_unchanged_files(tmp_path: Path) -> None:
    first = build(REPO, tmp_path / "out")
    second = build(REPO, tmp_path / "out")
    assert first.write.written > 0
    assert (second.write.written, second.write.removed) == (0, 0)
    assert (tmp_path / "out" / MARKER).is_file()


def test_internal_links_are_relative() -> None:
    result = render_files(REPO, search=False)
    for path, data in result.files.items():
        # 404.html is served at any depth, so it alone links root-relative, under base_url's path.
        if path.endswith(".html") and path != "404.html":
            text = data.decode("utf-8")
            assert 'href="/' not in text and 'src="/' not in text, path


def test_wheel_ships_templates_and_builds_a_site_from_any_folder(tmp_path: Path) -> None:
    """Build the wheel, install it apart from the source tree, and build a site with it."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("summitsite-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "summitsite/theme/templates/article.html" in names
    assert "summitsite/theme/static/style.css" in names
    target = tmp_path / "lib"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    site = tmp_path / "elsewhere"
    (site / "seeds").mkdir(parents=True)
    (site / "seeds" / "a.txt").write_bytes((REPO / "seeds" / "004_9cfca1364c81efc9.txt").read_bytes())
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import summitsite, sys; print(summitsite.__file__); from summitsite.cli import main; sys.exit(main())"
    result = subprocess.run([sys.executable, "-c", code, "build"], cwd=site, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(target))
    assert (site / "build" / "static" / "style.css").is_file()
    assert check_site(site / "build") == []


def test_the_markdown_parser_is_imported_only_for_a_site_with_markdown_pages(tmp_path: Path) -> None:
    # It was a tenth of summitsite's start-up: a site without content/*.md never needs it.
    site = tmp_path / "site"
    (site / "seeds").mkdir(parents=True)
    (site / "seeds" / "a.txt").write_text("Harbour Talks Resume\nThe two sides met again on Monday.\n",
                                          encoding="utf-8")
    probe = ("import sys; from pathlib import Path; from summitsite.builder import render_files; "
             "render_files(Path(sys.argv[1]), search=False); print('markdown_it' in sys.modules)")
    plain = subprocess.run([sys.executable, "-c", probe, str(site)], capture_output=True, text=True, check=True)
    assert plain.stdout.strip() == "False"
    (site / "content").mkdir()
    (site / "content" / "about.md").write_text("---\ntitle: About\n---\nSome *text*.\n", encoding="utf-8")
    with_page = subprocess.run([sys.executable, "-c", probe, str(site)], capture_output=True, text=True, check=True)
    assert with_page.stdout.strip() == "True"
