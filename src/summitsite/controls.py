"""Control characters: invalid in HTML and XML, meaningless in an article, removed from every input.

C0 controls other than tab, line feed and carriage return, DEL and the C1 controls. Vertical tab, form
feed and NEL read as a space (Python's str.splitlines would otherwise count them as line breaks, which no
editor does); the rest are dropped. Seeds and Markdown pages lose them when decoded, YAML values (where an
escape such as "\\x01" can still make one) when read, and every value a template prints on the way out.
"""

from __future__ import annotations

import re
from typing import Any

CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_AS_SPACE = frozenset("\x0b\x0c\x85")
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _replacement(match: re.Match[str]) -> str:
    return " " if match.group() in _AS_SPACE else ""


_NOT_C0 = bytes(c for c in range(256) if c >= 0x80 or not CONTROLS.match(chr(c)))
"""Every byte but the C0 controls and DEL (which in UTF-8 are single bytes of their own)."""


def _has_controls(text: str) -> bool:
    # Deleting every other byte of the UTF-8 leaves the C0 controls: a byte-table pass, eight times the speed
    # of the search on a seed, and every seed and every value a template prints is checked. A C1 control
    # (U+0080-U+009F) is C2 80-9F in UTF-8, so only a text with a C2 byte is searched for those.
    data = text.encode("utf-8", "surrogatepass")
    if data.translate(None, _NOT_C0):
        return True
    return b"\xc2" in data and CONTROLS.search(text) is not None


def remove_controls(text: str) -> str:
    """`text` without control characters (see the module docstring)."""
    # Every control character is unprintable: isprintable() answers for most strings at once; a text with
    # a line break or a no-break space is unprintable too, and takes the byte-table check.
    if text.isprintable() or not _has_controls(text):
        return text
    return CONTROLS.sub(_replacement, text)


def strip_controls(text: str) -> tuple[str, int, int | None]:
    """`text` without control characters, how many there were, and the line of the first one (or None)."""
    first = CONTROLS.search(text) if _has_controls(text) else None
    if first is None:
        return text, 0, None
    line = len(_LINE_BREAK.findall(text, 0, first.start())) + 1
    return CONTROLS.sub(_replacement, text), len(CONTROLS.findall(text)), line


def clean_value(value: Any) -> Any:
    """A value read from YAML with control characters removed from every string in it."""
    if isinstance(value, str):
        return remove_controls(value)
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value
