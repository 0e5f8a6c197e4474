"""Suggestions for `content/entities.yml`: names the articles use often but the list lacks, and near-misses.

`suggest_entities(site)` returns warnings, never errors, each pointing at the first `file:line` where it
applies:

* `entity-suggestion`: a run of two or more capitalised words ("Northern Sea Route") seen at least
  MIN_PHRASE times, or a single capitalised word seen at least MIN_WORD times in mid-sentence (not
  after a sentence end, where every word is capitalised), that no entity's name or alias matches.
* `entity-near-miss`: a run of capitalised words, headings included, with the same number of words as a
  known multi-word name or alias, starting with the same word, and similar to it (difflib ratio >=
  NEAR_MISS_RATIO) without being equal: "Shanghai Cooperation Association" for "Shanghai Cooperation Organisation".

Text that already matches an entity is masked out first, so nothing that is tracked gets suggested.
Known multi-word terms are indexed by their first word, so each word of a candidate phrase is only
compared with the few terms that start with it.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from summitsite.entities import EntityMatcher, is_multi_word
from summitsite.model import Article, Block, Callout, Diagnostic, FaqBlock, ListBlock, Paragraph, Table

MIN_PHRASE = 2
MIN_WORD = 3
NEAR_MISS_RATIO = 0.75

_WORD = r"[A-Z][\w’'-]*\w|[A-Z]"
_PHRASE = re.compile(rf"(?<![\w’'-])(?:{_WORD})(?:\s+(?:of|and|the|for|de|du)?\s*(?:{_WORD}))*")
# Words that are capitalised for grammar, not because they name something.
_STOP = frozenset("""A An And As At But By For From He Her His How I If In Is It Its Let Let's More Most
Next No Not Of On Or Our She So Some That The Their There These They This Those To Was We What When Where
Which While Who Why Will With Yes You Your Okay Alright Well Also Both Each Every Many Much Such Than Then
Thus Yet Hey""".split())


def _texts(article: Article) -> Iterator[tuple[str, int, bool]]:
    """(text, line, is_heading) for every text of an article, headings included."""
    first = article.title_line or 1
    if article.lede:
        yield article.lede, first, False
    for block in article.intro:
        yield from _block_texts(block)
    for section in article.sections:
        yield section.heading, section.line, True
        for block in section.blocks:
            yield from _block_texts(block)


def _block_texts(block: Block) -> Iterator[tuple[str, int, bool]]:
    if isinstance(block, Paragraph):
        if block.label:
            yield block.label, block.line, False
        yield block.text, block.line, False
    elif isinstance(block, ListBlock):
        stack = list(reversed(block.items))
        while stack:
            item = stack.pop()
            yield item.text, item.line, False
            stack.extend(reversed(item.children))
    elif isinstance(block, Table):
        for cell in (*block.header, *(c for row in block.rows for c in row)):
            yield cell, block.line, False
    elif isinstance(block, Callout):
        yield block.text, block.line, False
    elif isinstance(block, FaqBlock):
        for faq in block.items:
            yield faq.question, faq.line, False
            yield faq.answer, faq.line, False


def _masked(text: str, matcher: EntityMatcher) -> str:
    """`text` with every entity mention replaced by a sentence break, so phrases cannot run across it."""
    parts, position = [], 0
    for match in matcher.find(text):
        parts.append(text[position:match.start])
        parts.append(" . ")
        position = match.end
    parts.append(text[position:])
    return "".join(parts)


def _mid_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return bool(before) and before[-1] not in ".!?:;…\"“‘(–—-|"


def _strip_stop(words: list[str]) -> list[str]:
    while words and words[0] in _STOP:
        words = words[1:]
    while words and words[-1] in _STOP:
        words = words[:-1]
    return words


def suggest_entities(site: Any) -> list[Diagnostic]:
    """Warnings suggesting additions to, or spelling checks against, the site's entity list."""
    matcher = EntityMatcher(site.entities)
    known: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for entity in site.entities:
        for term in entity.terms:  # the name first, so a near-miss is reported against the name if it can be
            words = term.split()
            if len(words) >= 2:
                known[words[0].casefold()].append((len(words), term, entity.slug))
    phrases: Counter[str] = Counter()
    words: Counter[str] = Counter()
    where: dict[str, tuple[str, int]] = {}
    near: dict[tuple[str, str], tuple[str, str, int]] = {}
    """(candidate, entity slug) -> (known term, path, line): one warning per misspelt entity."""
    for article in site.articles:
        for text, line, heading in _texts(article):
            masked = _masked(text, matcher)
            for found in _PHRASE.finditer(masked):
                parts = _strip_stop(found.group().split())
                if not parts:
                    continue
                phrase = " ".join(parts)
                _near_misses(phrase, known, near, (article.source, line))
                if heading:
                    continue
                if len(parts) >= 2:
                    phrases[phrase] += 1
                    where.setdefault(phrase, (article.source, line))
                elif _mid_sentence(masked, found.start() + found.group().index(parts[0])):
                    words[phrase] += 1
                    where.setdefault(phrase, (article.source, line))
    diagnostics = []
    for (phrase, _), (term, path, line) in near.items():
        diagnostics.append(Diagnostic("warning", "entity-near-miss",
                                      f"'{phrase}' looks like a misspelling of '{term}'", path, line))
    candidates = [(p, n) for p, n in phrases.items() if n >= MIN_PHRASE]
    candidates += [(w, n) for w, n in words.items() if n >= MIN_WORD and not is_multi_word(w)]
    for phrase, count in candidates:
        if any(phrase == p for p, _ in near):
            continue
        path, line = where[phrase]
        diagnostics.append(Diagnostic("warning", "entity-suggestion",
                                      f"'{phrase}' appears {count} times but is not in content/entities.yml",
                                      path, line))
    diagnostics.sort(key=lambda d: (d.path or "", d.line or 0, d.code, d.message))
    return diagnostics


def _near_misses(phrase: str, known: dict[str, list[tuple[int, str, str]]],
                 near: dict[tuple[str, str], tuple[str, str, int]], at: tuple[str, int]) -> None:
    """Compare every window of `phrase` that starts with a known term's first word and is as long as the term."""
    parts = phrase.split()
    for i, first in enumerate(parts):
        for length, term, entity in known.get(first.casefold(), ()):
            window = parts[i:i + length]
            if len(window) < length:
                continue
            # Possessives of the last word are not misspellings: "Association's" -> "Association".
            window[-1] = re.sub(r"[’']s$", "", window[-1])
            candidate = " ".join(window)
            if candidate.casefold() == term.casefold():
                continue
            ratio = difflib.SequenceMatcher(None, candidate.casefold(), term.casefold()).ratio()
            if ratio >= NEAR_MISS_RATIO:
                near.setdefault((candidate, entity), (term, *at))
