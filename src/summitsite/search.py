"""The site's full-text search index, made from the typed model (never from the rendered HTML).

What is indexed is what a reader sees as a page's own text: articles and content pages whole (title,
byline words, tags, lede, every block, every heading), entity pages only by their header (name, kind,
aliases, description: their sentences are the articles' own, and finding them twice would crowd the
results). The table of contents, permalinks, boxes, pagers and the site's header and footer are not text
of the page and are never seen here.

Each page becomes a `Record` on its own (`record_of`): the page's document file and its word counts. A
record depends on nothing but its page, so the build caches the records of articles and, after an edit,
makes only the edited article's record again; `index_files` then assembles all records into the files
under `INDEX_DIR`, in memory, and the build writes them with the rest of the site (`summitsite.write`):

- `meta.json`: format version, a hash naming this build of the index (the client adds it to every other
  URL, so a browser never mixes files of two builds), whether to stem English, each document's length in
  words, and the first word of each term shard.
- `terms/<n>.json`: the inverted index, cut into shards of about `SHARD_BYTES` by word order:
  `[[word, [doc, weight, doc, weight, ...]], ...]`, where `weight` is `4 * count + 2 * in_title +
  in_heading`. A query fetches only the shards holding its words (one each, usually).
- `docs/<n>.json`: one document: `{"url", "title", "sections": [[anchor, heading, text], ...]}`; section 0
  is the text before the first heading (anchor and heading empty). The client fetches the documents of
  the results it shows, for excerpts and links to the matching sections.

Words are made by `tokens`, which `theme/static/search.js` implements again for queries: runs of Unicode
letters, digits and marks, lower-cased, in compatibility form (NFKD) without diacritics, at most `MAX_WORD`
characters. The index keeps words as they are written; English stemming is the client's, at
query time (a query word finds the words with the same stem), so the index never depends on a stemmer and
a word being typed still finds its completions by prefix.

Everything is a function of the records: the same site gives byte-identical files, whatever `--jobs`.
Every string from the input is JSON-escaped, and `<`, `>`, `&`, U+2028 and U+2029 are written as `\\u`
escapes, as in JSON-LD, so no file can be read as markup whatever it is served as.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from summitsite import paths, urls
from summitsite.model import (
    Article,
    Block,
    Callout,
    Entity,
    FaqBlock,
    ListBlock,
    ListItem,
    Page,
    Paragraph,
    Table,
    pickled_by_fields,
)
from summitsite.render import lead_in_suffix, long_date
from summitsite.seo import script_safe

if TYPE_CHECKING:
    from summitsite.analyse import Site

INDEX_DIR = posixpath.dirname(paths.SEARCH_INDEX)
"""The index's folder in the output, beside the search page (`search/index.html`)."""

FORMAT = 1
MAX_WORD = 64
"""Longer words are cut to this many characters (a run of 3,000 letters is no word anyone types)."""
SHARD_BYTES = 32_000
"""A term shard is cut after the first word that takes it past this size."""

Document = Article | Page | Entity


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Record:
    """One page's part of the index, independent of every other page (so it can be cached)."""

    doc: bytes
    """The page's document file (`docs/<n>.json`)."""
    terms: tuple[str, ...]
    """Its words and weights as lines of `word weight`, sorted, one string per first character."""
    length: int
    """The number of words on the page, for ranking."""


# --- words ----------------------------------------------------------------------------------------------

@functools.cache
def _run_pattern() -> re.Pattern[str]:
    """A run of letters, digits and combining marks (underscores are replaced by spaces first).

    `\\w` is letters, digits (str.isalnum, the same characters as JavaScript's [\\p{L}\\p{N}]) and "_"; the
    marks are added by range. Every mark is below U+20000 except the variation selectors supplement.
    """
    ranges: list[tuple[int, int]] = []
    for cp in (*range(0x300, 0x20000), *range(0xE0100, 0xE01F0)):
        if unicodedata.category(chr(cp))[0] == "M":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    marks = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)
    return re.compile(f"[\\w{marks}]+")


_ASCII_RUN = re.compile(r"[a-z0-9]+")
# The marks that are diacritics, which a reader may or may not type: the combining diacritical marks (é is e
# and U+0301 after NFKD), Hebrew points and Arabic vowel marks. Other marks are letters' parts (Devanagari's
# vowel signs) and stay.
_DIACRITICS = re.compile("[\u0300-\u036f\u0591-\u05c7\u064b-\u065f\u0670\u1ab0-\u1aff\u1dc0-\u1dff"
                         "\u20d0-\u20ff\ufe20-\ufe2f]")
_SIGMA = "\u03a3"


def _runs(text: str) -> list[str]:
    """The lower-cased runs of `text`, before `_fold`."""
    if text.isascii():
        return _ASCII_RUN.findall(text.lower())
    if _SIGMA in text:
        # Lower-casing a capital sigma depends on its neighbours (final or not); the client lower-cases each
        # run on its own, so here too. Every other mapping is context-free, so the whole text can go at once.
        return [run.lower() for run in _run_pattern().findall(text.replace("_", " "))]
    return _run_pattern().findall(text.lower().replace("_", " "))


@functools.lru_cache(maxsize=65536)
def _fold(run: str) -> str:
    """A lower-cased run as an index word: without diacritics and compatibility forms, at most MAX_WORD long."""
    if not run.isascii():
        # NFKD can make characters that are not letters, digits or marks (½ is 1, U+2044, 2): they go too.
        plain = _DIACRITICS.sub("", unicodedata.normalize("NFKD", run)).replace("_", " ")
        run = "".join(_run_pattern().findall(plain))
    return run[:MAX_WORD]


def tokens(text: str) -> list[str]:
    """The words of `text`, in order, as the index and the search page's script both make them."""
    return [word for word in map(_fold, _runs(text)) if word]


def _count(text: str) -> Counter[str]:
    counts = Counter(_runs(text))
    for run in [run for run in counts if len(run) > MAX_WORD or not run.isascii()]:
        word, n = _fold(run), counts.pop(run)
        if word:
            counts[word] += n
    return counts


def _utf16(word: str) -> bytes:
    # The client compares words as JavaScript does, by UTF-16 code units; so is everything sorted here.
    return word.encode("utf-16-be", "surrogatepass")


def in_utf16_order(words: Iterable[str]) -> list[str]:
    """`words` sorted as `_utf16` sorts them."""
    words = list(words)
    # Below U+E000 a character is one UTF-16 unit of the same value, so code point order is the same order;
    # nearly every site's words are all there, and are sorted without encoding each one.
    every = "".join(words)
    if every.isascii() or max(every, default="") < "\ue000":
        return sorted(words)
    return sorted(words, key=_utf16)


# --- records ------------------------------------------------------------------------------------------

def documents(site: Site) -> tuple[Document, ...]:
    """What the index holds, in document order: the articles, the content pages, the entities."""
    return (*site.articles, *site.pages, *site.entities)


def record_of(item: Document) -> Record:
    """The index record of one article, content page or entity page."""
    if isinstance(item, Article):
        path = urls.article_path(item.slug)
        sections = [("", "", _join([item.lede, *map(_block_text, item.intro)])),
                    *((s.anchor, s.heading, _join(map(_block_text, s.blocks))) for s in item.sections)]
        meta = item.meta
        keywords = [meta.author or "", *meta.tags, long_date(meta.date) if meta.date else ""]
    elif isinstance(item, Page):
        path = urls.page_path(item.slug)
        texts = item.texts or ("",) * (len(item.headings) + 1)
        sections = [("", "", texts[0]), *((h.anchor, h.text, t) for h, t in zip(item.headings, texts[1:],
                                                                                  strict=True))]
        meta = item.meta
        keywords = [meta.author or "", *meta.tags, long_date(meta.date) if meta.date else ""]
    elif isinstance(item, Entity):
        path = paths.entity_path(item.slug)
        sections = [("", "", _join([item.description, ", ".join(item.aliases)]))]
        keywords = [item.kind]
    else:
        raise TypeError(f"no search record for {type(item).__name__}")
    title = item.name if isinstance(item, Entity) else item.title
    headings = [heading for _, heading, _ in sections]
    counts = _count("\n".join([title, *headings, *(text for _, _, text in sections), *keywords]))
    in_title = set(tokens(title))
    in_heading = set(tokens("\n".join(headings)))
    by_first: dict[str, list[str]] = {}
    for word in in_utf16_order(counts):
        weight = 4 * counts[word] + 2 * (word in in_title) + (word in in_heading)
        by_first.setdefault(word[0], []).append(f"{word} {weight}")
    doc = {
        # Relative to the search page, which is the only page that reads the index.
        "url": urls.relative_url(paths.SEARCH, path),
        "title": title,
        "sections": [[urls.quote_fragment(anchor), heading, text] for anchor, heading, text in sections],
    }
    return Record(_json(doc), tuple("\n".join(lines) for lines in by_first.values()), sum(counts.values()))


def _join(texts: Iterable[str]) -> str:
    return "\n".join(text for text in texts if text)


def _block_text(block: Block) -> str:
    """A block's text as the page shows it, one line per paragraph, item, row or question."""
    if isinstance(block, Paragraph):
        return f"{block.label}{lead_in_suffix(block.label)} {block.text}" if block.label else block.text
    if isinstance(block, ListBlock):
        return _join(_item_texts(block.items))
    if isinstance(block, Table):
        return _join(" ".join(cells) for cells in (block.header, *block.rows))
    if isinstance(block, Callout):
        return f"{block.label} {block.text}"
    if isinstance(block, FaqBlock):
        return _join(f"{faq.question} {faq.answer}" for faq in block.items)
    return ""


def _item_texts(items: Sequence[ListItem]) -> Iterator[str]:
    for item in items:
        yield item.text
        yield from _item_texts(item.children)


# --- the files ----------------------------------------------------------------------------------------

def doc_path(number: int) -> str:
    """The output path of document `number`'s file."""
    return f"{INDEX_DIR}/docs/{number}.json"


def index_files(records: Sequence[Record], language: str, inverted: InvertedIndex | None = None,
                written: Mapping[int, Path] | None = None,
                place: Callable[[str, bytes], None] | None = None) -> dict[str, bytes]:
    """The index's files for `records` (document i is `records[i]`), as `INDEX_DIR/...` -> bytes, sorted.

    `inverted` is `inverted_index(records, ...)` when the caller has made it (to keep it for the next
    build); without it the postings are made here, one first character at a time. `written` maps the
    numbers of documents whose file the caller has already written (their records' `doc` is then empty)
    to that file: it is read back, one at a time, for the build's hash, and left out of the result.
    With `place`, each term shard goes to `place(path, bytes)` as soon as it is made (the build writes it
    into the new output folder), and is left out of the result: on a big site the shards are tens of
    megabytes, all held at once otherwise.
    """
    written = written or {}
    shards: dict[str, bytes] = {}
    build = hashlib.sha256()

    def add(entries: list[str]) -> None:
        data = f"[{','.join(entries)}]".encode()
        build.update(len(data).to_bytes(8, "little") + data)
        path = f"{INDEX_DIR}/terms/{len(firsts) - 1}.json"
        if place is not None:
            place(path, data)
        else:
            shards[path] = data

    firsts: list[str] = []
    entries: list[str] = []
    size = 0
    for word, postings in (inverted.postings.items() if inverted is not None else _postings(records)):
        entry = f"[{json.dumps(word, ensure_ascii=False)},[{postings}]]"
        if not entries:
            firsts.append(word)
        entries.append(entry)
        size += len(entry) + 1
        if size >= SHARD_BYTES:
            add(entries)
            entries, size = [], 0
    if entries:
        add(entries)
    for number, record in enumerate(records):
        data = written[number].read_bytes() if number in written else record.doc
        build.update(len(data).to_bytes(8, "little") + data)
    meta = {
        "format": FORMAT,
        "build": build.hexdigest()[:16],
        "stem": language.lower().split("-")[0] == "en",
        "lengths": [r.length for r in records],
        "shards": firsts,
    }
    files = {paths.SEARCH_INDEX: _json(meta), **shards}
    files.update((doc_path(i), r.doc) for i, r in enumerate(records) if i not in written)
    return dict(sorted(files.items()))


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class InvertedIndex:
    """The postings of a list of records, which the build cache keeps so that an edit redoes only its words."""

    terms: tuple[tuple[str, ...], ...]
    """Each record's `terms`, in document order: what the postings were made from."""
    postings: dict[str, str]
    """word -> "doc,weight,doc,weight,..." (documents ascending), in word order (`_utf16`)."""


REINDEX_SHARE = 0.1
"""When more than this share of the documents changed, `inverted_index` makes the postings afresh."""


def inverted_index(records: Sequence[Record], previous: InvertedIndex | None = None) -> InvertedIndex:
    """The postings of `records`, the same whether made afresh or from `previous` (the last build's).

    From `previous`, only the words whose weight changed in a changed document are made again: an edited
    sentence changes a few words of one document, where making every word's postings again costs as much
    as a tenth of a one-seed rebuild. Documents are known by their number: a build that adds or removes
    documents (so that the numbers move) makes everything afresh.
    """
    terms = tuple(record.terms for record in records)
    if previous is None or len(previous.terms) != len(terms):
        return InvertedIndex(terms, dict(_postings(records)))
    changed = [doc for doc, (new, old) in enumerate(zip(terms, previous.terms, strict=True)) if new != old]
    if len(changed) > REINDEX_SHARE * len(terms):
        return InvertedIndex(terms, dict(_postings(records)))
    updates: dict[str, dict[int, str | None]] = {}
    for doc in changed:
        old, new = _weights(previous.terms[doc]), _weights(terms[doc])
        for word in old.keys() | new.keys():
            if old.get(word) != new.get(word):
                updates.setdefault(word, {})[doc] = new.get(word)
    postings = dict(previous.postings)
    added = False
    for word, docs in updates.items():
        text = postings.get(word)
        parts = text.split(",") if text else []
        weights = dict(zip(map(int, parts[::2]), parts[1::2], strict=True))
        for doc, weight in docs.items():
            if weight is None:
                weights.pop(doc, None)
            else:
                weights[doc] = weight
        if not weights:
            postings.pop(word, None)
            continue
        added = added or word not in postings
        postings[word] = ",".join(f"{doc},{weights[doc]}" for doc in sorted(weights))
    if added:  # a new word goes in its place in word order
        postings = {word: postings[word] for word in in_utf16_order(postings)}
    return InvertedIndex(terms, postings)


def _weights(terms: tuple[str, ...]) -> dict[str, str]:
    """A record's `terms` as word -> weight."""
    return dict(line.split(" ") for chunk in terms for line in chunk.split("\n"))


def _postings(records: Sequence[Record]) -> Iterator[tuple[str, str]]:
    """(word, "doc,weight,doc,weight,...") for every word of every record, in word order.

    One first character at a time, and within it `POSTINGS_BATCH` documents at a time: a posting is a small
    string of its own until its word's are joined, and a first character's postings on a big site were
    tens of megabytes of them at once.
    """
    chunks: dict[str, list[tuple[int, str]]] = {}
    for doc, record in enumerate(records):
        for chunk in record.terms:
            chunks.setdefault(chunk[0], []).append((doc, chunk))
    for first in in_utf16_order(chunks):
        group = chunks.pop(first)
        joined: dict[str, str] = {}
        for start in range(0, len(group), POSTINGS_BATCH):
            words: dict[str, list[str]] = {}
            for doc, chunk in group[start:start + POSTINGS_BATCH]:
                # "word weight" lines become "word doc,weight": the postings' text, made without a Python loop.
                for line in chunk.replace(" ", f" {doc},").split("\n"):
                    word, _, posting = line.partition(" ")
                    found = words.get(word)
                    if found is None:
                        words[word] = [posting]
                    else:
                        found.append(posting)
            # The documents come in ascending order, so a batch's postings go after the earlier batches'.
            for word, postings in words.items():
                text = ",".join(postings)
                before = joined.get(word)
                joined[word] = text if before is None else f"{before},{text}"
        for word in in_utf16_order(joined):
            yield word, joined[word]


POSTINGS_BATCH = 512


def _json(value: object) -> bytes:
    return script_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":"))).encode()
