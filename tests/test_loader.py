"""The loader's promises beyond the two seeds: settings, sidecars, no lost words, no crash, linear time."""

from __future__ import annotations

import gc
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS
from summitsite import headings
from summitsite.config import SiteConfig, parse_config
from summitsite.errors import SummitError
from summitsite.loader import load_seeds, merge_callouts, parse_options
from summitsite.model import Article, Callout, FaqBlock, ListBlock, Normalisation, Paragraph, Table
from summitsite.normalise import fix_name_case, names_in
from summitsite.parse import (
    DEFAULT_BOILERPLATE,
    DEFAULT_CALLOUTS,
    ParseOptions,
    _boilerplate_matcher,
    _required_words,
    parse_seed,
)

# --- settings -------------------------------------------------------------------------------------


def test_callouts_and_boilerplate_settings_are_read() -> None:
    config = parse_config('title: x\ncallouts:\n  "Heads up:": warning\n  "Note:": off\n'
                          'boilerplate:\n  - "^sponsored by\\\\b"\n')
    assert config.callouts == (("Heads up:", "warning"), ("Note:", "off"))
    assert config.boilerplate == (r"^sponsored by\b",)
    options = parse_options(config)
    labels = dict(options.callouts)
    assert labels["heads up:"] == "warning" and "note:" not in labels and "pro tip:" in labels
    text = "Title\nIntro paragraph that is long enough to be a lede for the test.\n" \
           "Heads up: the ferry leaves early.\nNote: this stays a paragraph now.\nSponsored by Acme\n"
    article = parse_seed(text, "x.txt", options)
    assert [(c.kind, c.label) for c in article.callouts] == [("warning", "Heads up:")]
    assert [r.text for r in article.removed if r.kind == "boilerplate"] == ["Sponsored by Acme"]


def test_longer_callout_label_wins() -> None:
    merged = merge_callouts(DEFAULT_CALLOUTS, (("Tip:", "hint"),))
    assert merged.index(("pro tip:", "tip")) < merged.index(("tip:", "hint"))


@pytest.mark.parametrize(("text", "line", "words"), [
    ("boilerplate:\n  - ok\n  - '(unclosed'\n", 3, "not a valid regular expression"),
    ("boilerplate: nope\n", 1, "must be a list"),
    ("callouts:\n  'Heads up:': Not A Slug\n", 2, "lower-case name"),
    ("callouts:\n  - a\n", 2, "mapping"),
])
def test_bad_callout_and_boilerplate_settings_name_their_line(text: str, line: int, words: str) -> None:
    with pytest.raises(SummitError) as caught:
        parse_config(text)
    (problem,) = caught.value.diagnostics
    assert problem.line == line and words in problem.message
    assert problem.format().startswith(f"summitsite.yml:{line}: ")


# --- sidecars -------------------------------------------------------------------------------------

ARTICLE = "A Title\nA first paragraph that is long enough to be read as the lede of the article.\n"


def test_sidecar_metadata_is_applied(make_site) -> None:
    root = make_site({"seeds/a.txt": ARTICLE,
                      "seeds/a.yml": "title: Other\ndate: 2024-05-31\nauthor: Ann\ntags: [x, y]\nslug: custom\n"})
    (article,) = load_seeds(root, SiteConfig()).articles
    assert article.title == "Other" and article.slug == "custom" and article.meta.tags == ("x", "y")
    assert article.meta.date.isoformat() == "2024-05-31" and article.meta.author == "Ann"


@pytest.mark.parametrize(("sidecar", "where", "words"), [
    ("title: [unclosed\n", "seeds/a.yml:2:1: ", "invalid YAML"),
    ("title: ok\ncolour: red\n", "seeds/a.yml:2: ", "unknown key 'colour'"),
    ("date: 2024-13-45\n", "seeds/a.yml:1: ", "'2024-13-45'"),
    ("draft: maybe\n", "seeds/a.yml:1: ", "true or false"),
])
def test_sidecar_problems_name_file_and_line(make_site, sidecar: str, where: str, words: str) -> None:
    root = make_site({"seeds/a.txt": ARTICLE, "seeds/a.yml": sidecar})
    with pytest.raises(SummitError) as caught:
        load_seeds(root, SiteConfig())
    (problem,) = caught.value.diagnostics
    assert problem.format().startswith(where), problem.format()
    assert words in problem.message


def test_seeds_and_sidecars_are_shown_where_they_really_are(make_site, tmp_path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "c.txt").write_text(ARTICLE, encoding="utf-8")
    (outside / "b.yml").write_text("title: [unclosed\n", encoding="utf-8")
    root = make_site({"seeds/a.txt": ARTICLE, "seeds/b.txt": ARTICLE, "shared/d.txt": ARTICLE})
    (root / "seeds" / "c.txt").symlink_to(outside / "c.txt")
    (root / "seeds" / "d.txt").symlink_to(root / "shared" / "d.txt")
    assert [a.source for a in load_seeds(root, SiteConfig()).articles] == [
        "seeds/a.txt", "seeds/b.txt", str(root / "seeds" / "c.txt"), "shared/d.txt"]
    (root / "seeds" / "b.yml").symlink_to(outside / "b.yml")
    with pytest.raises(SummitError) as caught:
        load_seeds(root, SiteConfig())
    assert caught.value.diagnostics[0].path == str(root / "seeds" / "b.yml")


def test_drafts_are_skipped_unless_asked_for(make_site) -> None:
    root = make_site({"seeds/a.txt": ARTICLE, "seeds/a.yml": "draft: true\n", "seeds/b.txt": ARTICLE})
    assert [a.source for a in load_seeds(root, SiteConfig()).articles] == ["seeds/b.txt"]
    assert [a.source for a in load_seeds(root, SiteConfig(), include_drafts=True).articles] == [
        "seeds/a.txt", "seeds/b.txt"]


# --- structures -----------------------------------------------------------------------------------


def test_question_headings_under_an_faq_heading_are_faqs() -> None:
    text = ("Title Here\nA lede paragraph that introduces the whole article in a sentence or two.\n"
            "Frequently Asked Questions\nIs it safe?\nYes, it is safe when you follow the steps above.\n"
            "How long does it take?\nAbout two weeks in a warm room, sometimes a little longer.\n"
            "Conclusion\nThat is all there is to it, really, for everyone who asked.\n")
    article = parse_seed(text, "x.txt")
    assert [(f.question, f.answer[:7]) for f in article.faqs] == [
        ("Is it safe?", "Yes, it"), ("How long does it take?", "About t")]
    levels = {s.heading: s.level for s in article.sections}
    assert levels["Is it safe?"] == levels["Frequently Asked Questions"] + 1
    assert levels["Conclusion"] == levels["Frequently Asked Questions"]


PARAGRAPH = "A paragraph long enough to be the text of a section, written the way articles are written here."


def test_the_headline_said_again_heads_a_section() -> None:
    text = (f"Chocolate Frosting Without Powdered Sugar\n{PARAGRAPH}\nWhy it works\n{PARAGRAPH}\n"
            f"Chocolate Frosting Without Powdered Sugar\nIngredients\n- 1 cup flour\n- 2 cups milk\n"
            f"Instructions\n{PARAGRAPH}\n")
    article = parse_seed(text, "x.txt")
    assert article.title == "Chocolate Frosting Without Powdered Sugar"
    assert [(s.heading, s.level) for s in article.sections] == [
        ("Why it works", 2), ("Chocolate Frosting Without Powdered Sugar", 2), ("Ingredients", 3),
        ("Instructions", 3)]


def test_a_text_that_opens_with_its_abstract_opens_with_a_section() -> None:
    text = f"Abstract\nPurpose of the Review\n{PARAGRAPH}\nRecent Findings\n{PARAGRAPH}\nReferences\n{PARAGRAPH}\n"
    article = parse_seed(text, "x.txt")
    assert [(s.heading, s.level) for s in article.sections] == [
        ("Abstract", 2), ("Purpose of the Review", 3), ("Recent Findings", 3), ("References", 2)]


def test_a_title_case_question_over_headings_is_their_parent() -> None:
    text = (f"Bougainvillea Care\n{PARAGRAPH}\nHow Do You Care For And Grow Bougainvillea Plants?\n"
            f"Size & Growth\n{PARAGRAPH}\nLight & Temperature\n{PARAGRAPH}\n"
            f"Related: What Is The Best Soil For Bougainvillea?\nHow To Propagate Bougainvillea\n{PARAGRAPH}\n"
            f"Conclusion\n{PARAGRAPH}\n")
    article = parse_seed(text, "x.txt")
    assert [(s.heading, s.level) for s in article.sections] == [
        ("How Do You Care For And Grow Bougainvillea Plants?", 2), ("Size & Growth", 3),
        ("Light & Temperature", 3), ("How To Propagate Bougainvillea", 3), ("Conclusion", 2)]
    # A callout stays a callout, question or not.
    callout = parse_seed(f"Lemons\n{PARAGRAPH}\nPro Tip: Are Lemons Worth It?\nGrowing Lemons\n{PARAGRAPH}\n", "x.txt")
    assert [s.heading for s in callout.sections] == ["Growing Lemons"]
    assert [type(b) for b in callout.intro] == [Callout]


def test_a_run_of_labels_over_paragraphs_is_a_run_of_headings() -> None:
    abstract = "".join(f"{label}:\n{PARAGRAPH}\n" for label in ("Background", "Objective", "Results"))
    article = parse_seed(f"Influenza Vaccination and the Elderly\n{abstract}", "x.txt")
    assert [s.heading for s in article.sections] == ["Background:", "Objective:", "Results:"]
    # Two are lead-ins; labels over code or over a definition are not headings either.
    for text in ("".join(f"{label}:\n{PARAGRAPH}\n" for label in ("Background", "Objective")),
                 "".join(f"{label}:\npip install summitsite\n" for label in ("Linux", "macOS", "Windows")),
                 "".join(f"{label}:\n: {PARAGRAPH}\n" for label in ("Code Blocks", "Nested Elements", "Tables"))):
        assert not parse_seed(f"Title Line\n{text}", "x.txt").sections


def test_a_card_part_among_card_headings_is_a_heading_too() -> None:
    text = (f"Focaccia\n{PARAGRAPH}\nHow to store it?\n{PARAGRAPH}\nOlive & Herb Focaccia Bread\nIngredients\n"
            "Olive Oil Mix\n- 120 ml olive oil\nInstructions\n- Mix the oil.\n")
    assert "Ingredients" in [s.heading for s in parse_seed(text, "x.txt").sections]


def test_page_controls_are_boilerplate() -> None:
    text = (f"Pineapple Cake\n{PARAGRAPH}\nPrint Recipe\nSteps\nHide Images\n{PARAGRAPH}\n"
            f"Expert Tips\n{PARAGRAPH}\nHide images of the crowd was all they wanted.\n")
    article = parse_seed(text, "x.txt")
    assert [r.text for r in article.removed if r.kind == "boilerplate"] == ["Print Recipe", "Hide Images"]
    assert [(s.heading, s.level) for s in article.sections] == [("Steps", 2), ("Expert Tips", 2)]


def test_numbered_steps_are_headed_alike() -> None:
    steps = [("1. Gather the seeds", "- Cut the lemon and gather its plumpest seeds."),
             ("2. Peel off the white skin", PARAGRAPH), ("3. Wrap the seeds in a moist paper towel", "- Wrap them."),
             ("4. Place the bag in a warm spot", PARAGRAPH)]
    text = (f"Lemon Trees From Seed\n{PARAGRAPH}\nWhat You Need\n{PARAGRAPH}\n"
            f"Method #1: Germinate Seeds in a Paper Towel\n{PARAGRAPH}\n"
            + "".join(f"{step}\n{under}\n" for step, under in steps)
            + f"Method #2: Germinate Seeds in the Soil\n{PARAGRAPH}\nConclusion\n{PARAGRAPH}\n")
    article = parse_seed(text, "x.txt")
    headings = [(s.heading, s.level) for s in article.sections]
    assert headings == [("What You Need", 2), ("Method #1: Germinate Seeds in a Paper Towel", 3),
                        *((step, 3) for step, _ in steps), ("Method #2: Germinate Seeds in the Soil", 3),
                        ("Conclusion", 2)]
    # An ordered list, one numbered line after another, stays a list.
    listed = parse_seed(f"Lemon Trees\n{PARAGRAPH}\nSteps\n1. Gather the seeds\n2. Peel them\n3. Wrap them\n",
                        "x.txt")
    assert [s.heading for s in listed.sections] == ["Steps"]


def test_an_admonition_title_alone_is_not_a_heading() -> None:
    text = (f"Install Docker Engine\n{PARAGRAPH}\nOther Linux distributions\nNote\n"
            "While the instructions below may work, Docker does not test or verify installation on derivatives.\n"
            f"Release channels\n{PARAGRAPH}\n")
    article = parse_seed(text, "x.txt")
    assert [s.heading for s in article.sections] == ["Other Linux distributions", "Release channels"]
    assert article.sections[0].blocks[0].text == "Note"


def test_adjacent_tables_are_told_apart() -> None:
    text = ("Title\n| A | B |\n|---|---|\n| 1 | 2 |\n| C | D |\n|---|---|\n| 3 | 4 |\n"
            "| Caption |\n| x | y |\n|  |\n| p | q |\n")
    article = parse_seed(text, "x.txt")
    assert [t.header for t in article.tables][:2] == [("A", "B"), ("C", "D")]
    assert len(article.tables) == 4


def test_nested_list_items_become_children() -> None:
    article = parse_seed("Title\n- one\n  - one a\n  - one b\n- two\n", "x.txt")
    (block,) = [b for b in article.iter_blocks() if isinstance(b, ListBlock)]
    assert [i.text for i in block.items] == ["one", "two"]
    assert [c.text for c in block.items[0].children] == ["one a", "one b"]


def test_known_names_restore_capitals() -> None:
    text = "Title\nThe talks in geneva went on for a long time, longer than anyone expected.\n"
    plain = parse_seed(text, "x.txt")
    named = parse_seed(text, "x.txt", ParseOptions(known_names=("Geneva",)))
    assert "geneva" in plain.lede and "Geneva" in named.lede
    assert [(n.rule, n.before, n.after) for n in named.normalisations] == [("name-case", "geneva", "Geneva")]


def test_sentence_case_leaves_abbreviations_and_wrapped_lines_alone() -> None:
    text = ("Title\nOfficials in the U.S. said talks would resume. the e.g. clause stays, and so on\n"
            "continues here on a wrapped line without a capital letter at all.\n")
    article = parse_seed(text, "x.txt")
    changes = [(n.rule, n.before) for n in article.normalisations]
    assert changes == [("sentence-case", "the")]


# --- nothing lost ---------------------------------------------------------------------------------

_ENUMERATOR = re.compile(r"^\s*(?:[-*\u2022\u2013]\s+)?(?:\d{1,3}[.)]\s+)?")
_QA_PREFIX = re.compile(r"^\s*(?:q(?:uestion)?|a(?:nswer)?)\s*[:.]\s*", re.I)
_WORDS = re.compile(r"[^\W_]+")


def _fold(text: str, strip_enumerator: bool = False) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    if strip_enumerator:
        text = _ENUMERATOR.sub("", text, count=1)
    return [w.casefold() for w in _WORDS.findall(text)]


def model_words(article: Article) -> Counter:
    """Every word the model holds, once per place it holds it (a title taken from a heading once)."""
    words: Counter = Counter()
    section_lines = {s.line for s in article.sections}
    if article.title_line is not None and article.title_line not in section_lines:
        words.update(_fold(article.title, strip_enumerator=True))
    words.update(_fold(article.lede, strip_enumerator=True))
    for section in article.sections:
        words.update(_fold(section.heading, strip_enumerator=True))
    for block in article.iter_blocks():
        if isinstance(block, Paragraph):
            words.update(_fold(block.label or ""))
            words.update(_fold(block.text))
        elif isinstance(block, ListBlock):
            stack = list(block.items)
            while stack:
                item = stack.pop()
                words.update(_fold(item.text))
                stack.extend(item.children)
        elif isinstance(block, Table):
            for cell in (*block.header, *(c for row in block.rows for c in row)):
                words.update(_fold(cell))
        elif isinstance(block, Callout):
            words.update(_fold(block.label))
            words.update(_fold(block.text))
        elif isinstance(block, FaqBlock):
            for faq in block.items:
                words.update(_fold(faq.question))
                words.update(_fold(faq.answer))
    for entry in article.toc:
        words.update(_fold(entry.heading))
    for removed in article.removed:
        words.update(_fold(removed.text, strip_enumerator=True))
    return words


def source_words(text: str, article: Article) -> Counter:
    """Every word of the source's lines, without markup: bullets, list numbers, Q:/A: prefixes, pipes."""
    qa_lines = {f.line for b in article.iter_blocks() if isinstance(b, FaqBlock) for f in b.items}
    qa_lines |= {n + 1 for n in qa_lines}
    words: Counter = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        if number in qa_lines:
            line = _QA_PREFIX.sub("", _ENUMERATOR.sub("", line, count=1), count=1)
        words.update(_fold(line, strip_enumerator=not line.lstrip().startswith("|")))
    return words


VOCABULARY = ["Russia", "russia", "the", "Alliance", "energy,infrastructure", "order.This", "U.S.", "1,000",
              "3.5", "what", "is", "Kim", "talks", "Beijing", "trade", "growth", "naïve", "e-mail",
              "x@y.org", "http://a.b/c", "10:30", "café", "Q&A", "don’t", "(note)"]
word = st.sampled_from(VOCABULARY)
sentence = st.lists(word, min_size=1, max_size=25).map(" ".join)
line = st.one_of(
    sentence,
    sentence.map(lambda s: s + "."),
    sentence.map(lambda s: s.title()),
    sentence.map(lambda s: s + "?"),
    sentence.map(lambda s: "- " + s),
    sentence.map(lambda s: "  - " + s),
    st.tuples(st.integers(1, 12), sentence).map(lambda t: f"{t[0]}. {t[1]}"),
    st.lists(sentence, min_size=1, max_size=4).map(lambda cells: "| " + " | ".join(cells) + " |"),
    st.just("|---|---|"),
    st.just("|  |"),
    sentence.map(lambda s: "Q: " + s + "?"),
    sentence.map(lambda s: "A: " + s + "."),
    sentence.map(lambda s: "Note: " + s),
    sentence.map(lambda s: "Did You Know? " + s),
    sentence.map(lambda s: "Energy Security: " + s),
    st.sampled_from(["Table of Contents", "Contents", "Frequently Asked Questions", "FAQ",
                     "Share your thoughts in the comments below.", "Read more: elsewhere", "Share this"]),
)
article_text = st.lists(line, min_size=1, max_size=40).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article_text, st.booleans())
def test_every_word_is_kept_exactly_once(text: str, normalise: bool) -> None:
    article = parse_seed(text, "x.txt", ParseOptions(normalise=normalise))
    assert model_words(article) == source_words(text, article)


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seed_words_are_kept_exactly_once(name: str) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    article = parse_seed(text, name)
    assert model_words(article) == source_words(text, article)


# --- never raises ---------------------------------------------------------------------------------

awkward_line = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.text(alphabet="|-:*•–#?!.,; \t\x00\x0b\x0c\x1c\u2028\u00a0", max_size=40),
    st.just("-"), st.just("- "), st.just("|"), st.just("||"), st.just("1."), st.just("Q:"), st.just("A:"),
    st.integers(1, 5000).map(lambda n: "word " * n),
    st.integers(1, 5000).map(lambda n: "," * n),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(awkward_line, max_size=30).map("\n".join), st.booleans())
def test_the_parser_never_raises(text: str, normalise: bool) -> None:
    article = parse_seed(text, "x.txt", ParseOptions(normalise=normalise))
    assert isinstance(article.title, str) and article.slug


# --- linear time ----------------------------------------------------------------------------------


def _timed(text: str) -> float:
    # CPU time of this process: other work on a busy machine does not count against the parser.
    start = time.process_time()
    parse_seed(text, "x.txt")
    return time.process_time() - start


def _grows_linearly(make, repeats: int = 5) -> None:
    """8x the input must take under 12x the time: the fastest of several runs of each size, the runs
    interleaved and the garbage collector paused, so that a busy machine slows both sizes alike.

    The small input must take long enough to time reliably (tens of milliseconds at least): at a few
    milliseconds, scheduler noise alone moved the ratio past 12 on a linear parser."""
    small, large = make(1), make(8)
    _timed(small)  # warm caches (the model file, compiled expressions)
    best_small = best_large = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            best_small = min(best_small, _timed(small))
            best_large = min(best_large, _timed(large))
    finally:
        gc.enable()
    ratio = best_large / best_small
    assert ratio < 12, f"8x the input took {ratio:.1f}x the time"


def test_time_grows_linearly_with_the_number_of_lines() -> None:
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    _grows_linearly(lambda k: "\n".join([seeds] * 4 * k))


@pytest.mark.parametrize("unit", ["word,", "a.b ", "| x ", "- ", "Russia russia ", "?" * 3, "Note: ",
                                  "stop. then "])
def test_time_grows_linearly_with_the_length_of_a_line(unit: str) -> None:
    _grows_linearly(lambda k: "Title\n" + unit * 12000 * k + "\nEnd of the article.\n")


@pytest.mark.parametrize("patterns", [
    DEFAULT_BOILERPLATE,
    (r"^sponsored by\b", r"colou?r scheme"),
    (r"foo\d+|bar",),  # a top-level alternation: no literal is required, every line is searched
    (r"(?i)^advert",),
    (r"share (this (web)?)? now",),
])
def test_boilerplate_literal_guard_never_changes_the_answer(patterns: tuple[str, ...]) -> None:
    lines = ["Share this article", "Please leave a comment below!", "We use cookies.", "This website uses cookies",
             "Read more: the full story", "Sponsored by Acme", "The colour scheme", "The color scheme", "bar",
             "foo12", "Advert", "share  now", "share this web now", "Tell us your thoughts in the COMMENTS",
             "Follow us on X", "Click here to subscribe", "An ordinary sentence about harbours.", ""]
    matcher = _boilerplate_matcher(tuple(patterns))
    for line in lines:
        assert matcher(line) == any(re.search(p, line, re.I) for p in patterns), (patterns, line)


def test_boilerplate_is_only_searched_in_short_lines_and_by_the_patterns_its_words_call_for() -> None:
    matcher = _boilerplate_matcher((*DEFAULT_BOILERPLATE, r"^(ad|promo)\b"))
    assert matcher("Please leave a comment below!")
    assert matcher("promo: half price")  # no required word: searched in every short line
    assert not matcher("Leave the harbour at dawn.")  # "leave" calls for its pattern, which does not match
    long_line = "Please leave a comment below! " + " ".join(["word"] * 60)
    assert not matcher(long_line)  # more than 60 words: content
    assert matcher(" ".join(["Subscribe to our newsletter"] + ["now"] * 56))  # 60 words exactly


def test_name_repairs_only_need_the_names_the_text_writes_in_lower_case() -> None:
    text = "Kim met officials in Seoul. Later kim said seoul was calm; Kimberly and skim stayed."
    names = {"kim": "Kim", "seoul": "Seoul", "pyongyang": "Pyongyang", "talks": "Talks"}
    assert names_in(names, text) == {"kim": "Kim", "seoul": "Seoul"}
    assert fix_name_case("skim Kimberly", 1, names, []) == "skim Kimberly"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["kim", "Kim", "seoul", "Seoul", "skim", "talks", "the", ",", ".", "'s", " "]),
                max_size=30), st.integers(0, 30), st.integers(0, 30))
def test_names_in_never_changes_a_name_repair_of_a_piece_of_the_text(words: list[str], a: int, b: int) -> None:
    text = " ".join(words)
    piece = text[min(a, b):max(a, b) + 1]
    names = {"kim": "Kim", "seoul": "Seoul", "pyongyang": "Pyongyang", "talks": "Talks"}
    with_all: list[Normalisation] = []
    with_kept: list[Normalisation] = []
    assert fix_name_case(piece, 1, names, with_all) == fix_name_case(piece, 1, names_in(names, text), with_kept)
    assert with_all == with_kept


def test_required_words_of_the_default_boilerplate() -> None:
    assert all(_required_words(p) for p in DEFAULT_BOILERPLATE)
    assert _required_words(r"colou?r scheme") == {"r scheme"}
    assert _required_words(r"foo|bar") is None


# --- prose lines skip the heading model --------------------------------------------------------------

def test_prose_is_a_long_line_that_ends_a_sentence() -> None:
    long = " ".join(["word"] * 19)
    assert headings.is_prose(long + " end.") and headings.is_prose(long + ' end!"') and headings.is_prose(
        long + " end.[12]")
    assert not headings.is_prose(long + ".")  # nineteen words
    assert not headings.is_prose(long + " end?")  # a long question can head an FAQ entry
    assert not headings.is_prose(long + " end:") and not headings.is_prose(long + " end")


def test_skipping_prose_lines_never_changes_a_parse(tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent / "benchmarks"))
    import generate  # the benchmark's corpus generator

    generate.generate(8, tmp_path)
    texts = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "summitsite" / "seeds").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts.append("Title Line\n" + "\n".join(
        f"Section {i}\n" + " ".join(["Prose"] * (18 + i)) + " ends here." for i in range(6)))
    # A heading that ends like a sentence: only the length tells it from prose.
    texts.append(
        "How To Grow Lemons\n"
        "Growing lemons at home is easy when you know what the tree needs through the year and how to care for it.\n"
        "Step 1. Choose the pot.\n"
        "Pick a pot with holes in the bottom so that water drains away, and fill it with a light, sandy compost mix.\n"
        "Step 2. Water well.\n"
        "Water the tree deeply once a week in summer and less in winter, letting the top of the soil dry between.\n"
        "Wait for the fruit!\n"
        "Lemons take months to ripen on the tree, so be patient and pick them when they are fully yellow and soft.\n")
    options = parse_options(SiteConfig(), ())
    gated = [parse_seed(text, "seeds/x.txt", options, None) for text in texts]
    assert sum(a.sections != () for a in gated) == len(texts)
    monkeypatch.setattr(headings, "is_prose", lambda text: False)
    assert [parse_seed(text, "seeds/x.txt", options, None) for text in texts] == gated


def test_toc_entries_share_their_sections_heading_strings_through_a_pickle() -> None:
    # A TOC repeats the headings; a big site holds every article, so the entry keeps the section's string.
    import pickle

    text = ("Lede line of the story.\nTable of Contents\n- Background\n- The Deal\n- Missing Part\n"
            "Background\nFirst paragraph of the background, long enough to be prose.\n"
            "The Deal\nThe deal was signed after a long night of talks in the capital.\n")
    article = parse_seed(text, "seeds/x.txt", ParseOptions(), None)
    copy = pickle.loads(pickle.dumps(article))
    by_anchor = {s.anchor: s for s in copy.sections}
    linked = [e for e in copy.toc if e.anchor is not None]
    assert [e.heading for e in linked] == ["Background", "The Deal"]
    assert all(e.heading is by_anchor[e.anchor].heading for e in linked)
    assert [e.heading for e in copy.toc if e.anchor is None] == ["Missing Part"]
