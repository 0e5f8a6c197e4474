"""`summitsite serve`: the HTTP side of the dev server, and the command's start and stop.

Requests are answered from `LiveSite`'s in-memory map of output paths, never from disk: a request path is
decoded, checked and looked up in the map, so `..`, encoded slashes, backslashes and absolute paths cannot
reach anything else, by construction. HTML gets a small live-reload script (and, after a failed build, an
error overlay) injected before `</body>` here, at serve time only: `summitsite build` output never has it.

The script listens to Server-Sent Events on `EVENTS_PATH`. On connecting it is told the server's identity
and epoch; a page from an earlier epoch or from a previous server process reloads at once, so a page never
stays stale because it missed an event while disconnected.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import mimetypes
import os
import posixpath
import select
import socket
import socketserver
import sys
import threading
import time
import webbrowser
from collections.abc import Container
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, unquote, urlsplit

from summitsite.livesite import LiveSite, ParseCache, Snapshot, make_builder

EVENTS_PATH = "/__summitsite/events"
CLIENT_TIMEOUT = 10.0
"""Seconds a client may stay silent (or refuse to read) before its connection is closed."""
KEEPALIVE = 15.0
"""Seconds between comments on an idle event stream, so proxies and browsers keep it open."""
MAX_STREAMS = 64
"""Open event streams at most (one per open tab); more get 503 and their script retries."""
ALL_INTERFACES = frozenset({"", "0.0.0.0", "::"})

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
}


def content_type(path: str) -> str:
    """The Content-Type of an output path: a fixed table for web files, not the machine's mime.types."""
    ext = posixpath.splitext(path)[1].lower()
    if ext in CONTENT_TYPES:
        return CONTENT_TYPES[ext]
    guessed = mimetypes.guess_type(path, strict=False)[0] or "application/octet-stream"
    return guessed + "; charset=utf-8" if guessed.startswith("text/") else guessed


# --- request paths ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Route:
    status: int
    """200 (serve `path`), 301 (redirect to `path`), 400 (a path no site file can have) or 404."""
    path: str | None = None


def route(target: str, files: Container[str]) -> Route:
    """Where a request target leads among the output paths `files`."""
    if target.startswith(("http://", "https://")):  # absolute-form, as sent to proxies
        target = urlsplit(target).path or "/"
    raw, _, query = target.partition("?")
    raw = raw.partition("#")[0]
    if not raw.startswith("/"):
        return Route(400)
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return Route(400)
    # No file of a site has a backslash, a control character or a dot segment in its path; reject rather
    # than guess what `..\\x` or `%2e%2e/x` was meant to reach.
    if "\\" in decoded or any(ord(c) < 0x20 or c == "\x7f" for c in decoded):
        return Route(400)
    segments = [s for s in decoded.split("/") if s]  # `//etc/passwd` is `etc/passwd` of the site
    if any(s in (".", "..") for s in segments):
        return Route(400)
    key = "/".join(segments)
    if not segments or decoded.endswith("/"):
        index = f"{key}/index.html" if key else "index.html"
        return Route(200, index) if index in files else Route(404)
    if key in files:
        return Route(200, key)
    if f"{key}/index.html" in files:
        location = "/" + quote(key, safe="/-_.~!$&'()*+,;=:@") + "/"
        return Route(301, location + ("?" + query if query else ""))
    return Route(404)


# --- what is injected into pages -------------------------------------------------------------------------

_SCRIPT = """<script id="summitsite-live-reload">
(() => {
  const me = %s;
  let delay = 250;
  const connect = () => {
    const source = new EventSource(%s);
    const reload = () => { source.close(); location.reload(); };
    source.addEventListener("hello", (event) => {
      const now = JSON.parse(event.data);
      delay = 250;
      // Built since this page was served, or a new server process: this page may be stale.
      if (now.server !== me.server || now.epoch !== me.epoch) reload();
    });
    source.addEventListener("reload", (event) => {
      const change = JSON.parse(event.data);
      if (change.all || me.page === null || change.changed.includes(me.page)) reload();
      else me.epoch = change.epoch;
    });
    source.onerror = () => {
      // EventSource retries a dropped connection by itself but gives up on a bad answer (a server that is
      // restarting, or too many tabs): then start again, backing off to 5 s.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 5000);
      }
    };
  };
  connect();
})();
</script>
"""

_OVERLAY = """<div id="summitsite-overlay" role="alert" style="position:fixed;inset:0;z-index:2147483647;\
overflow:auto;margin:0;padding:2rem;background:rgba(30,0,0,.94);color:#fff;font:15px/1.5 system-ui,sans-serif">
<p style="margin:0 0 1rem;font-weight:bold">summitsite: the build failed. %s This page reloads by itself \
when the files are fixed.</p>
<pre id="summitsite-problems" style="margin:0;white-space:pre-wrap;font:14px/1.5 ui-monospace,monospace;\
color:#ffd7d7">%s</pre>
</div>
"""


def _json_for_script(value: object) -> str:
    # `<` escaped, so that no value can close the script element.
    return json.dumps(value).replace("<", "\\u003c")


def live_markup(snapshot: Snapshot, server_id: str, page: str | None) -> bytes:
    """The overlay (if the last build failed) and the reload script, to go before `</body>`."""
    script = _SCRIPT % (_json_for_script({"server": server_id, "epoch": snapshot.epoch, "page": page}),
                        _json_for_script(EVENTS_PATH))
    overlay = ""
    if snapshot.problems:
        kept = "You are looking at the last good version." if snapshot.built else "There is no good version yet."
        lines = "\n".join(html.escape(line) for line in snapshot.problems)
        overlay = _OVERLAY % (kept, lines)
    return (overlay + script).encode("utf-8")


def inject(page: bytes, markup: bytes) -> bytes:
    """`markup` before the last `</body>`, or at the end of a page that has none."""
    at = page.lower().rfind(b"</body>")
    return page[:at] + markup + page[at:] if at >= 0 else page + markup


def _plain_page(title: str, text: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}'
            f"</title>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n<p>{html.escape(text)}</p>\n</body>\n"
            f"</html>\n").encode()


NOT_FOUND_PAGE = _plain_page("Not found", "There is no page at this address in the site.")
FAILED_PAGE = _plain_page("Build failed", "The site could not be built.")
BUILDING_PAGE = _plain_page("Building", "The site is still being built; this page reloads when it is ready.")


# --- HTTP ------------------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a page and its stylesheet over one connection
    server_version = "summitsite"
    sys_version = ""
    # A malformed request line is answered before its version is known; answer it with a status line
    # (HTTP/1.0), not as HTTP/0.9, whose responses have none.
    default_request_version = "HTTP/1.0"
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal is for build results and errors, not one line per request

    def do_GET(self) -> None:
        self._serve(include_body=True)

    def do_HEAD(self) -> None:
        self._serve(include_body=False)

    def __getattr__(self, name: str):
        # BaseHTTPRequestHandler looks up `do_<METHOD>` and answers 501 when it is missing; every method
        # other than GET and HEAD is a 405 here, whatever its name.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self.close_connection = True  # a request body we did not read must not be taken for the next request
        self._send(405, b"405 Method Not Allowed: only GET and HEAD\n", "text/plain; charset=utf-8", True,
                   {"Allow": "GET, HEAD"})

    def _send(self, status: int, body: bytes, ctype: str, include_body: bool,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a preview is never stale
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def _serve(self, include_body: bool) -> None:
        if self.path.partition("?")[0] == EVENTS_PATH:
            self._events(include_body)
            return
        snapshot = self.server.live.snapshot()
        server_id = self.server.server_id
        if not snapshot.built:
            status, page = (500, FAILED_PAGE) if snapshot.problems else (503, BUILDING_PAGE)
            body = inject(page, live_markup(snapshot, server_id, None))
            self._send(status, body, CONTENT_TYPES[".html"], include_body)
            return
        found = route(self.path, snapshot.files)
        if found.status == 301:
            self._send(301, b"", "text/plain; charset=utf-8", include_body, {"Location": found.path or "/"})
        elif found.status == 400:
            self._send(400, b"400 Bad Request: not a path of this site\n", "text/plain; charset=utf-8",
                       include_body)
        elif found.status == 404:
            site_page = snapshot.files.get("404.html")
            body = inject(site_page if site_page is not None else NOT_FOUND_PAGE,
                          live_markup(snapshot, server_id, None))
            self._send(404, body, CONTENT_TYPES[".html"], include_body)
        else:
            path = found.path or ""
            ctype = content_type(path)
            body = snapshot.files[path]
            if ctype.startswith("text/html"):
                body = inject(body, live_markup(snapshot, server_id, path))
            self._send(200, body, ctype, include_body)

    def _events(self, include_body: bool) -> None:
        server = self.server
        if not server.open_stream():
            self._send(503, b"too many open pages\n", "text/plain; charset=utf-8", include_body,
                       {"Retry-After": "5"})
            return
        try:
            self.close_connection = True  # the stream ends when the connection does
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            if not include_body:
                return
            live = server.live
            epoch = live.epoch
            self._event("hello", {"server": server.server_id, "epoch": epoch}, retry=1000)
            quiet_since = time.monotonic()
            while not live.stopping:
                # Wake every second to notice a closed tab, so that its slot under MAX_STREAMS comes back soon.
                change = live.wait_for_change(epoch, min(1.0, KEEPALIVE))
                if change is None:
                    if self._client_gone():
                        return
                    if time.monotonic() - quiet_since >= KEEPALIVE:
                        self.wfile.write(b": keepalive\n\n")
                        self.wfile.flush()
                        quiet_since = time.monotonic()
                    continue
                quiet_since = time.monotonic()
                epoch = change.epoch
                self._event("reload", {"epoch": epoch, "all": change.paths is None,
                                       "changed": sorted(change.paths or ())})
        except (ConnectionError, TimeoutError):
            pass  # the page went away
        finally:
            server.close_stream()

    def _client_gone(self) -> bool:
        # A client sends nothing on an event stream, so anything readable is the end of the connection.
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _event(self, name: str, data: object, retry: int | None = None) -> None:
        text = (f"retry: {retry}\n" if retry is not None else "") + f"event: {name}\ndata: {json.dumps(data)}\n\n"
        self.wfile.write(text.encode("utf-8"))
        self.wfile.flush()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client never keeps the process alive
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], live: LiveSite,
                 max_streams: int) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.live = live
        self.server_id = os.urandom(8).hex()
        self._streams = 0
        self._max_streams = max_streams
        self._streams_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can hang on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def open_stream(self) -> bool:
        with self._streams_lock:
            if self._streams >= self._max_streams:
                return False
            self._streams += 1
            return True

    def close_stream(self) -> None:
        with self._streams_lock:
            self._streams -= 1

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # a client that hung up or went silent: nothing to report
        super().handle_error(request, client_address)


class DevServer:
    """The listening socket, the HTTP threads and the watcher thread, around one `LiveSite`."""

    def __init__(self, source: Path, host: str = "127.0.0.1", port: int = 8000, include_drafts: bool = False,
                 *, out: TextIO | None = None, err: TextIO | None = None,
                 client_timeout: float = CLIENT_TIMEOUT, max_streams: int = MAX_STREAMS) -> None:
        """Bind the socket (OSError if that fails); nothing is built or served before `start()`."""
        self.source = Path(source)
        self.out, self.err = out, err
        """Where build results and errors go (None: stdout and stderr as they are at the time)."""
        build, cache = make_builder(self.source, include_drafts)
        self.cache: ParseCache = cache
        self.live = LiveSite(self.source, build, log=self._log, log_error=self._log_error, fast=build.fast)
        handler = type("Handler", (_Handler,), {"timeout": client_timeout})
        self.httpd = _HTTPServer((host, port), handler, self.live, max_streams)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        if host in ALL_INTERFACES:
            host = "127.0.0.1" if self.httpd.address_family == socket.AF_INET else "::1"
        return f"http://[{host}]:{port}/" if ":" in str(host) else f"http://{host}:{port}/"

    def _log(self, line: str) -> None:
        print(line, file=self.out or sys.stdout, flush=True)

    def _log_error(self, line: str) -> None:
        print(line, file=self.err or sys.stderr, flush=True)

    def start(self, watch: bool = True) -> None:
        """Serve in the background. With `watch`, build and rebuild on changes; without, build once, now."""
        if watch:
            self._spawn(self.live.watch, self._stop, name="summitsite-watch")
        else:
            self.live.rebuild(force=True)
        self._spawn(self.httpd.serve_forever, 0.2, name="summitsite-http")

    def _spawn(self, target, *args: object, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def wait(self) -> None:
        """Block until `stop()` (or Ctrl-C, which raises KeyboardInterrupt here)."""
        while not self._stop.wait(0.5):
            pass

    def stop(self) -> None:
        """Stop watching and serving; return once the threads have ended (or after 5 s of a build under way)."""
        self._stop.set()
        self.live.stop()
        if any(t.name == "summitsite-http" for t in self._threads):
            self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)  # a long first build is abandoned (daemon thread), not awaited


def bind_error(exc: OSError, host: str, port: int) -> str:
    """One line saying why the server cannot listen, and what to do about it."""
    if exc.errno == errno.EADDRINUSE:
        return (f"summitsite: port {port} on {host} is already in use; stop the other server or pick another "
                f"port with --port (--port 0 picks a free one)")
    if exc.errno == errno.EACCES:
        return f"summitsite: not allowed to listen on port {port}; pick a port above 1023 with --port"
    return f"summitsite: cannot listen on {host}:{port}: {exc.strerror or exc}"


def serve(source: Path, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          include_drafts: bool = False) -> int:
    """Run the dev server until Ctrl-C (exit 0), or return 1 if it cannot listen."""
    try:
        server = DevServer(source, host, port, include_drafts)
    except OSError as exc:
        print(bind_error(exc, host, port), file=sys.stderr)
        return 1
    try:
        print(f"Serving {server.url} (Ctrl-C to stop)", flush=True)
        if host in ALL_INTERFACES:
            print("warning: listening on all network interfaces: anyone who can reach this machine can read "
                  "the site (drafts too); use --host 127.0.0.1 to keep it local", file=sys.stderr, flush=True)
        server.start()
        if open_browser:
            # A console browser could take over the terminal: never let it hold up the server.
            threading.Thread(target=_open_browser, args=(server.url,), daemon=True).start()
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while stopping: the threads are daemons
            server.stop()
    print("Stopped.", flush=True)
    return 0


def _open_browser(url: str) -> None:
    with contextlib.suppress(Exception):  # no browser at all is fine: the URL is printed
        webbrowser.open(url)
