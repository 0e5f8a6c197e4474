"""The dev server's fast pass: an edited article's own page, from the last build's analysis, before the rebuild.

After a change the dev server rebuilds the whole site in memory, and most of that time (at 1,000 articles,
well over a second) is whole-site work: loading and analysing every article and fingerprinting every page.
Like Hugo's "fast render mode", it first renders what the edit is about. A save that changes only the text of
seeds and keeps each article's slug, title and metadata (`keeps_place`) moves no page: every URL, the reading
order, prev/next links and topics stay as they were. The edited articles' pages are then rendered from the last
build's `Site` with the new articles, and their mentions, swapped in (`edited_site`); the related articles and
everything the other articles contribute are the last build's.

That page is what a full build gives unless the edit changed something whole-site that the page shows (say the
related articles, after the article's set of entities changed). The dev server therefore runs the full build
right after, and serves what it gives; see `livesite.LiveSite.rebuild`.

Pure: a `Site`, the edited articles, their scans and a Jinja environment in, {output path: bytes} out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import jinja2

from summitsite.analyse import Site
from summitsite.mentions import ArticleScan, replace_article
from summitsite.model import Article
from summitsite.render import article_job, page_context, render_page


def keeps_place(old: Article, new: Article) -> bool:
    """`new` can stand in for `old` without moving any page: same file, URL, title and metadata.

    The reading order is by date, title and file; the URL is the slug (`old` is the analysed article, so a
    slug the analysis renamed to keep it unique never matches); tags, draft and the rest are the metadata.
    """
    return new.source == old.source and new.slug == old.slug and new.title == old.title and new.meta == old.meta


def edited_site(site: Site, edits: Mapping[int, Article], scans: Mapping[int, ArticleScan] | None) -> Site:
    """`site` with `site.articles[i]` replaced by `edits[i]`, each keeping its place (`keeps_place`).

    `scans` are the edited articles' mention scans; None when the site has no entities (then no article
    mentions anything). The related articles and topics are left as they were.
    """
    articles = list(site.articles)
    for i, article in edits.items():
        articles[i] = article
    new = tuple(articles)
    mentions = site.mentions
    if scans is not None:
        for i in edits:
            mentions = replace_article(mentions, new, i, scans[i])
    return dataclasses.replace(site, articles=new, mentions=mentions)


def edited_pages(env: jinja2.Environment, site: Site, positions: tuple[int, ...]) -> dict[str, bytes]:
    """The pages of `site.articles[i]` for each `i` in `positions`, as `render_files` renders them."""
    pages = {}
    for i in positions:
        job = article_job(site, i)
        pages[job.path] = render_page(env, site, job, page_context(site, job))
    return pages
