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
from summitsite.config import load_config
from summitsite.errors import SummitError, error
from summitsite.loader import load_seed
from summitsite.model import Diagnostic
from summitsite.outline import article_json, article_outline


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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "serve":
            return _serve(args)
        return _inspect(args)
    except SummitError as exc:
        _print_diagnostics(exc.diagnostics, getattr(args, "source", None))
        return 1
    except KeyboardInterrupt:
        print("summitsite: interrupted; the output folder was left as it was", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"{exc.filename or 'summitsite'}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def _build(args: argparse.Namespace) -> int:
    source: Path = args.source
    if not source.is_dir():
        raise error("not a folder", str(source), code="no-source")
    output = args.output if args.output is not None else source / "build"
    report = build(source, output, include_drafts=args.drafts)
    _print_diagnostics(report.warnings, source)
    print(report.summary(str(output)))
    return 0


def _serve(args: argparse.Namespace) -> int:
    source: Path = args.source
    if not source.is_dir():
        raise error("not a folder", str(source), code="no-source")
    # Imported here: the server pulls in watchfiles and http.server, which `build` does not need.
    from summitsite.server import serve

    return serve(source, args.host, args.port, open_browser=args.open, include_drafts=args.drafts)


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
    article = load_seed(path, root, load_config(root))
    if args.json:
        json.dump(article_json(article), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(article_outline(article))
    return 0


def _print_diagnostics(diagnostics: Iterable[Diagnostic], source: Path | None) -> None:
    """One line per problem. Paths in diagnostics are relative to the site folder; show them from here."""
    prefix = ""
    if source is not None and source.resolve() != Path.cwd().resolve():
        prefix = os.path.relpath(source) + os.sep
    for diagnostic in diagnostics:
        if diagnostic.path and not Path(diagnostic.path).is_absolute():
            diagnostic = Diagnostic(diagnostic.severity, diagnostic.code, diagnostic.message,
                                    prefix + diagnostic.path, diagnostic.line, diagnostic.column)
        print(diagnostic.format(), file=sys.stderr)
