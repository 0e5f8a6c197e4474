"""Tests for summitsite.check: links, anchors, ids and HTML structure of a built site."""

from __future__ import annotations

from pathlib import Path

import pytest

from summitsite.check import check_site


def make_site(root: Path, pages: dict[str, str]) -> Path:
    for rel, text in pages.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def page(*body: str, head: str = "") -> str:
    """A full HTML5 page whose body lines start on line 8 (so line numbers in tests are easy to read)."""
    return "\n".join([
        "<!DOCTYPE html>",                          # 1
        '<html lang="en">',                         # 2
        "<head>",                                   # 3
        '<meta charset="utf-8">',                   # 4
        f"<title>t</title>{head}",                  # 5
        "</head>",                                  # 6
        "<body>",                                   # 7
        *body,                                      # 8...
        "</body>",
        "</html>",
        "",
    ])


def formatted(root: Path) -> list[str]:
    return [d.format() for d in check_site(root)]


GOOD_SITE = {
    "index.html": page(
        '<header id="top"><a href="index.html">Home</a> <a href="about/index.html">About</a></header>',
        '<nav><ul><li><a href="articles/x/index.html">X</a><li><a href="articles/x/index.html#sec-1">'
        "X, section 1</a></ul></nav>",
        '<main id="main_content">',
        "<p>First paragraph<p>Second, with a line<br>break and <img src=\"static/logo.png\" alt=\"\">",
        '<svg viewBox="0 0 10 10" aria-hidden="true"><path d="M0 0L10 10"/><circle cx="5" cy="5" r="1"/>'
        "<g><rect width=\"1\" height=\"1\"></rect></g></svg>",
        '<table><thead><tr><th>a<th>b<tbody><tr><td>1<td>2<tr><td>3<td>4</table>',
        '<dl><dt>term<dd>definition</dl>',
        '<form><input type="search" name="q"><select><option>a<option>b</select></form>',
        '<p>External: <a href="https://example.com/x">e</a> <a href="mailto:a@b.c">m</a> '
        '<a href="tel:+123">t</a> <img src="data:image/png;base64,AAAA" alt=""> '
        '<a href="//cdn.example.com/x.js">cdn</a>',
        '<p><a href="#">top</a> <a href="#main_content">main</a> <a href="?page=2">next</a>',
        '<a href="about/">About, as a folder</a> <a href="/articles/x/index.html">root-relative</a>',
        "<script>if (a < b && c > d) { document.write('</div>'); }</script>",
        "<!-- a comment with <div> in it -->",
        "</main>",
        head='<link rel="stylesheet" href="static/style.css"><link rel="alternate" href="feed.xml">',
    ),
    "about/index.html": page(
        '<h1 id="about">About</h1><a href="../index.html#top">home</a>',
        '<a id="same" name="same">one element, two names</a> <a name="legacy"></a>',
        '<img srcset="../static/logo.png 1x, ../static/logo@2x.png 2x" src="../static/logo.png" alt="">',
        '<a href="../articles/x/index.html#legacy-anchor">legacy</a>',
        '<picture><source srcset="data:image/png;base64,AAAA 1x, ../static/logo@2x.png 2x"></picture>',
    ),
    "articles/x/index.html": page(
        '<h2 id="sec-1">Section 1</h2><a name="legacy-anchor"></a>',
        '<a href="../../index.html">home</a> <a href="../../about/index.html#same">about</a>',
        '<a href="../../static/style.css">css</a> <a href="./">this folder</a> <a href="../../">root</a>',
    ),
    "static/style.css": "body {}\n",
    "static/logo.png": "png",
    "static/logo@2x.png": "png",
    "feed.xml": "<feed/>\n",
}


def test_good_site_has_no_problems(tmp_path: Path) -> None:
    assert formatted(make_site(tmp_path, GOOD_SITE)) == []


def test_missing_file_is_reported_with_path_and_line(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "index.html": page("<p>ok</p>", '<p><a href="articles/gone/index.html">gone</a></p>'),
        "articles/x/index.html": page('<img src="../../static/missing.png" alt="">'),
    })
    assert formatted(tmp_path) == [
        "articles/x/index.html:8: broken link '../../static/missing.png': static/missing.png does not exist",
        "index.html:9: broken link 'articles/gone/index.html': articles/gone/index.html does not exist",
    ]
    assert {d.code for d in check_site(tmp_path)} == {"broken-link"}


def test_srcset_candidates_are_checked(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "index.html": page('<img srcset="a.png 100w,missing.png 200w" src="a.png" alt="">'),
        "a.png": "png",
    })
    assert formatted(tmp_path) == ["index.html:8: broken link 'missing.png': missing.png does not exist"]


def test_link_leaving_the_output_is_reported(tmp_path: Path) -> None:
    make_site(tmp_path / "out", {"index.html": page('<a href="../secret.html">x</a>')})
    (tmp_path / "secret.html").write_text("<p>outside</p>")
    assert formatted(tmp_path / "out") == [
        "index.html:8: broken link '../secret.html': it points outside the output folder",
    ]


def test_missing_anchor_is_reported(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "index.html": page("<p>x</p>", '<a href="articles/x/index.html#nope">x</a> <a href="#here">h</a>'),
        "articles/x/index.html": page('<h2 id="yes">Yes</h2>'),
    })
    assert formatted(tmp_path) == [
        "index.html:9: broken anchor 'articles/x/index.html#nope': no id 'nope' in articles/x/index.html",
        "index.html:9: broken anchor '#here': no id 'here' in index.html",
    ]
    assert [d.code for d in check_site(tmp_path)] == ["broken-anchor", "broken-anchor"]


def test_top_is_not_special(tmp_path: Path) -> None:
    make_site(tmp_path, {"index.html": page('<a href="#top">top</a>')})
    assert formatted(tmp_path) == ["index.html:8: broken anchor '#top': no id 'top' in index.html"]


def test_duplicate_id_is_reported(tmp_path: Path) -> None:
    make_site(tmp_path, {"a/index.html": page(
        '<h2 id="intro">Intro</h2>',
        "<p>text</p>",
        '<h3 id="intro">Intro again</h3>',
        '<a name="intro"></a>',
    )})
    diagnostics = check_site(tmp_path)
    assert [d.format() for d in diagnostics] == [
        "a/index.html:10: duplicate id 'intro' (first used on line 8)",
        "a/index.html:11: duplicate id 'intro' (first used on line 8)",
    ]
    assert {d.code for d in diagnostics} == {"duplicate-id"}


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JavaScript:void(0)", " java\nscript:x()"])
def test_javascript_link_is_reported(tmp_path: Path, href: str) -> None:
    make_site(tmp_path, {"index.html": page("<p>x</p>", f'<a href="{href}">click</a>')})
    diagnostics = check_site(tmp_path)
    assert [(d.code, d.path, d.line) for d in diagnostics] == [("unsafe-link", "index.html", 9)]
    assert "javascript:" in diagnostics[0].message


def test_root_relative_links_resolve_against_the_output(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "articles/x/index.html": page('<a href="/about/index.html#team">ok</a>', '<a href="/nope.html">bad</a>',
                                      '<a href="/about/index.html#nobody">bad anchor</a>'),
        "about/index.html": page('<h2 id="team">Team</h2>'),
    })
    assert formatted(tmp_path) == [
        "articles/x/index.html:9: broken link '/nope.html': nope.html does not exist",
        "articles/x/index.html:10: broken anchor '/about/index.html#nobody': no id 'nobody' in "
        "about/index.html",
    ]


def test_percent_encoded_non_ascii_path(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "index.html": page('<a href="articles/%E7%BF%92/index.html#%E7%BF%92-1">ok</a>',
                           '<a href="articles/%E7%BF%92/missing.html">bad</a>',
                           '<a href="articles/%FF/index.html">not utf-8</a>',
                           '<a href="articles/習/index.html?x=1#習-1">unencoded, with a query</a>'),
        "articles/習/index.html": page('<h2 id="習-1">習</h2>'),
    })
    assert formatted(tmp_path) == [
        "index.html:9: broken link 'articles/%E7%BF%92/missing.html': articles/習/missing.html does not exist",
        "index.html:10: broken link 'articles/%FF/index.html': articles/\ufffd/index.html does not exist",
    ]


def test_directory_link_means_its_index(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "index.html": page('<a href="x/">x</a> <a href="x">x, no slash</a> <a href="x/#a">anchor</a>',
                           '<a href="empty/">a folder without index.html</a>',
                           '<a href="x/#b">missing anchor</a>'),
        "x/index.html": page('<p id="a">a</p>'),
        "empty/note.txt": "no index here\n",
    })
    assert formatted(tmp_path) == [
        "index.html:9: broken link 'empty/': empty/index.html does not exist",
        "index.html:10: broken anchor 'x/#b': no id 'b' in x/index.html",
    ]


def test_mismatched_end_tag_is_reported(tmp_path: Path) -> None:
    make_site(tmp_path, {"index.html": page(
        "<div>",
        "<span>unclosed",
        "</div>",
        "<p>stray end tag</section>",
    )})
    diagnostics = check_site(tmp_path)
    assert [d.format() for d in diagnostics] == [
        "index.html:10: <span> opened on line 9 is not closed before </div>",
        "index.html:11: end tag </section> does not match any open element",
    ]
    assert {d.code for d in diagnostics} == {"html-structure"}


def test_unclosed_element_at_end_is_reported(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "a.html": '<!doctype html><title>t</title>\n<main>\n<article class="a">text\n',
        "b.html": page("<main>", '<article class="a">text'),
    })
    assert formatted(tmp_path) == [
        "a.html:2: <main> is never closed",
        "a.html:3: <article> is never closed",
        "b.html:10: <main> opened on line 8 is not closed before </body>",
        "b.html:10: <article> opened on line 9 is not closed before </body>",
    ]


def test_optional_end_tags_and_void_elements_are_fine(tmp_path: Path) -> None:
    make_site(tmp_path, {"index.html": "<!doctype html><title>t</title><p>one<p>two<ul><li>a<li>b</ul>"
                                       "<br/><hr><img src=data:, alt=''></p><input disabled><wbr>"})
    assert formatted(tmp_path) == []


def test_problems_are_sorted_by_page_then_line(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "b.html": page('<a href="nope.html">x</a>'),
        "a.html": page("<p>x</p>", '<a href="nope.html">x</a>', '<b id="d"></b><i id="d"></i>'),
    })
    assert [(d.path, d.line, d.code) for d in check_site(tmp_path)] == [
        ("a.html", 9, "broken-link"),
        ("a.html", 10, "duplicate-id"),
        ("b.html", 8, "broken-link"),
    ]


def test_each_page_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summitsite import check

    links = "".join(f'<a href="t.html#a{i}">{i}</a>' for i in range(50))
    make_site(tmp_path, {"index.html": page(links), "t.html": page('<p id="a1">x</p>')})
    parsed = []
    real = check._parse_page

    def counting(path: Path, rel: str):
        parsed.append(rel)
        return real(path, rel)

    monkeypatch.setattr(check, "_parse_page", counting)
    assert len(check_site(tmp_path)) == 49
    assert sorted(parsed) == ["index.html", "t.html"]


def test_root_relative_links_resolve_under_the_sites_root_path(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("", encoding="utf-8")
    (tmp_path / "404.html").write_text('<!DOCTYPE html><html><head><link rel="stylesheet" '
                                       'href="/news/static/style.css"></head><body><a href="/news/">home</a>'
                                       '<a href="/other/x.html">x</a></body></html>', encoding="utf-8")
    (tmp_path / "index.html").write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    assert [d.message for d in check_site(tmp_path, "/news/")] == [
        "broken link '/other/x.html': it points outside the output folder"]
    assert {d.code for d in check_site(tmp_path)} == {"broken-link"}
