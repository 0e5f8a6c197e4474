"""The machine-readable files of a published site: the Atom feed, `sitemap.xml` and `robots.txt`.

Pure: a `Site` (and, for the sitemap, the rendered pages) in, bytes out. The XML is built with
ElementTree, which escapes every text and attribute value, so no input can break out of its element.

Dates are never invented and never read from the clock, so two builds of the same input are
byte-identical. Atom requires an `updated` instant on every entry: a dated article uses its date
(midnight UTC); an undated one uses the build's fallback instant, which is `SOURCE_DATE_EPOCH` when that is
set (the reproducible-builds convention for "the time of this build") and otherwise 1970-01-01T00:00:00Z,
a value no reader mistakes for a real date. Undated entries get no `published` element.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote

from summitsite import urls
from summitsite.analyse import Site
from summitsite.errors import error
from summitsite.model import Article
from summitsite.slugs import make_slug

FEED_PATH = "feed.xml"
SITEMAP_PATH = "sitemap.xml"
ROBOTS_PATH = "robots.txt"
NOT_FOUND_PATH = "404.html"

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

# Tag URIs (RFC 4151) name things without a web address. "summitsite,2024" is the authority used for
# every site that has no base_url; the site's own title (as a slug) keeps two such sites apart.
TAG_AUTHORITY = "tag:summitsite,2024:"

# Characters XML 1.0 cannot carry at all, not even escaped (C0 controls except tab/LF/CR, surrogates, FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def fallback_time(environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The instant used where a date is required but unknown: `SOURCE_DATE_EPOCH`, or 1970-01-01 UTC."""
    environ = os.environ if environ is None else environ
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return EPOCH
    if not value.isdigit():
        raise error(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01, not {value!r}",
                    code="bad-source-date-epoch")
    try:
        return EPOCH + dt.timedelta(seconds=int(value))
    except OverflowError:
        raise error(f"SOURCE_DATE_EPOCH is out of range: {value!r}", code="bad-source-date-epoch") from None


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_instant(date: dt.date) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)


def feed_order(articles: tuple[Article, ...]) -> list[Article]:
    """Newest first; undated articles after every dated one; ties by title, then by source file."""
    return sorted(articles, key=lambda a: (a.meta.date is None, -(a.meta.date.toordinal()) if a.meta.date else 0,
                                           a.title.casefold(), a.title, a.source))


def _site_tag(site: Site) -> str:
    return TAG_AUTHORITY + quote(make_slug(site.config.title, fallback="site"), safe="-._~")


def _href(site: Site, path: str) -> str:
    """An absolute URL under base_url, or a path relative to the feed (which sits at the site's root)."""
    if site.config.base_url:
        return urls.absolute_url(site.config.base_url, path)
    return urls.relative_url(FEED_PATH, path)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


@dataclass(frozen=True)
class FeedSource:
    """Everything the Atom feed shows, as plain values: equal sources make byte-identical feeds, so the build
    keeps the last feed while its source is unchanged (an edit of an article's body changes nothing here)."""

    id: str
    title: str
    subtitle: str
    language: str
    self_href: str
    home_href: str
    entries: tuple[tuple[str, str, str, bool, str, str, tuple[str, ...], str], ...]
    """(id, title, updated, dated, author, href, tags, summary) of each article, newest first."""
    updated: str


def feed_source(site: Site, fallback: dt.datetime = EPOCH) -> FeedSource:
    """What `atom_feed` shows of `site`."""
    config = site.config
    tag_base = f"{_site_tag(site)}/"
    entries = []
    newest = None
    listed = feed_order(site.articles)
    for article in listed[:config.feed_items] if config.feed_items else listed:
        path = urls.article_path(article.slug)
        date = article.meta.date
        updated = _date_instant(date) if date else fallback
        newest = updated if newest is None or updated > newest else newest
        entries.append((urls.absolute_url(config.base_url or tag_base, path), article.title, _instant(updated),
                        date is not None, article.meta.author or config.title, _href(site, path),
                        article.meta.tags, (article.meta.summary or article.lede).strip()))
    # The feed changed when its newest entry did: a property of the content, not of the build's clock.
    return FeedSource(config.base_url if config.base_url else _site_tag(site), config.title, config.description,
                      config.language, _href(site, FEED_PATH), _href(site, urls.INDEX), tuple(entries),
                      _instant(newest if newest is not None else fallback))


def atom_feed(site: Site, fallback: dt.datetime = EPOCH) -> bytes:
    """The Atom (RFC 4287) feed of the newest articles (`SiteConfig.feed_items`), newest first."""
    return atom_xml(feed_source(site, fallback))


def atom_xml(source: FeedSource) -> bytes:
    """The Atom feed of `source` (`feed_source`)."""
    # The namespace is written as a plain attribute, so ElementTree needs no (global) prefix registration.
    feed = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: source.language})
    _sub(feed, "id", source.id)
    _sub(feed, "title", source.title)
    if source.subtitle:
        _sub(feed, "subtitle", source.subtitle)
    _sub(feed, "updated", source.updated)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=source.self_href)
    _sub(feed, "link", rel="alternate", type="text/html", href=source.home_href)
    _sub(feed, "generator", "summitsite")
    for id_, title, updated, dated, author, href, tags, summary in source.entries:
        entry = _sub(feed, "entry")
        _sub(entry, "id", id_)
        _sub(entry, "title", title)
        _sub(entry, "updated", updated)
        if dated:
            _sub(entry, "published", updated)
        _sub(_sub(entry, "author"), "name", author)
        _sub(entry, "link", rel="alternate", type="text/html", href=href)
        for tag in tags:
            _sub(entry, "category", term=tag)
        if summary:
            _sub(entry, "summary", summary, type="text")
    return _serialise(feed)


class _RobotsMeta(HTMLParser):
    """Finds `<meta name="robots" content="...noindex...">`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.noindex = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {k: (v or "") for k, v in attrs}
        if values.get("name", "").lower() == "robots" and "noindex" in values.get("content", "").lower():
            self.noindex = True


def _noindex(html: bytes) -> bool:
    # Most pages never say "noindex" at all, and parsing each whole page to find that out was most of the
    # time of a build with a sitemap. (A lower-cased copy searched is five times as fast as a regex search
    # that ignores case.)
    if b"noindex" not in html.lower():
        return False
    parser = _RobotsMeta()
    parser.feed(html.decode("utf-8", errors="replace"))
    parser.close()
    return parser.noindex


def noindex_pages(files: Mapping[str, bytes], known: Mapping[str, bool] | None = None) -> set[str]:
    """The HTML pages in `files` marked `noindex` (404.html, which no sitemap lists, is not looked at).
    `known` answers for pages whose bytes were checked before (the build's pages kept from the last
    output), so that they are not read again."""
    known = known or {}
    found = set()
    for path in files:
        if path.endswith(".html") and path != NOT_FOUND_PATH:
            noindex = known.get(path)
            if noindex if noindex is not None else _noindex(files[path]):
                found.add(path)
    return found


def sitemap_pages(files: Mapping[str, bytes], noindex: Collection[str] | None = None) -> list[str]:
    """The pages a sitemap lists: every HTML page except 404.html and pages marked `noindex`, sorted.

    `noindex` is `noindex_pages(files)`, when the caller has it."""
    noindex = noindex_pages(files) if noindex is None else noindex
    return sorted(path for path in files if path.endswith(".html") and path != NOT_FOUND_PATH and path not in noindex)


def sitemap(site: Site, files: Mapping[str, bytes], noindex: Collection[str] | None = None) -> bytes | None:
    """`sitemap.xml` for the rendered pages in `files`, or None without a base_url (it needs absolute URLs)."""
    base = site.config.base_url
    if not base:
        return None
    dates = {urls.article_path(a.slug): a.meta.date for a in site.articles if a.meta.date}
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for loc, path in sorted((urls.absolute_url(base, path), path) for path in sitemap_pages(files, noindex)):
        url = _sub(urlset, "url")
        _sub(url, "loc", loc)
        if path in dates:
            _sub(url, "lastmod", dates[path].isoformat())
    return _serialise(urlset)


def robots_txt(site: Site) -> bytes:
    """`robots.txt`: allow everything, and name the sitemap when there is one."""
    lines = ["User-agent: *", "Disallow:", ""]
    base = site.config.base_url
    if base:
        lines.append(f"Sitemap: {urls.absolute_url(base, SITEMAP_PATH)}")
    else:
        lines.append("# No Sitemap line: base_url is not set, and a sitemap needs absolute URLs.")
    return ("\n".join(lines) + "\n").encode("utf-8")


def feed_files(site: Site, files: Mapping[str, bytes], fallback: dt.datetime = EPOCH,
               make_atom: Callable[[FeedSource], bytes] = atom_xml,
               noindex: Collection[str] | None = None) -> dict[str, bytes]:
    """feed.xml, robots.txt and (with a base_url) sitemap.xml, for the rendered pages in `files`.

    `make_atom` replaces `atom_xml` (the build's answer from its cache); `noindex` is `noindex_pages(files)`,
    when the caller has it."""
    out = {FEED_PATH: make_atom(feed_source(site, fallback)), ROBOTS_PATH: robots_txt(site)}
    map_ = sitemap(site, files, noindex)
    if map_ is not None:
        out[SITEMAP_PATH] = map_
    return out
