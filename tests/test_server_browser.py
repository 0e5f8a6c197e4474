"""`summitsite serve` in a real browser: Playwright driving Debian's Chromium (never `playwright install`).

Skipped only on a developer machine without /usr/bin/chromium; where the CI variable is set, a missing
browser or Playwright fails the run instead, so these tests can never be skipped silently there.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from summitsite.server import DevServer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SEED = "seeds/004_9cfca1364c81efc9.txt"
ARTICLE = "articles/xi-putin-kim-meeting-in-beijing-whats-on-the-agenda/"
LEDE = "Hey guys!"
RELOAD_BUDGET_MS = 2000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the CI must run the browser tests)")
        pytest.skip(f"{CHROMIUM} is missing (set CI=1 to make this a failure)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 900, "height": 700})
    yield page
    page.close()


@pytest.fixture
def dev(scratch_site: Path) -> Iterator[DevServer]:
    server = DevServer(scratch_site, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO())
    server.start(watch=True)
    assert server.live.watching.wait(20), "the watcher did not start"
    yield server
    server.stop()


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def mark(page) -> None:
    """A value that only survives if the page is not reloaded."""
    page.evaluate("window.__notReloaded = true")


def reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === undefined")


def test_a_seed_edit_reloads_the_open_page(dev: DevServer, page, scratch_site: Path):
    page.goto(dev.url + ARTICLE)
    assert LEDE in page.inner_text("body")
    mark(page)
    started = time.perf_counter()
    replace_in(scratch_site / SEED, LEDE, "Edited in the browser test.")
    page.wait_for_function("document.body && document.body.innerText.includes('Edited in the browser test.')",
                           timeout=RELOAD_BUDGET_MS)
    elapsed = (time.perf_counter() - started) * 1000
    assert reloaded(page)
    print(f"\nedit -> reloaded page: {elapsed:.0f} ms")


def test_a_broken_config_shows_the_overlay_until_it_is_fixed(dev: DevServer, page, scratch_site: Path):
    config = scratch_site / "summitsite.yml"
    good = config.read_text(encoding="utf-8")
    page.goto(dev.url + ARTICLE)
    overlay = page.locator("#summitsite-overlay")
    assert overlay.count() == 0

    config.write_text("colour: red\n" + good, encoding="utf-8")
    overlay.wait_for(state="visible", timeout=RELOAD_BUDGET_MS)
    assert "summitsite.yml:1: unknown setting 'colour'" in page.inner_text("#summitsite-problems")
    assert LEDE in page.inner_text("main")  # the last good page is still underneath

    # An edit while the config is broken changes nothing visible; fixing the config brings it all in.
    replace_in(scratch_site / SEED, LEDE, "Written while the config was broken.")
    time.sleep(0.5)
    config.write_text(good, encoding="utf-8")
    overlay.wait_for(state="detached", timeout=RELOAD_BUDGET_MS)
    page.wait_for_function("document.body.innerText.includes('Written while the config was broken.')",
                           timeout=RELOAD_BUDGET_MS)


def test_an_unchanged_page_is_not_reloaded_but_a_changed_one_is(dev: DevServer, browser, scratch_site: Path):
    other = browser.new_page()
    changed = browser.new_page()
    try:
        other.goto(dev.url + "articles/chinas-xi-gathers-with-putin-and-kim-a-strategic-alliance-against-western/")
        changed.goto(dev.url + ARTICLE)
        mark(other)
        mark(changed)
        # Same title, so the other article's page (which links to this one by title) stays byte for byte equal.
        replace_in(scratch_site / SEED, LEDE, "Only this page changes.")
        changed.wait_for_function("document.body.innerText.includes('Only this page changes.')",
                                  timeout=RELOAD_BUDGET_MS)
        time.sleep(0.3)
        assert not reloaded(other)
    finally:
        other.close()
        changed.close()


def test_a_page_reconnects_and_reloads_after_a_server_restart(scratch_site: Path, page):
    first = DevServer(scratch_site, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO())
    port = first.httpd.server_address[1]
    first.start(watch=False)
    page.goto(first.url + ARTICLE)
    mark(page)
    first.stop()
    # Changed while no server ran: no event can tell the page, only the reconnection.
    replace_in(scratch_site / SEED, LEDE, "Changed while the server was down.")
    second = DevServer(scratch_site, "127.0.0.1", port, out=io.StringIO(), err=io.StringIO())
    second.start(watch=False)
    try:
        page.wait_for_function("document.body.innerText.includes('Changed while the server was down.')",
                               timeout=10_000)
        assert reloaded(page)
    finally:
        second.stop()
