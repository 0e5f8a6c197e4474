"""Tests for `summitsite serve` over plain HTTP: routing, safety, rebuilds, the overlay, and the process itself."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from summitsite import livesite, server
from summitsite.builder import build
from summitsite.livesite import input_filter
from summitsite.server import DevServer, content_type, route

REPO = Path(__file__).resolve().parent.parent
LEDE = "Hey guys!"
"""The start of the lede of seeds/004_…, the seed the tests edit."""
EDITED_SEED = "seeds/004_9cfca1364c81efc9.txt"
ARTICLE = "articles/xi-putin-kim-meeting-in-beijing-whats-on-the-agenda/index.html"
OTHER_ARTICLE = "articles/chinas-xi-gathers-with-putin-and-kim-a-strategic-alliance-against-western/index.html"
SECRET = "TOP-SECRET-OUTSIDE-THE-SITE"


# --- helpers ---------------------------------------------------------------------------------------------

@pytest.fixture
def site(scratch_site: Path) -> Path:
    """The scratch site plus static files of every type the server names, and a secret file next to it."""
    static = scratch_site / "static"
    static.mkdir()
    for name, data in {"a.css": b"p{}", "a.js": b"1", "a.svg": b"<svg/>", "a.xml": b"<x/>", "a.json": b"{}",
                       "a.png": b"\x89PNG", "a.jpg": b"\xff\xd8", "a.woff2": b"wOF2", "a.txt": b"hi",
                       "sub/b.txt": b"b"}.items():
        (static / name).parent.mkdir(exist_ok=True)
        (static / name).write_bytes(data)
    (scratch_site.parent / "secret.txt").write_text(SECRET, encoding="utf-8")
    return scratch_site


def request(dev: DevServer, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", dev.httpd.server_address[1], timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def raw(dev: DevServer, data: bytes) -> bytes:
    """Send bytes exactly as given (no client-side normalising of the path) and read until the server closes."""
    with socket.create_connection(("127.0.0.1", dev.httpd.server_address[1]), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def raw_get(dev: DevServer, target: str, method: str = "GET") -> tuple[int, bytes, bytes]:
    answer = raw(dev, f"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode("latin-1"))
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


# --- pages, types, methods -------------------------------------------------------------------------------

def test_serves_pages_with_the_reload_script_that_build_output_never_has(site: Path, start, tmp_path: Path):
    dev = start()
    status, headers, body = request(dev, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert body.count(b'id="summitsite-live-reload"') == 1
    assert body.index(b"summitsite-live-reload") < body.rindex(b"</body>")
    assert b"/__summitsite/events" in body

    build(site, tmp_path / "out")
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"__summitsite" not in data and b"summitsite-live-reload" not in data, path
    assert not (site / "build").exists(), "serve must never write build/"


def test_article_page_and_query_string(start):
    dev = start()
    status, _, body = request(dev, "/" + ARTICLE)
    assert status == 200 and LEDE.encode() in body
    assert request(dev, "/" + ARTICLE.removesuffix("index.html") + "?utm=x")[0] == 200


@pytest.mark.parametrize(("name", "expected"), [
    ("a.css", "text/css; charset=utf-8"), ("a.js", "text/javascript; charset=utf-8"),
    ("a.svg", "image/svg+xml; charset=utf-8"), ("a.xml", "application/xml; charset=utf-8"),
    ("a.json", "application/json"), ("a.png", "image/png"), ("a.jpg", "image/jpeg"), ("a.woff2", "font/woff2"),
    ("a.txt", "text/plain; charset=utf-8"),
])
def test_content_types(start, name: str, expected: str):
    dev = start()
    status, headers, body = request(dev, f"/static/{name}")
    assert status == 200
    assert headers["content-type"] == expected
    assert headers["x-content-type-options"] == "nosniff"
    assert b"summitsite-live-reload" not in body  # only HTML gets the script
    assert content_type(f"x/{name.upper()}") == expected


def test_head_sends_the_same_headers_and_no_body(start):
    dev = start()
    for path in ("/", "/static/a.css", "/missing"):
        get_status, get_head, get_body = raw_get(dev, path)
        head_status, head_head, head_body = raw_get(dev, path, "HEAD")
        assert head_status == get_status
        assert head_body == b""
        drop_date = [line for line in get_head.split(b"\r\n") if not line.startswith(b"Date:")]
        assert drop_date == [line for line in head_head.split(b"\r\n") if not line.startswith(b"Date:")]
        assert f"Content-Length: {len(get_body)}".encode() in head_head


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW"])
def test_other_methods_get_405_with_allow(start, method: str):
    dev = start()
    status, head, _ = raw_get(dev, "/", method)
    assert status == 405
    assert b"\r\nAllow: GET, HEAD" in head


def test_builtin_404_page_when_the_site_has_none(start, monkeypatch):
    real = livesite.render_files

    def without_404(*args, **kwargs):
        result = real(*args, **kwargs)
        del result.files["404.html"]
        return result

    monkeypatch.setattr(livesite, "render_files", without_404)
    dev = start()
    status, headers, body = request(dev, "/no/such/page.html")
    assert status == 404
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"Not found" in body and b"summitsite-live-reload" in body


def test_the_sites_own_404_page(start):
    dev = start()
    status, _, body = request(dev, "/nowhere")
    assert status == 404
    assert b"There is no page at this address." in body and b"summitsite-live-reload" in body
    # Its links are root-relative, and the preview is served from the root: they resolve here.
    assert b'href="/static/style.css"' in body and request(dev, "/static/style.css")[0] == 200


def test_folders_redirect_to_their_slash_and_are_never_listed(start):
    dev = start()
    folder = "/" + ARTICLE.removesuffix("/index.html")
    status, headers, _ = request(dev, folder + "?q=1")
    assert status == 301
    assert headers["location"] == folder + "/?q=1"
    assert request(dev, folder + "/")[0] == 200
    assert request(dev, "/static/")[0] == 404  # a folder without index.html: no listing
    assert request(dev, "/static/sub/")[0] == 404
    assert request(dev, "/static/sub")[0] == 404


# --- nothing outside the site ----------------------------------------------------------------------------

TRAVERSALS = ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsummitsite.yml",
              "/..\\secret.txt", "/%5c..%5csecret.txt", "//etc/passwd", "/C:/x", "/static/../../secret.txt",
              "/static/%2e%2e/%2e%2e/secret.txt", "/%2E%2E%2F%2E%2E%2Fsecret.txt", "/./summitsite.yml",
              "/summitsite.yml", "/seeds/004_9cfca1364c81efc9.txt", "/%00", "/%ff%fe", "/etc/passwd", "secret.txt"]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_nothing_outside_the_output_is_served(start, target: str):
    dev = start()
    status, _, body = raw_get(dev, target)
    assert status in (400, 404)
    assert SECRET.encode() not in body
    assert b"root:" not in body and b"Scratch Watch\nlanguage" not in body and LEDE.encode() not in body


def test_route_decisions():
    files = {"index.html", "a/index.html", "a/b.css", "x y/index.html"}
    assert route("/", files).path == "index.html"
    assert route("/a/", files).path == "a/index.html"
    assert route("/a", files) == server.Route(301, "/a/")
    assert route("/x%20y", files) == server.Route(301, "/x%20y/")
    assert route("//a//b.css", files).path == "a/b.css"
    assert route("http://evil.example/a/b.css", files).path == "a/b.css"
    for bad in ("/../a/b.css", "/a/%2e%2e/a/b.css", "/a\\b.css", "/a%5cb.css", "/%2e/a/b.css", "*", "a/b.css"):
        assert route(bad, files).status == 400, bad
    assert route("//a", files) == server.Route(301, "/a/")  # never a `//host` (open) redirect


def test_a_symlink_in_static_to_a_file_outside_is_not_served(site: Path, start):
    (site / "static" / "leak.txt").symlink_to(site.parent / "secret.txt")
    (site / "static" / "leakdir").symlink_to(site.parent, target_is_directory=True)
    (site / "static" / "inside.txt").symlink_to(site / "static" / "a.txt")
    dev = start()
    status, _, body = request(dev, "/static/leak.txt")
    assert status == 404 and SECRET.encode() not in body
    assert request(dev, "/static/leakdir/secret.txt")[0] == 404
    assert request(dev, "/static/inside.txt")[2] == b"hi"  # a link that stays inside the site is fine


# --- robustness ------------------------------------------------------------------------------------------

def test_a_silent_client_blocks_nobody_and_is_dropped(start):
    dev = start(client_timeout=1.0)
    with socket.create_connection(("127.0.0.1", dev.httpd.server_address[1]), timeout=10) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\n")  # and never finishes the request
        started = time.monotonic()
        assert request(dev, "/")[0] == 200
        assert time.monotonic() - started < 1.0
        assert slow.recv(100) == b""  # closed by the server after its timeout
        assert time.monotonic() - started < 5.0


def test_malformed_request_line_gets_400(start):
    dev = start()
    for line in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n"):
        answer = raw(dev, line)
        assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0], answer[:80]
    assert request(dev, "/")[0] == 200


def test_event_streams_are_capped(start):
    dev = start(max_streams=2)
    port = dev.httpd.server_address[1]
    streams = []
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", server.EVENTS_PATH)
        response = conn.getresponse()
        assert response.status == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        streams.append(conn)
    status, headers, _ = request(dev, server.EVENTS_PATH)
    assert status == 503 and headers["retry-after"]
    streams[0].close()
    wait_until(lambda: request(dev, server.EVENTS_PATH, "HEAD")[0] == 200)
    for conn in streams:
        conn.close()


# --- rebuilds, events and the overlay --------------------------------------------------------------------

def read_event(response: http.client.HTTPResponse) -> tuple[str, str]:
    """The next `event:`/`data:` pair (or the comment) from an event stream."""
    fields: dict[str, str] = {}
    while True:
        line = response.fp.readline().decode("utf-8").rstrip("\n")
        if line.startswith(":"):
            return "comment", line
        if not line:
            if "event" in fields:
                return fields["event"], fields.get("data", "")
            continue
        name, _, value = line.partition(": ")
        fields[name] = value


def test_a_rebuild_reloads_only_the_pages_that_changed(site: Path, start):
    import json

    dev = start()
    conn = http.client.HTTPConnection("127.0.0.1", dev.httpd.server_address[1], timeout=10)
    conn.request("GET", server.EVENTS_PATH)
    stream = conn.getresponse()
    kind, data = read_event(stream)
    assert kind == "hello" and json.loads(data) == {"server": dev.httpd.server_id, "epoch": dev.live.epoch}

    edit(site / EDITED_SEED, LEDE, "Hello editors, version 2!")
    report = dev.live.rebuild()
    assert not report.skipped and report.inputs == (EDITED_SEED,)
    assert dev.cache.parsed == 1, "only the edited seed is parsed again"
    kind, data = read_event(stream)
    change = json.loads(data)
    assert kind == "reload" and change["all"] is False
    assert ARTICLE in change["changed"] and OTHER_ARTICLE not in change["changed"]
    assert b"Hello editors, version 2!" in request(dev, "/" + ARTICLE)[2]
    conn.close()


def test_nothing_relevant_changed_means_no_render_and_no_reload(site: Path, start):
    dev = start()
    builds, epoch = dev.live.builds, dev.live.epoch
    (site / EDITED_SEED).touch()
    (site / "README.md").write_text("not an input", encoding="utf-8")
    (site / "seeds" / ".004.txt.swp").write_bytes(b"an editor swap file")
    assert dev.live.rebuild().skipped
    assert (dev.live.builds, dev.live.epoch) == (builds, epoch)
    # An input that changes no output: rendered, but no page reloads.
    (site / "static" / "unused.bin").write_bytes(b"")
    (site / "static" / "unused.bin").unlink()
    (site / "templates").mkdir()
    (site / "templates" / "notes.txt").write_text("unused", encoding="utf-8")
    report = dev.live.rebuild()
    assert not report.skipped and report.change is None and dev.live.epoch == epoch


def test_the_watch_filter():
    keep = input_filter(Path("/site"))
    for path in ("summitsite.yml", "seeds/a.txt", "seeds/a.yml", "content/x.md", "templates/base.html",
                 "static/img/a.png"):
        assert keep(None, f"/site/{path}"), path
    for path in ("build/index.html", ".git/HEAD", "seeds/.a.txt.swp", "seeds/a.txt~", "README.md",
                 "static/.cache/x", "other/x"):
        assert not keep(None, f"/site/{path}"), path
    assert not keep(None, "/elsewhere/seeds/a.txt")


def test_a_failed_build_keeps_the_last_good_site_under_an_escaped_overlay(site: Path, start):
    dev = start()
    config = site / "summitsite.yml"
    good = config.read_text(encoding="utf-8")
    config.write_text('"<img src=x onerror=alert(1)>": 1\n' + good, encoding="utf-8")
    report = dev.live.rebuild()
    assert report.problems and report.problems[0].startswith("summitsite.yml:1: ")
    status, _, body = request(dev, "/" + ARTICLE)
    assert status == 200 and LEDE.encode() in body  # the last good page...
    assert b'id="summitsite-overlay"' in body  # ...under the overlay
    assert b"summitsite.yml:1: unknown setting &#x27;&lt;img src=x onerror=alert(1)&gt;&#x27;" in body
    assert b"<img src=x" not in body
    assert "summitsite.yml:1: unknown setting" in dev.err.getvalue()

    config.write_text(good, encoding="utf-8")
    assert not dev.live.rebuild().problems
    assert b"summitsite-overlay" not in request(dev, "/" + ARTICLE)[2]


def test_a_first_build_that_fails_serves_the_overlay_then_recovers(site: Path, start):
    config = site / "summitsite.yml"
    good = config.read_text(encoding="utf-8")
    config.write_text("colour: red\n" + good, encoding="utf-8")
    dev = start()
    for path in ("/", "/" + ARTICLE, "/static/a.css"):
        status, headers, body = request(dev, path)
        assert status == 500 and headers["content-type"].startswith("text/html")
        assert b"summitsite.yml:1: unknown setting &#x27;colour&#x27;" in body
    config.write_text(good, encoding="utf-8")
    dev.live.rebuild()
    assert request(dev, "/")[0] == 200


def test_an_unexpected_exception_is_shown_and_the_watcher_keeps_going(site: Path, start, monkeypatch):
    dev = start(watch=True)
    assert dev.live.watching.wait(10)
    real = livesite.render_files

    def broken(*args, **kwargs):
        raise RuntimeError("boom <b>")

    monkeypatch.setattr(livesite, "render_files", broken)
    edit(site / EDITED_SEED, LEDE, "Edited once.")
    # The fast pass may show the edit first; the failed build then puts the last good page back, under the overlay.
    wait_until(lambda: b"summitsite-overlay" in request(dev, "/" + ARTICLE)[2])
    body = request(dev, "/" + ARTICLE)[2]
    assert b"summitsite: internal error: RuntimeError: boom &lt;b&gt;" in body
    assert LEDE.encode() in body and b"Edited once." not in body
    assert "Traceback" in dev.err.getvalue()

    monkeypatch.setattr(livesite, "render_files", real)
    epoch = dev.live.epoch
    edit(site / EDITED_SEED, "Edited once.", "Edited twice.")
    wait_until(lambda: dev.live.epoch > epoch)
    body = request(dev, "/" + ARTICLE)[2]
    assert b"Edited twice." in body and b"summitsite-overlay" not in body


def test_a_burst_of_saves_is_one_rebuild(site: Path, start):
    dev = start(watch=True)
    assert dev.live.watching.wait(10)
    builds, epoch = dev.live.builds, dev.live.epoch
    for name in ("a.css", "a.js", "a.txt"):
        (site / "static" / name).write_bytes(b"/* changed */")
    wait_until(lambda: dev.live.epoch > epoch)
    time.sleep(0.5)
    assert dev.live.builds == builds + 1
    assert request(dev, "/static/a.js")[2] == b"/* changed */"


def test_requests_during_a_rebuild_wait_for_it(site: Path, start, monkeypatch):
    dev = start()
    real = livesite.render_files
    entered = threading.Event()

    def slow(*args, **kwargs):
        entered.set()
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(livesite, "render_files", slow)
    edit(site / EDITED_SEED, LEDE, "Rebuilt while you waited.")
    rebuild = threading.Thread(target=dev.live.rebuild)
    rebuild.start()
    entered.wait(5)
    body = request(dev, "/" + ARTICLE)[2]  # arrives mid-build: must see the new page, not the old one
    rebuild.join()
    assert b"Rebuilt while you waited." in body


def test_event_stream_keepalive(start, monkeypatch):
    monkeypatch.setattr(server, "KEEPALIVE", 0.2)
    dev = start()
    conn = http.client.HTTPConnection("127.0.0.1", dev.httpd.server_address[1], timeout=10)
    conn.request("GET", server.EVENTS_PATH)
    stream = conn.getresponse()
    assert read_event(stream)[0] == "hello"
    assert read_event(stream) == ("comment", ": keepalive")
    conn.close()


# --- the process -----------------------------------------------------------------------------------------

def spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    base = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "summitsite", "serve", *args], env={**base, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def first_line(proc: subprocess.Popen, timeout: float = 20, stream: str = "stdout") -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(getattr(proc, stream).readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert line, "no output"
    return line[0]


def test_the_command_prints_its_url_first_and_stops_cleanly_on_ctrl_c(site: Path):
    proc = spawn("--source", str(site), "--port", "0")
    try:
        line = first_line(proc)
        assert line.startswith("Serving http://127.0.0.1:") and "(Ctrl-C to stop)" in line
        url = line.split()[1]
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/" + ARTICLE)
        assert conn.getresponse().status == 200
        # An open event stream must not keep the server from stopping.
        events = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        events.request("GET", server.EVENTS_PATH)
        assert events.getresponse().status == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode in (0, 130)
    assert "Traceback" not in err
    assert "Stopped." in out
    assert not (site / "build").exists()


def test_a_port_in_use_is_one_line_and_exit_1(site: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = spawn("--source", str(site), "--port", str(port))
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert out == ""
    assert err.count("\n") == 1 and "already in use" in err and "--port" in err


def test_open_does_not_crash_without_a_browser(site: Path):
    env = {"PATH": "/nonexistent", "BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    proc = spawn("--source", str(site), "--port", "0", "--open", env=env)
    try:
        assert first_line(proc).startswith("Serving http://")
        time.sleep(1)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err


def test_all_interfaces_warns(site: Path):
    proc = spawn("--source", str(site), "--port", "0", "--host", "0.0.0.0")
    try:
        assert first_line(proc).startswith("Serving http://127.0.0.1:")
        assert first_line(proc, stream="stderr").startswith("warning: listening on all network interfaces")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0


def test_an_edited_template_is_served_after_the_rebuild(site: Path, start):
    # Templates are not checked for changes on every page (auto_reload is off): the dev server must make
    # a new environment when one changes.
    (site / "templates").mkdir(exist_ok=True)
    template = site / "templates" / "index.html"
    template.write_text("FIRST {{ config.title }}\n", encoding="utf-8")
    dev = start()
    assert request(dev, "/")[2].startswith(b"FIRST ")
    template.write_text("SECOND {{ config.title }}\n", encoding="utf-8")
    report = dev.live.rebuild()
    assert not report.problems
    assert request(dev, "/")[2].startswith(b"SECOND ")
