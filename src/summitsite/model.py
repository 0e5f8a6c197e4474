"""The typed model every stage passes along: plain frozen dataclasses, no behaviour beyond small properties.

The loader produces `Article`s, the analyser turns them (and content pages) into a `Site`, the renderer
reads a `Site`. Cross-references hold slugs and anchors, never object references, so every value here
can be cached, compared and serialised as it is.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field, fields
from typing import Literal, TypeVar

Severity = Literal["error", "warning"]
T = TypeVar("T")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle a frozen, slotted dataclass as `cls(*fields)`.

    The build caches parsed articles and fingerprints pages by pickling them. For slotted classes the
    dataclass module pickles through `__getstate__`/`__setstate__`, which look the fields up again for every
    object; with a site's hundreds of thousands of small objects that was most of the cost. Here the
    fields are read by one precomputed C getter and restored by the class's own `__init__`.
    """
    names = [f.name for f in fields(cls) if f.init]  # type: ignore[arg-type]
    getter = operator.attrgetter(*names)
    if len(names) == 1:
        def __reduce__(self: T) -> tuple:
            return cls, (getter(self),)
    else:
        def __reduce__(self: T) -> tuple:
            return cls, getter(self)
    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the input, reported as `path:line: message`."""

    severity: Severity
    code: str
    """A stable, machine-readable name such as `toc-entry-missing` or `config-unknown-key`."""
    message: str
    path: str | None = None
    """The file, as shown to the user (relative to the site folder where possible)."""
    line: int | None = None
    """1-based line in `path`, counted in the file itself."""
    column: int | None = None

    def format(self) -> str:
        where = self.path or "summitsite"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        prefix = "" if self.severity == "error" else "warning: "
        return f"{where}: {prefix}{self.message}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    line: int
    label: str | None = None
    """A labelled lead-in ("Energy Security: ...") keeps its label here and the rest in `text`."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ListItem:
    text: str
    line: int
    children: tuple[ListItem, ...] = ()
    """Items indented under this one."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ListBlock:
    ordered: bool
    items: tuple[ListItem, ...]
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    """Empty when the source table had no header row."""
    rows: tuple[tuple[str, ...], ...]
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Callout:
    kind: str
    """A slug naming the callout family: `did-you-know`, `tip`, `note`, `key-takeaway`, ..."""
    label: str
    """The label as the source wrote it, punctuation included ("Pro Tip:")."""
    text: str
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Faq:
    question: str
    answer: str
    anchor: str
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FaqBlock:
    items: tuple[Faq, ...]
    line: int


Block = Paragraph | ListBlock | Table | Callout | FaqBlock


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    level: int
    """2 for top-level sections (the title is the page's h1), 3 and deeper for sub-sections."""
    anchor: str
    line: int
    blocks: tuple[Block, ...] = ()
    question: bool = False
    """An FAQ entry written as a sub-heading: the heading is the question, the paragraphs the answer.
    `Article.faqs` lists it; it stays a section so that its heading keeps its place in the outline."""

    @property
    def answer(self) -> str:
        """The text of the section's paragraphs (the answer, when `question` is set)."""
        return "\n\n".join(b.text for b in self.blocks if isinstance(b, Paragraph))


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TocEntry:
    """An entry of the table-of-contents block found in the source text."""

    heading: str
    level: int
    anchor: str | None
    """The anchor of the matching section, or None when the body has no such section."""
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Removed:
    """Text the loader took out of the article, kept so that no word is lost silently."""

    kind: str
    """`boilerplate` or `toc`."""
    line: int
    text: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Normalisation:
    """One repair of a scraping scar, recorded so that no text changes silently."""

    rule: str
    line: int
    before: str
    after: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a sidecar `seeds/<name>.yml` (or Markdown front matter) says about an article."""

    title: str | None = None
    date: dt.date | None = None
    author: str | None = None
    source_url: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    slug: str | None = None
    draft: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Article:
    source: str
    """The seed's path as shown to the user, e.g. `seeds/x.txt`."""
    title: str
    slug: str
    lede: str
    intro: tuple[Block, ...]
    """Blocks after the lede and before the first heading."""
    sections: tuple[Section, ...]
    toc: tuple[TocEntry, ...]
    truncated: bool
    removed: tuple[Removed, ...] = ()
    normalisations: tuple[Normalisation, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    meta: ArticleMeta = field(default_factory=ArticleMeta)
    title_line: int | None = None
    """The line the title came from, or None when a sidecar supplied it."""
    _words: int = field(default=-1, repr=False, compare=False)
    """`word_count`, counted once when the article is made and kept in its pickles (the build cache's, the
    workers'): every page that lists the article shows its reading time. Never passed by hand."""
    _faqs: tuple[Faq, ...] | None = field(default=None, init=False, repr=False, compare=False)
    """`faqs`, once asked: the FAQ hub and every page's structured data ask for them."""

    def __post_init__(self) -> None:
        if self._words < 0:
            words = len(self.lede.split()) + sum(len(text.split()) for text in iter_block_texts(self))
            object.__setattr__(self, "_words", words)

    def iter_blocks(self):
        yield from self.intro
        for section in self.sections:
            yield from section.blocks

    @property
    def faqs(self) -> tuple[Faq, ...]:
        """Every question and answer in document order: FAQ blocks, and question sections."""
        if self._faqs is None:
            found = [f for b in self.intro if isinstance(b, FaqBlock) for f in b.items]
            for section in self.sections:
                if section.question:
                    found.append(Faq(section.heading, section.answer, section.anchor, section.line))
                found.extend(f for b in section.blocks if isinstance(b, FaqBlock) for f in b.items)
            object.__setattr__(self, "_faqs", tuple(found))
        return self._faqs  # type: ignore[return-value]

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(b for b in self.iter_blocks() if isinstance(b, Table))

    @property
    def callouts(self) -> tuple[Callout, ...]:
        return tuple(b for b in self.iter_blocks() if isinstance(b, Callout))

    @property
    def word_count(self) -> int:
        return self._words


def iter_block_texts(article: Article):
    """Every piece of body text of an article, in document order (headings included)."""
    for block in article.intro:
        yield from block_strings(block)
    for section in article.sections:
        yield section.heading
        for block in section.blocks:
            yield from block_strings(block)


def block_strings(block: Block):
    """Every piece of text of one block, in document order (`mentions.block_texts` numbers them alike)."""
    if isinstance(block, Paragraph):
        if block.label:
            yield block.label
        yield block.text
    elif isinstance(block, ListBlock):
        stack = list(reversed(block.items))
        while stack:
            item = stack.pop()
            yield item.text
            stack.extend(reversed(item.children))
    elif isinstance(block, Table):
        yield from block.header
        for row in block.rows:
            yield from row
    elif isinstance(block, Callout):
        yield block.label
        yield block.text
    elif isinstance(block, FaqBlock):
        for faq in block.items:
            yield faq.question
            yield faq.answer


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a rendered Markdown page, for its table of contents."""

    text: str
    level: int
    anchor: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Page:
    """A Markdown page from `content/`, already rendered to an HTML body."""

    source: str
    title: str
    slug: str
    body_html: str
    headings: tuple[Heading, ...]
    meta: ArticleMeta = field(default_factory=ArticleMeta)
    kind: Literal["page", "article"] = "page"
    """`article` pages are listed with the articles on the home page and in topics."""
    template: str | None = None
    """A template file name from front matter (`template: wide.html`), checked to exist; None for `page.html`."""
    texts: tuple[str, ...] = ()
    """The body as plain text, for search: [0] before the first heading, [i] under `headings[i - 1]`."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Entity:
    """A person, country, organisation or place the site tracks, from `content/entities.yml`."""

    name: str
    slug: str
    """The entity page is `entities/<slug>/index.html`; made from the name, unique among entities."""
    kind: str
    """`person`, `country`, `organisation`, `place`, ... (a lower-case word chosen by the list)."""
    aliases: tuple[str, ...] = ()
    description: str = ""
    source: str = "content/entities.yml"
    line: int = 1
    """The line of the entry's `name:` key, for diagnostics."""

    @property
    def terms(self) -> tuple[str, ...]:
        """Every spelling that counts as a mention: the name first, then the aliases."""
        return (self.name, *self.aliases)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SectionMention:
    """How often one section (or the intro) of one article mentions one entity, and in which sentences."""

    entity: str
    """The entity's slug."""
    article: str
    """The article's slug."""
    section: str
    """The section key: the section's anchor, or "" for the lede and the text before the first heading."""
    heading: str
    """The section heading as shown ("Introduction" for the intro)."""
    count: int
    sentences: tuple[str, ...]
    """Every sentence that mentions the entity, in document order; the first one is the excerpt."""

    @property
    def anchor(self) -> str | None:
        return self.section or None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Topic:
    """A tag and everything tagged with it."""

    name: str
    """The tag as first written (in reading order)."""
    slug: str
    articles: tuple[str, ...]
    """Slugs of tagged seed articles, in reading order."""
    pages: tuple[str, ...] = ()
    """Slugs of tagged content pages of kind `article`."""
