"""Where each kind of page lives in the output, and relative links between pages.

Output paths are POSIX paths relative to the output folder. Internal links are always relative and point
at files (`articles/x/index.html`, not `articles/x/`), so a site works under any subpath and from file://.
"""

from __future__ import annotations

import functools
import posixpath
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
    if not target:
        href = ""
    else:
        start = posixpath.dirname(from_path) or "."
        href = posixpath.relpath(target, start)
        if target.endswith("/") and not href.endswith("/"):
            href += "/"
    href = quote(href, safe="/.-_~")
    if fragment:
        href += "#" + quote(fragment, safe="-_.~")
    return href or "#"


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
