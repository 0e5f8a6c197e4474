"""The command line: exit codes 0/1/2, one `path:line: message` line per problem, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SEEDS, tree_bytes
from summitsite import __version__
from summitsite.cli import main

SEED = (SEEDS / "004_9cfca1364c81efc9.txt").read_text(encoding="utf-8")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "summitsite", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_version_and_help() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"summitsite {__version__}"
    for command in ([], ["build"], ["inspect"]):
        result = run(*command, "--help")
        assert result.returncode == 0
        assert "usage: summitsite" in result.stdout


def test_wrong_usage_exits_2() -> None:
    assert run().returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("build", "--no-such-flag").returncode == 2


def test_build_prints_one_summary_line(make_site, capsys) -> None:
    site = make_site({"seeds/a.txt": SEED})
    assert main(["build", "--source", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("Built 1 article into ")
    assert (site / "build" / "index.html").is_file()


def test_build_reports_every_problem_one_line_each_with_exit_1(make_site) -> None:
    site = make_site({"seeds/a.txt": SEED, "seeds/b.txt": b"caf\xe9\n", "summitsite.yml": "title: A\nbogus: 1\n"})
    result = run("build", "--source", str(site), cwd=site.parent)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "site/summitsite.yml:2: unknown setting 'bogus' (known settings: allow_html, base_url, boilerplate, callouts, "
        "description, feed_items, language, normalise, search, title)",
        "site/seeds/b.txt:1: not valid UTF-8 (byte 3: 0xe9); save the file as UTF-8, for example with: "
        "iconv -f cp1252 -t utf-8",
    ]
    assert not (site / "build").exists()


def test_every_seed_problem_is_reported_from_inside_the_site(make_site) -> None:
    site = make_site({"seeds/a.txt": SEED, "seeds/b.txt": b"ok\ncaf\xe9\n", "seeds/c.txt": b"\x00\x01binary"})
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "seeds/b.txt:2: not valid UTF-8 (byte 6: 0xe9); save the file as UTF-8, for example with: "
        "iconv -f cp1252 -t utf-8",
        "seeds/c.txt: this is a binary file, not a text article; remove it from the folder",
    ]


def test_missing_or_empty_seeds_folder(make_site) -> None:
    site = make_site({"summitsite.yml": "title: A\n"})
    result = run("build", cwd=site)
    assert (result.returncode, result.stderr) == (
        1, "seeds/: folder not found; put the articles there, one .txt file each\n")
    (site / "seeds").mkdir()
    result = run("build", cwd=site)
    assert (result.returncode, result.stderr) == (1, "seeds/: no seed articles (*.txt files) found\n")


def test_source_that_is_not_a_folder(tmp_path) -> None:
    result = run("build", "--source", str(tmp_path / "nope"))
    assert result.returncode == 1 and result.stderr.strip().endswith("nope: not a folder")


def test_failed_build_leaves_previous_output_untouched(make_site) -> None:
    site = make_site({"seeds/a.txt": SEED})
    assert run("build", cwd=site).returncode == 0
    before = tree_bytes(site / "build")
    (site / "summitsite.yml").write_text("language: [en\n", encoding="utf-8")
    result = run("build", cwd=site)
    assert result.returncode == 1 and result.stderr.startswith("summitsite.yml:2:1: invalid YAML")
    assert tree_bytes(site / "build") == before


def test_template_error_names_the_template_and_line(make_site) -> None:
    site = make_site({"seeds/a.txt": SEED, "templates/article.html": "{% extends 'summitsite/article.html' %}\n"
                      "{% block article_footer %}\n{{ article.no_such_field.x }}\n{% endblock %}\n"})
    result = run("build", cwd=site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("templates/article.html:3: template error:")
    assert not (site / "build").exists()


def test_the_command_flushes_its_output_before_its_quick_exit(make_site) -> None:
    # `run` ends the process with os._exit, which skips Python's own flushing of a piped stdout (the test
    # above shows stderr's problem lines arriving the same way).
    site = make_site({"seeds/a.txt": SEED})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as on most machines
    result = subprocess.run([sys.executable, "-m", "summitsite", "build", "--source", str(site)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("Built 1 article into ")
    assert result.stdout.count("\n") == 1 and (site / "build" / "index.html").is_file()


def test_inspect_json_contract() -> None:
    result = run("inspect", "seeds/000_8ff8c52c8ba23b97.txt", "--json", cwd=REPO)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["source"] == "seeds/000_8ff8c52c8ba23b97.txt"
    for key, kind in [("title", str), ("slug", str), ("lede", str), ("sections", list), ("toc", list),
                      ("faqs", list), ("tables", list), ("callouts", list), ("truncated", bool),
                      ("removed", list), ("warnings", list)]:
        assert isinstance(data[key], kind), key
    section = data["sections"][2]
    assert set(section) >= {"heading", "level", "anchor", "line", "blocks"}
    types = [b["type"] for b in section["blocks"]]
    assert types == ["paragraph", "paragraph", "callout", "table", "callout"]
    table = section["blocks"][3]
    assert table["header"] == ["Country", "Key interest", "Strategic Alignment"]
    assert data["tables"] == [table]
    assert [c["kind"] for c in data["callouts"]] == ["did-you-know", "tip"]
    faq_block = data["sections"][4]["blocks"][0]
    assert faq_block["type"] == "faq" and data["faqs"] == faq_block["items"]
    assert all(set(f) >= {"question", "answer", "anchor"} for f in data["faqs"])
    assert data["removed"][-1]["kind"] == "boilerplate"
    assert {w["code"] for w in data["warnings"]} == {"toc-entry-missing", "truncated"}
    assert all(set(t) == {"heading", "level", "anchor", "line"} for t in data["toc"])


def test_inspect_outline_is_readable() -> None:
    result = run("inspect", "seeds/004_9cfca1364c81efc9.txt", cwd=REPO)
    assert result.returncode == 0
    assert "  title: Xi, Putin, Kim Meeting In Beijing: What's On The Agenda?" in result.stdout
    assert "    ### 1. Ukraine and Russia's Ongoing Conflict  (#ukraine-and-russias-ongoing-conflict, line 5)" \
        in result.stdout


def test_inspect_missing_file() -> None:
    result = run("inspect", "no/such.txt")
    assert (result.returncode, result.stderr) == (1, "no/such.txt: no such file\n")


@pytest.mark.parametrize("args", [["build", "--help"], ["--version"]])
def test_console_script_and_module_agree(args: list[str]) -> None:
    script = Path(sys.executable).with_name("summitsite")
    if not script.exists():
        pytest.skip("console script not installed in this environment (run the README's test command)")
    assert subprocess.run([str(script), *args], capture_output=True, text=True).stdout == run(*args).stdout


def test_the_program_starts_without_the_process_pool_machinery() -> None:
    # A rebuild after an edit runs in-process; multiprocessing is imported only by a build that forks.
    code = "import sys, summitsite.cli, summitsite.builder; print('multiprocessing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
