"""Relative links between output paths: the fast segment comparison must agree with posixpath.relpath."""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from summitsite.urls import linker, relative_url

_SEGMENT = st.sampled_from(["articles", "entities", "a", "b", "index.html", "x.png", "ü", "page"])
_PATH = st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join)
_FRAGMENT = st.sampled_from(["", "#top", "#x y", "#ü", "#a-b_c.d~e", "#%"])


def _relpath(from_path: str, target: str) -> str:
    href = posixpath.relpath(target, posixpath.dirname(from_path) or ".")
    return href + "/" if target.endswith("/") and not href.endswith("/") else href


@given(_PATH, _PATH, st.booleans())
def test_relative_url_agrees_with_relpath(from_path: str, target: str, folder: bool) -> None:
    target = target + "/" if folder else target
    expected = _relpath(from_path, target)
    assert relative_url(from_path, target) == (quote(expected, safe="/.-_~") or "#")


def test_relative_url_examples() -> None:
    assert relative_url("articles/a/index.html", "articles/b/index.html") == "../b/index.html"
    assert relative_url("index.html", "articles/a/index.html#x y") == "articles/a/index.html#x%20y"
    assert relative_url("entities/e/index.html", "index.html") == "../../index.html"
    assert relative_url("articles/a/index.html", "articles/a/index.html") == "index.html"
    assert relative_url("index.html", "#top") == "#top"
    assert relative_url("articles/a/index.html", "articles/") == "../"


@given(_PATH, _PATH, st.booleans(), _FRAGMENT)
def test_a_pages_linker_agrees_with_relative_url(from_path: str, target: str, folder: bool, fragment: str) -> None:
    target = (target + "/" if folder else target) + fragment
    assert linker(from_path)(target) == relative_url(from_path, target)
    assert linker(from_path)(fragment or "#") == relative_url(from_path, fragment or "#")
