"""Tests for summitsite.feeds: the Atom feed (checked against RFC 4287's schema), sitemap.xml and robots.txt."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from lxml import etree

from conftest import DATA
from summitsite import feeds
from summitsite.analyse import Site
from summitsite.config import SiteConfig
from summitsite.errors import SummitError
from summitsite.model import Article, ArticleMeta

A = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOSTILE = '<script>alert("x")</script> & ]]> \'quotes\' </title><entry>'


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))


def article(slug: str, title: str, date: dt.date | None = None, **meta) -> Article:
    return Article(source=f"seeds/{slug}.txt", title=title, slug=slug, lede=f"The lede of {title}.", intro=(),
                   sections=(), toc=(), truncated=False, meta=ArticleMeta(date=date, **meta))


def site(*articles: Article, **config) -> Site:
    return Site(SiteConfig(**config), tuple(articles), ())


def parse_feed(data: bytes, schema: etree.RelaxNG) -> etree._Element:
    doc = etree.fromstring(data)
    assert schema.validate(doc), schema.error_log
    # The schema's Schematron rules (RELAX NG ignores them) and the RFC's prose rules, as plain assertions.
    for entry in doc.iter(f"{A}entry"):
        assert entry.find(f"{A}author/{A}name") is not None or doc.find(f"{A}author") is not None
        assert entry.find(f"{A}link[@rel='alternate']") is not None
    for id_ in doc.iter(f"{A}id"):
        assert urlsplit(id_.text).scheme, f"atom:id must be an absolute IRI, not {id_.text!r}"
    ids = [e.text for e in doc.iter(f"{A}id")]
    assert len(ids) == len(set(ids))
    return doc


def entries(doc: etree._Element) -> list[etree._Element]:
    return doc.findall(f"{A}entry")


def test_feed_is_valid_atom_with_base_url(atom_schema):
    data = feeds.atom_feed(site(article("a", "Alpha", dt.date(2024, 3, 2), tags=("Energy", "SCO")),
                                title="Summit Watch", description="About the summit",
                                base_url="https://example.org/news/"))
    doc = parse_feed(data, atom_schema)
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"')
    assert doc.findtext(f"{A}id") == "https://example.org/news/"
    assert doc.find(f"{A}link[@rel='self']").get("href") == "https://example.org/news/feed.xml"
    assert doc.find(f"{A}link[@rel='alternate']").get("href") == "https://example.org/news/"
    assert doc.findtext(f"{A}subtitle") == "About the summit"
    (entry,) = entries(doc)
    assert entry.findtext(f"{A}id") == "https://example.org/news/articles/a/"
    assert entry.find(f"{A}link").get("href") == "https://example.org/news/articles/a/"
    assert entry.findtext(f"{A}updated") == entry.findtext(f"{A}published") == "2024-03-02T00:00:00Z"
    assert [c.get("term") for c in entry.iter(f"{A}category")] == ["Energy", "SCO"]
    assert entry.findtext(f"{A}summary") == "The lede of Alpha."
    assert entry.findtext(f"{A}author/{A}name") == "Summit Watch"


def test_feed_without_base_url_uses_tag_ids_and_relative_links(atom_schema):
    doc = parse_feed(feeds.atom_feed(site(article("a", "Alpha"), title="Summit Watch")), atom_schema)
    assert doc.findtext(f"{A}id") == "tag:summitsite,2024:summit-watch"
    assert doc.find(f"{A}link[@rel='self']").get("href") == "feed.xml"
    (entry,) = entries(doc)
    assert entry.findtext(f"{A}id") == "tag:summitsite,2024:summit-watch/articles/a/"
    # Relative to the feed, which sits at the site's root next to index.html.
    assert entry.find(f"{A}link").get("href") == "articles/a/index.html"


def test_hostile_text_is_escaped_and_survives_a_round_trip(atom_schema):
    data = feeds.atom_feed(site(article("a", HOSTILE + "\x01\x0b", summary=HOSTILE, author=HOSTILE,
                                        tags=(HOSTILE,)), title=HOSTILE, description=HOSTILE))
    assert b"<script>" not in data and b"</title><entry>" not in data
    doc = parse_feed(data, atom_schema)
    (entry,) = entries(doc)
    assert doc.findtext(f"{A}title") == HOSTILE
    # Control characters XML cannot carry are dropped, not written raw (that would make the feed unreadable).
    assert entry.findtext(f"{A}title") == HOSTILE
    assert entry.findtext(f"{A}summary") == HOSTILE
    assert entry.findtext(f"{A}author/{A}name") == HOSTILE
    assert entry.find(f"{A}category").get("term") == HOSTILE


def test_entries_newest_first_then_by_title_and_undated_last(atom_schema):
    day1, day2 = dt.date(2024, 1, 1), dt.date(2024, 6, 1)
    articles = [article("u2", "Zulu undated"), article("o", "Old", day1), article("b", "bravo", day2),
                article("u1", "Alpha undated"), article("a", "Alpha", day2)]
    doc = parse_feed(feeds.atom_feed(site(*articles)), atom_schema)
    assert [e.findtext(f"{A}title") for e in entries(doc)] == [
        "Alpha", "bravo", "Old", "Alpha undated", "Zulu undated"]
    assert doc.findtext(f"{A}updated") == "2024-06-01T00:00:00Z"


def test_the_feed_lists_the_newest_feed_items_articles_and_zero_lists_all(atom_schema):
    articles = [article(f"a{i}", f"Article {i:03}", dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(130)]
    titles = [e.findtext(f"{A}title") for e in entries(parse_feed(feeds.atom_feed(site(*articles)), atom_schema))]
    assert titles == [f"Article {i:03}" for i in range(129, 29, -1)]  # the default: the newest 100
    doc = parse_feed(feeds.atom_feed(site(*articles, feed_items=3)), atom_schema)
    assert [e.findtext(f"{A}title") for e in entries(doc)] == ["Article 129", "Article 128", "Article 127"]
    assert doc.findtext(f"{A}updated") == "2024-05-09T00:00:00Z"
    assert len(entries(parse_feed(feeds.atom_feed(site(*articles, feed_items=0)), atom_schema))) == 130


def test_undated_articles_get_no_invented_date(atom_schema):
    doc = parse_feed(feeds.atom_feed(site(article("u", "Undated"))), atom_schema)
    (entry,) = entries(doc)
    assert entry.find(f"{A}published") is None
    # Atom requires <updated>; without SOURCE_DATE_EPOCH it is the epoch, which no reader takes for a real date.
    assert entry.findtext(f"{A}updated") == "1970-01-01T00:00:00Z"
    assert doc.findtext(f"{A}updated") == "1970-01-01T00:00:00Z"


def test_source_date_epoch_is_the_fallback_instant(atom_schema):
    fallback = feeds.fallback_time({"SOURCE_DATE_EPOCH": "1700000000"})
    assert fallback == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    doc = parse_feed(feeds.atom_feed(site(article("u", "Undated"), article("d", "Dated", dt.date(2020, 1, 1))),
                                     fallback), atom_schema)
    undated = next(e for e in entries(doc) if e.findtext(f"{A}title") == "Undated")
    dated = next(e for e in entries(doc) if e.findtext(f"{A}title") == "Dated")
    assert undated.findtext(f"{A}updated") == "2023-11-14T22:13:20Z"
    assert undated.find(f"{A}published") is None
    assert dated.findtext(f"{A}updated") == "2020-01-01T00:00:00Z"
    assert doc.findtext(f"{A}updated") == "2023-11-14T22:13:20Z"


def test_fallback_time_defaults_to_the_epoch_and_rejects_garbage():
    assert feeds.fallback_time({}) == feeds.EPOCH
    assert feeds.fallback_time({"SOURCE_DATE_EPOCH": ""}) == feeds.EPOCH
    with pytest.raises(SummitError, match="SOURCE_DATE_EPOCH must be a whole number"):
        feeds.fallback_time({"SOURCE_DATE_EPOCH": "yesterday"})
    with pytest.raises(SummitError, match="out of range"):
        feeds.fallback_time({"SOURCE_DATE_EPOCH": "9" * 30})


def test_feed_is_deterministic():
    s = site(article("a", "Alpha", dt.date(2024, 3, 2)), article("b", "Beta"), base_url="https://e.org/")
    assert feeds.atom_feed(s) == feeds.atom_feed(s)


PAGES = {
    "index.html": b"<!DOCTYPE html><html><head><title>t</title></head><body></body></html>",
    "articles/a/index.html": b"<html><body>a</body></html>",
    "about/index.html": b"<html><body>about</body></html>",
    "404.html": b"<html><body>not found</body></html>",
    "search/index.html": b'<html><head><meta name="robots" content="noindex, follow"></head><body></body></html>',
    "static/style.css": b"body{}",
    "feed.xml": b"<feed/>",
}


def test_sitemap_lists_every_indexable_page_with_absolute_urls():
    s = site(article("a", "Alpha", dt.date(2024, 3, 2)), base_url="https://example.org/news/")
    doc = etree.fromstring(feeds.sitemap(s, PAGES))
    assert doc.tag == f"{SM}urlset"
    urls = [(u.findtext(f"{SM}loc"), u.findtext(f"{SM}lastmod")) for u in doc.iter(f"{SM}url")]
    assert urls == [
        ("https://example.org/news/", None),
        ("https://example.org/news/about/", None),
        ("https://example.org/news/articles/a/", "2024-03-02"),
    ]


def test_only_pages_that_say_noindex_are_parsed_for_the_robots_meta(monkeypatch: pytest.MonkeyPatch):
    parsed: list[bytes] = []
    real = feeds._RobotsMeta

    class Counting(real):  # type: ignore[misc,valid-type]
        def feed(self, data: str) -> None:
            parsed.append(data)
            super().feed(data)

    monkeypatch.setattr(feeds, "_RobotsMeta", Counting)
    pages = {**PAGES, "about/index.html": b"<html><body>Why NOINDEX is not in a meta here</body></html>",
             "faq/index.html": b'<html><head><META NAME="Robots" CONTENT="NoIndex"></head></html>'}
    assert feeds.sitemap_pages(pages) == ["about/index.html", "articles/a/index.html", "index.html"]
    assert len(parsed) == 3  # the two above and the search page; not the pages that never say it


def test_pages_whose_noindex_is_known_are_not_read():
    class Unreadable(dict):
        def __getitem__(self, path: str) -> bytes:
            if path in ("index.html", "search/index.html"):
                raise AssertionError(f"{path} was read")
            return super().__getitem__(path)

    pages = Unreadable(PAGES)
    assert feeds.noindex_pages(pages, {"index.html": False, "search/index.html": True}) == {"search/index.html"}
    assert feeds.noindex_pages(PAGES) == {"search/index.html"}
    s = site(base_url="https://example.org/")
    assert feeds.sitemap(s, pages, {"search/index.html"}) == feeds.sitemap(s, PAGES)


def test_no_sitemap_without_base_url():
    assert feeds.sitemap(site(article("a", "Alpha")), PAGES) is None
    assert "sitemap.xml" not in feeds.feed_files(site(article("a", "Alpha")), PAGES)


def test_robots_txt_names_the_sitemap():
    text = feeds.robots_txt(site(base_url="https://example.org/news/")).decode()
    assert text == "User-agent: *\nDisallow:\n\nSitemap: https://example.org/news/sitemap.xml\n"


def test_robots_txt_without_base_url_explains_the_missing_sitemap():
    text = feeds.robots_txt(site()).decode()
    assert text.startswith("User-agent: *\nDisallow:\n")
    assert "Sitemap:" not in text
    assert "# No Sitemap line: base_url is not set" in text
