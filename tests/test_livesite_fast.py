"""The dev server's fast pass: an edited article's page is served before the full rebuild, which then makes the
served site byte-identical to a fresh build. Deterministic: full builds are held at a gate, never timed."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from summitsite import builder, livesite, loader
from summitsite.entities import EntityMatcher
from summitsite.livesite import DevBuilder, RebuildReport
from summitsite.mentions import index_mentions, replace_article, scan_article
from test_server import request, wait_until

WAIT = 30.0
"""Seconds before a test that waits for something gives up: a failure, never a measurement."""


@pytest.fixture
def site(generated_site: Path) -> Path:
    return generated_site


def fresh(site: Path) -> dict[str, bytes]:
    """What a full build from scratch serves (the dev server's options: no base_url, no search)."""
    return dict(builder.render_files(site, base_url="", search=False).files)


@dataclasses.dataclass
class Edited:
    seed: str
    """The seed's site-relative path."""
    page: str
    """Its article's output path."""
    lede: str


def pick(site: Path, i: int = 5) -> Edited:
    article = builder.render_files(site, base_url="", search=False).site.articles[i]
    return Edited(article.source, f"articles/{article.slug}/index.html", article.lede)


def replace(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class Gate:
    """Holds every full build while armed, once it has rendered (or failed) and before it is served."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.armed = False
        self.fail = fail
        real = livesite.render_files

        def held(*args, **kwargs):
            armed = self.armed
            try:
                result = real(*args, **kwargs)
            finally:  # a build that fails is held too
                if armed:
                    self.entered.set()
                    assert self.release.wait(WAIT), "the test never released the build"
            if armed and self.fail:
                raise RuntimeError("the held build fails")
            return result

        monkeypatch.setattr(livesite, "render_files", held)


def in_thread(call: Callable[[], RebuildReport]) -> tuple[threading.Thread, list[RebuildReport]]:
    reports: list[RebuildReport] = []
    thread = threading.Thread(target=lambda: reports.append(call()), daemon=True)
    thread.start()
    return thread, reports


# --- the pure parts ---------------------------------------------------------------------------------------

def test_replace_article_is_index_mentions_of_the_edited_articles(site: Path):
    loaded, _ = builder.load_site(site, base_url="", search=False)
    matcher = EntityMatcher(loaded.entities)
    names = [e.name for e in loaded.entities]
    rnd = random.Random(6)
    for i, article in enumerate(loaded.articles):
        for new in (dataclasses.replace(article, lede=f"{article.lede} {names[i]} met {names[i + 7]}."),
                    dataclasses.replace(article, sections=article.sections[:2], intro=()),
                    dataclasses.replace(article, sections=(), intro=(), lede="Nobody at all."),
                    dataclasses.replace(article, sections=article.sections[::-1],
                                        lede=" and ".join(rnd.sample(names, 5)))):
            articles = (*loaded.articles[:i], new, *loaded.articles[i + 1:])
            patched = replace_article(loaded.mentions, articles, i, scan_article(new, matcher))
            assert patched == index_mentions(articles, loaded.entities)


def test_the_fast_page_is_the_full_builds_page_when_the_edit_stays_inside_it(site: Path):
    edited = pick(site)
    dev = DevBuilder(site)
    dev()
    parsed = dev.cache.parsed
    replace(site, edited.seed, edited.lede[:40], "An editor rewrote this opening: " + edited.lede[:40])
    pages = dev.fast((edited.seed,))
    assert pages is not None and list(pages) == [edited.page]
    assert b"An editor rewrote this opening" in pages[edited.page]
    assert pages[edited.page] == fresh(site)[edited.page]
    assert dev.cache.parsed == parsed + 1
    dev()
    assert dev.cache.parsed == 0, "the full build takes the article the fast pass parsed"


# --- the served site --------------------------------------------------------------------------------------

def test_the_edit_is_served_before_the_full_build_ends_and_the_full_build_makes_it_exact(site: Path, start,
                                                                                         monkeypatch):
    edited = pick(site)
    dev = start()
    gate = Gate(monkeypatch)
    gate.armed = True
    before = dict(dev.live.snapshot().files)
    epoch = dev.live.epoch
    replace(site, edited.seed, edited.lede[:40], "An editor rewrote this opening: " + edited.lede[:40])
    thread, reports = in_thread(lambda: dev.live.rebuild(changed=[edited.seed]))

    change = dev.live.wait_for_change(epoch, WAIT)
    assert change is not None and change.paths == {edited.page}, "the fast pass reloads the article alone"
    assert gate.entered.wait(WAIT) and not reports, "...while the full build is still under way"
    status, _, body = request(dev, "/" + edited.page)  # answered now: requests do not wait for that build
    assert status == 200 and b"An editor rewrote this opening" in body
    assert b"An editor rewrote this opening" not in request(dev, "/")[2], "the home page waits for the full build"
    during = dev.live.snapshot().files
    assert {p for p in during if during[p] != before[p]} == {edited.page}

    gate.release.set()
    thread.join(WAIT)
    report = reports[0]
    assert report.fast == change and not report.problems
    assert report.change is not None and "index.html" in report.change.paths
    assert edited.page not in report.change.paths, "its page was already right: no second reload"
    assert b"An editor rewrote this opening" in request(dev, "/")[2]
    assert dict(dev.live.snapshot().files) == fresh(site)


def test_the_watcher_runs_the_fast_pass_while_a_build_is_held(site: Path, start, monkeypatch):
    edited = pick(site)
    dev = start(watch=True)
    assert dev.live.watching.wait(WAIT)
    gate = Gate(monkeypatch)
    gate.armed = True
    epoch = dev.live.epoch
    replace(site, edited.seed, edited.lede[:40], "Saved in an editor: " + edited.lede[:40])
    change = dev.live.wait_for_change(epoch, WAIT)
    assert change is not None and change.paths == {edited.page}
    assert b"Saved in an editor" in request(dev, "/" + edited.page)[2]
    assert gate.entered.wait(WAIT)

    # A second edit while that build is held: shown at once, and not undone when the held build is served.
    epoch = dev.live.epoch
    replace(site, edited.seed, "Saved in an editor", "Saved twice")
    change = dev.live.wait_for_change(epoch, WAIT)
    assert change is not None and change.paths == {edited.page}
    gate.armed = False
    gate.release.set()
    assert b"Saved twice" in request(dev, "/" + edited.page)[2]
    # The builder thread builds again for the second edit; then the site is exactly a fresh build's.
    wait_until(lambda: b"Saved twice" in dev.live.snapshot().files["index.html"], WAIT)
    assert dict(dev.live.snapshot().files) == fresh(site)


def test_a_later_fast_page_survives_an_earlier_build_until_the_next(site: Path, start, monkeypatch):
    edited = pick(site)
    dev = start()
    gate = Gate(monkeypatch)
    gate.armed = True
    replace(site, edited.seed, edited.lede[:40], "First edit. " + edited.lede[:40])
    thread, reports = in_thread(lambda: dev.live.rebuild(changed=[edited.seed]))
    assert gate.entered.wait(WAIT)  # that build has read and rendered the first edit
    replace(site, edited.seed, "First edit.", "Second edit.")
    assert dev.live.fast_pass([edited.seed]) is not None
    gate.armed = False
    gate.release.set()
    thread.join(WAIT)
    assert reports and b"Second edit." in request(dev, "/" + edited.page)[2], "not undone by the older build"
    assert b"First edit." in request(dev, "/")[2]
    dev.live.rebuild(force=True)
    assert dict(dev.live.snapshot().files) == fresh(site)


def test_a_failed_full_build_takes_the_fast_pages_back(site: Path, start, monkeypatch):
    edited = pick(site)
    dev = start()
    before = dict(dev.live.snapshot().files)
    gate = Gate(monkeypatch, fail=True)
    gate.armed = True
    replace(site, edited.seed, edited.lede[:40], "Never built. " + edited.lede[:40])
    thread, reports = in_thread(lambda: dev.live.rebuild(changed=[edited.seed]))
    assert gate.entered.wait(WAIT)
    assert b"Never built." in request(dev, "/" + edited.page)[2]
    gate.release.set()
    thread.join(WAIT)
    assert reports[0].problems and reports[0].fast is not None
    snapshot = dev.live.snapshot()
    assert dict(snapshot.files) == before, "the last good site, as it was"
    assert b"summitsite-overlay" in request(dev, "/" + edited.page)[2]


def _new_title(site: Path, edited: Edited) -> None:
    path = site / edited.seed
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(["A Wholly Different Headline About Harbours", *lines[1:]]), encoding="utf-8")


FALLBACKS: dict[str, Callable[[Path, Edited], list[str]]] = {
    "new title and slug": lambda site, e: (_new_title(site, e), [e.seed])[1],
    "new seed": lambda site, e: ((site / "seeds" / "zz-new.txt").write_text(
        "A New Headline Arrives\nIts lede says little.\n", encoding="utf-8"), [e.seed, "seeds/zz-new.txt"])[1],
    "config": lambda site, e: (replace(site, e.seed, e.lede[:40], "Edited. " + e.lede[:40]),
                               (site / "summitsite.yml").write_text("title: Another Name\n", encoding="utf-8"),
                               [e.seed, "summitsite.yml"])[2],
    "sidecar": lambda site, e: (replace(site, e.seed, e.lede[:40], "Edited. " + e.lede[:40]),
                                (site / e.seed).with_suffix(".yml").write_text("draft: true\n", encoding="utf-8"),
                                [e.seed, e.seed.removesuffix(".txt") + ".yml"])[2],
    "not UTF-8": lambda site, e: ((site / e.seed).write_bytes(b"Headline\n\xff\xfe broken\n"), [e.seed])[1],
    "emptied": lambda site, e: ((site / e.seed).write_text("\n", encoding="utf-8"), [e.seed])[1],
    "removed": lambda site, e: ((site / e.seed).unlink(), [e.seed])[1],
}


@pytest.mark.parametrize("case", sorted(FALLBACKS))
def test_what_could_move_a_page_goes_the_full_way(site: Path, start, monkeypatch, case: str):
    edited = pick(site)
    dev = start()
    gate = Gate(monkeypatch)
    gate.armed = True
    epoch = dev.live.epoch
    changed = FALLBACKS[case](site, edited)
    thread, reports = in_thread(lambda: dev.live.rebuild(changed=changed))
    assert gate.entered.wait(WAIT)
    assert dev.live.epoch == epoch, "nothing was served before the full build"
    gate.release.set()
    thread.join(WAIT)
    report = reports[0]
    assert report.fast is None
    if case == "not UTF-8":
        assert report.problems and report.problems[0].startswith(f"{edited.seed}:2: not valid UTF-8")
        assert b"summitsite-overlay" in request(dev, "/" + edited.page)[2]
    else:
        assert not report.problems
        assert dict(dev.live.snapshot().files) == fresh(site)


def test_no_fast_pass_over_a_failed_build_or_for_an_unchanged_save(site: Path, start):
    edited = pick(site)
    dev = start()
    epoch = dev.live.epoch
    (site / edited.seed).touch()
    assert dev.live.fast_pass([edited.seed]) is None and dev.live.epoch == epoch
    config = site / "summitsite.yml"
    good = config.read_text(encoding="utf-8")
    config.write_text("colour: red\n" + good, encoding="utf-8")
    assert dev.live.rebuild().problems
    replace(site, edited.seed, edited.lede[:40], "Edited under the overlay. " + edited.lede[:40])
    assert dev.live.fast_pass([edited.seed]) is None, "only a full build may clear the overlay"
    config.write_text(good, encoding="utf-8")
    report = dev.live.rebuild(changed=["summitsite.yml", edited.seed])
    assert report.fast is None and not report.problems
    assert dict(dev.live.snapshot().files) == fresh(site)


def test_a_seed_saved_again_while_the_full_build_reads_it_is_built_again_not_shown_as_a_problem(
        site: Path, start, monkeypatch):
    # Two saves 0.4 s apart: the second landed between the build's two reads of the seed (its hash, then its
    # text). The build said "the file changed while the site was being built" over the page, and refused
    # the fast pass of that very save until another build, 2 s later at 1,000 articles.
    edited = pick(site)
    dev = start()
    real = loader.SeedJob.text
    saves = ["First save.", "Second save."]

    def text(job: loader.SeedJob) -> str:
        if job.shown == edited.seed and len(saves) == 2:
            replace(site, edited.seed, saves.pop(0), saves[0])
        return real(job)

    monkeypatch.setattr(loader.SeedJob, "text", text)
    replace(site, edited.seed, edited.lede[:40], "First save. " + edited.lede[:40])
    report = dev.live.rebuild(changed=[edited.seed])
    assert saves == ["Second save."], "the save landed inside the build"
    assert not report.problems and not dev.live.snapshot().problems
    assert "was saved again during the build; building again" in dev.out.getvalue()
    page = request(dev, "/" + edited.page)[2]
    assert b"Second save." in page and b"summitsite-overlay" not in page
    assert b"Second save." in request(dev, "/")[2], "the build that was served read the second save"
    replace(site, edited.seed, "Second save.", "Third save.")
    assert dev.live.fast_pass([edited.seed]) is not None, "nothing holds back the next fast pass"
    dev.live.rebuild(force=True)
    assert dict(dev.live.snapshot().files) == fresh(site)


def test_a_seed_that_keeps_changing_during_every_build_is_reported(site: Path, start, monkeypatch):
    edited = pick(site)
    dev = start()
    real = loader.SeedJob.text
    count = [0]

    def text(job: loader.SeedJob) -> str:
        if job.shown == edited.seed:
            count[0] += 1
            (site / edited.seed).write_text(f"A Headline Rewritten {count[0]} Times\nIts lede.\n", encoding="utf-8")
        return real(job)

    monkeypatch.setattr(loader.SeedJob, "text", text)
    replace(site, edited.seed, edited.lede[:40], "Saved. " + edited.lede[:40])
    report = dev.live.rebuild(changed=[edited.seed])
    assert count[0] == livesite.SAVED_DURING_BUILD_RETRIES
    assert report.problems == (f"{edited.seed}: the file changed while the site was being built; build again",)
