"""Tests for related articles, compare views, the FAQ hub, topics, content-page options and escaping."""

from __future__ import annotations

import dataclasses
import json
import math
import posixpath
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summitsite import views
from summitsite.analyse import analyse
from summitsite.config import SiteConfig
from summitsite.errors import SummitError
from summitsite.mentions import index_mentions
from summitsite.model import ArticleMeta, Entity, Faq, FaqBlock, Section
from summitsite.pages import load_page
from summitsite.related import ENTITY_WEIGHT, TAG_WEIGHT, related_articles
from summitsite.render import make_environment, render_site
from summitsite.views import compare_entities, compare_view, faq_hub
from test_entities import art, ent, sec

ENTITIES = (ent("Russia"), ent("China"), ent("Iran"), ent("Cuba"))


def site_of(*articles, entities=ENTITIES, **config):
    return analyse(SiteConfig(**config), list(articles), [], entities)


# --- related articles -------------------------------------------------------------------------------------

def test_related_weights_rare_entities_and_tags():
    a = art("a", sec("S", "Russia China Iran."), tags=["x"])
    b = art("b", sec("S", "Russia China."))           # shares two common entities
    c = art("c", sec("S", "Iran."))                   # shares one rarer entity
    d = art("d", sec("S", "Nothing here."), tags=["x"])  # shares a tag only
    e = art("e", sec("S", "Cuba."))                   # shares nothing
    site = site_of(a, b, c, d, e)
    idf = {n: math.log(1 + 5 / n) for n in (1, 2, 3)}
    scores = {"b": 2 * ENTITY_WEIGHT * idf[2], "c": ENTITY_WEIGHT * idf[2], "d": TAG_WEIGHT}
    assert site.related["a"] == tuple(sorted(scores, key=lambda s: -scores[s]))
    assert "e" not in site.related["a"] and site.related["e"] == ()


def test_related_ties_break_by_title_then_slug_and_are_capped():
    articles = [art(s, sec("S", "Russia.")) for s in ("f", "b", "d", "a", "c", "e", "g")]
    related = related_articles(tuple(articles), index_mentions(tuple(articles), ENTITIES))
    assert related["a"] == ("b", "c", "d", "e", "f")


def test_related_uses_the_inverted_index_only():
    # An article sharing nothing is never scored, so it cannot appear even with a limit larger than the site.
    articles = (art("a", sec("S", "Russia.")), art("b", sec("S", "Cuba.")))
    assert related_articles(articles, index_mentions(articles, ENTITIES), limit=10) == {"a": (), "b": ()}


def test_related_is_deterministic():
    articles = [art(s, sec("S", "Russia China Iran Cuba."), tags=["t"]) for s in "edcba"]
    first = site_of(*articles).related
    assert first == site_of(*reversed(articles)).related


def _related_reference(articles, limit=5):
    """The formula of summitsite.related, scored the plain way: every pair, integer weights, sorted."""
    from collections import Counter

    from summitsite.related import SCALE, tag_slug
    mentions = index_mentions(tuple(articles), ENTITIES)
    ents = {a.slug: set(mentions.by_article.get(a.slug, {})) for a in articles}
    tags = {a.slug: {tag_slug(t) for t in a.meta.tags} for a in articles}
    df = Counter(e for found in ents.values() for e in found)
    weight = {e: max(1, round(ENTITY_WEIGHT * math.log(1 + len(articles) / df[e]) * SCALE)) for e in df}
    tag_weight = round(TAG_WEIGHT * SCALE)
    result = {}
    for a in articles:
        scores = {b.slug: sum(weight[e] for e in ents[a.slug] & ents[b.slug])
                  + tag_weight * len(tags[a.slug] & tags[b.slug]) for b in articles if b.slug != a.slug}
        ranked = sorted((s for s in scores if scores[s] > 0),
                        key=lambda s: (-scores[s], next(x.title.casefold() for x in articles if x.slug == s), s))
        result[a.slug] = tuple(ranked[:limit])
    return result


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from(["Russia", "China", "Iran", "Cuba"])),
                          st.sets(st.sampled_from(["x", "y", "Z", "z w"])),
                          st.sampled_from(["Alpha", "beta", "Alpha", "Gamma"])), min_size=1, max_size=14))
def test_bit_sliced_related_scoring_agrees_with_scoring_every_pair(specs):
    articles = []
    for k, (names, tags, title) in enumerate(specs):
        article = art(f"a{k:02d}", sec("S", " ".join(sorted(names)) + "." if names else "Nothing."), tags=sorted(tags))
        articles.append(dataclasses.replace(article, title=title))
    related = related_articles(tuple(articles), index_mentions(tuple(articles), ENTITIES))
    assert related == _related_reference(articles)


# --- compare pages ----------------------------------------------------------------------------------------

def test_compare_pages_only_for_entities_in_two_or_more_articles():
    a = art("a", sec("One", "Russia and China and Iran."))
    b = art("b", sec("Two", "Russia and China and Cuba."))
    c = art("c", sec("Three", "Iran alone."), sec("Four", "Iran again."))
    site = site_of(a, b, c)
    assert [e.slug for e in compare_entities(site)] == ["china", "iran", "russia"]
    files = render_site(site, make_environment(Path("/nonexistent")))
    assert {p for p in files if p.startswith("compare/")} == {
        "compare/china/index.html", "compare/iran/index.html", "compare/russia/index.html"}
    view = compare_view(site, site.entity("russia"))
    assert [c.article.slug for c in view.columns] == ["a", "b"]
    assert [e.slug for e in view.shared] == ["china"]
    assert [[e.slug for e in c.distinct] for c in view.columns] == [["iran"], ["cuba"]]
    assert view.columns[0].sections[0].sentences == ("Russia and China and Iran.",)


def test_compare_view_keeps_the_articles_that_mention_it_most_in_reading_order():
    from summitsite.views import COMPARE_LIMIT
    # Article k mentions Russia k times (at least once); reading order is by title: a00, a01, ...
    articles = [art(f"a{k:02d}", sec("S", " ".join(["Russia."] * max(1, k % 7)) + (" Cuba." if k == 3 else "")))
                for k in range(COMPARE_LIMIT + 8)]
    site = site_of(*articles)
    view = compare_view(site, site.entity("russia"))
    counts = {a.slug: max(1, int(a.slug[1:]) % 7) for a in articles}
    expected = sorted(sorted(counts, key=lambda s: (-counts[s], s))[:COMPARE_LIMIT])
    assert [c.article.slug for c in view.columns] == expected
    assert view.total == COMPARE_LIMIT + 8
    html = render_site(site, make_environment(Path("/nonexistent")))["compare/russia/index.html"].decode()
    assert f"The {COMPARE_LIMIT} articles that mention Russia most, of {COMPARE_LIMIT + 8}" in html
    assert html.count('class="compare-column"') == COMPARE_LIMIT
    small = site_of(*articles[:3])
    assert "compare-cut" not in render_site(small, make_environment(Path("/nonexistent")))[
        "compare/russia/index.html"].decode()


def test_an_entity_page_charts_and_counts_the_articles_that_mention_it_most(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(views, "COUNTS_LIMIT", 4)
    # Article k mentions Russia 1 + k % 3 times; reading order is by title: a00, a01, ...
    articles = [art(f"a{k:02d}", sec("S", " ".join(["Russia."] * (1 + k % 3)))) for k in range(9)]
    site = site_of(*articles)
    view = views.entity_view(site, site.entity("russia"))
    counts = {a.slug: 1 + int(a.slug[1:]) % 3 for a in articles}
    expected = sorted(sorted(counts, key=lambda s: (-counts[s], s))[:4])  # a02, a05, a08, then a01
    assert [(a.slug, n) for a, n in view.counts] == [(s, counts[s]) for s in expected] == [
        ("a01", 2), ("a02", 3), ("a05", 3), ("a08", 3)]
    assert (view.counted, view.mentions) == (9, sum(counts.values()))
    html = render_site(site, make_environment(Path("/nonexistent")))["entities/russia/index.html"].decode()
    table = html.split('class="mention-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 5  # the header and four articles
    assert "The 4 articles that mention Russia most, of the 9 that mention it 18 times in all" in html
    assert "Russia is mentioned 18 times in 9 articles; the 4 that mention it most: A01: 2; A02: 3;" in html
    assert html.count('class="chart-s0"') == 4
    monkeypatch.setattr(views, "COUNTS_LIMIT", 9)
    html = render_site(site, make_environment(Path("/nonexistent")))["entities/russia/index.html"].decode()
    assert "count-note" not in html and "Russia is mentioned 18 times in 9 articles: A00: 1;" in html


def test_the_entity_index_chart_is_split_by_the_articles_that_mention_most_and_the_rest():
    from summitsite import charts
    articles = [art(f"a{k:02d}", sec("S", " ".join(["Russia."] * (1 + k % 4) + ["China."] * (k % 2))))
                for k in range(10)]
    site = site_of(*articles)
    chart = charts.index_bars(site)
    per = {a.slug: (1 + int(a.slug[1:]) % 4) + int(a.slug[1:]) % 2 for a in articles}
    top = sorted(sorted(per, key=lambda s: (-per[s], s))[:charts.INDEX_SERIES_LIMIT])
    assert chart.series == (*(s.title() for s in top), charts.OTHER_ARTICLES)
    russia, china = chart.bars
    assert (russia.label, russia.total, china.label, china.total) == ("Russia", 23, "China", 5)
    assert russia.values[-1] == sum(1 + int(s[1:]) % 4 for s in per if s not in top)
    assert "in the 5 articles that mention them most, and the 5 others together: Russia: 23; China: 5." in chart.desc
    small = charts.index_bars(site_of(*articles[:charts.INDEX_SERIES_LIMIT + 1]))
    assert charts.OTHER_ARTICLES not in small.series and len(small.series) == charts.INDEX_SERIES_LIMIT + 1


# --- FAQ hub ----------------------------------------------------------------------------------------------

def faq_article(slug: str, *faqs: Faq) -> object:
    return art(slug, Section("FAQ", 2, "faq", 2, (FaqBlock(tuple(faqs), 3),)))


def test_faq_hub_groups_by_article_and_by_entity():
    a = faq_article("a", Faq("Why Russia?", "Because.", "faq-why", 3), Faq("Who?", "China.", "faq-who", 4))
    b = faq_article("b", Faq("Where?", "Russia and China.", "faq-where", 3))
    site = site_of(a, b)
    hub = faq_hub(site)
    assert [(art.slug, [e.faq.anchor for e in entries]) for art, entries in hub.by_article] == [
        ("a", ["faq-why", "faq-who"]), ("b", ["faq-where"])]
    assert [(e.slug, [(x.article.slug, x.faq.anchor) for x in entries]) for e, entries in hub.by_entity] == [
        ("china", [("a", "faq-who"), ("b", "faq-where")]), ("russia", [("a", "faq-why"), ("b", "faq-where")])]
    html = render_site(site, make_environment(Path("/nonexistent")))["faq/index.html"].decode()
    assert 'href="../articles/a/index.html#faq-why"' in html
    ids = [part.split('"')[0] for part in html.split(' id="')[1:]]
    assert len(ids) == len(set(ids))


def test_the_faq_hub_is_cut_into_pages_of_whole_articles(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(views, "FAQ_PAGE_ARTICLES", 2)
    articles = [faq_article(f"a{i}", Faq(f"Why Russia {i}?", "Because.", f"faq-why-{i}", 3),
                            Faq(f"Who {i}?", "China.", f"faq-who-{i}", 4)) for i in range(5)]
    site = site_of(*articles, art("plain", sec("S", "No questions here.")))
    assert views.faq_pages(site) == 3
    pages = [faq_hub(site, n) for n in (1, 2, 3)]
    assert [[a.slug for a, _ in hub.by_article] for hub in pages] == [["a0", "a1"], ["a2", "a3"], ["a4"]]
    assert [(hub.page, hub.pages) for hub in pages] == [(1, 3), (2, 3), (3, 3)]
    # By entity, each page lists its own questions only, so that its links stay on the page.
    assert [(e.slug, [x.faq.anchor for x in entries]) for e, entries in pages[2].by_entity] == [
        ("china", ["faq-who-4"]), ("russia", ["faq-why-4"])]
    files = render_site(site, make_environment(Path("/nonexistent")))
    paths = ["faq/index.html", "faq/page/2/index.html", "faq/page/3/index.html"]
    assert sorted(p for p in files if p.startswith("faq/")) == sorted(paths)
    for number, path in enumerate(paths, start=1):
        html = files[path].decode()
        assert f"<title>Frequently asked questions (page {number} of 3) — " in html
        ids = {part.split('"')[0] for part in html.split(' id="')[1:]}
        for target in (part.split('"')[0] for part in html.split('href="#')[1:]):
            assert target in ids, (path, target)
        nav = html.split('<nav class="pager"')[1].split("</nav>")[0]
        targets = [posixpath.normpath(posixpath.join(posixpath.dirname(path), part.split('"')[0]))
                   for part in nav.split('href="')[1:]]
        assert targets == [p for p in (paths[number - 2] if number > 1 else None,
                                       paths[number] if number < 3 else None) if p], path
    assert 'rel="prev"' not in files["faq/index.html"].decode().split('<nav class="pager"')[1]


def test_an_entity_page_is_cut_into_pages_of_whole_articles(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(views, "ENTITY_PAGE_ARTICLES", 2)
    articles = [art(f"a{i}", sec("One", f"Russia once {i}."), sec("Two", f"Russia and China twice {i}.", "Russia."))
                for i in range(5)]
    site = site_of(*articles, art("plain", sec("S", "China alone.")))
    russia = site.entity("russia")
    assert views.entity_pages(site, russia) == 3 and views.entity_pages(site, site.entity("iran")) == 1
    pages = [views.entity_view(site, russia, n) for n in (1, 2, 3)]
    slugs = [a.slug for a in site.articles if a.slug != "plain"]
    assert [[m.article.slug for m in view.articles] for view in pages] == [slugs[0:2], slugs[2:4], slugs[4:]]
    whole = index_mentions(site.articles, ENTITIES).by_entity["russia"]
    assert [s for view in pages for m in view.articles for s in m.sections] == list(whole)
    assert [m.count for view in pages for m in view.articles] == [3] * 5
    # The first page counts every article and names the entities alongside; the others only quote.
    assert [(a.slug, n) for a, n in pages[0].counts] == [(slug, 3) for slug in slugs]
    assert pages[0].co_mentions and not pages[1].counts and not pages[1].co_mentions
    files = render_site(site, make_environment(Path("/nonexistent")))
    paths = ["entities/russia/index.html", "entities/russia/page/2/index.html", "entities/russia/page/3/index.html"]
    assert sorted(p for p in files if p.startswith("entities/russia/")) == paths
    for number, path in enumerate(paths, start=1):
        html = files[path].decode()
        assert f"<title>Russia (page {number} of 3) — " in html
        assert ('id="counts"' in html) == (number == 1)
        nav = html.split('<nav class="pager"')[1].split("</nav>")[0]
        targets = [posixpath.normpath(posixpath.join(posixpath.dirname(path), part.split('"')[0]))
                   for part in nav.split('href="')[1:]]
        assert targets == [p for p in (paths[number - 2] if number > 1 else None,
                                       paths[number] if number < 3 else None) if p], path
    assert views.entity_pages(site, site.entity("china")) == 3  # five articles with Russia, and one alone
    assert 'class="pager"' not in files["entities/iran/index.html"].decode()


def test_a_site_without_questions_has_one_faq_page_saying_so():
    site = site_of(art("plain", sec("S", "No questions here.")))
    assert views.faq_pages(site) == 1
    html = render_site(site, make_environment(Path("/nonexistent")))["faq/index.html"].decode()
    assert "No article has a frequently-asked-questions section yet." in html and 'class="pager"' not in html


def test_each_faq_is_structured_data_once_on_its_article_page_only():
    # Search engines ask for one FAQPage mark-up per question on a site: the hub repeats the articles' FAQs,
    # and on a big site its mark-up alone was megabytes (and a page worker's peak memory).
    a = faq_article("a", Faq("Why Russia?", "Because.", "faq-why", 3), Faq("Who?", "China.", "faq-who", 4))
    b = faq_article("b", Faq("Where?", "Russia and China.", "faq-where", 3))
    files = render_site(site_of(a, b, base_url="https://example.org/"), make_environment(Path("/nonexistent")))
    marked: dict[str, list[str]] = {}
    for path, data in files.items():
        if path.endswith(".html"):
            for block in data.decode().split('<script type="application/ld+json">')[1:]:
                ld = json.loads(block.split("</script>")[0])
                if ld["@type"] == "FAQPage":
                    marked.setdefault(path, []).extend(q["name"] for q in ld["mainEntity"])
    assert marked == {"articles/a/index.html": ["Why Russia?", "Who?"], "articles/b/index.html": ["Where?"]}


# --- topics -----------------------------------------------------------------------------------------------

def test_topics_merge_tags_with_the_same_slug():
    site = site_of(art("a", tags=["North Korea"]), art("b", tags=["north-korea", "Trade"]))
    assert [(t.name, t.slug, t.articles) for t in site.topics] == [
        ("North Korea", "north-korea", ("a", "b")), ("Trade", "trade", ("b",))]


# --- escaping ---------------------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script>" onmouseover="x'


def test_hostile_entity_names_descriptions_and_tags_are_escaped():
    evil = Entity(HOSTILE, "evil", "person", ("Evil & Co",), HOSTILE)
    a = art("a", sec("S", f"{HOSTILE} met Evil & Co. Then Russia."), lede="Russia.")
    a = dataclasses.replace(a, meta=ArticleMeta(tags=(HOSTILE,)))
    b = art("b", sec("S", "Evil & Co and Russia again."))
    site = site_of(a, b, entities=(evil, ent("Russia")))
    files = render_site(site, make_environment(Path("/nonexistent")))
    assert "entities/evil/index.html" in files and "compare/evil/index.html" in files
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        html = data.decode()
        for block in html.split('<script type="application/ld+json">')[1:]:
            assert "<" not in block.split("</script>")[0], path
        body = html.split("</head>")[1]
        assert "<script" not in body and "onmouseover=\"" not in body, path
    article = files["articles/a/index.html"].decode()
    assert '<a class="entity" href="../../entities/evil/index.html">&lt;script&gt;alert(1)' in article
    other = files["articles/b/index.html"].decode()
    assert '<a class="entity" href="../../entities/evil/index.html">Evil &amp; Co</a>' in other


# --- content pages: kind and template ---------------------------------------------------------------------

def test_content_page_kind_and_template(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "wide.html").write_text('{% extends "page.html" %}', encoding="utf-8")
    (tmp_path / "content").mkdir()
    path = tmp_path / "content" / "x.md"
    path.write_text("---\ntitle: X\nkind: article\ntemplate: wide.html\n---\nBody\n", encoding="utf-8")
    page = load_page(path, tmp_path)
    assert (page.kind, page.template) == ("article", "wide.html")


@pytest.mark.parametrize("front, message, line", [
    ("template: ../secret.html", "must be a file name", 3),
    ("template: missing.html", "not found", 3),
    ("template: page.txt", "must be a file name", 3),
    ("kind: post", "'kind' must be 'page' or 'article'", 3),
])
def test_content_page_bad_options_name_the_line(tmp_path, front, message, line):
    (tmp_path / "content").mkdir()
    path = tmp_path / "content" / "x.md"
    path.write_text(f"---\ntitle: X\n{front}\n---\nBody\n", encoding="utf-8")
    with pytest.raises(SummitError) as info:
        load_page(path, tmp_path)
    (problem,) = info.value.diagnostics
    assert message in problem.message and problem.format().startswith(f"content/x.md:{line}:")
