"""The benchmark corpus generator (tests/benchmarks/generate.py): deterministic, and its articles parse as meant.

The benchmark itself (tests/benchmarks/run.py) is slow and stays out of the default run; this keeps its input
honest: if the loader stopped recovering the generated structure, the benchmark would measure something else.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import tree_bytes
from summitsite.config import SiteConfig
from summitsite.loader import load_seeds
from summitsite.model import Callout, FaqBlock, Table

GENERATOR = Path(__file__).resolve().parent / "benchmarks" / "generate.py"


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("benchmark_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_two_runs_are_byte_identical(generate, tmp_path: Path) -> None:
    generate.generate(3, tmp_path / "one")
    generate.generate(3, tmp_path / "two")
    one = tree_bytes(tmp_path / "one")
    assert one == tree_bytes(tmp_path / "two")
    assert sum(p.startswith("summitsite/seeds/") and p.endswith(".txt") for p in one) == 3
    assert sum(p.startswith("hugo/content/articles/") for p in one) == 3
    assert sum(p.startswith("pelican/content/") for p in one) == 3
    assert "summitsite/content/entities.yml" in one and "hugo/config.toml" in one and "pelican/pelicanconf.py" in one


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one(generate) -> None:
    small, large = generate.make_articles(2), generate.make_articles(4)
    assert [generate.seed_text(a) for a in small] == [generate.seed_text(a) for a in large[:2]]


def test_generated_seeds_parse_into_the_intended_structure(generate, tmp_path: Path) -> None:
    generate.generate(3, tmp_path)
    loaded = load_seeds(tmp_path / "summitsite", SiteConfig())
    assert loaded.diagnostics == ()
    assert len(loaded.articles) == 3
    for article in loaded.articles:
        assert article.diagnostics == (), article.source
        assert 9 <= len(article.sections) <= 13, [s.heading for s in article.sections]
        assert any(s.level == 3 for s in article.sections)
        assert article.toc and all(entry.anchor for entry in article.toc)
        blocks = list(article.iter_blocks())
        assert any(isinstance(b, Table) and b.header for b in blocks)
        assert any(isinstance(b, Callout) for b in blocks)
        faq = article.sections[-1]
        assert faq.heading == "Frequently Asked Questions"
        assert isinstance(faq.blocks[0], FaqBlock) and 4 <= len(faq.blocks[0].items) <= 5
        assert 2 <= len(article.meta.tags) <= 5 and article.meta.date is not None
        assert 1400 <= article.word_count <= 2200
        assert not article.truncated


def test_entities_file_lists_about_forty_entities(generate, tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    generate.generate(1, tmp_path)
    entities = yaml.safe_load((tmp_path / "summitsite" / "content" / "entities.yml").read_text(encoding="utf-8"))
    assert len(entities) == 40
    assert all(set(e) == {"name", "kind", "aliases", "description"} for e in entities)
    text = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "summitsite" / "seeds").glob("*.txt"))
    assert sum(e["name"] in text for e in entities) >= 5


def test_summitsite_builds_a_generated_site(generate, tmp_path: Path) -> None:
    generate.generate(5, tmp_path)
    result = subprocess.run([sys.executable, "-m", "summitsite", "build", "--source", str(tmp_path / "summitsite"),
                             "--output", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # No warning or error about the generated text; notes (e.g. "no sitemap without base_url") are fine.
    assert [line for line in result.stderr.splitlines() if not line.startswith("note: ")] == []
    assert len(list((tmp_path / "out" / "articles").glob("*/index.html"))) == 5


def _runner(monkeypatch: pytest.MonkeyPatch):
    """The benchmark runner, tests/benchmarks/run.py, imported as a module."""
    # Importing the runner puts its folder on sys.path for its own `import generate`; undone after the test.
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec = importlib.util.spec_from_file_location("benchmark_run", GENERATOR.with_name("run.py"))
    run = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, run)
    spec.loader.exec_module(run)
    return run


def test_the_runner_compiles_a_python_tools_bytecode_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _runner(monkeypatch)
    package = tmp_path / "fakepkg"
    package.mkdir()
    (package / "__init__.py").write_text("X = 1\n", encoding="utf-8")
    (package / "mod.py").write_text("Y = 2\n", encoding="utf-8")
    script = tmp_path / "faketool"
    script.write_text(f"#!{sys.executable}\nimport fakepkg\n", encoding="utf-8")
    monkeypatch.setattr(run, "tool_path", lambda name: str(script))
    monkeypatch.setattr(run, "PYTHON_TOOLS", {"faketool": "fakepkg"})
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert run.compile_bytecode("faketool")
    assert sorted(p.name.split(".")[0] for p in (package / "__pycache__").iterdir()) == ["__init__", "mod"]
    assert not run.compile_bytecode("hugo")  # not a Python tool


def test_the_runners_entity_edit_names_an_entity_the_seed_did_not_name(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    run = _runner(monkeypatch)
    seed = tmp_path / "seed.txt"
    original = "Title\n" + "".join(f"{name} and {' '.join(aliases)} met.\n" for name, _, aliases, _ in
                                   run.generate.ENTITIES[:3])
    name = run.unnamed_entity(original.encode("utf-8"))
    assert name == run.generate.ENTITIES[3][0]
    sentence = run.append_sentence(seed, original.encode("utf-8"), 2, run.ENTITY_EDIT_SENTENCE, name)
    assert name in sentence and seed.read_text(encoding="utf-8") == original + sentence + "\n"
