"""Which lines of an extracted article are headings, and how they nest.

Extractors flatten `<h2>`/`<h3>` into bare lines, so a heading has to be recognised from evidence: its
length and final punctuation, capitalisation, numbering and question form, what surrounds it, whether
it repeats a table-of-contents entry, and how it compares with the other short lines of the same
article, and what it looks like (a date, a byline or credit, a line of code, a line of symbols). `line_features`
turns that evidence into numbers; a logistic model (`heading_model.json`, retrained by
`scripts/train_heading_model.py`) weighs them. A second pass (`context_features`) weighs them again beside
the article's own style: how the line compares with the headings the first pass is sure of. The model is
trained only on text we may use: the repository's seeds, Markdown documentation of openly licensed PyPI
packages (pinned; converted to the seed form by `scripts/heading_corpus.py`) and generated news-like
articles; the loader-eval articles are only measured on. Levels are recovered afterwards from the shape of
the heading sequence (`summitsite.levels`).

Everything here is linear in the number of lines: features look at a fixed window of neighbours and at
per-article totals computed once.
"""

from __future__ import annotations

import json
import math
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(\S.*)$")
# "Step 3:", "Example 2:", "Method #1:", "Idea #4:", "Part II" and the like: an enumerated heading.
_ENUMERATED = re.compile(r"^(?:[^\W\d_]+\s+){0,3}#?\d{1,3}\s*[:.)\-\u2013\u2014]", re.I)
_SENTENCE_BREAK = re.compile(r"[.!?][\"\u201d\u2019)]?\s+[\"\u201c]?[A-Z]")
# The same, unless the full stop ends an abbreviation or an initial ("Coinbase vs. Coinbase Pro", "Dr. Lee",
# "J. R. R. Tolkien"): those do not end a sentence, and headings are full of them.
_SENTENCE_BREAK_PROSE = re.compile(
    r"(?<!\bvs)(?<!\bVs)(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bNo)(?<!\bMrs)(?<!\bJr)(?<!\bSr)(?<!\bi\.e)"
    r"(?<!\be\.g)(?<!\bvol)(?<!\bVol)(?<!\bFig)(?<!\bInc)(?<!\bLtd)(?<!\bCo)(?<!\bU\.S)(?<!\b[A-Z])"
    r"[.!?][\"\u201d\u2019)]?\s+[\"\u201c]?[A-Z]")
# An enumerator that is a word of its own ("Step 3:", "2. Results"), not the start of a version or a decimal.
_ENUMERATOR = re.compile(r"^(?:[^\W\d_]+\s+){0,3}#?\d{1,3}\s*[:.)\-\u2013\u2014](?:\s|$)", re.I)
# Editing links and reference marks that wikis leave at the end of lines ("History[edit]", "...in 1998.[12]",
# "[citation needed]"): set aside before judging how a line ends.
_TRAILING_MARKS = re.compile(r"(?:\s*\[[^\[\]]{1,24}\])+$")
# A call as code prints it: "foo.bar(", "registerControlInstance(", "main()".
_CODE_CALL = re.compile(r"[A-Za-z_]\w*\.[A-Za-z_]\w*\(|\b[a-z]+[A-Z]\w*\(|\w\(\)")
# A file path or a shell prompt inside a line ("/etc/stunnel/stunnel.conf", "./configure", "~/bin", "$ make"):
# instructions about commands, not the title of a section.
_PATH = re.compile(r"(?:^|\s)(?:~|\.{1,2})?/[\w.-]+/[\w.-]|(?:^|\s)\.{1,2}/\w|(?:^|\s)[$#>] \w")
# A statement of code or a shell command as a line ("from x import y", "pip install x", "make distclean"):
# what extractors print for code blocks, which sit beside headings in how-tos.
_CODE_STATEMENT = re.compile(
    r"^(?:from\s+[\w.]+\s+import\s|import\s+[\w.]+|def\s+\w+\(|class\s+\w+[(:]|return\s|"
    r"(?:sudo|pip3?|npm|npx|yarn|cd|make|git|apt|apt-get|yum|dnf|brew|docker|curl|wget|python3?|ls|mkdir|"
    r"export|echo|chmod|chown|tar|ssh|scp|rsync|cp|mv|rm|cat|grep|sed)(?:\s|$))")
_CLOSERS = "\"'\u201d\u2019)]\u00bb"
FAQ_HEADING = re.compile(r"\bfaqs?\b|frequently asked|common questions|questions and answers|q\s*&\s*a\b", re.I)
_LABELLED = re.compile(r"^(?P<label>[^\W_][^:]{0,60}?)\s*:\s+(?P<text>\S.*)$")
_URL = re.compile(r"https?://|www\.|\S@\S|\.(com|org|net|html?)\b", re.I)
_CODE_CHARS = frozenset("=<>{}[]$\\/|_;`~^*#")
_QUOTE_OPENERS = "\"'\u201c\u2018\u00ab\u201e"
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# A date or a time: "May 6, 2022", "6 May 2022", "2022-05-06", "06/05/22", "06.05.2022", "10:30 am"; not a
# version number ("1.18.2").
_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b\d{{4}}-\d\d-\d\d\b|"
                   r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}\.\d{1,2}\.(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b", re.I)
# Page furniture: bylines, credits and post metadata ("By Jane Doe", "Photo: ...", "Updated ..."), captions
# ("Figure 3: ...", "Table 2."), and pointers to other pages ("Related: ...", "See also: ...", "Check out: ...").
_FURNITURE_CHARS = 150
FURNITURE = re.compile(
    r"^(?:by|photo(?:graph)?s?|images?|credits?|source|via|posted|updated|published|written by|reporting by|"
    r"illustration|video)\b|\u00a9|\(c\) \d{4}|"
    r"^(?:fig(?:ure)?|table|chart|graph|map|exhibit|plate)\.?\s*\d+[a-z]?\s*[:.\-\u2013\u2014]|"
    r"^(?:related(?: articles?| stories| posts?| reading)?|see also|read (?:more|also|next)|also read|"
    r"check out|more from|recommended|watch|listen)\s*:", re.I)
_MINOR_WORDS = frozenset((
    "a an and are as at be but by for from if in into is it its nor of on onto or over per so than that the "
    "then this to up upon via vs was were will with without your you our my their his her").split())
_TRAILING_FUNCTION_WORDS = frozenset(
    "a an the of to and or nor but with for in on at by from that which who whose is are was were be been "
    "has have had will would can could should into onto than as".split())
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " "})


@dataclass(slots=True)
class Line:
    """One non-blank source line, with what the parser has decided about it so far."""

    number: int
    text: str
    indent: int
    shape: str
    """`text`, `bullet` or `table`."""
    heading: bool = False
    level: int = 2
    numbered: bool = False


def comparable(text: str) -> str:
    """Text folded for matching headings against TOC entries: quotes, case, spacing and numbering."""
    if not text.isascii():  # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).casefold().rstrip(":").strip()


def strip_number(text: str) -> str:
    match = _NUMBERED.match(text)
    return match.group(2) if match else text


@lru_cache(maxsize=4096)  # asked of the same line by the statistics, both model passes and the parser's rules
def title_case_ratio(text: str) -> float:
    """The share of a line's significant words that start with a capital (1.0 for Title Case)."""
    words = [w for w in _WORD.findall(text) if w.casefold() not in _MINOR_WORDS and not w.isdigit()]
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].isupper()) / len(words)


def _core(text: str) -> str:
    """A line without the wiki editing links and reference marks at its end ("Gifts[edit]", "...here.[1]")."""
    if text[-1] != "]":
        return text
    return _TRAILING_MARKS.sub("", text) or text


def _is_date_line(text: str) -> bool:
    undated = _DATE.sub(" ", text)
    return undated != text and sum(1 for w in undated.split() if any(map(str.isalpha, w))) <= 2


def _is_short_unterminated(line: Line | None) -> bool:
    return (line is not None and line.shape == "text" and len(line.text.split(maxsplit=12)) <= 12
            and _core(line.text)[-1] not in ".,;!")


def _candidate(line: Line) -> bool:
    """A line that could be a heading at all, for per-article statistics."""
    return line.shape == "text" and len(line.text.split(maxsplit=12)) <= 12 and line.text[-1] not in ".,;!"


@dataclass(frozen=True, slots=True)
class ArticleStats:
    """Per-article evidence computed once: the typical casing of the article's candidate headings."""

    title_case: float


def article_stats(lines: Sequence[Line]) -> ArticleStats:
    ratios = [title_case_ratio(line.text) for line in lines if _candidate(line)]
    return ArticleStats(sum(ratios) / len(ratios) if ratios else 0.5)


FEATURES: tuple[str, ...] = (
    "bias", "words_1_3", "words_4_8", "words_9_12", "words_13_20", "words_over_20",
    "ends_stop", "ends_colon", "ends_question", "sentence_break", "starts_lower", "title_case",
    "title_case_vs_article", "all_caps", "numbered", "code_like", "quoted", "url", "digit_heavy",
    "labelled_long", "in_toc", "next_paragraph", "next_short", "next_list", "next_none",
    "prev_continues", "prev_colon", "between_short_lines",
    "long_chars", "starts_symbol", "few_letters", "date_like", "furniture_like", "next_echoes",
    "ends_function_word", "date_only", "code_call", "colon_label", "path_like", "labelled_short",
    "code_statement",
)
"""The names of the numbers `line_features` returns, in order; the model's weights follow this order."""


def line_features(line: Line, prev: Line | None, nxt: Line | None, toc_keys: set[str],
                  stats: ArticleStats) -> list[float]:
    """Evidence about a text line and its neighbours, as numbers in the order of `FEATURES`."""
    # Judged without trailing wiki marks: "History[edit]" is written as "History", "...1998.[12]" ends on ".".
    text = _core(line.text)
    words = text.split()
    n = len(words)
    # A sentence in quotes or brackets ends inside them: '"Fine?"' is a question, '"Greetings."' a sentence.
    last = (text.rstrip(_CLOSERS) or text)[-1]
    prev_last = _core(prev.text)[-1] if prev is not None else ""
    # Per-character counts through C-level map/filter: these run over every text line of every article.
    letters = list(filter(str.isalpha, text))
    first_letter = letters[0] if letters else ""
    title_case = title_case_ratio(text)
    symbols = sum(map(_CODE_CHARS.__contains__, text))
    digits = sum(map(str.isdigit, text))
    labelled = _LABELLED.match(text)
    # "1. Prepare the soil" and "Step 2. Add water" are not two sentences: look for breaks after the number.
    enumerator = _ENUMERATOR.match(text)
    # Only compared with 15 or less (the `> n` test only for n <= 6): counting stops after 16 words.
    nxt_words = len(nxt.text.split(maxsplit=15)) if nxt is not None else 0
    return [
        1.0,
        float(n <= 3), float(4 <= n <= 8), float(9 <= n <= 12), float(13 <= n <= 20), float(n > 20),
        float(last in ".,;!\u2026"),
        float(last == ":"),
        float(last == "?"),
        float(bool(_SENTENCE_BREAK_PROSE.search(text, enumerator.end() if enumerator else 0))),
        float(bool(first_letter) and not first_letter.isupper()),
        title_case,
        title_case - stats.title_case,
        float(len(letters) >= 4 and all(map(str.isupper, letters))),
        float(line.numbered or enumerator is not None),
        min(1.0, symbols / max(1, n)),
        float(text[0] in _QUOTE_OPENERS),
        float(bool(_URL.search(text))),
        float(digits > 0.3 * max(1, len(text.replace(" ", "")))),
        float(bool(labelled) and len(labelled.group("text").split(maxsplit=7)) >= 8),
        float(bool(toc_keys) and (comparable(text) in toc_keys or comparable(strip_number(text)) in toc_keys)),
        float(nxt is not None and nxt.shape == "text" and nxt_words >= 15),
        float(_is_short_unterminated(nxt)),
        float(nxt is not None and nxt.shape != "text"),
        float(nxt is None),
        # A long previous line that stops without punctuation is hard-wrapped: this line continues it.
        float(prev is not None and prev.shape == "text" and len(prev.text.split(maxsplit=7)) >= 8
              and prev_last not in ".!?:\"\u201d\u2019)"),
        # After "...:" comes code or a list, unless a paragraph follows this line: then it may head a section.
        float(prev_last == ":" and not (nxt is not None and nxt.shape == "text"
                                                                 and nxt_words >= 15)),
        # Runs of short lines are metadata, code, dialogue or lists, rarely a run of headings.
        float(_is_short_unterminated(prev) and _is_short_unterminated(nxt)),
        # Word counts mean little in scripts without spaces; characters still tell a sentence from a title.
        float(len(text) > 100),
        float(not text[0].isalnum() and text[0] not in _QUOTE_OPENERS),
        float(len(letters) < 3),
        # Dates and page furniture are looked for in short lines only: long lines are prose (and costly).
        float(len(text) <= _FURNITURE_CHARS and bool(_DATE.search(text))),
        float(len(text) <= _FURNITURE_CHARS and bool(FURNITURE.search(text))),
        # The paragraph after a heading often opens with the heading's words ("Slots" / "Slots are ...").
        float(n <= 6 and nxt is not None and nxt.shape == "text" and nxt_words > n
              and nxt.text.casefold().startswith(text.rstrip(":").casefold() + " ")),
        # A line that stops on "a", "the", "of", "and"... is cut off (hard-wrapped or truncated), not a title.
        float(words[-1].casefold() in _TRAILING_FUNCTION_WORDS),
        # A line that is nothing but a date (and a word such as "Updated" or "News") is post metadata.
        float(n <= 8 and _is_date_line(text)),
        float(len(text) <= _FURNITURE_CHARS and bool(_CODE_CALL.search(text))),
        # "Objective:", "Ingredients:" over a paragraph: a run-in label written as a heading of its own.
        float(last == ":" and n <= 4 and nxt is not None and nxt.shape == "text" and nxt_words >= 4
              and not (nxt.text[0].islower())),
        float(len(text) <= _FURNITURE_CHARS and bool(_PATH.search(text))),
        # "Family: Nyctaginaceae", "Offer: 80,000 points": a fact given as a short label and a short value
        # (a long name before the colon is a title with its subtitle: "Growing Lemons from Seed: FAQs").
        float(bool(labelled) and len(labelled.group("label").split()) <= 3
              and len(labelled.group("text").split()) <= 4),
        float(len(text) <= _FURNITURE_CHARS and bool(_CODE_STATEMENT.match(text))),
    ]


CONTEXT_FEATURES: tuple[str, ...] = (
    "bias", "no_peers", "question_under_faq", "same_end_share", "same_numbering_share", "same_next_share",
    "length_gap", "case_gap", "repeated", "density", *(f"line:{name}" for name in FEATURES[1:]),
)
"""The second pass: how a line compares with the headings the first
pass is confident about in the same article (`context_features`), and the line's own evidence again, weighed
anew beside the article's."""


def _ending(text: str) -> str:
    last = (_core(text).rstrip(_CLOSERS) or text)[-1]
    return last if last in ":?." else ""


def _next_kind(nxt: Line | None) -> str:
    if nxt is None:
        return "none"
    if nxt.shape != "text":
        return "block"
    return "paragraph" if len(nxt.text.split(maxsplit=14)) >= 15 else "short"


def context_features(lines: Sequence[Line], nexts: Sequence[Line | None],
                     features: Sequence[Sequence[float] | None], first: Sequence[float]) -> list[list[float] | None]:
    """Article-level evidence for each scored line, in the order of `CONTEXT_FEATURES`.

    A site writes its headings alike: if the headings the first pass is sure of all end with ':', sit above
    lists or are two words long, a doubtful line that does too is more likely one of them, and a line unlike
    all of them less. `lines` are the scored lines of one article in order, `nexts` the line after each,
    `features` their first-pass features and `first` their first-pass probabilities. Linear: per-article
    totals, then one look per line.
    """
    # A line without features (`None`: prose, see `heading_probabilities`) is no heading and gets no row,
    # but it still counts among the article's lines (density, repeated text).
    scored = [row is not None for row in features]
    endings = [_ending(line.text) if on else "" for line, on in zip(lines, scored, strict=True)]
    numbered = [on and (line.numbered or _ENUMERATOR.match(line.text) is not None)
                for line, on in zip(lines, scored, strict=True)]
    kinds = [_next_kind(nxt) if on else "" for nxt, on in zip(nexts, scored, strict=True)]
    sizes = [len(line.text.split()) if on else 0 for line, on in zip(lines, scored, strict=True)]
    cases = [title_case_ratio(line.text) if on else 0.0 for line, on in zip(lines, scored, strict=True)]
    folded = [comparable(line.text) for line in lines]
    keys = Counter(folded)
    sure = [p >= 0.5 for p in first]
    total = sum(sure)
    by_ending = Counter(e for e, s in zip(endings, sure, strict=True) if s)
    by_numbered = Counter(n for n, s in zip(numbered, sure, strict=True) if s)
    by_kind = Counter(k for k, s in zip(kinds, sure, strict=True) if s)
    size_sum = sum(n for n, s in zip(sizes, sure, strict=True) if s)
    case_sum = sum(c for c, s in zip(cases, sure, strict=True) if s)
    density = total / len(lines) if lines else 0.0
    out: list[list[float] | None] = []
    in_faq = False  # below a sure FAQ heading, up to the next sure heading that is not a question
    for i, line in enumerate(lines):
        row_features = features[i]
        if row_features is None:
            out.append(None)
            continue
        own = int(sure[i])
        peers = total - own
        # A question under an FAQ heading is one of its entries, however unlike the article's other headings.
        question_under_faq = float(in_faq and endings[i] == "?")
        if sure[i] and endings[i] != "?":
            in_faq = bool(FAQ_HEADING.search(line.text))
        if peers and not question_under_faq:
            mean_size = (size_sum - own * sizes[i]) / peers
            mean_case = (case_sum - own * cases[i]) / peers
            row = [1.0, 0.0, question_under_faq,
                   (by_ending[endings[i]] - own) / peers,
                   (by_numbered[numbered[i]] - own) / peers,
                   (by_kind[kinds[i]] - own) / peers,
                   min(3.0, abs(sizes[i] - mean_size) / max(1.0, mean_size)),
                   abs(cases[i] - mean_case)]
        else:
            # FAQ entries are written unlike section headings (long, sentence case): not compared with them.
            row = [1.0, float(not peers), question_under_faq, 0.0, 0.0, 0.0, 0.0, 0.0]
        row.append(float(keys[folded[i]] > 1))
        row.append(density)
        row.extend(row_features[1:])
        out.append(row)
    return out


@dataclass(frozen=True, slots=True)
class HeadingModel:
    weights: tuple[float, ...]
    threshold: float = 0.5
    context_weights: tuple[float, ...] = ()
    """Weights of the second pass over `CONTEXT_FEATURES` (none: the first pass decides alone)."""

    def probability(self, features: Sequence[float]) -> float:
        return _logistic(self.weights, features)


def _logistic(weights: Sequence[float], features: Sequence[float]) -> float:
    if len(weights) != len(features):
        raise ValueError("weights and features differ in length")
    # The same products added in the same order as a generator would, without a Python step per feature.
    z = sum(map(operator.mul, weights, features))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@cache
def default_model() -> HeadingModel:
    """The weights shipped with the package (`heading_model.json`)."""
    data = json.loads(resources.files("summitsite").joinpath("heading_model.json").read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES or tuple(data.get("context_features", CONTEXT_FEATURES)) != CONTEXT_FEATURES:
        raise RuntimeError("heading_model.json was trained on other features; run scripts/train_heading_model.py")
    return HeadingModel(tuple(float(w) for w in data["weights"]), float(data.get("threshold", 0.5)),
                        tuple(float(w) for w in data.get("context_weights", ())))


def heading_probabilities(body: Sequence[Line], toc_keys: set[str], model: HeadingModel | None = None,
                          skip: Sequence[bool] | None = None) -> list[float]:
    """The model's probability that each line is a heading (0 for lines that are not plain text)."""
    model = model or default_model()
    stats = article_stats(body)
    out = [0.0] * len(body)
    scored: list[int] = []
    rows: list[list[float] | None] = []
    for i, line in enumerate(body):
        if line.shape != "text" or (skip is not None and skip[i]):
            continue
        scored.append(i)
        if is_prose(line.text):
            rows.append(None)  # probability 0: see `is_prose`
            continue
        prev = body[i - 1] if i > 0 else None
        nxt = body[i + 1] if i + 1 < len(body) else None
        rows.append(line_features(line, prev, nxt, toc_keys, stats))
        out[i] = model.probability(rows[-1])  # type: ignore[arg-type]
    if model.context_weights and scored:
        second = context_features([body[i] for i in scored], [body[i + 1] if i + 1 < len(body) else None
                                                              for i in scored], rows, [out[i] for i in scored])
        for i, row in zip(scored, second, strict=True):
            if row is not None:
                out[i] = _logistic(model.context_weights, row)
    return out


PROSE_WORDS = 20


def is_prose(text: str) -> bool:
    """A line of twenty words or more that ends a sentence: a paragraph, never a heading.

    Measured, not assumed: over every line of the training corpus, loader-eval and generated articles
    (15,650 lines, 5,834 of them such lines), the first pass gave these at most 0.02 and the second at
    most 0.06, against a threshold of 0.5. Their features, regular expressions run over long text, were
    most of the parse's time; they are not computed, and the line still counts among the article's lines.
    """
    core = _core(text)
    # Word counts here and in the parser stop splitting once the answer is known (`maxsplit`): most lines
    # are long paragraphs, and splitting one whole only to learn it has "20 words or more" was a real cost.
    return (core.rstrip(_CLOSERS) or core)[-1] in ".!\u2026" \
        and len(core.split(maxsplit=PROSE_WORDS - 1)) >= PROSE_WORDS
