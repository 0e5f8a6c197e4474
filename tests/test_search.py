"""Tests for summitsite.search: records made from the model, the sharded index, and the search page's script.

The script (theme/static/search.js) cuts queries into words again, in JavaScript: it is run under node on the
same text as the Python tokenizer, and must agree word for word. Browser tests of the search page itself are
in test_site_browser.py; hostile input in the index is in test_safety_escaping.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import summitsite
from conftest import tree_bytes
from summitsite import builder, pool, search
from summitsite.builder import load_site, render_files
from summitsite.markdown import render_markdown_page
from summitsite.model import Article, Entity, Section

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "site"
SEARCH_JS = Path(summitsite.__file__).parent / "theme" / "static" / "search.js"
ALPHA = "articles/harbour-talks-open-in-lisbon/index.html"
HARBOUR = "articles/harbour-towns-rebuild-after-the-storm/index.html"


@pytest.fixture(scope="module")
def site():
    return load_site(FIXTURE)[0]


@pytest.fixture(scope="module")
def records(site) -> dict[str, search.Record]:
    """Every record of the fixture site, by its page's output path."""
    found = {}
    for item in search.documents(site):
        record = search.record_of(item)
        found[json.loads(record.doc)["url"].removeprefix("../")] = record
    return found


def weights(record: search.Record) -> dict[str, int]:
    return {word: int(weight) for chunk in record.terms for word, weight in
            (line.split(" ") for line in chunk.split("\n"))}


def page_words(*texts: str) -> set[str]:
    return {word for text in texts for word in search.tokens(text)}


# --- words ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("The Power of Siberia-2 pipeline, 2024.", ["the", "power", "of", "siberia", "2", "pipeline", "2024"]),
    ("Xi's  visit_to   U.S.", ["xi", "s", "visit", "to", "u", "s"]),
    ("Café naïve Ærø São Paulo", ["cafe", "naive", "ærø", "sao", "paulo"]),
    ("cafe\u0301 e\u0301clair", ["cafe", "eclair"]),  # decomposed accents
    ("ﬁne ＦＵＬＬ ½ Ⅻ ①", ["fine", "full", "12", "xii", "1"]),  # compatibility forms
    ("İstanbul ΟΔΟΣ Москва", ["istanbul", "οδος", "москва"]),
    ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),  # Devanagari's vowel signs are marks, and part of the word
    ("مُحَمَّد עִבְרִית", ["محمد", "עברית"]),  # Arabic vowel marks and Hebrew points are diacritics
    ("<script>alert(1)</script>", ["script", "alert", "1", "script"]),
    ("", []),
    ("— … “ ” ·", []),
])
def test_tokens_are_lower_case_words_without_diacritics(text: str, expected: list[str]) -> None:
    assert search.tokens(text) == expected


def test_a_long_run_is_cut_to_max_word_characters() -> None:
    assert search.tokens("w" * 3000) == ["w" * search.MAX_WORD]
    assert search.tokens("é" * 100) == ["e" * search.MAX_WORD]


def test_counting_and_listing_agree() -> None:
    text = "Σ ΑΣ_Β ΑΣ'Α Straße CAFÉ café cafe\u0301 " + "x" * 80 + " " + "y" * 70 + "é"
    counted = search._count(text)
    assert sorted(counted.elements()) == sorted(search.tokens(text))


# --- records: what is indexed, and what is not -------------------------------------------------------------

def test_article_record_holds_its_text_by_section(site, records) -> None:
    record = records[ALPHA]
    doc = json.loads(record.doc)
    article = next(a for a in site.articles if a.slug == "harbour-talks-open-in-lisbon")
    assert doc["url"] == "../" + ALPHA
    assert doc["title"] == "Harbour Talks Open in Lisbon"
    assert [s[:2] for s in doc["sections"]] == [["", ""], ["the-harbour-treaty", "The Harbour Treaty"],
                                                 ["trade-figures", "Trade Figures"],
                                                 ["frequently-asked-questions", "Frequently Asked Questions"]]
    texts = [s[2] for s in doc["sections"]]
    assert texts[0] == article.lede
    assert "Did You Know? The Harbour League was founded in 1990" in texts[1]
    assert "Norland 12 9" in texts[2] and "Pro Tip: Compare the figures" in texts[2]
    assert "Who is Anna Berg? Anna Berg is the premier of Norland" in texts[3]
    # Every word of the page's own text, and of the byline and tags (sidecar: 2 May 2024, Trade, Harbours).
    words = weights(record)
    assert set(words) == page_words(doc["title"], *(s[1] for s in doc["sections"]), *texts, "2 May 2024",
                                    "Trade", "Harbours")
    assert record.length == sum(w // 4 for w in words.values())
    # weight = 4 * count + 2 * in the title + 1 * in a heading
    assert words["lisbon"] == 4 * 3 + 2  # the title, the lede and the first section
    assert words["figures"] == 4 * 2 + 1  # a heading and the tip
    assert words["treaty"] & 3 == 1 and words["harbour"] & 3 == 3 and words["premier"] & 3 == 0


def test_what_is_not_the_articles_text_is_not_indexed(records) -> None:
    words = weights(records[HARBOUR])
    # The TOC (an entry without a section: "A Section That Was Cut"), the boilerplate the loader removed, the
    # permalinks, the boxes, the footer's source file and the pager are not the article's text.
    for word in ("cut", "comments", "contents", "permalink", "mentions", "related", "seeds", "txt", "previous"):
        assert word not in words, word
    assert "rebuild" in words and "storm" in words


def test_entity_record_is_only_its_header(records) -> None:
    for path, expected in [("entities/norland/index.html", "Norland country A northern country."),
                           ("entities/anna-berg/index.html", "Anna Berg person Premier of Norland. Berg")]:
        record = records[path]
        assert set(weights(record)) == page_words(expected), path
    doc = json.loads(records["entities/anna-berg/index.html"].doc)
    assert doc == {"url": "../entities/anna-berg/index.html", "title": "Anna Berg",
                   "sections": [["", "", "Premier of Norland.\nBerg"]]}


def test_content_page_record_follows_its_headings(records) -> None:
    doc = json.loads(records["about/index.html"].doc)
    assert doc["sections"] == [["", "", "A fixture site."],
                               ["terms", "Terms", "Entity\nA person, country, organisation or place.\n"
                                                  "Used by the golden tests."]]
    notes = weights(records["field-notes/index.html"])
    assert {"short", "notes", "harbour", "harbours", "3", "may", "2024"} <= set(notes)


def test_markdown_page_texts_leave_out_markup() -> None:
    body = ("Intro with <b>bold</b> and ![a harbour crane](x.png).\n\n# One\n\n<div class=\"x\">raw</div>\n\n"
            "```\ncode here\n```\n\n## Two &amp; more\n\n| a | b |\n|---|---|\n| c | d |\n")
    html, headings, texts = render_markdown_page(body, allow_html=True)
    assert [h.text for h in headings] == ["One", "Two & more"]
    assert texts == ("Intro with bold and a harbour crane.", "code here", "a\nb\nc\nd")
    assert "<div" in html  # allowed, and still not text


def test_unknown_documents_are_refused() -> None:
    with pytest.raises(TypeError):
        search.record_of("not a page")  # type: ignore[arg-type]


# --- the files ----------------------------------------------------------------------------------------

def read_index(files: dict[str, bytes]) -> tuple[dict, list[list], list[dict]]:
    meta = json.loads(files["search/data/meta.json"])
    shards = [json.loads(files[f"search/data/terms/{i}.json"]) for i in range(len(meta["shards"]))]
    docs = [json.loads(files[f"search/data/docs/{i}.json"]) for i in range(len(meta["lengths"]))]
    return meta, shards, docs


def test_index_files_invert_the_records(records) -> None:
    ordered = list(records.values())
    files = search.index_files(ordered, "en")
    assert list(files) == sorted(files) and all(path.startswith(search.INDEX_DIR + "/") for path in files)
    meta, shards, docs = read_index(files)
    assert set(files) == {"search/data/meta.json", *(f"search/data/terms/{i}.json" for i in range(len(shards))),
                          *(f"search/data/docs/{i}.json" for i in range(len(docs)))}
    assert meta["format"] == 1 and meta["stem"] is True and len(meta["build"]) == 16
    assert meta["lengths"] == [r.length for r in ordered]
    assert [files[f"search/data/docs/{i}.json"] for i in range(len(docs))] == [r.doc for r in ordered]
    # The shards hold exactly the records' words and weights.
    inverted: dict[int, dict[str, int]] = {}
    for shard in shards:
        for word, postings in shard:
            docs_of_word = postings[0::2]
            assert docs_of_word == sorted(set(docs_of_word))
            for doc, weight in zip(docs_of_word, postings[1::2], strict=True):
                inverted.setdefault(doc, {})[word] = weight
    assert inverted == {i: weights(r) for i, r in enumerate(ordered)}


def test_shards_are_cut_by_size_in_word_order(records, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SHARD_BYTES", 400)
    files = search.index_files(list(records.values()), "en")
    meta, shards, _ = read_index(files)
    assert len(shards) > 10
    words = [word for shard in shards for word, _ in shard]
    assert words == sorted(set(words))
    # A shard's first word is in the meta file, and every word lies between its shard's first and the next's.
    assert meta["shards"] == [shard[0][0] for shard in shards]
    for i, shard in enumerate(shards):
        size = len(files[f"search/data/terms/{i}.json"])
        assert size < 400 + max(len(json.dumps(entry)) for entry in shard) + 2
        if i + 1 < len(shards):
            assert shard[-1][0] < meta["shards"][i + 1]


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_postings_do_not_depend_on_how_many_documents_are_joined_at_once(records, batch: int,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ordered = list(records.values())
    assert len(ordered) > 2 * batch
    whole = search.index_files(ordered, "en")
    monkeypatch.setattr(search, "POSTINGS_BATCH", batch)
    assert search.index_files(ordered, "en") == whole


def test_placed_shards_are_the_shards_of_the_index_in_memory(records) -> None:
    ordered = list(records.values())
    whole = search.index_files(ordered, "en")
    placed: dict[str, bytes] = {}
    rest = search.index_files(ordered, "en", place=lambda path, data: placed.setdefault(path, data))
    assert placed and all(path.startswith("search/data/terms/") for path in placed)
    assert {**rest, **placed} == whole and not placed.keys() & rest.keys()


def test_words_are_sorted_as_javascript_compares_them() -> None:
    # U+20000 is a surrogate pair in UTF-16 (D840 DC00), so it sorts before U+FA0E there, not after.
    records = [search.record_of(Entity(name, name.lower().replace(" ", "-"), "person"))
               for name in ("\ufa0e", "\U00020000", "zeta")]
    _, shards, _ = read_index(search.index_files(records, "en"))
    assert [word for word, _ in shards[0]] == ["person", "zeta", "\U00020000", "\ufa0e"]


def test_only_english_sites_stem(records) -> None:
    ordered = list(records.values())
    assert json.loads(search.index_files(ordered, "en-GB")["search/data/meta.json"])["stem"] is True
    assert json.loads(search.index_files(ordered, "de")["search/data/meta.json"])["stem"] is False


def test_an_empty_site_has_an_empty_index() -> None:
    files = search.index_files([], "en")
    assert json.loads(files["search/data/meta.json"])["shards"] == [] and len(files) == 1


def test_json_is_safe_to_serve_and_keeps_the_text() -> None:
    hostile = "</script><script>alert(1)</script> & \u2028 \"quoted\" <!-- {{ 7*7 }}"
    article = Article("seeds/x.txt", hostile, "x", hostile, (), (Section(hostile, 2, "a-b", 3),), (), False)
    record = search.record_of(article)
    for raw in (b"<", b">", b"&", "\u2028".encode()):
        assert raw not in record.doc
    doc = json.loads(record.doc)
    assert doc["title"] == hostile and doc["sections"][1] == ["a-b", hostile, ""]
    files = search.index_files([record], "en")
    for data in files.values():
        assert b"<" not in data and b">" not in data
        json.loads(data)


def entity_records(descriptions: list[str]) -> list[search.Record]:
    return [search.record_of(Entity(f"E{i}", f"e{i}", "person", description=text))
            for i, text in enumerate(descriptions)]


def test_postings_made_from_the_last_ones_are_the_postings_made_afresh() -> None:
    import random

    rng = random.Random(7)
    vocabulary = ["alpha", "beta", "gamma", "delta", "ærø", "zeta", "\U00020000", "\ufa0e", "eta", "theta"]
    for _ in range(200):
        before = [" ".join(rng.choices(vocabulary, k=rng.randrange(1, 12))) for _ in range(8)]
        old = entity_records(before)
        after = list(before)
        for doc in rng.sample(range(8), rng.choice([0, 1, 1, 1])):
            # New words (sorted among the old ones), words gone from the site, and weights changed.
            after[doc] = " ".join(rng.choices([*vocabulary, "new", "\u00e9t\u00e9", "a1"], k=rng.randrange(0, 12)))
        new = entity_records(after)
        updated = search.inverted_index(new, search.inverted_index(old))
        fresh = search.inverted_index(new)
        assert updated == fresh
        assert list(updated.postings) == list(fresh.postings)  # the same word order, too
        assert search.index_files(new, "en", updated) == search.index_files(new, "en")


def test_postings_are_made_afresh_when_documents_come_or_go_or_many_change(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = search._postings
    monkeypatch.setattr(search, "_postings", lambda records: calls.append(len(records)) or real(records))
    texts = [f"word{i} common" for i in range(20)]
    previous = search.inverted_index(entity_records(texts))
    calls.clear()
    one_edit = search.inverted_index(entity_records([*texts[:19], "other common"]), previous)
    assert calls == [] and "other" in one_edit.postings and "word19" not in one_edit.postings
    search.inverted_index(entity_records(texts[:19]), previous)  # one document fewer: the numbers moved
    search.inverted_index(entity_records([f"{t} more" for t in texts[:3]] + texts[3:]), previous)  # 3 of 20
    assert calls == [19, 20]


# --- builds: deterministic, cached, incremental ------------------------------------------------------------

def search_files(files) -> dict[str, bytes]:
    return {path: bytes(files[path]) for path in files if path.startswith(search.INDEX_DIR + "/")}


def test_the_index_is_byte_identical_for_any_number_of_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "MIN_ITEMS", 1)
    one = search_files(render_files(FIXTURE, jobs=1).files)
    two = search_files(render_files(FIXTURE, jobs=2).files)
    assert one and one == two
    assert search_files(render_files(FIXTURE, jobs=3).files) == one


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(FIXTURE, root)
    return root


def test_one_seed_edit_makes_only_that_articles_record_again(copied: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = builder.record_of

    def counting(item):
        made.append(getattr(item, "source", "entity"))
        return real(item)

    monkeypatch.setattr(builder, "record_of", counting)
    inverted: list[int] = []
    real_postings = search._postings
    monkeypatch.setattr(search, "_postings", lambda records: inverted.append(len(records)) or real_postings(records))
    out = tmp_path / "out"
    builder.build(copied, out, jobs=1)
    articles = sorted(f"seeds/{p.name}" for p in (copied / "seeds").glob("*.txt"))
    assert sorted(m for m in made if m.startswith("seeds/")) == articles
    assert len(inverted) == 1
    made.clear()
    seed = copied / "seeds" / "gamma.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + "A late line about the ferry schedules.\n", encoding="utf-8")
    builder.build(copied, out, jobs=1)
    # Only the edited article among the articles; content pages and entities are few and always made.
    assert [m for m in made if m.startswith("seeds/")] == ["seeds/gamma.txt"]
    assert len(made) == 1 + 2 + 6
    assert len(inverted) == 1  # the postings came from the last build's, changed where the edit changed them
    builder.build(copied, tmp_path / "clean", jobs=2, use_cache=False)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    _, shards, docs = read_index(tree_bytes(out))
    gamma = next(i for i, d in enumerate(docs) if d["title"] == "A Quiet Week in Lisbon")
    schedules = next(postings for shard in shards for word, postings in shard if word == "schedules")
    assert schedules[0::2] == [gamma]


def test_a_build_writes_new_documents_as_they_come_and_caches_them_whole(copied: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from summitsite.cache import BuildCache

    held: list[list[search.Record]] = []
    real = builder.index_files
    monkeypatch.setattr(builder, "index_files", lambda records, *a: held.append(list(records)) or real(records, *a))
    out = tmp_path / "out"
    builder.build(copied, out, jobs=2)
    # The main process kept no document: each went into the new output folder as its record arrived.
    assert held and all(record.doc == b"" for record in held[0])
    files = tree_bytes(out)
    assert search_files(files) == search_files(render_files(copied, jobs=1).files)  # as made in memory
    # The cache has every article's record with its document, as the output has it.
    store = BuildCache(copied)
    cached = [record for name in sorted((copied / ".summitsite-cache" / "search").iterdir())
              for record in store._read(name).values()]
    docs = {files[f"search/data/docs/{i}.json"] for i in range(len(held[0]))}
    assert len(cached) == len(list((copied / "seeds").glob("*.txt"))) and all(r.doc in docs for r in cached)


def test_a_renamed_article_is_not_taken_from_the_cache(copied: Path, tmp_path: Path) -> None:
    # Two articles with one title: the second gets another slug from the analysis, so another URL.
    (copied / "seeds" / "twin.txt").write_text((copied / "seeds" / "gamma.txt").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    builder.build(copied, tmp_path / "out", jobs=1)
    builder.build(copied, tmp_path / "out", jobs=1, base_url="https://example.org/other/")
    builder.build(copied, tmp_path / "clean", jobs=1, base_url="https://example.org/other/", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")
    docs = read_index(tree_bytes(tmp_path / "out"))[2]
    urls = [d["url"] for d in docs if d["title"] == "A Quiet Week in Lisbon"]
    assert len(urls) == len(set(urls)) == 2


def test_no_search_writes_no_index_and_a_later_build_makes_it(copied: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = builder.build(copied, out, search=False)
    assert report.search_seconds is None and not (out / "search" / "data").exists()
    report = builder.build(copied, out)
    assert report.search_seconds is not None and (out / "search" / "data" / "meta.json").is_file()
    again = builder.build(copied, out)
    assert again.skipped and "(search index 0.00 s)" in again.summary("out")


# --- the search page's script, under node ------------------------------------------------------------------

def need_node() -> str:
    """node runs the script's tokenizer; skip without it on a developer machine, fail where CI is set."""
    found = shutil.which("node")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("node is missing (CI must compare the JavaScript tokenizer with Python's: see scripts/test.sh)")
    pytest.skip("node is missing (set CI=1 to make this a failure)")


def run_js(function: str, inputs: list[str]) -> list:
    """`[search.js's function(x) for x in inputs]`, computed by node."""
    script = ("const m = require(process.argv[1]);"
              "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(input.map(x => m[process.argv[2]](x))));")
    done = subprocess.run([need_node(), "-e", script, str(SEARCH_JS), function], input=json.dumps(inputs),
                          capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


VECTORS = [
    "The Power of Siberia-2 pipeline, 2024.", "Xi's visit_to U.S. (and 2,000 km)", "don’t — “quoted” · 3½",
    "Café naïve Ærø São Paulo Straße ĳssel ǅemal", "cafe\u0301 e\u0301clair \u0301alone a\u0301\u0302\u0303",
    "ﬁne ＦＵＬＬ ｶﾀｶﾅ ½ Ⅻ ① ² ㎞ ™ ℌ", "İstanbul Iı ΟΔΟΣ ΑΣ_Β ΑΣ'Α ὈΔΥΣΣΕΎΣ Σ σς Москва Ёлка",
    "हिन्दी भाषा தமிழ் ไทยภาษาไทย ਪੰਜਾਬੀ", "العربية مُحَمَّد עִבְרִית فارسی‌زبان", "中文 日本語 ガギグ 한국어 한글",
    "\U0001d400\U0001d41b\U0001d53a \U00020000\U0002a6d6 \U0001f600 smile\U0001f600face",
    "a\ufe0fb a\U000e0100b \u200bzero\u200dwidth soft\u00adhyphen", "w" * 3000, "é" * 100, "\U00020000" * 70,
    "<script>alert(1)</script> &amp; \u2028line\u2029 \x00\x1f", "", "   ", "_", "__init__ v1_2",
]


def test_the_script_cuts_text_into_the_same_words_as_python() -> None:
    assert run_js("tokens", VECTORS) == [search.tokens(text) for text in VECTORS]


def test_the_script_agrees_with_python_on_every_long_assigned_character() -> None:
    # Each character of the Basic Multilingual Plane and of a few astral blocks that Unicode 3.2 already had
    # (so that a newer or older Unicode in node or Python cannot tell them apart), alone and inside a word.
    old = unicodedata.ucd_3_2_0
    points = [*range(0x0, 0xD800), *range(0xE000, 0x10000), *range(0x1D400, 0x1D800), *range(0x20000, 0x20400)]
    texts = [f"{c} x{c}y {c}{c}" for c in map(chr, points) if old.category(c) != "Cn"]
    assert len(texts) > 40_000
    assert run_js("tokens", texts) == [search.tokens(text) for text in texts]


PORTER_STEP_1 = {
    "caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat", "feed": "feed",
    "agreed": "agree", "plastered": "plaster", "bled": "bled", "motoring": "motor", "sing": "sing",
    "conflated": "conflate", "troubled": "trouble", "sized": "size", "hopping": "hop", "tanned": "tan",
    "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail", "filing": "file", "happy": "happi",
    "sky": "sky", "meetings": "meet", "meeting": "meet", "policies": "polici", "policy": "polici",
    "xi": "xi", "2024": "2024", "café": "café",
}


def test_the_scripts_stemmer_is_porters_step_1() -> None:
    assert dict(zip(PORTER_STEP_1, run_js("stem", list(PORTER_STEP_1)), strict=True)) == PORTER_STEP_1


def test_a_stem_without_its_last_letter_begins_the_word() -> None:
    # The script finds a word's stem-mates among the index words that begin with the stem minus one letter.
    seeds = (p.read_text(encoding="utf-8") for p in (HERE.parent / "seeds").glob("*.txt"))
    words = sorted(page_words(*seeds) | set(PORTER_STEP_1))
    stems = run_js("stem", words)
    assert len(words) > 800
    bad = [(w, s) for w, s in zip(words, stems, strict=True) if not w.startswith(s[:-1])]
    assert bad == []


@given(st.lists(st.text(alphabet=st.sampled_from(["a", "z", "é", "ж", "\u4e00", "\ud7ff", "\ue000", "\uff41",
                                                  "\U0001f600", "\U00020000"]), min_size=1, max_size=4),
                max_size=12))
def test_words_are_in_utf16_order_with_or_without_characters_past_u_e000(words: list[str]) -> None:
    expected = sorted(words, key=lambda w: w.encode("utf-16-be", "surrogatepass"))
    assert search.in_utf16_order(words) == expected
    assert search.in_utf16_order(iter(words)) == expected
