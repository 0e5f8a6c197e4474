"""Load test for `summitsite serve`: many requests over loopback, with slow and malformed clients alongside.

    python scripts/load_test.py [--requests 20000] [--connections 50] [--slow 20] [--malformed 200] [--source DIR]

It starts `summitsite serve --port 0` as a child process on a copy of the site (the repository's own
seeds by default), warms it up, and records the server's thread count and resident memory from
/proc/PID/status. Then it sends the requests over keep-alive connections (an asyncio client, no extra
tools), while `--slow` clients open connections and send half a request line and nothing more, and
`--malformed` clients send garbage, and measures the latency of the normal requests meanwhile. When
everything is done and the server has dropped the silent clients, it reads the thread count and memory
again. It prints one JSON object with the figures and exits 1 if any request failed, threads or memory
grew, or the slow clients held up the others. Linux only (/proc).

The default test run uses a smaller version of this (tests/test_safety_load.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RSS_GROWTH_LIMIT_KB = 16 * 1024
"""Resident memory may grow this much at most over the run (allocator noise; a leak grows with requests)."""
THREAD_SLACK = 1
"""The server's thread count after the run may exceed its count before by this much at most."""


def proc_status(pid: int) -> dict[str, int]:
    """Threads and VmRSS (kB) of a process, from /proc/PID/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Threads", "VmRSS"):
            values[key] = int(value.split()[0])
    return values


def start_server(source: Path) -> tuple[subprocess.Popen, str]:
    """Start `summitsite serve` on a free port; return the process and its URL once the first build is served."""
    proc = subprocess.Popen([sys.executable, "-m", "summitsite", "serve", "--source", str(source), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    url = next((w for w in line.split() if w.startswith("http://")), None)
    if url is None:
        proc.kill()
        raise RuntimeError(f"the server did not print its URL: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    _drain_output(proc)
    return proc, url.rstrip("/") + "/"


def _drain_output(proc: subprocess.Popen) -> None:
    """Read the server's output in the background, so it never blocks on a full pipe."""

    def drain(stream) -> None:
        for _ in stream:
            pass

    for stream in (proc.stdout, proc.stderr):
        threading.Thread(target=drain, args=(stream,), daemon=True).start()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def wait_until_built(host: str, port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status, _ = await read_response(reader)
            writer.close()
            if status == 200:
                return
        except (OSError, asyncio.IncompleteReadError):
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the site was not built in time")


async def site_paths(host: str, port: int) -> list[str]:
    """The pages the home page links to, plus the stylesheet, a 404 and a redirect: a realistic mix."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    _, body = await read_response(reader)
    writer.close()
    import re

    links = sorted(set(re.findall(r'href="([^"#:]+\.html)"', body.decode("utf-8"))))
    return ["/", "/static/style.css", "/feed.xml", "/no-such-page.html", *("/" + link.lstrip("./") for link in links)]


async def load(host: str, port: int, paths: list[str], total: int, connections: int) -> dict[str, object]:
    """`total` GET requests over `connections` keep-alive connections; errors are anything but 200/404/301."""
    counter = iter(range(total))
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}

    async def worker() -> None:
        reader = writer = None
        for n in counter:
            path = paths[n % len(paths)]
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                started = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                status, _ = await asyncio.wait_for(read_response(reader), 30)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                expected = 404 if "no-such" in path else 200
                if status != expected:
                    errors.append(f"{path}: {status}")
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
                errors.append(f"{path}: {type(exc).__name__}: {exc}")
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    seconds = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else 0.0

    return {"requests": total, "connections": connections, "seconds": round(seconds, 2),
            "requests_per_second": round(total / seconds, 1), "errors": len(errors), "error_samples": errors[:5],
            "statuses": dict(sorted(statuses.items())), "latency_ms": {"p50": pct(0.5), "p99": pct(0.99),
                                                                       "max": pct(1.0)}}


async def hostile_clients(host: str, port: int, slow: int, malformed: int) -> tuple[list, dict[str, int]]:
    """Open `slow` connections that send half a request and stall; send `malformed` garbage requests."""
    stalled = []
    for _ in range(slow):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET /index.ht")  # and nothing more
        await writer.drain()
        stalled.append(writer)
    answers: dict[str, int] = {}
    garbage = [b"\x00\x01\x02\xff\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET " + b"a" * 70000 + b"\r\n",
               b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /../../etc/passwd HTTP/1.1\r\n\r\n",
               b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", b"BREW / HTTP/1.1\r\n\r\n"]
    for i in range(malformed):
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(garbage[i % len(garbage)])
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), 15)
            key = line.split(b" ")[1].decode() if line.startswith(b"HTTP/") else "closed"
            writer.close()
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as exc:
            key = type(exc).__name__
        answers[key] = answers.get(key, 0) + 1
    return stalled, answers


async def settle(pid: int, target: int, timeout: float) -> dict[str, int]:
    """The server's status once its thread count is back to `target` (or after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    status = proc_status(pid)
    while status["Threads"] > target and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        status = proc_status(pid)
    return status


async def run_async(url: str, pid: int, requests: int, connections: int, slow: int, malformed: int,
                    settle_seconds: float) -> dict[str, object]:
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    port_n = int(port)
    await wait_until_built(host, port_n)
    paths = await site_paths(host, port_n)
    await load(host, port_n, paths, min(500, requests), min(10, connections))  # warm-up
    before = await settle(pid, 0, 1.0)
    # Phase 1: slow and malformed clients arrive first, then the real load runs past them.
    stalled, malformed_answers = await hostile_clients(host, port_n, slow, malformed)
    during = proc_status(pid)
    result = await load(host, port_n, paths, requests, connections)
    for writer in stalled:
        writer.close()
    after = await settle(pid, before["Threads"] + THREAD_SLACK, settle_seconds)
    result.update({"paths": len(paths), "slow_clients": slow, "malformed_clients": malformed,
                   "malformed_answers": dict(sorted(malformed_answers.items())),
                   "threads_before": before["Threads"], "threads_during_slow": during["Threads"],
                   "threads_after": after["Threads"], "rss_kb_before": before["VmRSS"], "rss_kb_after": after["VmRSS"],
                   "rss_kb_growth": after["VmRSS"] - before["VmRSS"]})
    return result


def verdict(result: dict[str, object], p99_limit_ms: float) -> list[str]:
    problems = []
    if result["errors"]:
        problems.append(f"{result['errors']} requests failed: {result['error_samples']}")
    if result["threads_after"] > result["threads_before"] + THREAD_SLACK:
        problems.append(f"threads grew from {result['threads_before']} to {result['threads_after']}")
    if result["rss_kb_growth"] > RSS_GROWTH_LIMIT_KB:
        problems.append(f"memory grew by {result['rss_kb_growth']} kB")
    if result["latency_ms"]["p99"] > p99_limit_ms:
        problems.append(f"p99 latency {result['latency_ms']['p99']} ms > {p99_limit_ms} ms: "
                        f"slow clients blocked others")
    return problems


def run(source: Path, requests: int, connections: int, slow: int, malformed: int,
        settle_seconds: float = 20.0) -> dict[str, object]:
    """Copy the site, serve it, load it; return the figures (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="summitsite-load-") as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        for name in ("seeds", "content", "templates", "static"):
            if (source / name).is_dir():
                shutil.copytree(source / name, site / name)
        if (source / "summitsite.yml").is_file():
            shutil.copy(source / "summitsite.yml", site / "summitsite.yml")
        proc, url = start_server(site)
        try:
            result = asyncio.run(run_async(url, proc.pid, requests, connections, slow, malformed, settle_seconds))
            result["server_alive"] = proc.poll() is None
            return result
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=REPO, help="the site to serve (copied first)")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--slow", type=int, default=20, help="clients that send half a request and stall")
    parser.add_argument("--malformed", type=int, default=200, help="clients that send garbage")
    parser.add_argument("--p99-limit-ms", type=float, default=1000.0)
    args = parser.parse_args(argv)
    if not os.path.isdir("/proc/self"):
        print("load_test: needs Linux /proc", file=sys.stderr)
        return 2
    result = run(args.source, args.requests, args.connections, args.slow, args.malformed)
    problems = verdict(result, args.p99_limit_ms)
    if not result.get("server_alive"):
        problems.append("the server died")
    result["problems"] = problems
    print(json.dumps(result, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
