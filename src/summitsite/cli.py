"""The command line: parses arguments, calls the pipeline, prints diagnostics. No logic of its own.

Exit status: 0 success, 1 a problem with the input (one `path:line: message` line per problem, no
traceback), 2 wrong usage (argparse), 130 interrupted. `serve` ends with 0 on Ctrl-C, its normal way to stop,
and 1 when it cannot listen.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from summitsite import __version__
from summitsite.builder import build
from summitsite.cache import clear_cache
from summitsite.check import CheckReport, check_project
from summitsite.config import load_config
from summitsite.entities import known_names, load_entities
from summitsite.errors import SummitError, error
from summitsite.loader import load_seed
from summitsite.model import Diagnostic
from summitsite.outline import article_json, article_outline
from summitsite.write import check_output_location, clean_leftovers


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summitsite",
        description="Turn a folder of extracted news articles into a cross-linked static website.")
    parser.add_argument("--version", action="version", version=f"summitsite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build_cmd = commands.add_parser("build", help="build the site into an output folder",
                                    description="Build the site: load seeds/ and content/, render, and write the "
                                                "output folder atomically (a failed build leaves it untouched).")
    build_cmd.add_argument("--source", type=Path, default=Path("."), metavar="DIR",
                           help="the site folder (default: the current folder)")
    build_cmd.add_argument("--output", type=Path, metavar="DIR", help="where to write the site (default: DIR/build)")
    build_cmd.add_argument("--drafts", action="store_true", help="include articles and pages marked draft")
    build_cmd.add_argument("--clean", action="store_true",
                           help="first delete the build cache (DIR/.summitsite-cache) and the temporary "
                                ".build.tmp-*/.build.old-* folders an interrupted build left next to the output "
                                "folder (the build itself always drops stale files)")
    _add_site_options(build_cmd)

    check_cmd = commands.add_parser("check", help="build the site and report every problem found",
                                    description="Build the site (or, with --no-build, read an existing output "
                                                "folder) and report broken links and anchors, HTML that does not "
                                                "parse, the loader's warnings and its normalisations of the text. "
                                                "Exit status 1 on errors (and, with --strict, on warnings).")
    check_cmd.add_argument("--source", type=Path, default=Path("."), metavar="DIR",
                           help="the site folder (default: the current folder)")
    check_cmd.add_argument("--output", type=Path, metavar="DIR", help="the output folder (default: DIR/build)")
    check_cmd.add_argument("--drafts", action="store_true", help="include articles and pages marked draft")
    check_cmd.add_argument("--no-build", action="store_true",
                           help="check the output folder as it is instead of building it first")
    check_cmd.add_argument("--strict", action="store_true", help="fail (exit status 1) on warnings too")
    check_cmd.add_argument("--format", choices=("text", "json"), default="text",
                           help="text: one 'path:line: message' line per finding (default); json: one object "
                                "with 'errors', 'warnings' and 'normalisations'")
    _add_site_options(check_cmd)

    serve_cmd = commands.add_parser("serve", help="preview the site, rebuilt and reloaded on every change",
                                    description="Build the site in memory (never into build/) and serve it; "
                                                "pages reload by themselves when seeds, content, templates, "
                                                "static files or summitsite.yml change, and show build errors "
                                                "in an overlay. Ctrl-C stops it.")
    serve_cmd.add_argument("--source", type=Path, default=Path("."), metavar="DIR",
                           help="the site folder (default: the current folder)")
    serve_cmd.add_argument("--host", default="127.0.0.1",
                           help="the address to listen on (default: 127.0.0.1, this machine only)")
    serve_cmd.add_argument("--port", type=_port, default=8000, help="the port (default: 8000; 0 picks a free one)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve_cmd.add_argument("--drafts", action="store_true", help="include articles and pages marked draft")

    inspect_cmd = commands.add_parser("inspect", help="show the parsed model of one seed article",
                                      description="Parse one seed file and show what the loader recovered.")
    inspect_cmd.add_argument("file", type=Path, metavar="FILE", help="a seed .txt file")
    inspect_cmd.add_argument("--json", action="store_true", help="print the JSON contract instead of an outline")
    inspect_cmd.add_argument("--source", type=Path, default=None, metavar="DIR",
                             help="the site folder whose summitsite.yml applies (default: the current folder)")
    return parser


def _add_site_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--base-url", metavar="URL", default=None,
                     help="where the site will be published, e.g. https://example.org/news/ (overrides "
                          "base_url in summitsite.yml; an empty value clears it)")
    cmd.add_argument("--no-search", action="store_true", help="do not build the search index")
    cmd.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                     help="worker processes that parse and render (default: one per CPU; the output is the "
                          "same for any N)")
    cmd.add_argument("--no-cache", action="store_true",
                     help="neither read nor write the build cache (DIR/.summitsite-cache/)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "check":
            return _check(args)
        if args.command == "serve":
            return _serve(args)
        return _inspect(args)
    except SummitError as exc:
        if getattr(args, "format", "text") == "json":
            _print_json(CheckReport(exc.diagnostics, (), ()), getattr(args, "source", None))
        else:
            _print_diagnostics(exc.diagnostics, getattr(args, "source", None))
        return 1
    except KeyboardInterrupt:
        print("summitsite: interrupted; the output folder was left as it was", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"{exc.filename or 'summitsite'}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def run() -> None:
    """The `summitsite` command: `main`, then the end of the process without freeing each object in turn.

    After a build the process holds the whole analysed site, and a normal exit frees it object by object:
    at 1,000 articles that took longer than finding what a one-seed edit changed. Like mypy, the command
    flushes its output and ends at once; `main` itself returns as usual, for the tests and other callers.
    An exception from `main` (argparse's exit, a bug's traceback) still takes the normal way out.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _source(args: argparse.Namespace) -> Path:
    """The site folder of `--source`, which must exist."""
    if not args.source.is_dir():
        raise error("not a folder", str(args.source), code="no-source")
    return args.source


def _output(args: argparse.Namespace) -> Path:
    """The output folder: `--output`, or `build/` inside the site folder."""
    return args.output if args.output is not None else args.source / "build"


def _build(args: argparse.Namespace) -> int:
    source, output = _source(args), _output(args)
    if args.clean:
        check_output_location(source, output)
        for leftover in [*clean_leftovers(output), *clear_cache(source)]:
            print(f"removed {leftover}", file=sys.stderr)
    report = build(source, output, include_drafts=args.drafts, base_url=args.base_url,
                   search=False if args.no_search else None, jobs=args.jobs, use_cache=not args.no_cache)
    _print_diagnostics(report.warnings, source)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(report.summary(str(output)))
    return 0


def _check(args: argparse.Namespace) -> int:
    source, output = _source(args), _output(args)
    report = check_project(source, output, build_first=not args.no_build, include_drafts=args.drafts,
                           base_url=args.base_url, search=False if args.no_search else None, jobs=args.jobs,
                           use_cache=not args.no_cache)
    if args.format == "json":
        _print_json(report, source)
    else:
        out = sys.stdout
        for n in report.normalisations:
            # Information, not a warning: the text was repaired as configured (normalise: true).
            n = _shown(n, source)
            print(f"{n.path}:{n.line}: {n.message}", file=out)
        for n in report.suggestions:
            n = _shown(n, source)
            print(f"{n.path}:{n.line}: suggestion: {n.message}", file=out)
        for d in (*report.warnings, *report.errors):
            print(_shown(d, source).format(), file=out)
        verdict = "failed" if report.failed(args.strict) else "passed"
        print(f"check {verdict}: {_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}, "
              f"{_count(report.normalisations, 'normalisation')}, {_count(report.suggestions, 'suggestion')}",
              file=out)
    return 1 if report.failed(args.strict) else 0


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) != 1 else ''}"


def _print_json(report: CheckReport, source: Path | None) -> None:
    def items(diagnostics: Iterable[Diagnostic]) -> list[dict[str, object]]:
        return [{"path": d.path, "line": d.line, "code": d.code, "message": d.message}
                for d in (_shown(d, source) for d in diagnostics)]

    json.dump({"errors": items(report.errors), "warnings": items(report.warnings),
               "normalisations": items(report.normalisations), "suggestions": items(report.suggestions)},
              sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def _serve(args: argparse.Namespace) -> int:
    source = _source(args)
    # Imported here: the server pulls in watchfiles and http.server, which `build` does not need.
    from summitsite.server import serve

    return serve(source, args.host, args.port, open_browser=args.open, include_drafts=args.drafts)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of jobs (1 or more)")
    return jobs


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0 to 65535)")
    return port


def _inspect(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise error("no such file", str(path), code="no-file")
    root = args.source if args.source is not None else Path(".")
    # The same evidence as a build: the site's settings and its entity list's names.
    article = load_seed(path, root, load_config(root), known_names(load_entities(root)))
    if args.json:
        json.dump(article_json(article), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(article_outline(article))
    return 0


def _shown(diagnostic: Diagnostic, source: Path | None) -> Diagnostic:
    """Paths in diagnostics are relative to the site folder; show them from the current folder."""
    if source is None or not diagnostic.path or Path(diagnostic.path).is_absolute():
        return diagnostic
    if diagnostic.path.startswith("-"):
        return diagnostic  # an option (--base-url), not a file
    # normpath: an output folder outside the site folder shows as `../out/x.html` from the site, `out/x.html` here.
    shown = os.path.normpath(os.path.join(os.path.relpath(source), diagnostic.path))
    if shown == os.pardir or shown.startswith(os.pardir + os.sep):
        shown = os.path.normpath(os.path.join(source.resolve(), diagnostic.path))  # outside the current folder
    if diagnostic.path.endswith("/"):
        shown += os.sep
    return Diagnostic(diagnostic.severity, diagnostic.code, diagnostic.message, shown, diagnostic.line,
                      diagnostic.column)


def _print_diagnostics(diagnostics: Iterable[Diagnostic], source: Path | None) -> None:
    """One line per problem, to stderr."""
    for diagnostic in diagnostics:
        print(_shown(diagnostic, source).format(), file=sys.stderr)
