"""Markdown pages from `content/*.md`: YAML front matter plus a Markdown body, rendered once here."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from summitsite.errors import SummitError
from summitsite.loader import decode_text, display_path, parse_meta
from summitsite.markdown import render_markdown_page
from summitsite.model import Diagnostic, Page
from summitsite.slugs import make_slug
from summitsite.yamlmap import Entry, describe, read_mapping

CONTENT_DIR = "content"
PAGE_KEYS = ("title", "slug", "date", "tags", "summary", "draft", "author")
# Keys only Markdown pages have; they are checked here, the shared keys by loader.parse_meta.
PAGE_ONLY_KEYS = ("kind", "template")
PAGE_KINDS = ("page", "article")
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.html$")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, line of the body's first line) of a Markdown file with optional `---` front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return "", text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return "".join(lines[1:]), "", len(lines) + 1


def load_page(path: Path, root: Path, allow_html: bool = False) -> Page:
    shown = display_path(path, root)
    text = decode_text(path.read_bytes(), shown)
    front, body, _ = split_front_matter(text)
    entries = read_mapping(front, shown, "front-matter-yaml", line_offset=1)
    own = {key: entries.pop(key) for key in PAGE_ONLY_KEYS if key in entries}
    problems = []
    try:
        meta = parse_meta(entries, shown, PAGE_KEYS + PAGE_ONLY_KEYS)
    except SummitError as exc:
        problems.extend(exc.diagnostics)
    kind, template = "page", None
    if "kind" in own:
        kind = own["kind"].value
        if kind not in PAGE_KINDS:
            problems.append(Diagnostic("error", "meta-value", f"'kind' must be 'page' or 'article', not "
                                       f"{describe(kind)}", shown, own["kind"].value_line))
    if "template" in own:
        template, problem = _check_template(own["template"], shown, root)
        if problem:
            problems.append(problem)
    if problems:
        raise SummitError(problems)
    body_html, headings, texts = render_markdown_page(body, allow_html)
    title = meta.title or path.stem.replace("-", " ").replace("_", " ").capitalize()
    return Page(shown, title, meta.slug or make_slug(title, fallback="page"), body_html, headings, meta,
                kind=kind, template=template, texts=texts)


def _check_template(entry: Entry, shown: str, root: Path) -> tuple[str | None, Diagnostic | None]:
    """A `template:` value must be a plain file name ending in .html, found in `templates/` or the theme."""
    name = entry.value
    if not isinstance(name, str) or not _TEMPLATE_NAME.match(name):
        return None, Diagnostic("error", "meta-value", f"'template' must be a file name such as 'wide.html', "
                                f"not {describe(name)}", shown, entry.value_line)
    builtin = resources.files("summitsite").joinpath("theme", "templates", name)
    if not (root / "templates" / name).is_file() and not builtin.is_file():
        return None, Diagnostic("error", "meta-value", f"template '{name}' not found in templates/ or the "
                                f"built-in theme", shown, entry.value_line)
    return name, None


def load_pages(root: Path, include_drafts: bool = False, allow_html: bool = False) -> list[Page]:
    """Every `content/*.md` page, in file-name order; all problems are collected before raising.

    `allow_html` renders raw HTML in the Markdown (the site's `allow_html` setting); otherwise it is text."""
    folder = root / CONTENT_DIR
    if not folder.is_dir():
        return []
    pages, errors = [], []
    for path in sorted(folder.glob("*.md")):
        try:
            page = load_page(path, root, allow_html)
        except SummitError as exc:
            errors.extend(exc.diagnostics)
            continue
        if page.meta.draft and not include_drafts:
            continue
        pages.append(page)
    if errors:
        raise SummitError(errors)
    return pages
