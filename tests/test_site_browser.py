"""The repository's own site in a real browser and through the real validators.

One site build (with search), one Chromium, one HTTP server and one Nu HTML Checker run per session.
Every page type is opened at 375 px and 1280 px wide: no console errors, no failed or external requests,
no horizontal scrolling on phones, no layout shift, zero axe-core WCAG 2.1 A/AA violations (light and
dark), and a screenshot in test-results/screenshots/. The TOC, the scroll spy and search are driven
like a reader would; vnu checks every HTML page and the CSS; jing (inside vnu.jar) checks the Atom feed
against RFC 4287's RELAX NG schema.

Tools: Debian's /usr/bin/chromium (never `playwright install`), and node_modules/ from `npm ci` (axe-core,
vnu-jar; see package.json), plus java. On a developer machine without them these tests are skipped;
where the CI variable is set a missing tool fails the run, so CI can never skip them silently.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from summitsite.builder import build
from summitsite.urls import root_path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = REPO / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
ATOM_RNC = REPO / "tests" / "data" / "atom.rnc"
SCREENSHOTS = REPO / "test-results" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
WIDTHS = (375, 1280)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

AGENDA = "articles/xi-putin-kim-meeting-in-beijing-whats-on-the-agenda/index.html"
ALLIANCE = "articles/chinas-xi-gathers-with-putin-and-kim-a-strategic-alliance-against-western/index.html"
PAGES = {
    "home": "index.html",
    "article": ALLIANCE,
    "entity": "entities/xi-jinping/index.html",
    "entity-index": "entities/index.html",
    "topic": "topics/china/index.html",
    "compare": "compare/russia/index.html",
    "faq": "faq/index.html",
    "search": "search/index.html",
    "404": "no/such/page/",  # served with the site's 404.html, as a web host does
    "about": "about/index.html",
}
# A phrase that occurs once in the whole site, in the "Economic Cooperation and Trade" section.
SEARCH_PHRASE = "geopolitical stuff"
SEARCH_TARGET = AGENDA + "#economic-cooperation-and-trade"

pytestmark = pytest.mark.browser


def need(ok: bool, what: str) -> None:
    """Skip without a tool on a developer machine; fail where CI is set."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must run the browser and validator tests: see scripts/test.sh)")
    pytest.skip(f"{what} (set CI=1 to make this a failure)")


# --- session fixtures: one build, one server, one browser ---------------------------------------------------

@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The repository's site, built once with search: (output folder, its path on the server)."""
    out = tmp_path_factory.mktemp("browser") / "site"
    report = build(REPO, out)
    assert (out / "search" / "data" / "meta.json").is_file(), "the site was built without its search index"
    return out, root_path(report.site.config.base_url)


class _Handler(SimpleHTTPRequestHandler):
    """Serves the site under the path of its base_url (as it will be published), and nothing else."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()  # what a web host does with the site's 404.html
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(site: tuple[Path, str]) -> Iterator[str]:
    root, prefix = site
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    need(CHROMIUM.exists(), f"{CHROMIUM} is missing: install Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


class Watched:
    """A page whose console errors, failed requests, error responses and off-site requests are recorded."""

    def __init__(self, browser, width: int, color_scheme: str = "light"):
        self.context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=color_scheme)
        # Measure layout shifts from the start of each page load.
        self.context.add_init_script("""
            window.__shifts = [];
            new PerformanceObserver(list => {
              for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts.push(e.value);
            }).observe({type: 'layout-shift', buffered: true});
        """)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.allowed_404 = ""
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", self._response)

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if host != "127.0.0.1" and not route.request.url.startswith(("data:", "blob:")):
            self.problems.append(f"external request: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # Chromium logs the deliberate 404 itself ("Failed to load resource ... 404") as a console error.
        if self.allowed_404 and message.location.get("url") == self.allowed_404 and "404" in message.text:
            return
        self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def _response(self, response) -> None:
        if response.status >= 400 and not (response.status == 404 and response.url == self.allowed_404):
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def goto(self, url: str, *, expect_404: bool = False):
        self.allowed_404 = url if expect_404 else ""
        return self.page.goto(url, wait_until="load")

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="session")
def viewers(browser) -> Iterator[dict[int, Watched]]:
    """One context per width, shared by the tests (a page per context, reused between page types)."""
    made = {w: Watched(browser, w) for w in WIDTHS}
    yield made
    for w in made.values():
        w.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    need(AXE.is_file(), f"{AXE} is missing: run `npm ci --no-audit --no-fund --ignore-scripts`")
    return AXE.read_text(encoding="utf-8")


def open_page(viewer: Watched, base_url: str, name: str) -> None:
    response = viewer.goto(base_url + PAGES[name], expect_404=name == "404")
    assert response is not None, name
    assert response.status == (404 if name == "404" else 200), f"{name}: HTTP {response.status}"
    if name == "404":
        assert viewer.page.locator("h1").inner_text() == "Page not found"


def run_axe(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [f"[{v['impact']}] {v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
            for v in result["violations"]]


# --- every page type at both widths -----------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_type_in_the_browser(name: str, width: int, viewers, base_url: str, axe_source: str):
    viewer = viewers[width]
    viewer.problems.clear()
    open_page(viewer, base_url, name)
    page = viewer.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)

    if width == 375:
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name}: the page scrolls sideways at {width} px ({scroll} > {inner})"
    shifts = page.evaluate("window.__shifts")
    assert sum(shifts) < 0.01, f"{name}: layout shift {shifts}"
    assert run_axe(page, axe_source) == []
    assert viewer.problems == []


def test_dark_mode_has_no_contrast_or_other_wcag_violations(browser, base_url: str, axe_source: str):
    viewer = Watched(browser, 1280, color_scheme="dark")
    try:
        found = {}
        for name in PAGES:
            open_page(viewer, base_url, name)
            if name == "home":
                viewer.page.screenshot(path=str(SCREENSHOTS / "home-1280-dark.png"))
            violations = run_axe(viewer.page, axe_source)
            if violations:
                found[name] = violations
        show_results(viewer, base_url, SEARCH_PHRASE)
        found["search results"] = run_axe(viewer.page, axe_source)
        assert found == {"search results": []}
        assert viewer.problems == []
    finally:
        viewer.close()


# --- reading: the table of contents ---------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_toc_links_scroll_to_their_section(width: int, viewers, base_url: str):
    viewer = viewers[width]
    viewer.problems.clear()
    viewer.goto(base_url + AGENDA)
    page = viewer.page
    toc = page.locator("details[data-toc]")
    # Closed on phones, open beside the text on wide screens.
    assert toc.evaluate("d => d.open") is (width >= 1100)
    if width < 1100:
        toc.locator("summary").click()
        assert toc.evaluate("d => d.open")
    links = page.get_by_role("navigation", name="Table of contents").get_by_role("link")
    assert links.count() >= 5
    for index in (links.count() - 1, 2):
        link = links.nth(index)
        anchor = link.get_attribute("href")
        link.click()
        page.wait_for_function("hash => location.hash === hash", arg=anchor, timeout=5_000)
        heading = page.locator(anchor)
        page.wait_for_function(
            "id => { const r = document.getElementById(id).getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }", arg=anchor[1:], timeout=5_000)
        assert heading.is_visible()
    assert viewer.problems == []


def test_the_section_being_read_is_marked_in_the_toc(viewers, base_url: str):
    page = viewers[1280].page
    viewers[1280].goto(base_url + AGENDA)
    anchors = page.eval_on_selector_all("nav.toc a", "links => links.map(a => a.getAttribute('href'))")
    for anchor in (anchors[3], anchors[1], anchors[-1]):
        page.evaluate("id => document.getElementById(id).scrollIntoView({block: 'start'})", anchor[1:])
        page.wait_for_function(
            "href => { const c = document.querySelectorAll('nav.toc a[aria-current=\"true\"]');"
            " return c.length === 1 && c[0].getAttribute('href') === href; }", arg=anchor, timeout=5_000)


def test_the_reading_column_holds_60_to_75_characters_a_line(viewers, base_url: str):
    page = viewers[1280].page
    counts: list[int] = []
    for path in (AGENDA, ALLIANCE):
        viewers[1280].goto(base_url + path)
        counts += first_line_lengths(page)
    assert len(counts) >= 3
    average = sum(counts) / len(counts)
    assert 60 <= average <= 80, counts  # the last word of a line may wrap early: allow a little over 75
    assert min(counts) >= 55


def first_line_lengths(page) -> list[int]:
    # Characters on the first line of each long paragraph, found with a Range: where the line breaks.
    return page.evaluate("""() => {
      const out = [];
      for (const p of document.querySelectorAll('.article-body p')) {
        const node = p.firstChild;
        if (!node || node.nodeType !== 3 || node.length < 200) continue;
        const range = document.createRange();
        range.setStart(node, 0); range.setEnd(node, 1);
        const top = range.getBoundingClientRect().top;
        let i = 1;
        while (i < node.length) {
          range.setStart(node, i); range.setEnd(node, i + 1);
          if (range.getBoundingClientRect().top > top + 2) break;
          i++;
        }
        out.push(i);
      }
      return out;
    }""")


def test_header_search_fits_one_row_and_lines_up_with_the_article(viewers, base_url: str):
    page = viewers[1280].page
    viewers[1280].goto(base_url + ALLIANCE)
    boxes = page.evaluate("""() => {
      const box = s => document.querySelector(s).getBoundingClientRect();
      return {title: box('.site-title'), search: box('.site-search'), toc: box('.toc-box'),
              h1: box('main h1'), footer: box('.site-footer p')};
    }""")
    assert abs(boxes["title"]["top"] - boxes["search"]["top"]) < 20, "the search form wrapped onto a second row"
    assert abs(boxes["title"]["left"] - boxes["h1"]["left"]) < 1
    assert abs(boxes["footer"]["left"] - boxes["h1"]["left"]) < 1
    assert abs(boxes["search"]["right"] - boxes["toc"]["right"]) < 1


# --- search -------------------------------------------------------------------------------------------------------

def show_results(viewer: Watched, base_url: str, query: str):
    """The search page opened with ?q=query, once its results (or its "No results") are shown."""
    viewer.goto(base_url + PAGES["search"] + "?" + urlencode({"q": query}))
    viewer.page.wait_for_function("() => /result/.test(document.getElementById('search_status').textContent)",
                                  timeout=10_000)
    return viewer.page


def test_search_finds_a_phrase_and_links_to_its_section(viewers, base_url: str, axe_source: str):
    viewer = viewers[1280]
    viewer.problems.clear()
    viewer.goto(base_url + PAGES["search"])
    page = viewer.page
    # Typed like a reader types: the search runs as the words come, without pressing Enter.
    page.get_by_label("Words to find").press_sequentially(SEARCH_PHRASE)
    status = page.get_by_role("status")
    page.wait_for_function("() => document.getElementById('search_status').textContent.startsWith('1 ')",
                           timeout=10_000)
    assert status.inner_text() == "1 result for “geopolitical stuff”"
    first = page.locator(".search-result").first
    assert first.locator("h2 a").get_attribute("href") == "../" + AGENDA
    assert {m.lower() for m in first.locator("mark").all_inner_texts()} == {"geopolitical", "stuff"}
    sub = first.locator(".search-subresults a").first
    href = sub.get_attribute("href")
    assert href == "../" + SEARCH_TARGET, href  # relative, like every link of the site
    assert "stuff" in sub.locator("xpath=following-sibling::p").inner_text()
    assert page.url.endswith("?q=geopolitical+stuff")  # the address can be shared
    assert run_axe(page, axe_source) == []
    sub.click()
    page.wait_for_url("**/" + SEARCH_TARGET, timeout=5_000)
    assert viewer.problems == []


def test_header_search_form_opens_the_search_page_with_the_query(viewers, base_url: str):
    viewer = viewers[375]
    viewer.problems.clear()
    viewer.goto(base_url + ALLIANCE)
    page = viewer.page
    page.get_by_role("searchbox", name="Search this site").fill(SEARCH_PHRASE)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/index.html?q=geopolitical+stuff", timeout=5_000)
    page.locator(".search-result").first.wait_for(timeout=10_000)
    assert page.get_by_label("Words to find").input_value() == SEARCH_PHRASE
    assert page.locator(".search-result").count() == 1
    assert viewer.problems == []


def test_a_search_without_results_says_so(viewers, base_url: str):
    viewer = viewers[1280]
    viewer.problems.clear()
    page = show_results(viewer, base_url, "geopolitical zzyzx")
    assert page.get_by_role("status").inner_text() == "No results for “geopolitical zzyzx”"
    assert page.locator(".search-result").count() == 0
    assert page.locator(".search-more").is_hidden()
    # A word being typed finds the words it begins; a finished one that is not in the index finds nothing.
    box = page.get_by_label("Words to find")
    box.fill("geopolit")
    page.wait_for_function("() => document.getElementById('search_status').textContent.startsWith('2 ')",
                           timeout=10_000)
    box.fill("geopolit ")
    page.wait_for_function("() => document.getElementById('search_status').textContent.startsWith('No ')",
                           timeout=10_000)
    box.fill("")
    page.wait_for_function("() => document.getElementById('search_status').textContent === ''", timeout=10_000)
    assert page.locator(".search-result").count() == 0
    assert viewer.problems == []


def test_a_query_with_html_in_it_is_shown_as_text(viewers, base_url: str):
    viewer = viewers[1280]
    viewer.problems.clear()
    dialogs: list[str] = []
    viewer.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    query = '<img src=x onerror="alert(1)"><b>bold</b> geopolitical'
    page = show_results(viewer, base_url, query)
    assert page.get_by_role("status").inner_text() == f"No results for “{query}”"
    assert page.locator("#search img, #search b, #search [onerror]").count() == 0
    assert page.get_by_label("Words to find").input_value() == query
    assert dialogs == [] and viewer.problems == []


def test_hostile_text_in_the_index_is_shown_as_text(browser, tmp_path: Path):
    """The safety test site (every input field full of markup) searched in the browser: results are text."""
    from test_safety_escaping import HOSTILE, hostile_site

    root = hostile_site(tmp_path / "hostile")
    report = build(root, root / "build")
    handler = type("Handler", (_Handler,), {"prefix": root_path(report.site.config.base_url)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root / "build")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    viewer = Watched(browser, 1280)
    dialogs: list[str] = []
    viewer.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}{handler.prefix}"
        page = show_results(viewer, base, "harbour")  # in every article
        assert page.get_by_role("status").inner_text() == f"{len(HOSTILE)} results for “harbour”"
        assert page.locator(".search-result").count() == 10
        page.get_by_role("button", name="More results").click()  # the rest, with the keyboard's focus on them
        page.wait_for_function("() => document.querySelectorAll('.search-result').length > 10", timeout=10_000)
        assert page.locator(".search-result").count() == len(HOSTILE)
        assert page.evaluate("document.activeElement === document.querySelectorAll('.search-result-title a')[10]")
        assert page.locator(".search-more").is_hidden()
        titles = page.locator(".search-result-title").all_inner_texts()
        for payload in HOSTILE[:4]:  # <script>alert(1)</script>, "><img src=x onerror=...>, ...
            assert any(payload in title for title in titles), payload
        assert "</script><script>x</script>" in page.locator("#search").inner_text()
        assert page.locator("#search script, #search img, #search b, #search [onerror], "
                            "#search [onmouseover]").count() == 0
        assert dialogs == [] and viewer.problems == []
    finally:
        viewer.close()
        server.shutdown()
        server.server_close()


# --- validators: vnu.jar over the whole output once, jing over the feed ----------------------------------------

@pytest.fixture(scope="session")
def java() -> str:
    found = shutil.which("java")
    need(found is not None, "java is missing: install default-jre-headless")
    need(VNU.is_file(), f"{VNU} is missing: run `npm ci --no-audit --no-fund --ignore-scripts`")
    return str(found)


def test_nu_html_checker_finds_no_errors_in_any_page_or_stylesheet(site: tuple[Path, str], java: str):
    root, _ = site
    run = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--skip-non-html", "--also-check-css",
                          "--format", "json", str(root)], capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '')}:{m.get('lastLine', '')}: {m.get('message', '')}" for m in messages
              if m.get("type") in ("error", "non-document-error")]
    assert errors == []
    assert run.returncode == 0, run.stderr[-2000:]
    checked = sum(1 for _ in root.rglob("*.html"))
    assert checked >= 10


def test_atom_feed_is_valid_against_rfc_4287_relax_ng(site: tuple[Path, str], java: str):
    root, _ = site
    run = subprocess.run([java, "-cp", str(VNU), "nu.validator.vendor.thaiopensource.relaxng.util.Driver", "-c",
                          str(ATOM_RNC), str(root / "feed.xml")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
