"""Where each kind of page lives in the output, and relative links between pages.

Output paths are POSIX paths relative to the output folder. Internal links are always relative and point
at files (`articles/x/index.html`, not `articles/x/`), so a site works under any subpath and from file://.
"""

from __future__ import annotations

import functools
from urllib.parse import quote, urlsplit

INDEX = "index.html"


def article_path(slug: str) -> str:
    return f"articles/{slug}/index.html"


def page_path(slug: str) -> str:
    return f"{slug}/index.html"


@functools.lru_cache(maxsize=65536)
def relative_url(from_path: str, to_path: str) -> str:
    """The relative href from the page at `from_path` to `to_path` (which may carry a #fragment)."""
    target, _, fragment = to_path.partition("#")
    href = _relative_path(from_path, target) if target else ""
    href = _quote_path(href)
    if fragment:
        href += "#" + quote_fragment(fragment)
    return href or "#"


def quote_fragment(fragment: str) -> str:
    """A fragment (a heading's anchor) as it appears after the `#` of a link."""
    return quote(fragment, safe="-_.~")


@functools.lru_cache(maxsize=4096)
def _quote_path(href: str) -> str:
    return quote(href, safe="/.-_~")


def _relative_path(from_path: str, target: str) -> str:
    """`posixpath.relpath(target, dirname(from_path))` for the output's clean relative paths.

    A build asks for hundreds of thousands of links; relpath normalises both paths against the working
    folder first, which made it the single largest cost of rendering. Output paths are already normal
    (no `.`, `..` or doubled slashes), so comparing their segments gives the same answer.
    """
    start = from_path.split("/")[:-1]
    parts = target.split("/")
    trailing = target.endswith("/")
    if trailing:
        parts = parts[:-1]
    common = 0
    for a, b in zip(start, parts, strict=False):  # the paths differ in length
        if a != b:
            break
        common += 1
    href = "/".join([".."] * (len(start) - common) + parts[common:]) or "."
    if trailing and not href.endswith("/"):
        href += "/"
    return href


def absolute_url(base_url: str, path: str) -> str:
    """`path` under the site's `base_url`; folders end in `/`, so `x/index.html` becomes `x/`."""
    if path == INDEX:
        path = ""
    elif path.endswith("/" + INDEX):
        path = path[: -len(INDEX)]
    return base_url + quote(path, safe="/.-_~#")


def root_path(base_url: str) -> str:
    """The path of the site's root on its host: `/news/` for https://example.org/news/, `/` without one.

    Pages served at an unknown depth (404.html) link root-relative under it; the link checker resolves
    root-relative links against it.
    """
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"
