"""The parsed model of one article as `inspect` shows it: the JSON contract, and a readable outline.

The JSON keys are a contract that tools and tests rely on (README, "summitsite inspect"); add keys,
never rename them.
"""

from __future__ import annotations

from typing import Any

from summitsite.model import (
    Article,
    Block,
    Callout,
    Faq,
    FaqBlock,
    ListBlock,
    ListItem,
    Paragraph,
    Table,
)


def article_json(article: Article) -> dict[str, Any]:
    return {
        "source": article.source,
        "title": article.title,
        "slug": article.slug,
        "lede": article.lede,
        "meta": _meta_json(article),
        "intro": [_block_json(b) for b in article.intro],
        "sections": [
            {"heading": s.heading, "level": s.level, "anchor": s.anchor, "line": s.line,
             "blocks": [_block_json(b) for b in s.blocks]}
            for s in article.sections
        ],
        "toc": [{"heading": t.heading, "level": t.level, "anchor": t.anchor, "line": t.line} for t in article.toc],
        "faqs": [_faq_json(f) for f in article.faqs],
        "tables": [_block_json(t) for t in article.tables],
        "callouts": [_block_json(c) for c in article.callouts],
        "truncated": article.truncated,
        "removed": [{"kind": r.kind, "line": r.line, "text": r.text} for r in article.removed],
        "normalisations": [{"rule": n.rule, "line": n.line, "before": n.before, "after": n.after}
                           for n in article.normalisations],
        "warnings": [{"code": d.code, "line": d.line, "message": d.message} for d in article.diagnostics],
    }


def _meta_json(article: Article) -> dict[str, Any]:
    meta = article.meta
    return {"title": meta.title, "date": meta.date.isoformat() if meta.date else None, "author": meta.author,
            "source_url": meta.source_url, "tags": list(meta.tags), "summary": meta.summary,
            "slug": meta.slug, "draft": meta.draft}


def _faq_json(faq: Faq) -> dict[str, Any]:
    return {"question": faq.question, "answer": faq.answer, "anchor": faq.anchor, "line": faq.line}


def _item_json(item: ListItem) -> dict[str, Any]:
    return {"text": item.text, "line": item.line, "children": [_item_json(c) for c in item.children]}


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text, "label": block.label, "line": block.line}
    if isinstance(block, ListBlock):
        # "items" stays a list of strings (the contract); nesting is in "tree".
        return {"type": "list", "ordered": block.ordered, "items": [i.text for i in block.items],
                "tree": [_item_json(i) for i in block.items], "line": block.line}
    if isinstance(block, Table):
        return {"type": "table", "header": list(block.header), "rows": [list(r) for r in block.rows],
                "line": block.line}
    if isinstance(block, Callout):
        return {"type": "callout", "kind": block.kind, "label": block.label, "text": block.text, "line": block.line}
    if isinstance(block, FaqBlock):
        return {"type": "faq", "items": [_faq_json(f) for f in block.items], "line": block.line}
    raise TypeError(f"unknown block {block!r}")


def article_outline(article: Article) -> str:
    """An indented, human-readable outline of the model."""
    out = [f"{article.source}", f"  title: {article.title}", f"  slug: {article.slug}",
           f"  lede: {_short(article.lede)}"]
    if article.toc:
        missing = sum(1 for t in article.toc if t.anchor is None)
        out.append(f"  table of contents block: {len(article.toc)} entries, {missing} not in the text")
    for block in article.intro:
        out.append("    " + _block_line(block))
    for section in article.sections:
        indent = "  " * (section.level - 1)
        out.append(f"{indent}{'#' * section.level} {section.heading}  (#{section.anchor}, line {section.line})")
        out.extend(f"{indent}    {_block_line(b)}" for b in section.blocks)
    out.append(f"  truncated: {'yes' if article.truncated else 'no'}")
    out.extend(f"  removed {r.kind} (line {r.line}): {_short(r.text)}" for r in article.removed)
    out.extend(f"  normalised (line {n.line}): {n.before!r} -> {n.after!r}" for n in article.normalisations)
    out.extend(f"  warning: {d.format()}" for d in article.diagnostics)
    return "\n".join(out) + "\n"


def _block_line(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"paragraph [{block.label}]: {_short(block.text)}" if block.label else f"paragraph: {_short(block.text)}"
    if isinstance(block, ListBlock):
        return f"{'ordered' if block.ordered else 'bulleted'} list, {len(block.items)} items"
    if isinstance(block, Table):
        return f"table, {len(block.rows)} rows x {len(block.header or (block.rows[0] if block.rows else ()))} columns"
    if isinstance(block, Callout):
        return f"callout {block.kind} ({block.label}): {_short(block.text)}"
    if isinstance(block, FaqBlock):
        return "faq: " + " | ".join(_short(f.question, 50) for f in block.items)
    return repr(block)


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"
