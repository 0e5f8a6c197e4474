"""Repairs of scraping scars in body text, each one recorded as a `Normalisation`.

Only changes that are safe to make blindly live here: a missing space after punctuation before a word.
Numbers (1,000 and 3.5), abbreviations (U.S.), URLs, e-mail addresses and times are left alone.
"""

from __future__ import annotations

import re

from summitsite.model import Normalisation

# A token that is a URL, an e-mail address, a domain name or a file name: never touched.
_UNTOUCHABLE = re.compile(r"://|@|^www\.|\.(com|org|net|gov|edu|io|co|uk|de|fr|html?|php|js|py)\b", re.I)
# Punctuation glued to the next word: "issues,but" / "order.This" / "Concurrently,Kim".
# The word before must be two letters or more, so "U.S" and "e.g" (single-letter parts) stay as they are;
# a full stop only counts before a capital and after a lower-case letter ("Node.js", "ASP.NET" stay).
_GLUED = re.compile(r"(?<=[^\W\d_]{2})([,;:?!]|(?<=[a-z])\.(?=[A-Z]))(?=[^\W\d_])")
_TOKEN = re.compile(r"\S+")


def fix_missing_spaces(text: str, line: int, changes: list[Normalisation]) -> str:
    """Insert the space a scraper dropped after `, ; : ? ! .`; append one Normalisation per token fixed."""
    if not _GLUED.search(text):
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
