"""How the headings of an extracted article nest: the level of each heading.

Extractors flatten `<h2>`/`<h3>` into bare lines, so levels have to be recovered from the shape of the
heading sequence once `summitsite.headings` has decided which lines are headings: numbering, question
form, headings with nothing of their own under them, repeated prefixes and capitalisation styles.

Everything here is linear in the number of headings.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from summitsite.headings import _DATE, _ENUMERATED, _MINOR_WORDS, _NUMBERED, _WORD, Line, comparable, strip_number


def _pattern(text: str) -> str | None:
    """What a heading shares with its siblings: its numbering, or its text before a colon."""
    if _NUMBERED.match(text):
        return "#"
    enumerated = _ENUMERATED.match(text)
    if enumerated:
        return "#" + comparable(re.sub(r"#?\d+.*$", "", enumerated.group()))
    if ":" in text[1:-1]:
        return "prefix:" + comparable(text.split(":", 1)[0])
    return None


@dataclass(slots=True)
class _Parent:
    level: int
    pattern: str | None
    children: str
    """Which headings stay under it: `any`, `question`, or one sibling pattern."""
    first_question: bool = False
    """Whether its first sub-section is a question: the sub-sections of an `any` parent are all alike."""
    first_style: str | None = None
    """How its first sub-section is capitalised (`_style`), when that can be told: alike sub-sections again."""


# Headings that close (or sum up) an article ("References", "See also", "Conclusion", "Final Verdict", "At a
# Glance"): sections of their own, never sub-sections, and a bare one is an emptied link list, not a parent.
_BACK_MATTER = re.compile(
    r"(?:references?|sources|notes and references|see also|related(?: \w+)?|conclusions?|final (?:thoughts|words)|"
    r"further reading|bibliography|acknowledge?ments?|about the authors?|comments?|(?:the )?bottom line|"
    r"wrap(?:ping)? up|(?:key )?takeaways?|(?:final |the |our )?verdict|at a glance)", re.I)


def _is_back_matter(line: Line) -> bool:
    return bool(_BACK_MATTER.fullmatch(comparable(strip_number(line.text))))


# The parts of a recipe or how-to card, which sit under the card's own heading; a card has at least one core part.
CARD_PART = re.compile(
    r"ingredients?|instructions?|directions?|method|steps|equipment|nutrition(?: facts| information)?|"
    r"(?:recipe |cook's )?notes|tips|preparation|supplies|materials|tools|what you(?:'|\u2019)?ll need|you will need",
    re.I)
CARD_CORE = re.compile(r"ingredients?|instructions?|directions?|method|steps", re.I)


def _emptied(sections: Sequence[Sequence[Line]], i: int) -> bool:
    """Whether heading i ends a run of bare headings: sections the extractor emptied (galleries, widgets, link
    lists), never a parent, however much text follows."""
    return i > 0 and not sections[i] and not sections[i - 1]


def _is_date(line: Line) -> bool:
    return len(line.text.split(maxsplit=5)) <= 5 and bool(_DATE.search(line.text))


def _is_question(line: Line) -> bool:
    return line.text.endswith("?")


def _stays_under(parent: _Parent, heading: Line, pattern: str | None, opens_own: bool, opening: str | None) -> bool:
    if pattern is not None and pattern == parent.pattern:
        return False  # a sibling of the parent
    if parent.children.startswith("opening:"):
        return not opens_own and opening == parent.children[8:]
    if parent.children == "question":
        return _is_question(heading)
    if parent.children == "any":
        # A new parent starts a new group at the parent's level; a question among statements (or a statement
        # among questions), or a sentence-case heading among Title Case ones (or the reverse), ends the
        # group: sub-sections of one parent are written alike.
        style = _style(heading.text)
        return not opens_own and _is_question(heading) == parent.first_question \
            and (style is None or parent.first_style is None or style == parent.first_style)
    if parent.children.startswith("word:"):
        return not opens_own and parent.children[5:] in _stems(heading.text)
    # Numbered steps inside a run of enumerated parts ("Method #1", then "1.", "2.") stay in the run: one level of
    # nesting is all that is inferred.
    return pattern == parent.children or (pattern == "#" and parent.children.startswith("#"))


def _opening(lines: Sequence[Line]) -> str | None:
    """How a section's text begins: the first two words (or table cells' bars) of its first line, folded."""
    if not lines:
        return None
    tokens = re.findall(r"[^\W_]+|\|", lines[0].text.casefold())[:2]
    return " ".join(tokens) if len(tokens) == 2 else None


_ALIKE_RUN = 3
"""Sections in a row opening with the same words that make them one parent's sub-sections (two can be chance)."""


def _opens_alike_run(openings: Sequence[str | None], i: int) -> bool:
    """Whether the sections after heading i begin alike ("Are bicycles allowed? ...", under one train company
    after another) while section i does not: the parallel sections are sub-sections of heading i."""
    first = openings[i + 1] if i + 1 < len(openings) else None
    if first is None or openings[i] == first or i + _ALIKE_RUN >= len(openings):
        return False
    return all(openings[k] == first for k in range(i + 1, i + 1 + _ALIKE_RUN))


def _stems(text: str) -> set[str]:
    """A heading's significant words, folded, without a plural -s ("Hearts" and "Ten-Heart" share one)."""
    stems = set()
    for word in re.findall(r"[^\W\d_]+", text.casefold()):
        if word not in _MINOR_WORDS and len(word) > 2:
            stems.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return stems


def _edge_words(text: str) -> set[str]:
    """A heading's first and last significant words, folded: what a run of siblings often shares."""
    words = [w.casefold() for w in _WORD.findall(text) if w.casefold() not in _MINOR_WORDS]
    return {"first:" + words[0], "last:" + words[-1]} if words else set()


def _shared_word(first: Line, second: Line) -> str | None:
    shared = _stems(first.text) & _stems(second.text)
    return "word:" + min(shared) if shared else None


def assign_levels(headings: Sequence[Line], sections: Sequence[Sequence[Line]],
                  is_faq_heading: Sequence[bool]) -> None:
    """Give each heading a level (2 = top) from the shape of the heading sequence.

    `sections[i]` holds the non-heading lines between heading i and the next one. The evidence:
    - a heading with nothing under it, followed by a heading with text under it, is a parent of the
      headings that follow, up to the next such parent or a heading written unlike the first of them (a
      question among statements, sentence case among Title Case; bare headings in a row are siblings, emptied by
      the extractor, and the last of them is no parent either; a bare question is an unanswered question,
      unless it is in Title Case over statements);
    - a run of numbered or enumerated headings ("1. ...", "Step 2: ...") nests under the heading before
      it, unless that heading is named like them ("Example Data" before "Example 1: "), and numbered steps
      inside a run of enumerated parts ("Method #1", "1. ...", "2. ...") stay in the run;
    - question headings with answers under an FAQ heading nest under it;
    - headings sharing a prefix ("X vs Y: Fees", "X vs Y: Security") are sections; the other headings
      between them are their sub-sections;
    - three or more sections in a row whose text opens with the same words (each company's "Are bicycles
      allowed? ...") are sub-sections of the heading before them, for as long as their sections open so.
    One level of nesting is inferred; deeper structure is not recoverable from flat text reliably.
    """
    count = len(headings)
    body_lines = [len(s) for s in sections]
    patterns = [_pattern(h.text) for h in headings]
    repeats = Counter(p for p in patterns if p is not None)
    patterns = [p if p is not None and repeats[p] >= 2 else None for p in patterns]
    bare = [body_lines[i] == 0 and i + 1 < count for i in range(count)]
    # A bare date ("April 3, 2019") is a post's stamp or a log entry, not a parent; nor is an emptied section.
    # A bare question is an unanswered one, unless it is written in Title Case above statements: then it is
    # the question the sections below answer ("How Do You Care For Bougainvillea?" over "Size & Growth").
    opens_own = [bare[i] and not (_is_question(headings[i]) and (_is_question(headings[i + 1])
                                                                or _style(headings[i].text) != "title"))
                 and not bare[i + 1] and not _is_date(headings[i])
                 and not _emptied(sections, i) for i in range(count)]
    openings = [_opening(lines) for lines in sections]
    parent: _Parent | None = None
    back_matter = [_is_back_matter(h) for h in headings]
    top_prefixes: set[str] = set()  # "X vs Y:" prefixes of top-level headings: their next namesake is a sibling
    for i, heading in enumerate(headings):
        if parent is not None and (back_matter[i] or patterns[i] in top_prefixes
                                   or not _stays_under(parent, heading, patterns[i], opens_own[i], openings[i])):
            parent = None
        heading.level = parent.level + 1 if parent is not None else 2
        if parent is None and patterns[i] is not None and patterns[i].startswith("prefix:"):
            top_prefixes.add(patterns[i])
        if parent is not None or i + 1 >= count:
            continue
        following, next_pattern = headings[i + 1], patterns[i + 1]
        if is_faq_heading[i] and _is_question(following) and body_lines[i + 1] > 0:
            parent = _Parent(heading.level, patterns[i], "question")
        elif opens_own[i] and not back_matter[i]:
            # Children named alike ("Two Hearts", "Four Hearts") end where the naming stops.
            shared = _shared_word(following, headings[i + 2]) if i + 2 < count else None
            parent = _Parent(heading.level, patterns[i], shared or "any", _is_question(following),
                             _style(following.text))
        elif next_pattern is not None and next_pattern.startswith("#") and next_pattern != patterns[i] \
                and not _edge_words(heading.text) & _edge_words(following.text):
            parent = _Parent(heading.level, patterns[i], next_pattern)
        elif patterns[i] is not None and patterns[i].startswith("prefix:") and next_pattern is None:
            parent = _Parent(heading.level, patterns[i], "any", _is_question(following))
        elif not back_matter[i] and _opens_alike_run(openings, i):
            parent = _Parent(heading.level, patterns[i], "opening:" + openings[i + 1])
    _nest_cards(headings, sections)
    _nest_repeated_names(headings, back_matter)
    # One parent over everything else is a page title in disguise, not structure: keep the headings flat.
    if count > 1 and headings[0].level == 2 and all(h.level > 2 for h in headings[1:]):
        for heading in headings:
            heading.level = 2
    if all(h.level == 2 for h in headings):
        _levels_from_styles(headings)


def _nest_cards(headings: Sequence[Line], sections: Sequence[Sequence[Line]]) -> None:
    """A recipe or how-to card: a heading, then its parts ("Ingredients", "Instructions", "Notes"), perhaps
    after groups of ingredients (headings over nothing but a list). The parts and groups are its sub-sections.
    Cards the other rules already nested are left alone, and so are cards whose heading is an emptied section
    (a "Make with" product box): their parts are the page's own sections."""
    keys = [comparable(h.text) for h in headings]
    parts = [bool(CARD_PART.fullmatch(key)) for key in keys]
    count = len(headings)
    i = 0
    while i < count:
        if not parts[i]:
            i += 1
            continue
        start = end = i
        while start > 0 and sections[start - 1] and all(line.shape == "bullet" for line in sections[start - 1]) \
                and not parts[start - 1]:
            start -= 1  # a group of ingredients ("For the dough") before the first part
        for j in range(i + 1, min(count, i + 4)):
            if parts[j]:
                end = j  # later parts, perhaps after more ingredient groups
        for j in range(end + 1, count):
            if not parts[j]:
                break
            end = j
        title = start - 1
        run = range(start, end + 1)
        if title >= 0 and not _emptied(sections, title) and sum(parts[j] for j in run) >= 2 \
                and any(CARD_CORE.fullmatch(keys[j]) for j in run) \
                and all(headings[j].level == headings[title].level for j in run):
            part_level = headings[title].level + 1
            bare_part = False  # a part with nothing of its own ("Ingredients") holds the groups after it
            for j in run:
                group = not parts[j] and bool(sections[j]) and all(line.shape == "bullet" for line in sections[j])
                headings[j].level = part_level + 1 if group and bare_part else part_level
                if parts[j]:
                    bare_part = not sections[j]
        i = end + 1


def _nest_repeated_names(headings: Sequence[Line], back_matter: Sequence[bool]) -> None:
    """Names that recur ("Tuples" under "Memory" and again under "Iteration time", "Parameters" under each
    function) are sub-sections of different parents: each heading just before a run that holds a recurring
    name is a parent, and its group lasts until the next such parent (or a closing section; the last group
    at most twice as long as the longest before it). Only applied where the other rules found no structure."""
    count = len(headings)
    if any(h.level != 2 for h in headings):
        return
    keys = [comparable(h.text) for h in headings]
    seen = Counter(keys)
    repeated = [seen[key] >= 2 for key in keys]
    parents = [i for i in range(count - 1) if not repeated[i] and repeated[i + 1] and not back_matter[i]]
    if len(parents) < 2:
        return
    longest = max(b - a - 1 for a, b in itertools.pairwise(parents))
    ends = [*parents[1:], min(count, parents[-1] + 1 + 2 * longest)]
    for parent, end in zip(parents, ends, strict=True):
        for j in range(parent + 1, end):
            if back_matter[j]:
                break
            headings[j].level = 3


def _style(text: str) -> str | None:
    """How a heading is written: `caps`, `title` (Title Case) or `sentence`; None when too short to tell."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return "caps"
    significant = [w for w in _WORD.findall(text) if w.casefold() not in _MINOR_WORDS and not w.isdigit()]
    if len(significant) < 2:
        return None
    ratio = sum(1 for w in significant[1:] if w[0].isupper()) / (len(significant) - 1)
    return "title" if ratio >= 0.75 else "sentence" if ratio <= 0.25 else None


def _levels_from_styles(headings: Sequence[Line]) -> None:
    """Two heading styles in one article, the rarer one always followed by headings of the other: the rarer
    style heads sections and the other style and the undecided headings are their sub-sections.
    ("OVERVIEW" before "First Point", "Second Point"; "Our Services" before "web design", "hosting").
    """
    styles = [_style(h.text) for h in headings]
    counts = Counter(s for s in styles if s is not None)
    if len(counts) != 2:
        return
    (common, common_n), (rare, rare_n) = counts.most_common()
    if rare_n == common_n or styles[0] != rare:
        return
    decided = [(i, s) for i, s in enumerate(styles) if s is not None]
    for k, (_, style) in enumerate(decided):
        if style == rare and (k + 1 >= len(decided) or decided[k + 1][1] != common):
            return  # a rare-style heading with no sub-sections: the styles say nothing about levels
    for heading, style in zip(headings, styles, strict=True):
        heading.level = 2 if style == rare else 3

