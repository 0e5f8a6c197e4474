"""Markdown pages from `content/*.md`: YAML front matter plus a Markdown body, rendered once here."""

from __future__ import annotations

from pathlib import Path

from summitsite.errors import SummitError
from summitsite.loader import decode_text, display_path, parse_meta
from summitsite.markdown import render_markdown
from summitsite.model import Page
from summitsite.slugs import make_slug
from summitsite.yamlmap import read_mapping

CONTENT_DIR = "content"
PAGE_KEYS = ("title", "slug", "date", "tags", "summary", "draft", "author")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, line of the body's first line) of a Markdown file with optional `---` front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return "", text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return "".join(lines[1:]), "", len(lines) + 1


def load_page(path: Path, root: Path) -> Page:
    shown = display_path(path, root)
    text = decode_text(path.read_bytes(), shown)
    front, body, _ = split_front_matter(text)
    meta = parse_meta(read_mapping(front, shown, "front-matter-yaml", line_offset=1), shown, PAGE_KEYS)
    body_html, headings = render_markdown(body)
    title = meta.title or path.stem.replace("-", " ").replace("_", " ").capitalize()
    return Page(shown, title, meta.slug or make_slug(title, fallback="page"), body_html, headings, meta)


def load_pages(root: Path, include_drafts: bool = False) -> list[Page]:
    """Every `content/*.md` page, in file-name order; all problems are collected before raising."""
    folder = root / CONTENT_DIR
    if not folder.is_dir():
        return []
    pages, errors = [], []
    for path in sorted(folder.glob("*.md")):
        try:
            page = load_page(path, root)
        except SummitError as exc:
            errors.extend(exc.diagnostics)
            continue
        if page.meta.draft and not include_drafts:
            continue
        pages.append(page)
    if errors:
        raise SummitError(errors)
    return pages
