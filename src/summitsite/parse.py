"""Seed text to an `Article`: the structure recovered from plain text as extractors produce it.

Pure and total: any string gives an Article (never an exception), and every line is accounted for, in
the model or in `Article.removed`. The work is line-oriented and linear in the input:

1. each non-blank line gets a shape: text, bullet item or table row;
2. a "Table of Contents" block is recognised and set aside;
3. each text line gets a heading score from evidence about it and its neighbours (`heading_score`);
4. the title and lede are chosen, sections opened at headings, and the lines between them grouped
   into blocks: paragraphs (labelled or not), lists, tables, callouts, FAQs; boilerplate is removed.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from summitsite.headings import (
    FAQ_HEADING,
    FURNITURE,
    Line,
    comparable,
    default_model,
    heading_probabilities,
    is_prose,
    strip_number,
    title_case_ratio,
)
from summitsite.levels import CARD_CORE, CARD_PART, assign_levels
from summitsite.model import (
    Article,
    ArticleMeta,
    Block,
    Callout,
    Diagnostic,
    Faq,
    FaqBlock,
    ListBlock,
    ListItem,
    Normalisation,
    Paragraph,
    Removed,
    Section,
    Table,
    TocEntry,
)
from summitsite.normalise import fix_missing_spaces, fix_name_case, fix_sentence_starts, name_casing, names_in
from summitsite.slugs import SlugRegistry, make_slug

DEFAULT_CALLOUTS: tuple[tuple[str, str], ...] = (
    ("did you know?", "did-you-know"),
    ("did you know:", "did-you-know"),
    ("fun fact:", "did-you-know"),
    ("pro tip:", "tip"),
    ("quick tip:", "tip"),
    ("tip:", "tip"),
    ("note:", "note"),
    ("editor's note:", "note"),
    ("editor\u2019s note:", "note"),
    ("key takeaway:", "key-takeaway"),
    ("key takeaways:", "key-takeaway"),
    ("takeaway:", "key-takeaway"),
    ("important:", "important"),
    ("warning:", "warning"),
    ("caution:", "warning"),
)
"""Callout labels (matched case-insensitively at the start of a line) and the kind each one gives."""

DEFAULT_BOILERPLATE: tuple[str, ...] = (
    r"\b(share|tell us|let us know)\b.{0,80}\b(thoughts|opinions?|views)\b.{0,40}\bcomments?\b",
    r"\b(in|into|to) the comments?( section)? below\b",
    r"\bleave (us )?a (comment|reply)\b",
    r"^share (this|on)\b",
    r"\bsubscribe to (our|the) newsletter\b",
    r"\bsign up (for|to) (our|the) newsletter\b",
    r"^read more\s*:",
    r"\b(we|this (web)?site) uses? cookies\b",
    r"^(click|tap) here to (subscribe|share|read more)\b",
    r"^follow us on\b",
    r"^(hide|show) (all )?(images|photos|pictures)$",
    r"^(jump to|print|pin|save|rate) (this )?recipe$",
)
"""Regular expressions (case-insensitive) for lines that make no sense on the generated site."""


@dataclass(frozen=True, slots=True)
class ParseOptions:
    normalise: bool = True
    """Repair scraping scars (see `summitsite.normalise`); every repair is recorded."""
    callouts: tuple[tuple[str, str], ...] = DEFAULT_CALLOUTS
    """(label, kind) pairs; the first label that starts a line (any case, then a space) wins."""
    boilerplate: tuple[str, ...] = DEFAULT_BOILERPLATE
    """Regular expressions for lines to remove (and report) as boilerplate."""
    known_names: tuple[str, ...] = ()
    """Names known to the site (e.g. its entity list): evidence for restoring their capitals."""


_TOC_TITLE = re.compile(r"(table of contents|contents|in this article|on this page|jump to|article contents)\s*:?",
                        re.I)
_FAQ_HEADING = FAQ_HEADING
_BULLET = re.compile(r"^(\s*)[-*\u2022\u2013]\s+(.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(\S.*)$")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_LABELLED = re.compile(r"^(?P<label>[^\W_][^:]{0,60}?)\s*:\s+(?P<text>\S.*)$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"\u201d\u2019)]?\s+[\"\u201c]?[A-Z]")
_QA_QUESTION = re.compile(r"^q(uestion)?\s*[:.]\s*(?P<text>\S.*)$", re.I)
_QA_ANSWER = re.compile(r"^a(nswer)?\s*[:.]\s*(?P<text>\S.*)$", re.I)
_WORD = re.compile(r"[^\W_]+")
_TERMINAL = ".!?\u2026\"\u201d\u2019')]\u00bb"
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " "})
_STOPWORDS = frozenset((
    "a an and are as at be by for from has have in is it its of on or that the this to was were will with "
    "what why how who when where which than then into over under about after before between").split())


@dataclass(slots=True)
class _Builder:
    """The mutable state of one parse; turned into frozen model objects at the end."""

    source: str
    options: ParseOptions
    anchors: SlugRegistry = field(default_factory=SlugRegistry)
    removed: list[Removed] = field(default_factory=list)
    changes: list[Normalisation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """Folded -> capitalised names of this article, for the name-casing repair."""
    continuations: set[int] = field(default_factory=set)
    """Line numbers of hard-wrapped lines that continue the sentence of the line before."""
    callout_labels: tuple[str, ...] = field(init=False)
    """The labels of `options.callouts`, for one `startswith` test per paragraph."""

    def __post_init__(self) -> None:
        self.callout_labels = tuple(label for label, _ in self.options.callouts)

    def fix(self, text: str, line: int, starts_sentence: bool = False) -> str:
        """`text` with its scraping scars repaired; `starts_sentence`: its first word starts a sentence."""
        if not self.options.normalise:
            return text
        text = fix_missing_spaces(text, line, self.changes)
        text = fix_sentence_starts(text, line, self.changes, starts_sentence and line not in self.continuations)
        return fix_name_case(text, line, self.names, self.changes)

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.diagnostics.append(Diagnostic("warning", code, message, self.source, line))


def parse_seed(text: str, source: str, options: ParseOptions = ParseOptions(),
               meta: ArticleMeta | None = None) -> Article:
    """Parse one seed's text. `source` names it in diagnostics; `meta` (from a sidecar) overrides inferences."""
    meta = meta or ArticleMeta()
    build = _Builder(source, options)
    found = heading_candidates(text, options)
    lines, body, toc_lines, toc_title_index = found.lines, found.body, found.toc_lines, found.toc_title_index
    _classify_headings(found)

    if options.normalise:
        _study_text(text, body, build)
    title, title_line, body = _take_title(body, meta)
    lede, lede_line, body = _take_lede(body)
    _assign_levels(body)
    if toc_title_index is not None:
        build.removed.append(Removed("toc", lines[toc_title_index].number, lines[toc_title_index].text))

    intro, sections = _group_sections(body, build)
    if title is None:
        title, title_line = _title_from_headings(sections, lede, meta)
    toc = _reconcile_toc([lines[i] for i in sorted(toc_lines)], sections, build)
    truncated = _is_truncated(lines)
    if truncated:
        build.warn("truncated", "the text ends mid-sentence", lines[-1].number if lines else None)
    lede = build.fix(lede, lede_line, starts_sentence=True) if lede else lede
    slug = meta.slug or make_slug(title, fallback="article")
    return Article(
        source=source, title=title, slug=slug, lede=lede, intro=tuple(intro), sections=tuple(sections),
        toc=tuple(toc), truncated=truncated, removed=tuple(sorted(build.removed, key=lambda r: r.line)),
        normalisations=tuple(sorted(build.changes, key=lambda c: c.line)),
        diagnostics=tuple(build.diagnostics), meta=meta, title_line=title_line)


def _study_text(text: str, body: list[Line], build: _Builder) -> None:
    """What the repairs need to know about the whole article (all of its `text`): its names and its
    hard-wrapped lines."""
    running = [ln.text for ln in body if not ln.heading and len(ln.text.split(maxsplit=5)) >= 6]
    build.names = names_in(name_casing(running, build.options.known_names), text)
    for prev, line in itertools.pairwise(body):
        if (prev.shape == line.shape == "text" and not prev.heading and len(prev.text.split(maxsplit=7)) >= 8
                and prev.text[-1] not in _TERMINAL + ":"):
            build.continuations.add(line.number)


def _shape_lines(text: str) -> list[Line]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        indent = len(raw) - len(raw.lstrip())
        if stripped.startswith("|"):
            shape = "table"
        elif _BULLET.match(stripped):
            shape = "bullet"
        else:
            shape = "text"
        lines.append(Line(number, stripped, indent, shape, numbered=bool(_NUMBERED.match(stripped))))
    return lines


def _find_toc(lines: list[Line]) -> tuple[set[int], int | None]:
    """The indexes of the first TOC block's entries, and of its title line."""
    for i, line in enumerate(lines):
        if line.shape != "text" or not _TOC_TITLE.fullmatch(line.text):
            continue
        entries = set()
        j = i + 1
        while j < len(lines) and (lines[j].shape == "bullet" or (lines[j].numbered and len(lines[j].text) < 150)):
            entries.add(j)
            j += 1
        if len(entries) >= 2:
            return entries, i
    # A bare "Contents" line whose entries the extractor dropped is still a TOC title, not a heading.
    for i, line in enumerate(lines):
        if line.shape == "text" and _TOC_TITLE.fullmatch(line.text):
            return set(), i
    return set(), None


@dataclass(frozen=True, slots=True)
class HeadingCandidates:
    """The lines of a text as the heading classifier sees them."""

    lines: list[Line]
    """Every non-blank line, shaped."""
    body: list[Line]
    """The lines outside the table-of-contents block."""
    toc_keys: set[str]
    """The folded texts of the TOC block's entries."""
    skip: list[bool]
    """Per body line: never a heading (a callout line)."""
    toc_lines: set[int]
    toc_title_index: int | None


def heading_candidates(text: str, options: ParseOptions = ParseOptions()) -> HeadingCandidates:
    """Shape the lines of `text` and set the TOC block aside; also used to train the heading model."""
    lines = _shape_lines(text)
    toc_lines, toc_title_index = _find_toc(lines)
    body = [ln for i, ln in enumerate(lines) if i not in toc_lines and i != toc_title_index]
    toc_keys = {comparable(_toc_heading(lines[i])) for i in toc_lines}
    callout_labels = tuple(label for label, _ in options.callouts)
    skip = [ln.text.casefold().startswith(callout_labels) or _is_boilerplate(ln.text, options)
            or ln.text.casefold() in _ADMONITIONS for ln in body]
    return HeadingCandidates(lines, body, toc_keys, skip, toc_lines, toc_title_index)


# An admonition's title alone on its line ("Note", over the note): documentation's boxes, never a heading.
_ADMONITIONS = frozenset("note warning tip important caution info notice danger hint attention".split())


def _classify_headings(found: HeadingCandidates) -> None:
    body = found.body
    probabilities = heading_probabilities(body, found.toc_keys, skip=found.skip)
    threshold = default_model().threshold
    for line, probability in zip(body, probabilities, strict=True):
        line.heading = probability >= threshold
    for rule in _CONSISTENCY_RULES:
        rule(body)
    for line, never in zip(body, found.skip, strict=True):
        line.heading = line.heading and not never  # callouts and boilerplate, whatever the rules made of them


# The model judges a line with a few neighbours; these rules make its decisions consistent across the whole
# article, where headings are written alike. Each only ever adds headings, and each is linear in the lines.

def _questions_over_headings(body: list[Line]) -> None:
    """A question in Title Case right above a heading is a heading too: the question the sections below answer."""
    for line, nxt in itertools.pairwise(body):
        if nxt.heading and not line.heading and line.shape == "text" and line.text.endswith("?") \
                and len(line.text.split(maxsplit=14)) <= 14 and title_case_ratio(line.text) >= 0.75 \
                and not FURNITURE.search(line.text):
            line.heading = True


_LABEL_RUN = 3
"""Labels over paragraphs that make a structured abstract; one or two are lead-ins."""


def _label_runs(body: list[Line]) -> None:
    """Distinct labels alone on their lines, each over a sentence ("Background:", "Objective:", "Results:"), are
    the headings of a structured abstract or report once there are a few of them."""
    labels = [i for i, line in enumerate(body[:-1])
              if not line.heading and _is_label_line(line) and _is_sentence(body[i + 1])]
    if len(labels) >= _LABEL_RUN and len({comparable(body[i].text) for i in labels}) == len(labels):
        for i in labels:
            body[i].heading = True


def _numbered_steps(body: list[Line]) -> None:
    """A numbered line with text of its own under it, next in the numbering to a numbered heading, is a heading
    too: steps are headed alike, and the model doubts the ones that open with a list."""
    numbers = [_step_number(line, body[i + 1] if i + 1 < len(body) else None) for i, line in enumerate(body)]
    steps = [(i, n) for i, n in enumerate(numbers) if n is not None]
    for (i, n), (j, m) in itertools.pairwise(steps):
        if m == n + 1 and body[i].heading != body[j].heading:
            body[i].heading = body[j].heading = True


_CARD_PART_CHARS = 40


def _card_parts(body: list[Line]) -> None:
    """Once one core part of a recipe or how-to card ("Instructions") is a heading, a line that names another
    part ("Ingredients", over its groups of ingredients) is one too."""
    parts = [comparable(line.text) if line.shape == "text" and len(line.text) <= _CARD_PART_CHARS
             and CARD_PART.fullmatch(comparable(line.text)) else None for line in body]
    if any(part and line.heading and CARD_CORE.fullmatch(part) for part, line in zip(parts, body, strict=True)):
        for part, line in zip(parts, body, strict=True):
            if part:
                line.heading = True


def _repeated_headline(body: list[Line]) -> None:
    """The headline said again further down heads a section of its own: a recipe card, a product's hero block."""
    if body and _looks_like_title(body[0]):
        headline = body[0].text
        for line in body[2:]:
            if line.shape == "text" and not line.heading and line.text == headline:
                line.heading = True


_CONSISTENCY_RULES = (_questions_over_headings, _label_runs, _numbered_steps, _card_parts, _repeated_headline)


def _is_label_line(line: Line) -> bool:
    text = line.text
    return line.shape == "text" and text.endswith(":") and text[0].isupper() and len(text.split()) <= 4 \
        and text.count(":") == 1


def _step_number(line: Line, nxt: Line | None) -> int | None:
    """The number of a step heading candidate ("3. Wrap the seeds"): a numbered line, not a sentence, that is
    followed by something other than the next numbered line (a list item of an ordered list)."""
    if line.shape != "text" or not line.numbered or nxt is None or nxt.numbered or line.text[-1] in ".!:" \
            or is_prose(line.text):
        return None
    return int(_NUMBERED.match(line.text).group(1))  # type: ignore[union-attr]


def _is_sentence(line: Line) -> bool:
    """Whether a line is a plain-text sentence (not a heading, a command or a label)."""
    return line.shape == "text" and not line.heading and line.text[0].isalnum() and line.text[-1] in ".!?" \
        and len(line.text.split(maxsplit=2)) >= 3


def _assign_levels(body: list[Line]) -> None:
    """Levels come from the headings of the body proper, once the title line is set aside."""
    headings: list[Line] = []
    under: list[list[Line]] = []
    for line in body:
        if line.heading:
            headings.append(line)
            under.append([])
        elif under:
            under[-1].append(line)
    assign_levels(headings, under, [bool(_FAQ_HEADING.search(h.text)) for h in headings])


# Names every document may give a section ("Abstract", "Introduction"): a text that opens with one opens with
# that section, its headline having been left behind by the extractor.
_GENERIC_SECTION = re.compile(
    r"abstract|summary|introduction|overview|background|contents|table of contents|preface|foreword|"
    r"executive summary|key (?:points|findings)|highlights|synopsis", re.I)


def _looks_like_title(line: Line) -> bool:
    text = line.text
    n = len(text.split())
    if line.shape != "text" or n > 25 or _SENTENCE_BREAK.search(text) or _GENERIC_SECTION.fullmatch(comparable(text)):
        return False
    return text[-1] not in ".,;:" or n <= 3


def _take_title(body: list[Line], meta: ArticleMeta) -> tuple[str | None, int | None, list[Line]]:
    if body and _looks_like_title(body[0]):
        first = body[0]
        if meta.title is None or comparable(meta.title) == comparable(first.text):
            return meta.title or first.text, first.number, body[1:]
    return meta.title, None, body


def _take_lede(body: list[Line]) -> tuple[str, int, list[Line]]:
    if body and body[0].shape == "text" and not body[0].heading:
        return body[0].text, body[0].number, body[1:]
    return "", 0, body


def _content_words(text: str) -> set[str]:
    words = set()
    for word in _WORD.findall(comparable(text)):
        if word.endswith("s") and len(word) > 3 and text.casefold().find(word[:-1] + "\u2019s") >= 0:
            word = word[:-1]
        if word not in _STOPWORDS and len(word) > 1:
            words.add(word)
    return words


def _title_from_headings(sections: list[Section], lede: str, meta: ArticleMeta) -> tuple[str, int | None]:
    """When the text opens with a lede, the headline is the heading that shares most words with it."""
    lede_words = _content_words(lede)
    best, best_score = None, 1
    for section in sections:
        if section.heading.endswith("?") or _FAQ_HEADING.search(section.heading):
            continue
        score = len(_content_words(section.heading) & lede_words)
        if score > best_score:
            best, best_score = section, score
    if best is not None:
        return best.heading, best.line
    words = lede.split()
    if not words:
        return (sections[0].heading, sections[0].line) if sections else ("Untitled", None)
    return " ".join(words[:10]) + ("\u2026" if len(words) > 10 else ""), None


def _group_sections(body: list[Line], build: _Builder) -> tuple[list[Block], list[Section]]:
    intro_lines: list[Line] = []
    groups: list[tuple[Line, list[Line]]] = []
    for line in body:
        if line.heading:
            groups.append((line, []))
        elif groups:
            groups[-1][1].append(line)
        else:
            intro_lines.append(line)
    intro = _blocks(intro_lines, build, in_faq=False)
    sections = []
    faq_questions = False  # inside an FAQ section whose questions are sub-headings
    for heading, lines in groups:
        anchor = build.anchors.claim(make_slug(strip_number(heading.text) if heading.numbered else heading.text))
        in_faq = bool(_FAQ_HEADING.search(heading.text))
        blocks = tuple(_blocks(lines, build, in_faq))
        # A question heading answered by a paragraph, under an FAQ heading, is an FAQ entry; a question
        # with no answer stays a plain section.
        question = (faq_questions and heading.text.endswith("?")
                    and bool(blocks) and isinstance(blocks[0], Paragraph))
        faq_questions = in_faq or question
        sections.append(Section(heading.text, heading.level, anchor, heading.number, blocks, question))
    return intro, sections


def _blocks(lines: list[Line], build: _Builder, in_faq: bool) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.shape == "table":
            j = i
            while j < len(lines) and lines[j].shape == "table":
                j += 1
            blocks.extend(_table(run, build) for run in _split_tables(lines[i:j]))
            i = j
            continue
        if line.shape == "bullet" or (line.numbered and not line.heading):
            j = i
            while j < len(lines) and (lines[j].shape == "bullet" or lines[j].numbered):
                j += 1
            blocks.append(_list_or_faq(lines[i:j], build, in_faq))
            i = j
            continue
        qa = _QA_QUESTION.match(line.text)
        if qa and i + 1 < len(lines) and _QA_ANSWER.match(lines[i + 1].text):
            answer = _QA_ANSWER.match(lines[i + 1].text).group("text")
            faq = _faq(qa.group("text"), answer, line.number, build)
            if blocks and isinstance(blocks[-1], FaqBlock):
                blocks[-1] = FaqBlock((*blocks[-1].items, faq), blocks[-1].line)
            else:
                blocks.append(FaqBlock((faq,), line.number))
            i += 2
            continue
        block = _text_block(line, build)
        if block is not None:
            blocks.append(block)
        i += 1
    return blocks


def _text_block(line: Line, build: _Builder) -> Block | None:
    text = line.text
    folded = text.casefold()
    # One C-level test first: most paragraphs start with no callout label at all.
    if folded.startswith(build.callout_labels):
        for label, kind in build.options.callouts:
            if folded.startswith(label) and len(text) > len(label) and text[len(label)].isspace():
                return Callout(kind, text[:len(label)], build.fix(text[len(label):].strip(), line.number, True),
                               line.number)
    if _is_boilerplate(text, build.options):
        build.removed.append(Removed("boilerplate", line.number, text))
        return None
    labelled = _LABELLED.match(text)
    if labelled and _is_label(labelled.group("label")):
        return Paragraph(build.fix(labelled.group("text"), line.number), line.number, labelled.group("label"))
    return Paragraph(build.fix(text, line.number, starts_sentence=True), line.number)


def _is_boilerplate(text: str, options: ParseOptions) -> bool:
    return _boilerplate_matcher(options.boilerplate)(text)


_BOILERPLATE_WORDS = 60
"""Longer lines are content even when they mention comments or newsletters."""


def _short(text: str) -> bool:
    return len(text.split(maxsplit=_BOILERPLATE_WORDS)) <= _BOILERPLATE_WORDS


@functools.lru_cache(maxsize=32)
def _boilerplate_matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One test for all the boilerplate patterns (case-insensitive), made once per set: every line is tested.

    Each pattern is searched only in a line that contains one of its `_required_words`, a literal any match
    must contain; a line with none of them (nearly all) is not searched at all, and one with "leave" only by
    the pattern that needs it. A pattern that gives no such literal is searched in every short line.
    """
    always: list[re.Pattern[str]] = []
    by_word: dict[str, list[re.Pattern[str]]] = {}
    for pattern in patterns:
        compiled = re.compile(pattern, re.I)
        required = _required_words(pattern)
        if not required:
            always.append(compiled)
            continue
        for word in required:
            by_word.setdefault(word, []).append(compiled)
    hints = tuple(sorted(by_word.items()))

    def matches(text: str) -> bool:
        folded = text.casefold()
        found = [compiled for word, compiled in hints if word in folded]
        if not (found or always) or not _short(text):
            return False
        return any(c.search(text) for c in always) or any(c.search(text) for group in found for c in group)

    return matches


_REGEX_ITEM = re.compile(r"""\\.|\[(?:\\.|[^\]])*\]|\((?P<group>[^()\\\[]*)\)|(?P<open>\()|(?P<close>\))|.""", re.S)
_LITERAL_ALTERNATIVES = re.compile(r"[a-z][a-z ']*(?:\|[a-z][a-z ']*)*")


def _required_words(pattern: str) -> set[str] | None:
    """Literal texts of which every match of `pattern` contains one (lower-case), or None if unsure.

    Only the top level of the pattern is read: a run of plain letters, or a group of plain-letter
    alternatives ("(share|tell us)"), that no quantifier makes optional. The longest such item wins.
    """
    if "(?" in pattern:
        return None  # flags, look-arounds, non-capturing groups: not worth reading
    items: list[tuple[str, str | None]] = []  # (source, literal alternatives joined by | or None)
    depth = 0
    for match in _REGEX_ITEM.finditer(pattern):
        token = match.group()
        if match.group("open"):
            depth += 1
        elif match.group("close"):
            depth -= 1
            if depth == 0:
                items.append(("", None))  # a nested group: nothing known about its text
        elif depth == 0:
            if token == "|":
                return None  # a top-level alternation: no part of it is required
            group = match.group("group")
            if group is not None:
                items.append((token, group if _LITERAL_ALTERNATIVES.fullmatch(group) else None))
            elif token in "?*{" and items:
                items.pop()  # the item before is optional
                items.append(("", None))
            elif token == "+" and items:
                pass
            elif len(token) == 1 and ((token.isalpha() and token.islower()) or token in " '"):
                items.append((token, token))
            else:
                items.append((token, None))
    best: set[str] | None = None
    run: list[str] = []
    candidates: list[set[str]] = []
    for _, literal in [*items, ("", None)]:
        if literal is not None and len(literal) == 1 and literal != "|":
            run.append(literal)
            continue
        if run:
            candidates.append({"".join(run).strip()})
            run = []
        if literal is not None:
            candidates.append({alt.strip() for alt in literal.split("|")})
    for alternatives in candidates:
        if all(len(a) >= 3 for a in alternatives) and (
                best is None or min(map(len, alternatives)) > min(map(len, best))):
            best = alternatives
    return best


def _is_label(label: str) -> bool:
    words = label.split()
    return (1 <= len(words) <= 6 and label[0].isupper() and not any(c in label for c in ".!?;,\"()[]")
            and not label.casefold().startswith(("http", "https", "mailto")))


def _cells(line: Line) -> list[str]:
    cells = line.text.strip()
    cells = cells[1:] if cells.startswith("|") else cells
    cells = cells[:-1] if cells.endswith("|") else cells
    return [c.strip() for c in cells.split("|")]


def _split_tables(run: list[Line]) -> list[list[Line]]:
    """Extractors print adjacent tables as one run of `|` lines; these are where one table ends.

    - a header separator (`|---|`) anywhere but under the first row starts a new table at the row above it;
    - a row with no text in any cell closes the table it ends (nested tables are printed that way);
    - a one-cell row after a row of several cells, followed by more rows, is the caption of a new table.
    """
    tables: list[list[Line]] = [[]]
    for k, line in enumerate(run):
        current = tables[-1]
        if _TABLE_SEPARATOR.match(line.text) and len(current) >= 2:
            tables[-1] = current[:-1]
            tables.append([current[-1]])
            current = tables[-1]
        elif (current and len(_cells(line)) == 1 and any(_cells(line)) and len(_cells(current[-1])) > 1
              and k + 1 < len(run) and not _TABLE_SEPARATOR.match(current[-1].text)):
            tables.append([])
            current = tables[-1]
        if not any(_cells(line)):
            # An empty row holds no text: it ends the table and is not kept as a row.
            if current and k + 1 < len(run):
                tables.append([])
            continue
        current.append(line)
    return [t for t in tables if t]


def _table(lines: list[Line], build: _Builder) -> Table:
    rows = []
    header: tuple[str, ...] = ()
    for k, line in enumerate(lines):
        if _TABLE_SEPARATOR.match(line.text):
            if k == 1 and rows:
                header = rows.pop()
            continue
        cells = line.text.strip()
        cells = cells[1:] if cells.startswith("|") else cells
        cells = cells[:-1] if cells.endswith("|") else cells
        rows.append(tuple(build.fix(c.strip(), line.number) for c in cells.split("|")))
    return Table(header, tuple(rows), lines[0].number)


def _item_text(line: Line) -> str:
    """A list item's text without its bullet or number."""
    bullet = _BULLET.match(line.text)
    if bullet:
        return bullet.group(2)
    numbered = _NUMBERED.match(line.text)
    return numbered.group(2) if numbered else line.text


def _toc_heading(entry: Line) -> str:
    return strip_number(_item_text(entry))


def _list_or_faq(lines: list[Line], build: _Builder, in_faq: bool) -> Block:
    texts = [_item_text(line) for line in lines]
    if in_faq:
        pairs = [_split_question(t) for t in texts]
        if all(pairs):
            return FaqBlock(tuple(_faq(q, a, line.number, build) for (q, a), line in zip(pairs, lines, strict=True)),
                            lines[0].number)
    ordered = all(line.numbered for line in lines)
    return ListBlock(ordered, _nest(lines, texts, build), lines[0].number)


def _nest(lines: list[Line], texts: list[str], build: _Builder) -> tuple[ListItem, ...]:
    """Items indented deeper than the item before them become its children."""
    root: list[tuple[int, ListItem, list]] = []
    stack: list[tuple[int, list]] = [(-1, root)]
    for line, text in zip(lines, texts, strict=True):
        while len(stack) > 1 and line.indent <= stack[-1][0]:
            stack.pop()
        children: list = []
        stack[-1][1].append((line.indent, ListItem(build.fix(text, line.number), line.number), children))
        stack.append((line.indent, children))

    def freeze(nodes: list) -> tuple[ListItem, ...]:
        return tuple(ListItem(item.text, item.line, freeze(children)) for _, item, children in nodes)

    return freeze(root)


def _split_question(text: str) -> tuple[str, str] | None:
    mark = text.find("? ")
    if mark < 0:
        return None
    return text[:mark + 1].strip(), text[mark + 2:].strip()


def _faq(question: str, answer: str, line: int, build: _Builder) -> Faq:
    anchor = build.anchors.claim("faq-" + make_slug(question, fallback="question", max_length=60))
    return Faq(build.fix(question, line, True), build.fix(answer, line, True), anchor, line)


def _reconcile_toc(entries: list[Line], sections: list[Section], build: _Builder) -> list[TocEntry]:
    by_key: dict[str, Section] = {}
    for section in sections:
        by_key.setdefault(comparable(section.heading), section)
        by_key.setdefault(comparable(strip_number(section.heading)), section)
    base_indent = min((e.indent for e in entries), default=0)
    toc = []
    for entry in entries:
        heading = _toc_heading(entry)
        section = by_key.get(comparable(heading)) or by_key.get(comparable(_item_text(entry)))
        if section is None:
            build.warn("toc-entry-missing",
                       f"table of contents entry '{heading}' has no section in the text; it is not linked",
                       entry.number)
            level = 2 + (entry.indent - base_indent) // 2
            toc.append(TocEntry(heading, level, None, entry.number))
        else:
            # The section's own string when the text is the same: a TOC repeats every heading, and a big
            # site holds them all (pickling keeps the sharing, into the cache and out of a worker).
            same = section.heading if heading == section.heading else heading
            toc.append(TocEntry(same, section.level, section.anchor, entry.number))
    return toc


def _is_truncated(lines: list[Line]) -> bool:
    """The text ends mid-sentence: its last line is running text without closing punctuation."""
    if not lines:
        return False
    last = lines[-1]
    # Lists, tables and headings often end without punctuation; a short last line is more likely a
    # stray caption than a cut-off sentence.
    if last.heading or last.shape != "text" or len(last.text.split(maxsplit=3)) < 4:
        return False
    return last.text[-1] not in _TERMINAL
