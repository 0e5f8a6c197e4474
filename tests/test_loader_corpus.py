"""The heading model's training corpus: Markdown to seed form, and what the shipped model was trained on."""

from __future__ import annotations

import json
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
from heading_corpus import PACKAGES, markdown_to_seed

MARKDOWN = """---
title: ignored front matter
---
# The Title

An opening paragraph that
wraps over two lines, with **bold** and a [link](https://example.org).

## First section

- an item
- another item
  1. nested and numbered

```python
x = compute(1)
```

| Name | Value |
|------|-------|
| a    | 1     |

### A sub-section

<div>raw html is dropped</div>

Closing words.
"""


def test_markdown_becomes_seed_lines_with_gold_levels() -> None:
    text, gold = markdown_to_seed(MARKDOWN)
    assert text.splitlines() == [
        "The Title",
        "An opening paragraph that wraps over two lines, with bold and a link.",
        "First section",
        "- an item",
        "- another item",
        "  1. nested and numbered",
        "x = compute(1)",
        "| Name | Value |",
        "|---|---|",
        "| a | 1 |",
        "A sub-section",
        "Closing words.",
    ]
    assert gold["title"] == "The Title"
    assert [(s["heading"], s["level"]) for s in gold["sections"]] == [("First section", 2), ("A sub-section", 3)]


def test_the_shipped_model_was_trained_on_permitted_text_only() -> None:
    model = json.loads((REPO / "src" / "summitsite" / "heading_model.json").read_text(encoding="utf-8"))
    allowed = {"seeds", "synthetic"} | {name for name, _, _ in PACKAGES}
    assert model["trained_on"] and set(model["trained_on"]) <= allowed
    assert all("==" in p for p in model["packages"])  # pinned versions
