"""Tests for the entity list, the matcher, the mention index and suggest_entities."""

from __future__ import annotations

import pytest

from summitsite.analyse import analyse
from summitsite.config import SiteConfig
from summitsite.entities import EntityMatcher, parse_entities, sentence_spans
from summitsite.errors import SummitError
from summitsite.mentions import index_mentions, links_by_text
from summitsite.model import Article, Entity, Faq, FaqBlock, Paragraph, Section
from summitsite.suggest import suggest_entities


def ent(name: str, *aliases: str, kind: str = "country") -> Entity:
    from summitsite.slugs import make_slug
    return Entity(name, make_slug(name), kind, aliases)


def names(matcher: EntityMatcher, text: str) -> list[tuple[str, str]]:
    return [(text[m.start:m.end], m.entity) for m in matcher.find(text)]


def art(slug: str, *sections: Section, lede: str = "", tags=()) -> Article:
    from summitsite.model import ArticleMeta
    return Article(f"seeds/{slug}.txt", slug.title(), slug, lede, (), tuple(sections), (), False,
                   meta=ArticleMeta(tags=tuple(tags)))


def sec(heading: str, *texts: str, anchor: str | None = None) -> Section:
    return Section(heading, 2, anchor or heading.lower().replace(" ", "-"), 1,
                   tuple(Paragraph(t, i + 2) for i, t in enumerate(texts)))


# --- loading --------------------------------------------------------------------------------------------

def test_parse_entities_reads_every_field():
    (e,) = parse_entities("- name: Kim Jong Un\n  kind: person\n  aliases: [Kim Jong-un, Kim]\n"
                          "  description: Leader.\n")
    assert (e.name, e.slug, e.kind, e.aliases, e.description, e.line) == (
        "Kim Jong Un", "kim-jong-un", "person", ("Kim Jong-un", "Kim"), "Leader.", 1)


@pytest.mark.parametrize("text, message, line", [
    ("- name: [unclosed\n", "invalid YAML", 2),
    ("- name: A\n  kind: person\n  colour: red\n", "unknown key 'colour'", 3),
    ("- name: A\n  aliases: [B]\n", "no 'kind'", 1),
    ("- kind: person\n", "no 'name'", 1),
    ("- name: A\n  kind: person\n- name: B\n  kind: person\n  aliases: [A]\n", "'A' already names 'A'", 3),
    ("- name: North Korea\n  kind: country\n- name: north  korea\n  kind: country\n", "already names", 3),
    ("name: A\n", "expected a list", 1),
    ("- name: A\n  kind: Person\n", "lower-case word", 1),
])
def test_parse_entities_errors_name_the_line(text, message, line):
    with pytest.raises(SummitError) as info:
        parse_entities(text, "content/entities.yml")
    (problem, *_) = info.value.diagnostics
    assert message in problem.message
    assert problem.path == "content/entities.yml" and problem.line == line
    assert problem.format().startswith(f"content/entities.yml:{line}")


def test_parse_entities_reports_every_problem():
    with pytest.raises(SummitError) as info:
        parse_entities("- name: A\n- kind: person\n- name: C\n  kind: place\n  size: 3\n")
    assert [d.line for d in info.value.diagnostics] == [1, 2, 5]


def test_short_alias_may_differ_from_a_long_name_by_case_only():
    # "US" (single word, exact) and "us" would be different terms; a multi-word twin in another case is not.
    assert len(parse_entities("- name: United States\n  kind: country\n  aliases: [US]\n")) == 1


# --- matching -------------------------------------------------------------------------------------------

MATCHER = EntityMatcher([
    ent("Kim Jong Un", "Kim Jong-un", "Kim", kind="person"),
    ent("United States", "US", "U.S."),
    ent("Shanghai Cooperation Organisation", "SCO", kind="organisation"),
    ent("China"),
    ent("South China Sea", kind="place"),
    ent("Russia"),
])


def test_whole_words_only():
    assert names(MATCHER, "Russian ties; Russia’s role; Kimchi; USB; SCOs") == [("Russia", "russia")]


def test_multi_word_terms_ignore_case_and_spacing():
    assert names(MATCHER, "the united  states and KIM JONG-UN") == [
        ("united  states", "united-states"), ("KIM JONG-UN", "kim-jong-un")]


def test_single_word_terms_are_case_sensitive():
    assert names(MATCHER, "join us, sco and china; the US, the U.S. and SCO") == [
        ("US", "united-states"), ("U.S.", "united-states"), ("SCO", "shanghai-cooperation-organisation")]


def test_longest_match_wins():
    assert names(MATCHER, "Kim Jong Un sailed the South China Sea; Kim waved") == [
        ("Kim Jong Un", "kim-jong-un"), ("South China Sea", "south-china-sea"), ("Kim", "kim-jong-un")]


def test_letters_that_only_match_case_insensitively_still_name_their_entity():
    # re's IGNORECASE pairs "ı" and "İ" with "i", casefold() does not: the match must not lose its owner.
    matcher = EntityMatcher((ent("Pi Bank", kind="organisation"), ent("Russia")))
    assert names(matcher, "The Pı Bank, the Pİ BANK and the pi  bank met Russia.") == [
        ("Pı Bank", "pi-bank"), ("Pİ BANK", "pi-bank"), ("pi  bank", "pi-bank"), ("Russia", "russia")]


def test_no_entities_means_no_matches():
    assert EntityMatcher([]).find("Russia") == []


def test_sentence_spans_keep_abbreviations():
    text = "The U.S. dollar fell. Mr. Moe spoke! Why? Done"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "The U.S. dollar fell.", "Mr. Moe spoke!", "Why?", "Done"]


# --- the mention index ------------------------------------------------------------------------------------

ENTITIES = (ent("Russia"), ent("China"), ent("Kim Jong Un", "Kim", kind="person"))


def test_headings_are_never_mentions_and_sections_count_separately():
    a = art("a", sec("Russia and China", "Russia met China. Russia left."), sec("Later", "Kim came."),
            lede="China hosted.")
    index = index_mentions((a,), ENTITIES)
    assert index.by_article["a"] == {"russia": 2, "china": 2, "kim-jong-un": 1}
    mentions = {(m.entity, m.section): (m.count, m.sentences) for ms in index.by_entity.values() for m in ms}
    assert mentions[("russia", "russia-and-china")] == (2, ("Russia met China.", "Russia left."))
    assert mentions[("china", "")] == (1, ("China hosted.",))
    assert index.first_links[("a", "russia-and-china")]["russia"] == ("Russia met China. Russia left.", 0, 6)


def test_faq_questions_count_but_are_not_linked():
    faq = Faq("Why Russia?", "Because China asked.", "faq-why", 3)
    a = art("a", Section("FAQ", 2, "faq", 2, (FaqBlock((faq,), 3),)))
    index = index_mentions((a,), ENTITIES)
    assert index.by_article["a"] == {"china": 1, "russia": 1}
    assert set(index.first_links[("a", "faq")]) == {"china"}
    assert index.faq_entities[("a", "faq-why")] == ("russia", "china")


def test_co_mentions_count_shared_sections():
    a = art("a", sec("One", "Russia and China."), sec("Two", "Russia and Kim and China."))
    index = index_mentions((a,), ENTITIES)
    assert index.co_mentions["russia"] == (("china", 2), ("kim-jong-un", 1))
    assert dict(index.co_mentions) == {"china": (("russia", 2), ("kim-jong-un", 1)),
                                       "kim-jong-un": (("china", 1), ("russia", 1)),
                                       "russia": (("china", 2), ("kim-jong-un", 1))}
    assert "xi-jinping" not in index.co_mentions and len(index.co_mentions) == 3


def test_the_index_holds_the_articles_own_strings_not_the_scans_copies():
    # A scan from a worker or the build cache was pickled apart from its article: its texts are copies.
    import pickle

    from summitsite.mentions import scan_article
    a = art("a", sec("Russia and China", "Russia met China.", "Kim came. Then China left."))
    blob = pickle.dumps(scan_article(a, EntityMatcher(ENTITIES)))
    assert b"met China" not in blob and b"Kim came" not in blob  # positions, never a copy of the text
    copy = pickle.loads(blob)
    index = index_mentions((a,), ENTITIES, scan=lambda article, matcher: copy)
    paragraph = a.sections[0].blocks[0].text
    text, start, end = index.first_links[("a", "russia-and-china")]["russia"]
    assert text is paragraph and (start, end) == (0, 6)
    (russia,) = index.by_entity["russia"]
    assert russia.sentences[0] is paragraph  # the whole paragraph is the sentence
    assert russia.heading is a.sections[0].heading and russia.section is a.sections[0].anchor
    (china,) = index.by_entity["china"]
    assert china.sentences == ("Russia met China.", "Then China left.")


def test_scans_keep_two_bytes_a_number_unless_a_position_needs_four():
    # A section's positions are packed in two bytes each where they fit; one text past 65,535 characters
    # needs four, and links and sentences must come out the same either way.
    from summitsite.mentions import scan_article
    matcher = EntityMatcher(ENTITIES)
    short = art("a", sec("One", "Russia met China."))
    (section,) = scan_article(short, matcher).sections
    assert section.spans.typecode == "H"
    filler = "Nothing here. " * 5_000
    long = art("b", sec("One", "Kim waited.", filler + "Russia met China."), sec("Two", "China only."))
    first, second = scan_article(long, matcher).sections
    assert first.spans.typecode == "I" and second.spans.typecode == "H"
    index = index_mentions((long,), ENTITIES)
    text, start, end = index.first_links[("b", "one")]["russia"]
    assert text[start:end] == "Russia" and start == len(filler)
    assert index.first_links[("b", "one")]["kim-jong-un"] == ("Kim waited.", 0, 3)
    assert [m.sentences for m in index.by_entity["russia"]] == [("Russia met China.",)]
    assert [m.sentences for m in index.by_entity["china"]] == [("Russia met China.",), ("China only.",)]


def test_an_entity_named_only_in_an_faq_question_has_no_link_in_either_width():
    from summitsite.mentions import scan_article
    widths = set()
    for answer in ("Because China asked.", "Wait. " * 12_000 + "Because China asked."):
        a = art("a", Section("FAQ", 2, "faq", 2, (FaqBlock((Faq("Why Russia?", answer, "faq-why", 3),), 3),)))
        (section,) = scan_article(a, EntityMatcher(ENTITIES)).sections
        widths.add(section.spans.typecode)
        index = index_mentions((a,), ENTITIES)
        text, start, end = index.first_links[("a", "faq")]["china"]
        assert set(index.first_links[("a", "faq")]) == {"china"} and text[start:end] == "China"
        assert index.by_article["a"] == {"china": 1, "russia": 1}
    assert widths == {"H", "I"}


def test_section_entities_read_from_the_scans_behave_as_the_dict_they_replace():
    a = art("a", sec("One", "Russia met China."), sec("Quiet", "Nothing here."), sec("Two", "Kim came."),
            lede="China hosted.")
    b = art("b", sec("Calm", "No one."))
    c = art("c", sec("Three", "Russia again."))
    index = index_mentions((a, b, c), ENTITIES)
    table = index.section_entities
    expected = {("a", ""): ("china",), ("a", "one"): ("russia", "china"), ("a", "two"): ("kim-jong-un",),
                ("c", "three"): ("russia",)}
    assert dict(table) == expected and list(table) == list(expected) and len(table) == 4
    assert table == expected  # Mapping equality, as MentionIndex's comparison uses
    assert ("a", "quiet") not in table and ("b", "calm") not in table and "a" not in table
    assert table.get(("a", "quiet")) is None and table.get(("x", "one"), ()) == ()
    with pytest.raises(KeyError):
        table[("a", "quiet")]
    assert set(index.first_links) == set(expected) and ("a", "quiet") not in index.first_links
    with pytest.raises(KeyError):
        index.first_links[("b", "calm")]
    assert dict(index.co_mentions) == {"china": (("russia", 1),), "russia": (("china", 1),)}


def test_counting_and_choosing_mentions_cut_out_only_what_they_are_asked_for():
    # The compare view counts every article's mentions but shows a dozen: it asks for those sentences only.
    from summitsite.mentions import MentionIndex
    articles = (art("a", sec("One", "Russia met China.", "Russia left.")), art("b", sec("Two", "China only.")),
                art("c", sec("Three", "Kim and Russia."), sec("Four", "Russia again.")))
    index = index_mentions(articles, ENTITIES)
    plain = MentionIndex(by_entity=dict(index.by_entity))  # the same mentions, all cut out beforehand
    for entity in ("russia", "china", "kim-jong-un", "nobody"):
        assert index.article_counts(entity) == plain.article_counts(entity)
        assert index.totals(entity) == plain.totals(entity)
        for chosen in ({"a"}, {"c"}, {"a", "c"}, set()):
            assert index.mentions_in(entity, chosen) == plain.mentions_in(entity, chosen)
            assert index.mentions_in(entity, chosen) == tuple(m for m in index.by_entity.get(entity, ())
                                                              if m.article in chosen)
    assert index.article_counts("russia") == {"a": 2, "c": 2}
    assert [m.section for m in index.mentions_in("russia", {"c"})] == ["three", "four"]


def test_section_text_numbers_the_texts_as_section_texts_does():
    # A scan's positions count texts in section_texts order; the index reads them back without Text objects.
    from pathlib import Path

    from summitsite.config import SiteConfig
    from summitsite.loader import load_seed
    from summitsite.mentions import _section_text, section_texts
    from summitsite.model import ListBlock, ListItem
    site = Path(__file__).parent / "fixtures" / "site"
    nested = ListBlock(False, (ListItem("one", 2, (ListItem("one.a", 3),)), ListItem("two", 4)), 2)
    listed = Article("seeds/l.txt", "L", "l", "Lede.", (nested, Paragraph("Text.", 5, "Label:")),
                     (sec("More", "After."),), (), False)
    articles = [load_seed(seed, site, SiteConfig()) for seed in sorted((site / "seeds").glob("*.txt"))]
    for article in [*articles, listed]:
        for key, heading, texts in section_texts(article):
            assert _section_text(article, key) == (key, heading, [t.text for t in texts]), (article.source, key)
    assert _section_text(listed, "")[2] == ["Lede.", "one", "one.a", "two", "Label:", "Text."]


# --- suggestions ------------------------------------------------------------------------------------------

def test_suggest_entities_finds_near_misses_and_frequent_names():
    entities = (ent("Shanghai Cooperation Organisation", "SCO", kind="organisation"), ent("Russia"))
    a = art("a", sec("Shanghai Cooperation Association’s Role", "The SCO grew. Then Russia and the Northern "
                     "Sea Route. Ships used the Northern Sea Route. We saw Brussels, then Brussels, even Brussels."))
    site = analyse(SiteConfig(), [a], [], entities)
    found = [(d.severity, d.code, d.message, d.path, d.line) for d in suggest_entities(site)]
    assert ("warning", "entity-near-miss",
            "'Shanghai Cooperation Association' looks like a misspelling of 'Shanghai Cooperation Organisation'",
            "seeds/a.txt", 1) in found
    assert any(code == "entity-suggestion" and "'Northern Sea Route' appears 2 times" in msg
               for _, code, msg, _, _ in found)
    assert any(code == "entity-suggestion" and "'Brussels' appears 3 times" in msg for _, code, msg, _, _ in found)
    assert not any("Russia" in msg or "'Then" in msg for _, _, msg, _, _ in found)


def test_first_links_in_a_text_are_the_sections_links_grouped_by_text():
    articles = (art("a", sec("One", "Russia met China.", "Kim came."), sec("Two", "Nothing here.")),)
    links = index_mentions(articles, ENTITIES).first_links
    assert links.in_text(("a", "one"), "Russia met China.") == ((0, 6, "russia"), (11, 16, "china"))
    assert links.in_text(("a", "one"), "Kim came.") == ((0, 3, "kim-jong-un"),)
    assert links.in_text(("a", "one"), "Another text.") == ()
    assert links.in_text(("a", "two"), "Nothing here.") == ()  # a section without mentions
    assert links.in_text(("zz", "one"), "Russia met China.") == ()  # no such article
    grouped = links_by_text(links[("a", "one")])
    assert all(links.in_text(("a", "one"), text) == spans for text, spans in grouped.items())
    assert links_by_text(None) == {}


def test_first_links_keep_only_the_article_asked_last():
    # A worker renders thousands of article pages; links kept for every section it had seen grew by
    # 60 MB at 10,000 articles. Each page asks for its own article's sections only.
    articles = tuple(art(slug, sec("One", "Russia met China."), sec("Two", "Kim came.")) for slug in "abc")
    links = index_mentions(articles, ENTITIES).first_links
    for article in articles:
        text = article.sections[0].blocks[0].text
        assert links[(article.slug, "one")] == {"russia": (text, 0, 6), "china": (text, 11, 16)}
        assert set(links[(article.slug, "two")]) == {"kim-jong-un"}
        assert links[(article.slug, "one")] is links[(article.slug, "one")]  # asked again: the same
        assert {key[0] for key in links._made} == {article.slug}
    assert links[("a", "one")]["russia"] == ("Russia met China.", 0, 6)  # an article asked again is made again
