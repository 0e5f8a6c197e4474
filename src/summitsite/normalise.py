"""Repairs of scraping scars in body text, each one recorded as a `Normalisation`.

Only changes that are safe to make blindly live here, each recorded as a `Normalisation(rule, line,
before, after)`:
- `missing-space`: a space after `, ; : ? ! .` before a word; numbers (1,000 and 3.5), abbreviations
  (U.S.), URLs, e-mail addresses and times are left alone;
- `sentence-case`: a lower-case letter starting a sentence, a question or an answer;
- `name-case`: a name written in lower case where the same article capitalises it mid-sentence.
All of them only insert spaces or change case, so the words of the source survive unchanged otherwise.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from summitsite.model import Normalisation

# A token that is a URL, an e-mail address, a domain name or a file name: never touched.
_UNTOUCHABLE = re.compile(r"://|@|^www\.|\.(com|org|net|gov|edu|io|co|uk|de|fr|html?|php|js|py)\b", re.I)
# Punctuation glued to the next word: "issues,but" / "order.This" / "Concurrently,Kim".
# The word before must be two letters or more, so "U.S" and "e.g" (single-letter parts) stay as they are;
# a full stop only counts before a capital and after a lower-case letter ("Node.js", "ASP.NET" stay).
_GLUED = re.compile(r"(?<=[^\W\d_]{2})([,;:?!]|(?<=[a-z])\.(?=[A-Z]))(?=[^\W\d_])")
_TOKEN = re.compile(r"\S+")
# What `_GLUED` needs at the least, without its look-behinds: a cheap test that rules out most lines.
_GLUED_HINT = re.compile(r"[,;:?!.][^\W\d_]")


def fix_missing_spaces(text: str, line: int, changes: list[Normalisation]) -> str:
    """Insert the space a scraper dropped after `, ; : ? ! .`; append one Normalisation per token fixed."""
    if not _GLUED_HINT.search(text) or not _GLUED.search(text):
        return text
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if _UNTOUCHABLE.search(token) or not _GLUED.search(token):
            continue
        fixed = _GLUED.sub(r"\1 ", token)
        out.append(text[last:match.start()])
        out.append(fixed)
        last = match.end()
        changes.append(Normalisation("missing-space", line, token, fixed))
    out.append(text[last:])
    return "".join(out)


# A lower-case letter that starts a sentence: after . ! or ? (and an optional closing quote), spaces,
# and an optional opening quote. The word before the stop is checked separately for abbreviations.
_SENTENCE_STOP = re.compile(r"([.!?])[\"\u201d\u2019)]?\s+[\"\u201c\u2018(]?([a-z])")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs approx ca cf mr mrs ms dr st no nos fig jr sr inc ltd co corp gen gov sen rep est dept "
    "vol pp p al".split())
_WORD = re.compile(r"[^\W\d_]+")
# What may separate two words of one running sentence: spaces and light punctuation (, - –) only.
# Anything else between two words (a stop, a digit, a quote, an apostrophe) ends a run of running words:
# in each stretch between such characters, every word but the first is mid-sentence.
_RUN_BREAK = re.compile(r"[^\w ,\-\u2013\u00a0]|[\d_]")
# The same runs read in one pass: a run's first word (after the start or a `_RUN_BREAK` character, and any
# separators) matches without a group, a later word of three letters or more as group 1. Within a run every
# character is a letter or a separator, so a later word is never cut short.
_MID_WORD = re.compile(r"(?:^|(?<=[^\w ,\-\u2013\u00a0])|(?<=[\d_]))[ ,\-\u2013\u00a0]*[^\W\d_]+|([^\W\d_]{3,})")


def _word_at(text: str, index: int) -> str:
    match = _WORD.match(text, index)
    return match.group() if match else text[index]


def fix_sentence_starts(text: str, line: int, changes: list[Normalisation], starts_sentence: bool = True) -> str:
    """Capitalise a lower-case letter that starts a sentence, recording each word changed.

    `starts_sentence` says whether the text itself begins a sentence (a hard-wrapped line that continues
    the line before it does not). Abbreviations (e.g., U.S., vs.), ellipses and numbered points are not
    sentence ends.
    """
    positions = []
    lead = next((i for i, c in enumerate(text) if c.isalnum()), None)
    if starts_sentence and lead is not None and text[lead].islower() and text[lead].isalpha():
        positions.append(lead)
    for match in _SENTENCE_STOP.finditer(text):
        stop = match.start(1)
        before = text[text.rfind(" ", 0, stop) + 1:stop]
        if (not before or (match.group(1) == "." and (
                before.casefold().strip("(\"'\u201c") in _ABBREVIATIONS or "." in before or len(before) < 2
                or before.isdigit() or before[-1] in "."))):
            continue
        positions.append(match.start(2))
    if not positions:
        return text
    chars = list(text)  # one pass, however many sentences the line holds
    for index in positions:
        word = _word_at(text, index)
        chars[index] = chars[index].upper()
        changes.append(Normalisation("sentence-case", line, word, word[0].upper() + word[1:]))
    return "".join(chars)


def name_casing(texts: list[str], known_names: tuple[str, ...] = ()) -> dict[str, str]:
    """Names to restore, folded form -> capitalised form, from how the article itself writes them.

    A word counts as a name when it is capitalised mid-sentence (where ordinary words are lower-case)
    more often than it appears there in lower case; words at sentence starts prove nothing and are not
    counted. Each single-word entry of `known_names` (e.g. the site's entity list: "Ukraine", "Kim") adds
    two capitalised sightings; the words of a longer name ("Harbour League", "South China Sea") are often
    ordinary words on their own, so they prove nothing.
    """
    capital: dict[str, dict[str, int]] = {}
    lower: dict[str, int] = {}

    def sight(word: str, weight: int) -> None:
        forms = capital.setdefault(word.casefold(), {})
        forms[word] = forms.get(word, 0) + weight

    # The first word of a run is not mid-sentence; counting distinct words first keeps the loop short. One
    # search over all the texts (joined by a run break) finds the words, first words yielding "".
    mid_words = Counter(_MID_WORD.findall("\n".join(texts)))
    del mid_words[""]
    for word, count in mid_words.items():
        if word[0].isupper():
            sight(word, count)
        elif word.islower():
            lower[word] = lower.get(word, 0) + count
    for name in _single_word_names(known_names):
        sight(name, 2)
    names = {}
    for folded, forms in capital.items():
        form, count = max(forms.items(), key=lambda item: item[1])
        if count > lower.get(folded, 0) and form.casefold() == folded and not form.islower():
            names[folded] = form
    return names


@functools.lru_cache(maxsize=16)
def _single_word_names(known_names: tuple[str, ...]) -> tuple[str, ...]:
    """The entries of `known_names` that count as sightings, in order: one capitalised word of three letters
    or more. The same list (the site's entities) comes with every article of a build."""
    found = []
    for name in known_names:
        words = _WORD.findall(name)
        if len(words) == 1 and words[0] == name.strip() and words[0][0].isupper() and len(words[0]) >= 3:
            found.append(words[0])
    return tuple(found)


def names_in(names: dict[str, str], text: str) -> dict[str, str]:
    """The entries of `names` whose folded form occurs somewhere in `text`.

    The repairs only insert spaces and capitalise, so in a text taken from `text` (a line, a cell, a list
    item) `fix_name_case` can only ever change these. An article names some thirty words capitalised
    mid-sentence, and writes two or three of them in lower case anywhere."""
    return {folded: form for folded, form in names.items() if folded in text}


def fix_name_case(text: str, line: int, names: dict[str, str], changes: list[Normalisation]) -> str:
    """Give lower-case occurrences of the article's names their capitals ("russia's" -> "Russia's")."""
    # A substring test per name rules out most texts before the word-by-word pass.
    if not any(folded in text for folded in names):
        return text
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        word = match.group()
        form = names.get(word) if word.islower() else None
        if form is None:
            continue
        out.append(text[last:match.start()])
        out.append(form)
        last = match.end()
        changes.append(Normalisation("name-case", line, word, form))
    out.append(text[last:])
    return "".join(out)
