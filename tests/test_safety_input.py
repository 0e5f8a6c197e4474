"""Safety: broken input is one clear line per problem and exit 1; unusual and large input builds, in linear time.

The full-size inputs (a 50 MB seed, 100,000 lines, a 2 MB line) run with SUMMITSITE_BIG_INPUT=1; the default
run builds smaller versions and checks that the time grows linearly with the size.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from summitsite.builder import render_files
from summitsite.cli import main
from summitsite.config import SiteConfig
from summitsite.errors import SummitError
from summitsite.loader import load_seeds

SEED = "Harbour Talks Resume\nThe two sides met again on Monday to talk about the harbour and its future.\n"
PARA = "The delegation met again on Monday, and the talks about the harbour went on late into the night."
BIG = os.environ.get("SUMMITSITE_BIG_INPUT") == "1"


def build_errors(site: Path, capsys) -> list[str]:
    code = main(["build", "--source", str(site), "--no-search"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 1, err
    return err.splitlines()


# --- invalid YAML in each of the four YAML files: file:line:column, lines counted in the whole file ---------

@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["plain", "bom"])
def test_invalid_yaml_names_file_line_and_column_in_all_four_files(make_site, capsys, newline: str, bom: str) -> None:
    def text(*lines: str) -> bytes:
        return (bom + newline.join(lines) + newline).encode("utf-8")

    site = make_site({
        "seeds/a.txt": SEED,
        "seeds/a.yml": text("title: Fine", "author: A", "tags: [x, y", "summary: z: w"),
        "content/about.md": text("---", "title: About", "summary: {", "---", "Body."),
        "content/entities.yml": text("- name: X", "  kind: person", "  description: a: b: c"),
        "summitsite.yml": text("title: T", "description: D", "", "language: 'en"),
    })
    lines = build_errors(site, capsys)
    shown = {line.split(":", 1)[0].removeprefix(str(site) + "/"): line for line in lines}
    assert len(lines) == 4, lines
    for line in lines:
        assert re.match(r"^\S+:\d+:\d+: invalid YAML: ", line.removeprefix(str(site) + "/")), line
    positions = {path.rsplit("/", 1)[-1]: tuple(int(n) for n in line.split(":")[1:3]) for path, line in shown.items()}
    # The line is where PyYAML found the problem, counted in the whole file (front matter: after its ---).
    assert positions["a.yml"][0] in (3, 4)
    assert positions["about.md"][0] in (3, 4)
    assert positions["entities.yml"] == (3, 17)
    assert positions["summitsite.yml"][0] in (4, 5)


def test_a_control_character_in_yaml_is_one_line_with_its_position(make_site, capsys) -> None:
    site = make_site({"seeds/a.txt": SEED, "summitsite.yml": "title: ok\ndescription: a\x01b\n",
                      "content/entities.yml": "- name: X\n  kind: person\n  description: \x07\n"})
    lines = build_errors(site, capsys)
    assert lines == [
        f"{site}/summitsite.yml:2:15: invalid YAML: the control character U+0001 is not allowed here; remove it",
        f"{site}/content/entities.yml:3:16: invalid YAML: the control character U+0007 is not allowed here; remove it",
    ]


def test_unknown_config_keys_and_wrong_types_are_each_one_line(make_site, capsys) -> None:
    site = make_site({"seeds/a.txt": SEED,
                      "summitsite.yml": "title: [a]\ncolour: red\nnormalise: maybe\nallow_html: 1\nbase_url: ftp://x/\n"})
    lines = [line.removeprefix(f"{site}/") for line in build_errors(site, capsys)]
    assert lines == [
        "summitsite.yml:1: 'title' must be a string, not a list",
        "summitsite.yml:2: unknown setting 'colour' (known settings: allow_html, base_url, boilerplate, callouts, "
        "description, feed_items, language, normalise, search, title)",
        "summitsite.yml:3: 'normalise' must be true or false, not 'maybe'",
        "summitsite.yml:4: 'allow_html' must be true or false, not '1'",
        "summitsite.yml:5: 'base_url' must be an absolute http(s) URL such as https://example.org/news/, not 'ftp://x/'",
    ]


# --- seeds that are not text --------------------------------------------------------------------------------

@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_a_seed_that_is_not_utf8_names_file_line_byte_and_a_hint(make_site, capsys, newline: bytes) -> None:
    data = newline.join([b"Title line", b"second line", b"caf\xe9 au lait", b"end"])
    site = make_site({"seeds/a.txt": data})
    offset = data.index(b"\xe9")
    lines = build_errors(site, capsys)
    assert lines == [f"{site}/seeds/a.txt:3: not valid UTF-8 (byte {offset}: 0xe9); save the file as UTF-8, for "
                     f"example with: iconv -f cp1252 -t utf-8"]


def test_binary_folder_and_broken_link_seeds_are_one_line_each(make_site, capsys, tmp_path: Path) -> None:
    site = make_site({"seeds/a.txt": SEED, "seeds/b.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    (site / "seeds" / "c.txt").mkdir()
    (site / "seeds" / "d.txt").symlink_to(tmp_path / "gone.txt")
    lines = [line.removeprefix(f"{site}/") for line in build_errors(site, capsys)]
    assert lines == [
        "seeds/c.txt: a folder, not a text file; rename or move it",
        f"seeds/d.txt: a symbolic link to {tmp_path / 'gone.txt'}, which does not exist; fix or remove the link",
    ]
    # Once the folder and the link are gone, the binary file is reported.
    (site / "seeds" / "c.txt").rmdir()
    (site / "seeds" / "d.txt").unlink()
    lines = [line.removeprefix(f"{site}/") for line in build_errors(site, capsys)]
    assert lines == ["seeds/b.txt: this is a binary file, not a text article; remove it from the folder"]


def test_nul_after_the_binary_sniff_and_other_controls_are_removed_with_a_warning(make_site) -> None:
    text = "Harbour Talks Resume\n" + "Plain line of text.\n" * 600 + "Bad \x00 and \x1b[31m escape\x7f here.\n"
    site = make_site({"seeds/a.txt": text})
    result = render_files(site, search=False)
    warning = next(w for w in result.warnings if w.code == "control-characters")
    assert (warning.path, warning.line) == ("seeds/a.txt", 602) and "3 control characters removed" in warning.message
    page = result.files["articles/harbour-talks-resume/index.html"].decode()
    assert "Bad  and [31m escape here." in page


# --- accepted: BOM, CRLF, CR; an empty seed is skipped with a warning ------------------------------------

TOC_SEED = ["Harbour Talks Resume In The North", "The lede says what happened at the harbour on Monday night.",
            "Table of Contents", "- Background", "- A Section That Does Not Exist", "Background",
            "The background paragraph is long enough to be a paragraph of prose about the harbour talks."]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["plain", "bom"])
def test_bom_and_any_line_ending_give_the_same_site_and_line_numbers(make_site, newline: str, bom: str) -> None:
    site = make_site({"seeds/a.txt": (bom + newline.join(TOC_SEED) + newline).encode("utf-8")})
    result = render_files(site, search=False)
    assert [a.title for a in result.site.articles] == ["Harbour Talks Resume In The North"]
    toc_warnings = [(w.path, w.line) for w in result.warnings if w.line is not None]
    assert toc_warnings == [("seeds/a.txt", 5)]
    page = result.files["articles/harbour-talks-resume-in-the-north/index.html"].decode()
    assert "\ufeff" not in page and "\r" not in page


def test_an_empty_seed_is_skipped_with_a_warning(make_site, capsys) -> None:
    site = make_site({"seeds/a.txt": SEED, "seeds/empty.txt": "", "seeds/blank.txt": "\ufeff \r\n\t\n"})
    assert main(["build", "--source", str(site), "--no-search"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"{site}/seeds/empty.txt: warning: the file is empty; skipped" in err
    assert f"{site}/seeds/blank.txt: warning: the file is empty; skipped" in err


# --- slugs: non-Latin titles, duplicates -----------------------------------------------------------------

UNICODE_TITLES = {
    "zh": "习近平在北京会见普京和金正恩",
    "ru": "Путин и Ким Чен Ын прибыли в Пекин",
    "ko": "김정은 위원장 베이징 도착",
    "ar": "قمة بكين بين شي وبوتين وكيم",
}


def test_non_latin_titles_get_readable_unique_slugs_and_anchors(make_site) -> None:
    files = {}
    for lang, title in UNICODE_TITLES.items():
        body = "\n".join([title, f"{title}。 " * 5, "Общий обзор", "Текст " * 30, "Общий обзор", "Текст " * 30,
                          "概况", "文本" * 40, "概况!", "文本" * 40])
        files[f"seeds/{lang}.txt"] = body + "\n"
    files["seeds/dup.txt"] = UNICODE_TITLES["ru"] + "\nКороткий текст статьи о встрече в Пекине.\n"
    site = make_site(files)
    first = render_files(site, search=False)
    second = render_files(site, search=False)
    slugs = [a.slug for a in first.site.articles]
    assert slugs == [a.slug for a in second.site.articles]  # deterministic
    assert len(set(slugs)) == len(slugs) == 5
    assert "путин-и-ким-чен-ын-прибыли-в-пекин" in slugs and "путин-и-ким-чен-ын-прибыли-в-пекин-2" in slugs
    assert "习近平在北京会见普京和金正恩" in slugs and "김정은-위원장-베이징-도착" in slugs
    assert "قمة-بكين-بين-شي-وبوتين-وكيم" in slugs
    dup = [w for w in first.warnings if w.code == "duplicate-slug"]
    assert len(dup) == 1 and "путин-и-ким-чен-ын-прибыли-в-пекин" in dup[0].message
    for article in first.site.articles:
        anchors = [s.anchor for s in article.sections]
        assert len(anchors) == len(set(anchors)), anchors
        html = first.files[f"articles/{article.slug}/index.html"].decode()
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), article.slug
    assert first.files == second.files


def test_duplicate_titles_get_distinct_slugs_in_file_order_with_a_warning(make_site) -> None:
    site = make_site({f"seeds/{name}.txt": SEED for name in ("c", "a", "b")})
    result = render_files(site, search=False)
    assert [(a.source, a.slug) for a in result.site.articles] == [
        ("seeds/a.txt", "harbour-talks-resume"), ("seeds/b.txt", "harbour-talks-resume-2"),
        ("seeds/c.txt", "harbour-talks-resume-3")]
    assert [(w.path, w.code) for w in result.warnings] == [("seeds/b.txt", "duplicate-slug"),
                                                            ("seeds/c.txt", "duplicate-slug")]


# --- large input: builds, and the time grows linearly ------------------------------------------------------

def many_lines(n: int) -> str:
    out = ["Harbour Talks Resume In The North", "The lede says what happened at the harbour on Monday night."]
    for i in range(n):
        out.append(f"Section Number {i} Of The Story" if i % 10 == 0 else PARA)
    return "\n".join(out) + "\n"


def one_long_line(nbytes: int) -> str:
    return "Harbour Talks Resume In The North\n" + (PARA + " ") * (nbytes // (len(PARA) + 1)) + "\n"


def build_seconds(tmp_path: Path, name: str, text: str, repeats: int = 2) -> float:
    root = tmp_path / name
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / "a.txt").write_text(text, encoding="utf-8")
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        result = render_files(root, search=False)
        best = min(best, time.perf_counter() - started)
    assert len(result.site.articles) == 1
    return best


@pytest.mark.parametrize("make, small", [(many_lines, 800), (one_long_line, 100_000)], ids=["lines", "one-line"])
def test_build_time_grows_linearly_with_the_size_of_a_seed(tmp_path: Path, make, small: int) -> None:
    # Four times the input may take at most about four times as long (8x allows for noise; quadratic is 16x).
    base = build_seconds(tmp_path, "small", make(small))
    large = build_seconds(tmp_path, "large", make(small * 4))
    assert large / base < 8, (base, large)


@pytest.mark.skipif(not BIG, reason="full-size inputs run with SUMMITSITE_BIG_INPUT=1")
@pytest.mark.parametrize("name, make", [("100k-lines", lambda: many_lines(100_000)),
                                        ("2MB-line", lambda: one_long_line(2_000_000)),
                                        ("50MB", lambda: many_lines(50_000_000 // (len(PARA) + 1)))])
def test_full_size_inputs_build(tmp_path: Path, name: str, make) -> None:
    text = make()
    seconds = build_seconds(tmp_path, name, text, repeats=1)
    print(f"{name}: {len(text.encode()) / 1e6:.1f} MB built in {seconds:.1f} s")


def test_reduced_size_inputs_build(tmp_path: Path) -> None:
    # The default run's stand-ins for the full sizes: 10,000 lines (1 MB) and a single line of 500 kB.
    for name, text in (("lines", many_lines(10_000)), ("line", one_long_line(500_000))):
        root = tmp_path / name
        (root / "seeds").mkdir(parents=True)
        (root / "seeds" / "a.txt").write_text(text)
        result = render_files(root, search=False)
        assert len(result.site.articles) == 1


def test_load_seeds_reports_every_broken_file_at_once(make_site) -> None:
    site = make_site({"seeds/a.txt": b"\xff\xfe", "seeds/b.txt": b"\x00bin", "seeds/b.yml": "bogus: 1\n"})
    with pytest.raises(SummitError) as caught:
        load_seeds(site, SiteConfig())
    assert [(d.path, d.code) for d in caught.value.diagnostics] == [("seeds/a.txt", "not-utf8"),
                                                                   ("seeds/b.txt", "binary-file")]


@pytest.mark.parametrize("prefix", ["plain ascii ", "non-ascii \u00e9 "])
def test_every_control_character_is_found_on_the_fast_path_and_the_slow_one(prefix: str) -> None:
    from summitsite.controls import CONTROLS, strip_controls

    for cp in [*range(0x100), 0x2028, 0xFEFF]:
        text = f"{prefix}line one\nline {chr(cp)} two\r\n"
        expected_count = len(CONTROLS.findall(text))
        cleaned, count, line = strip_controls(text)
        assert count == expected_count, hex(cp)
        assert line == (2 if expected_count else None), hex(cp)
        assert not CONTROLS.search(cleaned)


def test_a_seed_changed_between_reading_and_parsing_is_one_line_asking_to_build_again(make_site, capsys,
                                                                                     monkeypatch) -> None:
    from summitsite import builder, loader

    site = make_site({"seeds/a.txt": SEED, "seeds/b.txt": SEED.replace("Harbour", "Ferry")})
    real = builder._CachedParser.__call__
    seen: list[loader.SeedJob] = []

    def edit_then_parse(self, jobs):
        seen.extend(jobs)
        (site / "seeds" / "b.txt").write_text(SEED + "A sentence written meanwhile.\n", encoding="utf-8")
        return real(self, jobs)

    monkeypatch.setattr(builder._CachedParser, "__call__", edit_then_parse)
    assert build_errors(site, capsys) == [
        f"{site}/seeds/b.txt: the file changed while the site was being built; build again"]
    # What the jobs keep of a seed is its path and a hash, never its text.
    assert [job.shown for job in seen] == ["seeds/a.txt", "seeds/b.txt"]
    assert all(not isinstance(value, str) or len(value) < 20 for job in seen
               for value in (getattr(job, name) for name in job.__slots__))
    monkeypatch.setattr(builder._CachedParser, "__call__", real)
    assert main(["build", "--source", str(site), "--no-search"]) == 0  # built again, it goes through
