"""Benchmark summitsite's build against Hugo and Pelican on generated corpora (issue 6).

    python tests/benchmarks/run.py --sizes 100,1000 --repeats 5 --json /tmp/bench.json

For each size N it generates (or reuses, with --reuse) a corpus with `generate.py` under --work, then, taking
turns round after round (summitsite, hugo, pelican, summitsite, hugo, pelican, ...), runs each tool's clean
build as a child process and measures its wall seconds and its peak RSS (ru_maxrss of that child, from
os.wait4). A clean build starts with the output folder removed, and summitsite's and Pelican's caches too.

For summitsite it also measures, in each round, right after its clean build:
  - the no-change rebuild (build again, nothing changed);
  - the one-seed-edit rebuild (append a sentence to one seed, build again; the seed is restored afterwards);
  - then an edit of the same seed that names an entity it did not name before (its mention counts change);
  - the clean build with --no-search, when `summitsite build --help` lists that option (else "n/a");
and once per size, when `summitsite serve` exists, the time from a seed edit to the `reload` event of the
dev server's live-reload stream after which the page shows the edit (a reload that the previous edit's build
sends late is not it), and to a GET of the page that shows the edit (else "n/a").

Before measuring, the package of each Python tool (summitsite, pelican) is compiled to bytecode with
compileall, as pip does when it installs a wheel. An editable install has no bytecode until a run writes it,
and a machine with PYTHONDONTWRITEBYTECODE set (this one) would compile every module from source in every run.

It prints Markdown tables (median seconds, articles per second, median peak RSS), the exact command line and
the machine. Every run's raw numbers go to --json. The tools run from this Python's environment (summitsite
and pelican next to sys.executable, or on PATH) and `hugo` from PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import queue
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # this folder is not a package: generate.py sits next to this file

TOOLS = ("summitsite", "hugo", "pelican")
SUMMITSITE_CACHE = ".summitsite-cache"
EDIT_SENTENCE = "Late update {n}: officials confirmed the revised figures in a short statement on Friday."
ENTITY_EDIT_SENTENCE = "Late update {n}: officials confirmed that {name} had been consulted on Friday."
"""The second edit names an entity the seed did not name: its mention counts change."""
LARGE = 10_000


@dataclass
class Sample:
    seconds: float
    peak_rss_kb: int
    returncode: int
    error: str = ""
    cpu_seconds: float = 0.0
    """User plus system CPU time of the child: steadier than wall time on a busy machine."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


# ------------------------------------------------------------------------------------------------ processes


def tool_path(name: str) -> str | None:
    """A console script next to this interpreter (the benchmark venv), else on PATH."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


def measure(cmd: list[str], cwd: Path | None = None, timeout: float = 3600) -> Sample:
    """Run `cmd` to completion; wall seconds and the child's own peak RSS (os.wait4's rusage, KB on Linux)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        error = ""
        if proc.returncode != 0:
            err.seek(0)
            lines = err.read().decode("utf-8", "replace").strip().splitlines()
            error = f"exit {proc.returncode}: " + (" | ".join(lines[-3:]) if lines else "(no stderr)")
    return Sample(seconds, usage.ru_maxrss, proc.returncode, error, usage.ru_utime + usage.ru_stime)


PYTHON_TOOLS = {"summitsite": "summitsite", "pelican": "pelican"}
"""Tool name -> the package its console script runs."""


def compile_bytecode(tool: str) -> bool:
    """Compile the tool's package to bytecode with the interpreter its console script names (its shebang)."""
    script = tool_path(tool)
    if script is None or tool not in PYTHON_TOOLS:
        return False
    try:
        first = Path(script).read_bytes().split(b"\n", 1)[0]
    except OSError:
        return False
    if not first.startswith(b"#!"):
        return False
    python = first[2:].decode().strip().split()[0]
    code = ("import compileall, importlib.util, os, sys; spec = importlib.util.find_spec(sys.argv[1]); "
            "sys.exit(0 if compileall.compile_dir(os.path.dirname(spec.origin), quiet=1) else 1)")
    try:
        done = subprocess.run([python, "-c", code, PYTHON_TOOLS[tool]], capture_output=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def help_text(cmd: list[str]) -> str | None:
    """The --help output of a (sub)command, or None when it does not exist."""
    try:
        done = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def version_of(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


# ------------------------------------------------------------------------------------------------ the tools


@dataclass
class Corpus:
    size: int
    root: Path
    manifest: dict

    @property
    def summitsite(self) -> Path:
        return self.root / "summitsite"

    @property
    def hugo(self) -> Path:
        return self.root / "hugo"

    @property
    def pelican(self) -> Path:
        return self.root / "pelican"

    def out(self, tool: str) -> Path:
        return self.root / "out" / tool


def prepare(size: int, work: Path, reuse: bool) -> Corpus:
    root = work / f"n{size}"
    manifest_path = root / "manifest.json"
    if reuse and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("articles") == size and manifest.get("seed") == generate.DEFAULT_SEED:
            print(f"reusing the corpus in {root}", file=sys.stderr)
            return Corpus(size, root, manifest)
    started = time.perf_counter()
    generate.generate(size, root)
    print(f"generated {size} articles in {root} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return Corpus(size, root, json.loads(manifest_path.read_text(encoding="utf-8")))


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def clean(tool: str, corpus: Corpus) -> None:
    """Remove the tool's output, and any cache, so that the next build starts cold."""
    remove(corpus.out(tool))
    if tool == "summitsite":
        for folder, dirs, _files in os.walk(corpus.summitsite):
            if SUMMITSITE_CACHE in dirs:
                remove(Path(folder) / SUMMITSITE_CACHE)
                dirs.remove(SUMMITSITE_CACHE)
    elif tool == "pelican":
        remove(corpus.pelican / "cache")
    elif tool == "hugo":
        remove(corpus.hugo / "resources")


def build_command(tool: str, corpus: Corpus, extra: tuple[str, ...] = ()) -> tuple[list[str], Path | None]:
    out = corpus.out(tool)
    if tool == "summitsite":
        return [tool_path("summitsite") or "summitsite", "build", "--source", str(corpus.summitsite),
                "--output", str(out), *extra], None
    if tool == "hugo":
        return [tool_path("hugo") or "hugo", "--quiet", "-s", str(corpus.hugo), "-d", str(out)], None
    return [tool_path("pelican") or "pelican", "content", "-o", str(out), "-s", "pelicanconf.py", "-q"], corpus.pelican


def edited_seed(corpus: Corpus) -> Path:
    items = corpus.manifest["items"]
    return corpus.summitsite / items[len(items) // 2]["seed"]


@contextlib.contextmanager
def seed_restored(path: Path):
    original = path.read_bytes()
    try:
        yield original
    finally:
        path.write_bytes(original)


def append_sentence(path: Path, original: bytes, n: int, template: str = EDIT_SENTENCE, name: str = "") -> str:
    sentence = template.format(n=n, name=name)
    path.write_bytes(original + sentence.encode("utf-8") + b"\n")
    return sentence


def unnamed_entity(original: bytes) -> str:
    """The first of the generator's entities that the seed names nowhere (neither by name nor alias)."""
    text = original.decode("utf-8")
    return next(name for name, _kind, aliases, _description in generate.ENTITIES
                if not any(form in text for form in (name, *aliases)))


# ------------------------------------------------------------------------------------------------ serve


class ServeProbe:
    """Edit-to-reload timing against `summitsite serve`: start it, find its live-reload stream, edit, wait."""

    def __init__(self, corpus: Corpus, serve_help: str, timeout: float) -> None:
        self.corpus = corpus
        self.help = serve_help
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.events: queue.Queue = queue.Queue()
        self.base = ""
        self.startup = 0.0
        self.peak_rss_kb = 0

    def start(self) -> None:
        cmd = [tool_path("summitsite") or "summitsite", "serve", "--source", str(self.corpus.summitsite),
               "--port", "0"]
        if "--output" in self.help:
            cmd += ["--output", str(self.corpus.out("summitsite-serve"))]
        if "--host" in self.help:
            cmd += ["--host", "127.0.0.1"]
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, text=True, bufsize=1)
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        try:
            first = self.lines.get(timeout=self.timeout)
        except queue.Empty:
            raise RuntimeError(f"no output from `summitsite serve` in {self.timeout:.0f} s") from None
        self.startup = time.perf_counter() - started
        match = re.search(r"https?://[^\s'\"<>]+", first or "")
        if not match:
            raise RuntimeError(f"no URL in the first line of `summitsite serve`: {first!r}")
        self.base = match.group(0).rstrip(".,;)")
        if not self.base.endswith("/"):
            self.base += "/"

    @staticmethod
    def _pump(stream, into: queue.Queue) -> None:
        for line in stream:
            into.put(line)
        into.put(None)

    def get(self, url: str) -> tuple[int, str]:
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        try:
            conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def find_event_source(self, page_url: str) -> str:
        """The EventSource URL of the live-reload script, inline in the page or in one of its scripts."""
        pattern = re.compile(r"EventSource\(\s*(['\"`])([^'\"`$]+)\1")
        _, html = self.get(page_url)
        match = pattern.search(html)
        if match:
            return urllib.parse.urljoin(page_url, match.group(2))
        for src in re.findall(r"<script[^>]+src=['\"]([^'\"]+)['\"]", html):
            script_url = urllib.parse.urljoin(page_url, src)
            status, script = self.get(script_url)
            match = pattern.search(script) if status == 200 else None
            if match:
                return urllib.parse.urljoin(script_url, match.group(2))
        raise RuntimeError("no EventSource URL in the served page or its scripts")

    def listen(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=None)
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers={"Accept": "text/event-stream", "Cache-Control": "no-cache"})
        resp = conn.getresponse()
        if resp.status != 200:
            raise RuntimeError(f"live-reload stream {url}: HTTP {resp.status}")

        def read() -> None:
            try:
                for raw in resp:
                    self.events.put((time.perf_counter(), raw.decode("utf-8", "replace").strip()))
            except OSError:
                pass
            self.events.put((time.perf_counter(), None))

        threading.Thread(target=read, daemon=True).start()

    def wait_for_reload(self, since: float) -> float:
        deadline = time.perf_counter() + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise RuntimeError(f"no reload event within {self.timeout:.0f} s of the edit")
            try:
                when, line = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError("the live-reload stream closed")
            if "reload" in line and when >= since:
                return when - since

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is not None:
            return
        # os.kill, not Popen.send_signal: that polls first, and a poll reaps the process, and its rusage with it.
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGINT)
        try:
            _, status, usage = _wait4_with_timeout(self.proc, 15)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(self.proc.pid, 0)
        self.peak_rss_kb = usage.ru_maxrss
        self.proc.returncode = os.waitstatus_to_exitcode(status)


def _wait4_with_timeout(proc: subprocess.Popen, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return pid, status, usage
        time.sleep(0.05)
    raise TimeoutError


def summitsite_slug(title: str) -> str:
    try:
        from summitsite.slugs import make_slug
    except ImportError:
        return generate.slugify(title)
    return make_slug(title, fallback="article")


def measure_serve(corpus: Corpus, serve_help: str, repeats: int, timeout: float) -> dict:
    """{"reload": [s...], "page": [s...], "startup": s, "peak_rss_kb": KB} or {"error": why}."""
    probe = ServeProbe(corpus, serve_help, timeout)
    seed = edited_seed(corpus)
    item = corpus.manifest["items"][len(corpus.manifest["items"]) // 2]
    slug = summitsite_slug(item["title"])
    reloads, pages = [], []
    try:
        with seed_restored(seed) as original:
            probe.start()
            page_url = urllib.parse.urljoin(probe.base, f"articles/{slug}/")
            status, _ = probe.get(page_url)
            if status == 404:
                page_url += "index.html"
            probe.listen(probe.find_event_source(page_url))
            time.sleep(0.5)  # let the stream settle; events from before the edit are ignored anyway
            for n in range(1, repeats + 1):
                sentence = append_sentence(seed, original, 1000 + n)
                edited = time.perf_counter()
                reloaded = edited + probe.wait_for_reload(edited)
                status, html = probe.get(page_url)
                # A reload can come from the build of the edit before, ending after this edit was saved (it
                # shows the page as it was): the reader then sees this edit at the next reload. Up to the
                # probe's timeout, and never when the page answers anything but 200.
                while status == 200 and sentence.split(":")[0] not in html:
                    reloaded += probe.wait_for_reload(reloaded)
                    status, html = probe.get(page_url)
                if status != 200:
                    raise RuntimeError(f"after the reload event, {page_url} gave HTTP {status}")
                reloads.append(reloaded - edited)
                pages.append(time.perf_counter() - edited)
                time.sleep(0.3)
    except (RuntimeError, OSError, http.client.HTTPException) as exc:
        return {"error": str(exc), "reload": reloads, "page": pages}
    finally:
        probe.stop()
    return {"reload": reloads, "page": pages, "startup": probe.startup, "peak_rss_kb": probe.peak_rss_kb,
            "url": probe.base}


# ------------------------------------------------------------------------------------------------ the run


def run_size(corpus: Corpus, tools: list[str], repeats: int, extras: bool, no_search: bool,
             serve_help: str | None, timeout: float) -> dict[str, list[Sample] | dict | str]:
    results: dict[str, list[Sample] | dict | str] = {}

    def record(key: str, sample: Sample) -> None:
        results.setdefault(key, []).append(sample)
        status = (f"{sample.seconds:.2f} s, {sample.cpu_seconds:.2f} s CPU, {sample.peak_rss_kb / 1024:.0f} MB"
                  if sample.ok else sample.error)
        print(f"  N={corpus.size} {key}: {status}", file=sys.stderr)

    seed = edited_seed(corpus)
    for round_ in range(1, repeats + 1):
        for tool in tools:
            clean(tool, corpus)
            cmd, cwd = build_command(tool, corpus)
            record(f"{tool}/clean", measure(cmd, cwd, timeout))
            if tool != "summitsite" or not extras:
                continue
            record("summitsite/no-change", measure(cmd, cwd, timeout))
            with seed_restored(seed) as original:
                append_sentence(seed, original, round_)
                record("summitsite/one-edit", measure(cmd, cwd, timeout))
                append_sentence(seed, original, round_, ENTITY_EDIT_SENTENCE, unnamed_entity(original))
                record("summitsite/entity-edit", measure(cmd, cwd, timeout))
            if no_search:
                clean(tool, corpus)
                cmd_ns, _ = build_command(tool, corpus, ("--no-search",))
                record("summitsite/clean-no-search", measure(cmd_ns, cwd, timeout))
    if "summitsite" in tools and extras:
        if serve_help is None:
            results["summitsite/serve"] = "n/a"
        else:
            serve = measure_serve(corpus, serve_help, repeats, timeout)
            results["summitsite/serve"] = serve
            print(f"  N={corpus.size} summitsite/serve: {serve}", file=sys.stderr)
    return results


def median_of(samples: list[Sample], attr: str) -> float | None:
    values = [getattr(s, attr) for s in samples if s.ok]
    return statistics.median(values) if values else None


def table(size: int, repeats: int, results: dict, extras: bool, no_search: bool) -> str:
    rows = ["| tool | build | median s | articles/s | median CPU s | median peak RSS MB | compared | runs (s) |",
            "|---|---|---:|---:|---:|---:|---|---|"]
    hugo = median_of(results.get("hugo/clean", []), "seconds")
    ss_clean = median_of(results.get("summitsite/clean", []), "seconds")

    def row(tool: str, label: str, key: str, compare: str = "") -> None:
        samples = results.get(key)
        if not samples:
            return
        failed = [s for s in samples if not s.ok]
        secs = median_of(samples, "seconds")
        if secs is None:
            rows.append(f"| {tool} | {label} | failed | | | | {failed[0].error} | |")
            return
        rss = median_of(samples, "peak_rss_kb") / 1024
        cpu = median_of(samples, "cpu_seconds")
        note = ""
        if compare == "hugo" and hugo:
            note = f"{secs / hugo:.2f}x Hugo"
        elif compare == "clean" and ss_clean:
            note = f"{100 * secs / ss_clean:.0f}% of clean"
        if failed:
            note += f" ({len(failed)} failed: {failed[0].error})"
        runs = ", ".join(f"{s.seconds:.2f}" if s.ok else "fail" for s in samples)
        rows.append(f"| {tool} | {label} | {secs:.2f} | {size / secs:.0f} | {cpu:.2f} | {rss:.0f} | {note} | {runs} |")

    row("summitsite", "clean", "summitsite/clean", "hugo")
    if extras and "summitsite/clean" in results:
        row("summitsite", "no-change rebuild", "summitsite/no-change", "clean")
        row("summitsite", "one-seed-edit rebuild", "summitsite/one-edit", "clean")
        row("summitsite", "one-seed edit naming a new entity", "summitsite/entity-edit", "clean")
        if no_search:
            row("summitsite", "clean, --no-search", "summitsite/clean-no-search", "hugo")
        else:
            rows.append("| summitsite | clean, --no-search | n/a | | | | `build --help` has no --no-search | |")
        serve = results.get("summitsite/serve")
        if serve == "n/a" or serve is None:
            rows.append("| summitsite | serve: edit → reload event | n/a | | | | no `summitsite serve` | |")
            rows.append("| summitsite | serve: edit → page with the edit | n/a | | | | | |")
        elif serve.get("error") and not serve.get("reload"):
            rows.append(f"| summitsite | serve: edit → reload event | failed | | | | {serve['error']} | |")
        else:
            kb = serve.get("peak_rss_kb") or 0
            rss = f"{kb / 1024:.0f}" if kb else "n/a"  # 0: the server was gone before it could be measured
            for label, key in (("serve: edit → reload event", "reload"), ("serve: edit → page with the edit", "page")):
                values = serve.get(key) or []
                if values:
                    note = f"server start {serve.get('startup', 0):.2f} s" if key == "reload" else ""
                    if serve.get("error"):
                        note += f" (stopped early: {serve['error']})"
                    rows.append(f"| summitsite | {label} | {statistics.median(values):.2f} | | | {rss} | {note} | "
                                + ", ".join(f"{v:.2f}" for v in values) + " |")
    row("hugo", "clean", "hugo/clean")
    row("pelican", "clean", "pelican/clean", "hugo")
    return f"### N = {size} articles, {repeats} round{'s' if repeats != 1 else ''}\n\n" + "\n".join(rows) + "\n"


def machine() -> dict:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_count": os.cpu_count(), "cpu_model": model, "memory": mem, "platform": platform.platform(),
        "python": platform.python_version(),
        "summitsite": version_of([tool_path("summitsite") or "summitsite", "--version"]),
        "hugo": version_of([tool_path("hugo") or "hugo", "version"]),
        "pelican": version_of([tool_path("pelican") or "pelican", "--version"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated corpus sizes (default: 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds per size (default: 5)")
    parser.add_argument("--large-repeats", type=int, default=1,
                        help=f"rounds for sizes of {LARGE:,} and more (default: 1)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ", ".join(TOOLS))
    parser.add_argument("--no-extras", action="store_true",
                        help="only clean builds (no summitsite rebuild, --no-search or serve measurements)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "summitsite-bench",
                        help="where corpora and outputs go (default: %(default)s)")
    parser.add_argument("--reuse", action="store_true", help="reuse a corpus already generated in --work")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a build is killed")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the raw numbers here")
    args = parser.parse_args(argv)

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or not sizes or min(sizes) < 1:
        parser.error(f"bad --tools or --sizes: {unknown or sizes}")
    missing = [t for t in tools if tool_path(t) is None]
    if missing:
        parser.error(f"not installed: {', '.join(missing)}")
    extras = not args.no_extras
    compiled = [tool for tool in tools if compile_bytecode(tool)]
    ss = tool_path("summitsite") or "summitsite"
    build_help = (help_text([ss, "build"]) or "") if "summitsite" in tools else ""
    no_search = "--no-search" in build_help
    serve_help = help_text([ss, "serve"]) if "summitsite" in tools and extras else None

    command = shlex.join([Path(sys.executable).name, *sys.argv]) if argv is None else shlex.join(argv)
    info = machine()
    report: dict = {"command": command, "machine": info, "bytecode compiled": compiled, "sizes": {}}
    tables = []
    for size in sizes:
        corpus = prepare(size, args.work, args.reuse)
        repeats = args.large_repeats if size >= LARGE else args.repeats
        results = run_size(corpus, tools, repeats, extras, no_search, serve_help, args.timeout)
        tables.append(table(size, repeats, results, extras, no_search))
        report["sizes"][str(size)] = {
            "repeats": repeats, "corpus": str(corpus.root),
            "words_per_article": statistics.mean(i["words"] for i in corpus.manifest["items"]),
            "results": {k: ([asdict(s) for s in v] if isinstance(v, list) else v) for k, v in results.items()},
        }
        if args.json:  # after every size, so a long run leaves its numbers even if interrupted later
            args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")

    print("## Build benchmark: summitsite vs Hugo vs Pelican\n")
    print(f"Command: `{command}`\n")
    print(f"Machine: {info['nproc']} CPUs available ({info['cpu_model']}), {info['memory']} RAM, "
          f"{info['platform']}; Python {info['python']}; {info['summitsite']}; {info['hugo']}; "
          f"pelican {info['pelican']}\n")
    print("Medians over the rounds. CPU s is the child's user + system time and peak RSS its own maximum resident "
          "set, both from os.wait4; Hugo uses several cores, so its CPU time can exceed its wall time.\n")
    print("\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
