"""Issue 6: parallel builds, the build cache, incremental rendering and kept mtimes. No wall-clock asserts."""

from __future__ import annotations

import dataclasses
import io
import os
from collections import Counter
from pathlib import Path

import jinja2
import pytest

from conftest import tree_bytes
from summitsite import builder, pool, render, views
from summitsite.cache import CACHE_DIR, BuildCache
from summitsite.cli import main
from summitsite.progress import Progress
from summitsite.search import InvertedIndex


@pytest.fixture
def site(generated_site: Path) -> Path:
    return generated_site


@pytest.fixture(autouse=True)
def small_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "MIN_ITEMS", 2)  # use the worker pool even for a 12-article site


def _build(site: Path, out: Path, **kw):
    kw.setdefault("search", False)
    return builder.build(site, out, progress=False, **kw)


LATE_SENTENCE = "A late sentence about the weather.\n"
"""An edit that names no entity and keeps the article's reading time."""


def _add_late_sentence(site: Path) -> Path:
    """Append `LATE_SENTENCE` to the sixth seed; that seed."""
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    seed.write_text(seed.read_text(encoding="utf-8") + LATE_SENTENCE, encoding="utf-8")
    return seed


def _assert_as_clean_build(site: Path, out: Path, tmp_path: Path, **kw) -> None:
    """`out` holds byte for byte what a build without the cache makes (with the same `_build` options)."""
    _build(site, tmp_path / "plain", use_cache=False, **kw)
    assert tree_bytes(out) == tree_bytes(tmp_path / "plain")


def test_output_is_byte_identical_for_any_number_of_jobs(site: Path, tmp_path: Path) -> None:
    trees = []
    for jobs in (1, 2, 3):
        _build(site, tmp_path / f"out{jobs}", jobs=jobs, use_cache=False)
        trees.append(tree_bytes(tmp_path / f"out{jobs}"))
    assert trees[0] == trees[1] == trees[2]
    assert not (site / CACHE_DIR).exists()  # --no-cache writes nothing either


def test_pages_streamed_to_the_output_equal_the_pages_rendered_in_memory(site: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # `build` has the workers write each page into the staging folder in pieces; the dev server and
    # `check` keep whole pages in memory. Both must give the same bytes, however small the pieces.
    monkeypatch.setattr(render, "CHUNK_CHARACTERS", 100)
    _build(site, tmp_path / "out", jobs=2, use_cache=False)
    written = tree_bytes(tmp_path / "out")
    del written[".summitsite-output"]
    in_memory = builder.render_files(site, search=False, jobs=2).files
    assert written.keys() == set(in_memory)
    assert all(written[path] == in_memory[path] for path in written)


def test_cached_build_is_byte_identical_to_an_uncached_one(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "plain", use_cache=False)
    _build(site, tmp_path / "cached", jobs=2)
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    seed.write_text(seed.read_text(encoding="utf-8") + "A late sentence about the summit.\n", encoding="utf-8")
    _build(site, tmp_path / "cached", jobs=2)
    _build(site, tmp_path / "plain", use_cache=False)
    assert tree_bytes(tmp_path / "cached") == tree_bytes(tmp_path / "plain")


def test_an_edit_that_changes_mention_counts_updates_every_page_that_shows_them(site: Path, tmp_path: Path) -> None:
    """The home page's network chart and the entity index's chart count mentions across all articles:
    an incremental build after such an edit must equal a clean build, byte for byte."""
    import yaml

    names = [entry["name"] for entry in yaml.safe_load((site / "content" / "entities.yml").read_text("utf-8"))]
    two_words = next(name for name in names if len(name.split()) == 2)
    _build(site, tmp_path / "cached", jobs=1)
    seed = sorted((site / "seeds").glob("*.txt"))[3]
    _build(site, tmp_path / "before", use_cache=False)
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    # Two ordinary words in every long paragraph become an entity's name: the article's card (title, lede,
    # headings, word count) stays the same, its mention counts do not.
    for i, line in enumerate(lines[2:], start=2):
        words = line.split(" ")
        if len(words) > 30 and line[0].isalpha() and ":" not in line[:40]:
            lines[i] = " ".join([*words[:10], *two_words.split(), *words[12:]])
    seed.write_text("".join(lines), encoding="utf-8")
    report = _build(site, tmp_path / "cached", jobs=1)
    _build(site, tmp_path / "plain", use_cache=False)
    before, after = tree_bytes(tmp_path / "before"), tree_bytes(tmp_path / "plain")
    assert before["index.html"] != after["index.html"]  # the network chart changed
    assert tree_bytes(tmp_path / "cached") == after
    assert report.parsed == 1


def test_an_edit_inside_a_mentioning_sentence_updates_the_entity_page(site: Path, tmp_path: Path) -> None:
    """Entity pages quote every sentence that mentions the entity, and fingerprint each quoted section by its
    article's parse key: a reworded sentence, with the same counts and the same card, must reach the page."""
    import yaml

    entities = yaml.safe_load((site / "content" / "entities.yml").read_text("utf-8"))
    _build(site, tmp_path / "cached", jobs=2)
    before = tree_bytes(tmp_path / "cached")
    seed = sorted((site / "seeds").glob("*.txt"))[4]
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    i, entity = next((i, e) for i, line in enumerate(lines[2:], start=2) for e in entities
                     if len(line.split()) > 30 and f" {e['name']} " in line)
    lines[i] = lines[i].replace(f" {entity['name']} ", f" {entity['name']} (reworded) ", 1)
    seed.write_text("".join(lines), encoding="utf-8")
    _build(site, tmp_path / "cached", jobs=2)
    _build(site, tmp_path / "plain", use_cache=False)
    after = tree_bytes(tmp_path / "plain")
    page = next(path for path in after if path.startswith("entities/") and "(reworded)" in after[path].decode())
    assert before[page] != after[page]
    assert tree_bytes(tmp_path / "cached") == after


def test_no_change_rebuild_parses_renders_and_writes_nothing(site: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = _build(site, out, jobs=1)
    assert first.parsed == 12 and first.rendered > 12
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    def fail(*args, **kwargs):
        raise AssertionError("a no-change rebuild must not load or render")

    monkeypatch.setattr(builder, "render_files", fail)
    again = _build(site, out, jobs=1)
    assert again.skipped and again.write.written == 0 and again.write.unchanged == first.write.written
    assert again.articles == 12
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_one_seed_edit_reparses_one_seed_and_rerenders_only_affected_pages(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _build(site, out, jobs=1)
    _add_late_sentence(site)
    mtimes = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    report = _build(site, out, jobs=1)
    assert report.parsed == 1
    assert 0 < report.rendered < first.rendered // 2
    changed = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
               and p.stat().st_mtime_ns != mtimes.get(p.relative_to(out).as_posix())}
    assert report.write.written == len(changed - {".summitsite-output"})
    assert "static/style.css" not in changed and "entities/index.html" not in changed
    assert any(path.startswith("articles/") for path in changed)


def test_after_an_edit_the_output_records_hold_every_files_hash_and_stamp(site: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    out = tmp_path / "out"
    _build(site, out, jobs=1)
    _add_late_sentence(site)
    report = _build(site, out, jobs=1)
    assert report.write.written > 0 and len(report.write.untouched) == report.write.unchanged  # in place
    state = BuildCache(site).load("output.pickle")
    found = {p.relative_to(out).as_posix(): p for p in out.rglob("*") if p.is_file()}
    assert set(state.files) == set(found) - {".summitsite-output"}
    for rel, record in state.files.items():
        assert record.matches(found[rel].lstat()) and record.sha == hashlib.sha256(found[rel].read_bytes()).digest()
    monkeypatch.setattr(builder, "render_files", lambda *a, **k: pytest.fail("the output is as recorded"))
    assert _build(site, out, jobs=1).skipped


def test_the_first_edit_after_a_clean_build_rerenders_no_more_than_any_later_edit(site: Path, tmp_path: Path) -> None:
    # The clean build's mention scans come fresh from the workers, the edit's from the cache: the pages'
    # fingerprints must not see the difference.
    out = tmp_path / "out"
    _build(site, out, jobs=2)
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text + LATE_SENTENCE, encoding="utf-8")
    first = _build(site, out, jobs=2)
    seed.write_text(text + "Another late sentence about the weather.\n", encoding="utf-8")
    second = _build(site, out, jobs=2)
    assert first.parsed == second.parsed == 1
    assert first.rendered == second.rendered


def test_an_edit_that_names_no_entity_rerenders_no_entity_or_compare_page(site: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    clean = _build(site, out, jobs=1)
    assert clean.site.mentions.co_mentions._made is not None  # the entity pages showed them
    rendered: list[str] = []
    real = builder.render_page_chunks
    monkeypatch.setattr(builder, "render_page_chunks",
                        lambda env, s, job, context: rendered.append(job.path) or real(env, s, job, context))
    _add_late_sentence(site)
    report = _build(site, out, jobs=1)
    assert report.rendered == len(rendered) > 0
    assert not [path for path in rendered if path.startswith(("entities/", "compare/"))]
    assert any(path.startswith("articles/") for path in rendered)
    assert report.site.mentions.co_mentions._made is None  # no page showed them: never counted
    _assert_as_clean_build(site, out, tmp_path)


def _contexts_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The output paths whose page context the build computes (each page fingerprinted or rendered)."""
    made: list[str] = []
    real = builder.page_context
    monkeypatch.setattr(builder, "page_context", lambda s, job, compare=None: made.append(job.path)
                        or real(s, job, compare))
    return made


def _faq_edit(text: str) -> str:
    lines = text.splitlines(keepends=True)
    faq = next(i for i, line in enumerate(lines) if line.strip() == "Frequently Asked Questions")
    lines[faq + 1] = lines[faq + 1].rstrip("\n").removesuffix(".") + " today.\n"
    return "".join(lines)


@pytest.mark.parametrize("edit", ["late sentence", "faq answer"])
def test_an_edit_that_keeps_cards_and_counts_looks_only_at_the_pages_that_show_the_article(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    """Every other page shows only cards, mention counts and the shell: it is kept without its context even
    being computed, and the output still equals a clean build's."""
    out = tmp_path / "out"
    first = _build(site, out, jobs=1)
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text + LATE_SENTENCE if edit == "late sentence" else _faq_edit(text),
                    encoding="utf-8")
    made = _contexts_made(monkeypatch)
    report = _build(site, out, jobs=1)  # in this process, where the contexts are counted
    article = next(a for a in report.site.articles if a.source.endswith(seed.name))
    entities = report.site.mentions.by_article[article.slug]
    allowed = {f"articles/{article.slug}/index.html", "faq/index.html",
               *(f"entities/{e}/index.html" for e in entities), *(f"compare/{e}/index.html" for e in entities)}
    assert f"articles/{article.slug}/index.html" in made
    assert set(made) <= allowed and len(made) < first.pages // 2
    assert ("faq/index.html" in made) == (edit == "faq answer")
    if edit == "late sentence":  # it quotes no entity: no entity page can have changed
        assert made == [f"articles/{article.slug}/index.html"]
    _assert_as_clean_build(site, out, tmp_path)


def test_an_faq_edit_on_a_hub_of_several_pages_looks_at_the_hub_pages_only(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "FAQ_PAGE_ARTICLES", 3)  # 12 articles with questions: four pages
    out = tmp_path / "out"
    first = _build(site, out, jobs=1)
    hub = ["faq/index.html", *(f"faq/page/{n}/index.html" for n in (2, 3, 4))]
    assert all((out / path).is_file() for path in hub) and not (out / "faq" / "page" / "5").exists()
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    seed.write_text(_faq_edit(seed.read_text(encoding="utf-8")), encoding="utf-8")
    made = _contexts_made(monkeypatch)
    report = _build(site, out, jobs=1)
    article = next(a for a in report.site.articles if a.source.endswith(seed.name))
    entities = report.site.mentions.by_article[article.slug]
    assert set(hub) <= set(made) <= {f"articles/{article.slug}/index.html", *hub,
                                     *(f"entities/{e}/index.html" for e in entities),
                                     *(f"compare/{e}/index.html" for e in entities)}
    assert len(made) < first.pages // 2
    _assert_as_clean_build(site, out, tmp_path)


def test_an_edit_that_names_an_entity_looks_at_every_page_of_its_entity_page(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "ENTITY_PAGE_ARTICLES", 2)
    out = tmp_path / "out"
    first = _build(site, out, jobs=1)
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    article = next(a for a in first.site.articles if a.source.endswith(seed.name))
    mentions = first.site.mentions
    entity = next(e for e in first.site.entities if e.slug not in mentions.by_article[article.slug]
                  and len(mentions.articles_mentioning(e.slug)) in (3, 5, 7, 9))
    seed.write_text(seed.read_text(encoding="utf-8") + f"A late sentence about {entity.name}.\n", encoding="utf-8")
    made = _contexts_made(monkeypatch)
    report = _build(site, out, jobs=1)
    pages = views.entity_pages(report.site, entity)
    assert pages == views.entity_pages(first.site, entity) >= 2  # as many pages: nothing settles the page list
    assert {f"entities/{entity.slug}/index.html",
            *(f"entities/{entity.slug}/page/{n}/index.html" for n in range(2, pages + 1))} <= set(made)
    _assert_as_clean_build(site, out, tmp_path)


def test_an_edit_that_names_an_entity_looks_only_at_the_pages_that_count_its_mentions(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An article that names an entity for the first time changes that entity's totals, not the other
    articles' pages: they link its compare page, which existed before and still does."""
    out = tmp_path / "out"
    first = _build(site, out, jobs=1)
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    article = next(a for a in first.site.articles if a.source.endswith(seed.name))
    mentions = first.site.mentions
    before = set(mentions.by_article[article.slug])
    entity = next(e for e in first.site.entities
                  if e.slug not in before and len(mentions.articles_mentioning(e.slug)) >= 2)
    seed.write_text(seed.read_text(encoding="utf-8") + f"A late sentence about {entity.name}.\n", encoding="utf-8")
    made = _contexts_made(monkeypatch)
    report = _build(site, out, jobs=1)
    after = set(report.site.mentions.by_article[article.slug])
    assert after == before | {entity.slug}
    moved = {f"articles/{a.slug}/index.html" for a in report.site.articles
             if report.site.related.get(a.slug) != first.site.related.get(a.slug)}
    allowed = {f"articles/{article.slug}/index.html", "index.html", "entities/index.html", "faq/index.html", *moved,
               *(f"entities/{e}/index.html" for e in after), *(f"compare/{e}/index.html" for e in after)}
    assert {f"entities/{entity.slug}/index.html", f"compare/{entity.slug}/index.html", "index.html"} <= set(made)
    assert set(made) <= allowed and len(made) < first.pages // 2
    _assert_as_clean_build(site, out, tmp_path)


def test_a_kept_page_changed_by_hand_is_rendered_again_even_when_the_edit_settles_it(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _build(site, out, jobs=1)
    _add_late_sentence(site)
    (out / "topics" / "index.html").write_bytes(b"tampered")
    made = _contexts_made(monkeypatch)
    _build(site, out, jobs=1)
    assert "topics/index.html" in made and "index.html" not in made
    _assert_as_clean_build(site, out, tmp_path)


def test_an_edit_to_a_title_looks_at_every_page_again(site: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = _build(site, out, jobs=1)
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].rstrip("\n") + " Again\n"
    seed.write_text("".join(lines), encoding="utf-8")
    made = _contexts_made(monkeypatch)
    _build(site, out, jobs=1)
    assert len(made) == first.pages
    _assert_as_clean_build(site, out, tmp_path)


def test_sidecars_are_read_from_the_cache_until_they_change(site: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from summitsite import loader
    out = tmp_path / "out"
    _build(site, out, jobs=1)
    read: list[str] = []
    real = loader._sidecar_from
    monkeypatch.setattr(loader, "_sidecar_from", lambda data, shown: read.append(shown) or real(data, shown))
    seed = _add_late_sentence(site)
    _build(site, out, jobs=1)
    assert read == []
    sidecar = seed.with_suffix(".yml")
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("tags: [", 'tags: ["ferries", '), encoding="utf-8")
    _build(site, out, jobs=1)
    assert read == [f"seeds/{sidecar.name}"]
    assert (out / "topics" / "ferries" / "index.html").is_file()
    _assert_as_clean_build(site, out, tmp_path)


def test_template_change_rerenders_every_page_that_uses_it(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    (site / "templates").mkdir()
    (site / "templates" / "search.html").write_text(
        '{% extends "summitsite/search.html" %}{% block title %}Find it{% endblock %}', encoding="utf-8")
    report = _build(site, out)
    assert report.parsed == 0 and report.rendered > 0
    assert "<title>Find it</title>" in (out / "search" / "index.html").read_text(encoding="utf-8")


def test_config_change_rerenders(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _build(site, out)
    config = site / "summitsite.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("title:", "title: New") if config.exists()
                      else "title: New name\n", encoding="utf-8")
    report = _build(site, out)
    assert report.rendered == first.rendered
    assert "New" in (out / "index.html").read_text(encoding="utf-8")


def test_an_entity_change_reaches_every_page_that_shows_the_entity(site: Path, tmp_path: Path) -> None:
    # Page fingerprints know the site's entities by slug alone; what else an entity says is in the shell.
    out = tmp_path / "out"
    _build(site, out)
    entities = site / "content" / "entities.yml"
    text = entities.read_text(encoding="utf-8")
    first = text.split("description:", 1)[1].split("\n", 1)[0].strip()
    entities.write_text(text.replace(first, "A description written later.", 1), encoding="utf-8")
    report = _build(site, out)
    assert report.parsed == 0 and report.rendered > 0
    changed = [p for p in out.rglob("*.html") if "A description written later." in p.read_text(encoding="utf-8")]
    assert changed
    _assert_as_clean_build(site, out, tmp_path)


def _count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


def test_compiled_templates_are_kept_and_a_broken_one_is_compiled_again(site: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(pool, "MIN_ITEMS", 10_000)  # render in this process, where the compiles are counted
    compiled = _count_compiles(monkeypatch)
    _build(site, out)
    assert "article.html" in compiled
    kept = sorted((site / CACHE_DIR / builder.TEMPLATES).iterdir())
    assert kept
    compiled.clear()
    _add_late_sentence(site)
    assert _build(site, out).rendered > 0 and compiled == []
    for path in kept:
        path.write_bytes(path.read_bytes()[:40] + b"garbage")
    _add_late_sentence(site)
    _build(site, out)
    assert "article.html" in compiled
    _assert_as_clean_build(site, out, tmp_path)
    assert not (tmp_path / "plain" / CACHE_DIR).exists()


def test_a_compiled_template_is_used_only_by_the_same_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = _count_compiles(monkeypatch)

    def template(code: bytes) -> str:
        env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "{{ 6 * 7 }}"}),
                                 bytecode_cache=render.TemplateCache(tmp_path / "compiled", code))
        return env.get_template("t.html").render()

    assert [template(b"one"), template(b"one"), template(b"two"), template(b"two")] == ["42"] * 4
    assert compiled == ["t.html", "t.html"]  # the first of each code


def test_no_cache_keeps_no_compiled_templates(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out", use_cache=False)
    assert not (site / CACHE_DIR).exists()


@pytest.mark.parametrize("garbage", [b"", b"not a pickle at all", b"summitsite-cache\0" + b"x" * 40 + b"\n\x80junk"])
def test_corrupt_or_foreign_cache_is_ignored(site: Path, tmp_path: Path, garbage: bytes) -> None:
    out = tmp_path / "out"
    _build(site, out)
    expected = tree_bytes(out)
    for path in [*(site / CACHE_DIR / "parsed").iterdir(), *(site / CACHE_DIR / "mentions").iterdir(),
                 site / CACHE_DIR / "output.pickle", site / CACHE_DIR / "inputs.pickle"]:
        path.write_bytes(garbage)
    report = _build(site, out)
    assert not report.skipped and report.parsed == 12
    assert tree_bytes(out) == expected


def test_stamps_aspects_and_postings_of_the_wrong_shape_are_ignored(site: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Readable pickles with this version's header, holding something else: never a crash, never trusted.
    import dataclasses

    from summitsite import cache

    monkeypatch.setattr(cache, "RACY_NS", 0)
    out = tmp_path / "out"
    _build(site, out, search=True)
    store = BuildCache(site)
    stamps = store.load("inputs.pickle")
    assert stamps
    store.save("inputs.pickle", {rel: ("not", "a stamp") if i % 2 else 7 for i, rel in enumerate(stamps)})
    state = store.load("output.pickle")
    store.save("output.pickle", dataclasses.replace(state, aspects=("not", "aspects")))
    postings = store.load("postings.pickle")
    store.save("postings.pickle", InvertedIndex(postings.terms, ("not", "postings")))  # type: ignore[arg-type]
    _add_late_sentence(site)
    report = _build(site, out, search=True)
    assert not report.skipped and report.parsed == 1
    _assert_as_clean_build(site, out, tmp_path, search=True)


def test_cli_no_cache_and_jobs(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--source", str(site), "--output", str(tmp_path / "o"), "--no-search", "--no-cache",
                 "--jobs", "2"]) == 0
    assert not (site / CACHE_DIR).exists()
    out, err = capsys.readouterr()
    assert "Built 12 articles" in out and "\r" not in err  # the summary line always; no bar when not a TTY
    with pytest.raises(SystemExit):
        main(["build", "--source", str(site), "--jobs", "0"])


def test_output_edited_by_hand_is_rebuilt_not_trusted(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(site, out)
    page = out / "index.html"
    good = page.read_bytes()
    page.write_bytes(b"tampered")
    _build(site, out)
    assert page.read_bytes() == good


def test_template_error_in_a_worker_is_a_diagnostic(site: Path, tmp_path: Path) -> None:
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text("line one\n{{ nope.nothing }}\n", encoding="utf-8")
    with pytest.raises(builder.SummitError) as caught:
        _build(site, tmp_path / "out", jobs=2, use_cache=False)
    messages = {d.format() for d in caught.value.diagnostics}
    assert len(messages) == 1 and "templates/article.html:2:" in messages.pop()


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    bar = Progress(None, stream)
    bar.started -= 10  # as if the build had run for a while
    bar.start("parsing", 10)
    bar.advance(5)
    bar.done()
    assert stream.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for name in ("CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    tty = Tty()
    bar = Progress(None, tty)
    bar.started -= 10
    bar.start("parsing", 10)
    bar.advance(5)
    assert "5/10" in tty.getvalue()
    monkeypatch.setenv("CI", "true")
    assert Progress(None, Tty()).enabled is False


def test_cache_lives_in_the_site_folder_and_not_in_the_output(site: Path, tmp_path: Path) -> None:
    _build(site, tmp_path / "out")
    assert any((site / CACHE_DIR / "parsed").iterdir())
    assert not any(CACHE_DIR in p.parts for p in (tmp_path / "out").rglob("*"))
    assert os.path.isfile(tmp_path / "out" / ".summitsite-output")


def test_mentions_are_scanned_again_only_for_changed_seeds_or_entities(site: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[str] = []
    real = builder.scan_article

    def counting(article, matcher):
        scanned.append(article.source)
        return real(article, matcher)

    monkeypatch.setattr(builder, "scan_article", counting)
    out = tmp_path / "out"
    _build(site, out, jobs=1)
    assert len(scanned) == 12
    seed = sorted((site / "seeds").glob("*.txt"))[3]
    seed.write_text(seed.read_text(encoding="utf-8") + "A late sentence.\n", encoding="utf-8")
    scanned.clear()
    _build(site, out, jobs=1)
    assert scanned == [f"seeds/{seed.name}"]
    entities = site / "content" / "entities.yml"
    entities.write_text(entities.read_text(encoding="utf-8") + "- name: Zebra Works\n  kind: organisation\n",
                        encoding="utf-8")
    scanned.clear()
    incremental = _build(site, out, jobs=1)
    assert len(scanned) == 12  # a new name can be anywhere
    _assert_as_clean_build(site, out, tmp_path)
    assert incremental.articles == 12


def test_a_one_seed_edit_writes_one_cache_entry_of_each_kind(site: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _build(site, out, jobs=1)
    written: list[str] = []
    real = BuildCache._write

    def counting(self, folder, name, value):
        written.append(f"{folder.name}/{name}" if folder.name != CACHE_DIR else name)
        return real(self, folder, name, value)

    monkeypatch.setattr(BuildCache, "_write", counting)
    _add_late_sentence(site)
    _build(site, out, jobs=1)
    kinds = Counter(w.split("/")[0] for w in written)
    assert set(kinds) == {"mentions", "output.pickle", "parsed"} and kinds["output.pickle"] == 1
    # The shard that gains the new entry, and the old entry's shard if other entries share it (a shard left
    # empty is deleted, not written). Which keys share a shard depends on summitsite's code fingerprint.
    assert kinds["parsed"] <= 2 and kinds["mentions"] <= 2
    # The entries of the seed's old text are gone: one per article is left.
    cache = BuildCache(site)
    for kind in ("parsed", "mentions"):
        shards = [cache._read(path) for path in (site / CACHE_DIR / kind).iterdir()]
        assert sum(len(shard) for shard in shards) == 12
    _assert_as_clean_build(site, out, tmp_path)


def test_related_articles_are_scored_again_only_when_their_inputs_change(site: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = builder.related_index

    def counting(articles, mentions):
        calls.append(len(articles))
        return real(articles, mentions)

    monkeypatch.setattr(builder, "related_index", counting)
    out = tmp_path / "out"
    _build(site, out, jobs=1)
    assert calls == [12]
    seed = sorted((site / "seeds").glob("*.txt"))[2]
    seed.write_text(seed.read_text(encoding="utf-8") + "A late sentence.\n", encoding="utf-8")
    _build(site, out, jobs=1)
    assert calls == [12]  # same titles, tags and entities: the last result stands
    sidecar = seed.with_suffix(".yml")
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace("tags: [", "tags: [\"a brand new tag\", ", 1),
                       encoding="utf-8")
    _build(site, out, jobs=1)
    assert calls == [12, 12]
    _assert_as_clean_build(site, out, tmp_path)


def test_the_feed_is_made_again_only_when_what_it_shows_changes(site: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    real = builder.atom_xml
    monkeypatch.setattr(builder, "atom_xml", lambda source: made.append(len(source.entries)) or real(source))
    out = tmp_path / "out"
    _build(site, out, jobs=1)
    assert made == [12]
    _add_late_sentence(site)  # the body, not the lede: the feed shows titles, dates and summaries
    _build(site, out, jobs=1)
    assert made == [12]
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    lines = seed.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].rstrip("\n") + " Again\n"
    seed.write_text("".join(lines), encoding="utf-8")
    _build(site, out, jobs=1)
    assert made == [12, 12]
    assert b" Again</title>" in (out / "feed.xml").read_bytes()
    BuildCache(site).save("feed.pickle", ("not", "a feed"))
    (site / "summitsite.yml").write_text((site / "summitsite.yml").read_text(encoding="utf-8") + "\n",
                                         encoding="utf-8")
    _build(site, out, jobs=1)
    assert made == [12, 12, 12]
    _assert_as_clean_build(site, out, tmp_path)


def test_with_a_sitemap_an_edit_reads_only_the_pages_it_rendered(site: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from summitsite import feeds

    read: list[int] = []
    real = feeds._noindex
    monkeypatch.setattr(feeds, "_noindex", lambda html: read.append(len(html)) or real(html))
    out = tmp_path / "out"
    base = "https://example.org/news/"
    clean = _build(site, out, jobs=1, base_url=base)
    assert len(read) == clean.pages - 1  # all but 404.html
    read.clear()
    _add_late_sentence(site)
    report = _build(site, out, jobs=1, base_url=base)
    assert 0 < len(read) == report.rendered < clean.pages // 4
    _assert_as_clean_build(site, out, tmp_path, base_url=base)
    # A record of the wrong shape is not trusted: every page is read again.
    store = BuildCache(site)
    store.save("output.pickle", dataclasses.replace(store.load("output.pickle"), noindex=["not", "a set"]))
    _add_late_sentence(site)
    read.clear()
    _build(site, out, jobs=1, base_url=base)
    assert len(read) == clean.pages - 1
    _assert_as_clean_build(site, out, tmp_path, base_url=base)


def test_dev_server_rebuild_scans_and_relates_only_what_changed(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summitsite.livesite import make_builder

    scanned: list[str] = []
    related: list[int] = []
    real_scan, real_related = builder.scan_article, builder.related_index
    monkeypatch.setattr(builder, "scan_article", lambda a, m: scanned.append(a.source) or real_scan(a, m))
    monkeypatch.setattr(builder, "related_index", lambda a, m: related.append(len(a)) or real_related(a, m))
    rebuild, _ = make_builder(site)
    first = rebuild()
    assert len(scanned) == 12 and related == [12]
    seed = sorted((site / "seeds").glob("*.txt"))[7]
    seed.write_text(seed.read_text(encoding="utf-8") + "One more sentence.\n", encoding="utf-8")
    scanned.clear()
    again = rebuild()
    assert scanned == [f"seeds/{seed.name}"] and related == [12]
    assert again.rendered < first.rendered
    clean = builder.render_files(site, base_url="", search=False)
    assert {p: again.files[p] for p in again.files} == dict(clean.files)


def _square_plus(state: int, i: int) -> tuple[int, int]:
    return i, i * i + state


def test_pool_returns_results_in_index_order_whatever_goes_first() -> None:
    expected = [(i, i * i + 7) for i in range(60)]
    assert pool.run_indexed(_square_plus, 7, 60, 1) == expected
    assert pool.run_indexed(_square_plus, 7, 60, 2, heavy=[59, 3, 40, 3]) == expected
    done: list[int] = []
    assert pool.run_indexed(_square_plus, 7, 60, 3, done.append, heavy=[0, 1]) == expected
    assert sum(done) == 60 and done[:2] == [1, 1]


def test_pool_collect_is_given_every_result_once_and_nothing_is_kept() -> None:
    expected = [(i, i * i + 7) for i in range(60)]
    for jobs in (1, 2):
        got: list[tuple[int, tuple[int, int]]] = []
        done: list[int] = []
        collect = got.append
        assert pool.run_indexed(_square_plus, 7, 60, jobs, done.append,
                                collect=lambda i, result, collect=collect: collect((i, result))) == []
        assert sorted(got) == list(enumerate(expected)) and sum(done) == 60


def _pid_plus(n: int) -> tuple[int, int]:
    return os.getpid(), n + 1


def _fail(kind: str) -> None:
    from summitsite.errors import SummitError
    from summitsite.model import Diagnostic
    if kind == "summit":
        raise SummitError([Diagnostic("error", "x-bad", "bad input", "seeds/a.txt", 3)])
    raise ValueError("a bug")


def test_run_isolated_runs_in_a_child_and_hands_back_its_result_or_its_error() -> None:
    from summitsite.errors import SummitError
    child, value = pool.run_isolated(_pid_plus, 41)
    assert value == 42 and child != os.getpid()
    with pytest.raises(SummitError) as info:
        pool.run_isolated(_fail, "summit")
    assert [d.format() for d in info.value.diagnostics] == ["seeds/a.txt:3: bad input"]
    with pytest.raises(ValueError, match="a bug") as bug:
        pool.run_isolated(_fail, "bug")
    if hasattr(bug.value, "__notes__"):  # Python 3.11+: the child's traceback comes along
        assert "_fail" in bug.value.__notes__[0]


def test_the_search_index_made_in_its_own_process_is_the_one_made_in_this_process(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With workers, a cold build makes the index in a child process (the parent never holds its records);
    # without workers, or after an edit (the records come from the cache), in this one.
    isolated: list[str] = []
    run_isolated = pool.run_isolated

    def spy(func, *args):
        isolated.append(func.__name__)
        return run_isolated(func, *args)

    monkeypatch.setattr(pool, "run_isolated", spy)
    _build(site, tmp_path / "one", jobs=1, search=True, use_cache=False)
    assert isolated == []
    _build(site, tmp_path / "two", jobs=2, search=True, use_cache=False)
    assert isolated == ["_search_index"]
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")
    # The child keeps the records and postings in the cache as the parent would: an edit is indexed from them.
    out = tmp_path / "cached"
    _build(site, out, jobs=2, search=True)
    postings = BuildCache(site).load("postings.pickle")
    assert isinstance(postings, InvertedIndex) and postings.postings
    assert isolated == ["_search_index"] * 2
    _add_late_sentence(site)
    _build(site, out, jobs=2, search=True)
    assert isolated == ["_search_index"] * 2
    _assert_as_clean_build(site, out, tmp_path, jobs=2, search=True)
    assert isolated == ["_search_index"] * 3


def test_input_files_are_read_again_only_when_their_stamp_changes(site: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from summitsite import cache

    stamps: dict = {}
    monkeypatch.setattr(cache, "RACY_NS", 0)  # the files were all just written
    first = cache.input_digests(site, stamps=stamps)
    assert set(stamps) == set(first)
    reads: list[Path] = []
    real = cache._file_sha
    monkeypatch.setattr(cache, "_file_sha", lambda path: reads.append(Path(path)) or real(path))
    assert cache.input_digests(site, stamps=stamps) == first and reads == []
    # Same size, same mtime, other bytes: the ctime, which no tool can set back, gives it away.
    seed = sorted((site / "seeds").glob("*.txt"))[2]
    st = seed.stat()
    text = seed.read_bytes()
    seed.write_bytes(text[:-2] + b"?\n")
    os.utime(seed, ns=(st.st_atime_ns, st.st_mtime_ns))
    reads.clear()
    changed = cache.input_digests(site, stamps=stamps)
    assert reads == [seed] and changed[f"seeds/{seed.name}"] != first[f"seeds/{seed.name}"]
    # A file changed within RACY_NS of a call may change again unseen in the same clock tick: its stamp is
    # not kept, and it is read every time until it is older.
    monkeypatch.setattr(cache, "RACY_NS", 10**12)
    cache.input_digests(site, stamps=stamps)
    assert stamps == {}
    reads.clear()
    cache.input_digests(site, stamps=stamps)
    assert len(reads) == len(first)


def test_a_seed_rewritten_with_the_same_size_and_mtime_is_built_again(site: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from summitsite import cache

    monkeypatch.setattr(cache, "RACY_NS", 0)
    out = tmp_path / "out"
    _build(site, out)
    seed = sorted((site / "seeds").glob("*.txt"))[2]
    st = seed.stat()
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text.replace("the", "teh", 1), encoding="utf-8")
    os.utime(seed, ns=(st.st_atime_ns, st.st_mtime_ns))
    report = _build(site, out)
    assert not report.skipped and report.parsed == 1


def _collector_on(state: None, i: int) -> bool:
    import gc
    return gc.isenabled()


def _frozen_objects(state: None, i: int) -> int:
    import gc
    return gc.get_freeze_count()


def test_the_build_pauses_the_garbage_collector_here_but_never_in_its_workers(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: list[bool] = []
    real = builder.load_site
    monkeypatch.setattr(builder, "load_site", lambda *a, **kw: seen.append(gc.isenabled()) or real(*a, **kw))
    assert gc.isenabled()
    builder.render_files(site, search=False, jobs=2)
    assert seen == [False] and gc.isenabled()  # paused while loading, and on again after
    gc.disable()
    try:
        assert pool.run_indexed(_collector_on, None, 4, 2) == [True] * 4
        assert not gc.isenabled()
    finally:
        gc.enable()
    # The workers' collector never walks what they inherit: it is frozen for them, and only for them.
    assert gc.get_freeze_count() == 0
    assert min(pool.run_indexed(_frozen_objects, None, 4, 2)) > 1000
    assert gc.get_freeze_count() == 0


def test_cache_entries_round_trip_and_only_changed_shards_are_written(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [b"\x01a", b"\x02a", b"\x02b", b"\x03a"]
    first = BuildCache(tmp_path)
    first.load_entries("parsed", keys)
    first.save_entries("parsed", {key: key.hex() for key in keys}, keys)
    assert sorted(p.name for p in (tmp_path / CACHE_DIR / "parsed").iterdir()) == ["01", "02", "03"]

    written: list[str] = []
    real = BuildCache._write
    monkeypatch.setattr(BuildCache, "_write", lambda self, folder, name, value: (written.append(name),
                                                                                    real(self, folder, name, value)))
    second = BuildCache(tmp_path)
    assert second.load_entries("parsed", keys) == {key: key.hex() for key in keys}
    # b"\x02a" changes, b"\x03a" is no longer wanted, b"\x04a" is new.
    keep = [b"\x01a", b"\x02a", b"\x02b", b"\x04a"]
    second.save_entries("parsed", {b"\x02a": "changed", b"\x04a": "new"}, keep)
    assert sorted(written) == ["02", "04"]  # shard 01 is as it was; 03 is deleted, not written
    assert sorted(p.name for p in (tmp_path / CACHE_DIR / "parsed").iterdir()) == ["01", "02", "04"]
    assert BuildCache(tmp_path).load_entries("parsed", [*keep, b"\x03a"]) == {
        b"\x01a": "0161", b"\x02a": "changed", b"\x02b": "0262", b"\x04a": "new"}


def test_the_output_state_keeps_every_file_record_through_the_cache(tmp_path: Path) -> None:
    # The records are pickled as columns (one string of paths, one of hashes, arrays of numbers).
    from summitsite.cache import FileRecord, OutputState
    files = {f"articles/a{i}/index.html": FileRecord(bytes([i]) * 32, 1000 + i, 1_700_000_000_000_000_000 + i,
                                                     2**63 + i, None if i % 3 == 0 else bytes([i + 1]) * 32)
             for i in range(50)}
    files["static/od\u00e9 name.txt"] = FileRecord(b"s" * 32, 0, -5, 0, b"")
    state = OutputState(str(tmp_path / "out"), b"inputs", files, True, (), 50, ("a note",), None, frozenset({"x"}))
    cache = BuildCache(tmp_path)
    cache.save("output.pickle", state)
    back = cache.load("output.pickle")
    assert back == state and list(back.files) == list(files)
    assert back.files["articles/a3/index.html"].fingerprint is None
    assert back.files["static/od\u00e9 name.txt"].fingerprint == b""
    empty = OutputState("/x")
    cache.save("output.pickle", empty)
    assert cache.load("output.pickle") == empty
