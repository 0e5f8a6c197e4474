"""Shared fixtures: paths into the repository, a scratch-site factory, the benchmark's generated site and a
dev-server starter."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from summitsite.server import DevServer

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden snapshots from the current output (review the diff!)")


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write a scratch site from {relative path: text or bytes} and return its folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative POSIX path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


SCRATCH_CONFIG = "title: Scratch Watch\nlanguage: en\n"


@pytest.fixture
def scratch_site(tmp_path: Path) -> Path:
    """A small site in tmp_path: the repository's two seeds and a short summitsite.yml (the repo stays untouched)."""
    root = tmp_path / "site"
    (root / "seeds").mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        (root / "seeds" / seed.name).write_bytes(seed.read_bytes())
    (root / "summitsite.yml").write_text(SCRATCH_CONFIG, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def generated_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark generator's site (12 articles with sidecars, tags and dates, 40 entities), made once."""
    sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))
    import generate  # the benchmark's corpus generator, next to its runner

    root = tmp_path_factory.mktemp("corpus")
    generate.generate(12, root)
    return root / "summitsite"


@pytest.fixture
def generated_site(generated_corpus: Path, tmp_path: Path) -> Path:
    """A private copy of `generated_corpus`, without any build cache."""
    from summitsite.cache import CACHE_DIR

    root = tmp_path / "site"
    for path in generated_corpus.rglob("*"):
        if path.is_file() and CACHE_DIR not in path.parts:
            dest = root / path.relative_to(generated_corpus)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())
    return root


@pytest.fixture
def start(site: Path) -> Iterator[Callable[..., DevServer]]:
    """Start a DevServer on the requesting module's `site`, on a free port (no watcher unless asked: the tests
    call rebuild() themselves)."""
    servers: list[DevServer] = []

    def start_server(watch: bool = False, **options) -> DevServer:
        dev = DevServer(site, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO(), **options)
        servers.append(dev)
        dev.start(watch=watch)
        return dev

    yield start_server
    for dev in servers:
        dev.stop()
