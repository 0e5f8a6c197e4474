"""YAML mappings read with the line of every key and value, for settings files and sidecars.

One reader serves `summitsite.yml`, seed sidecars and Markdown front matter, so every YAML problem is
reported the same way: `file:line:column: message`, with lines counted in the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from summitsite.controls import clean_value
from summitsite.errors import SummitError
from summitsite.model import Diagnostic

# libyaml (when PyYAML was built with it) composes about four times faster, which counts with a sidecar
# per seed. It is used only for text that the pure-Python reader accepts character by character and only
# when it succeeds: any problem is parsed again by the pure-Python loader, whose messages the errors quote.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def _compose(text: str) -> yaml.Node | None:
    if _FAST_LOADER is not None and not _NON_PRINTABLE.search(text):
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Entry:
    value: Any
    key_line: int
    value_line: int
    item_lines: tuple[int, ...] = ()
    """For a list: the line of each item; for a mapping: the line of each key. Empty otherwise."""


def read_mapping(text: str, shown: str, code: str, line_offset: int = 0) -> dict[str, Entry]:
    """Parse `text` as a YAML mapping; an empty document gives {}. `line_offset` counts lines before it."""
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        raise SummitError([yaml_diagnostic(exc, shown, code, line_offset)]) from None
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise SummitError([other_yaml_diagnostic(exc, text, shown, code, line_offset)]) from None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise SummitError([Diagnostic("error", code, "expected a mapping of 'key: value' lines", shown,
                                      node.start_mark.line + 1 + line_offset)])
    entries: dict[str, Entry] = {}
    problems = []
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1 + line_offset
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            problems.append(Diagnostic("error", code, "a key must be a plain name", shown, key_line))
            continue
        if key in entries:
            problems.append(Diagnostic("error", code, f"'{key}' is set twice", shown, key_line))
            continue
        try:
            value = clean_value(_construct(value_node))
        except yaml.YAMLError as exc:
            problems.append(Diagnostic("error", code, f"'{key}': {exc}", shown, key_line))
            continue
        entries[key] = Entry(value, key_line, value_node.start_mark.line + 1 + line_offset,
                             _item_lines(value_node, line_offset))
    if problems:
        raise SummitError(problems)
    return entries


def _item_lines(node: yaml.Node, line_offset: int) -> tuple[int, ...]:
    if isinstance(node, yaml.SequenceNode):
        return tuple(item.start_mark.line + 1 + line_offset for item in node.value)
    if isinstance(node, yaml.MappingNode):
        return tuple(key.start_mark.line + 1 + line_offset for key, _ in node.value)
    return ()


def _construct(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # A scalar that looks like a date but is none (2024-13-45): keep the text, so that the
        # checker can name the value in its message.
        if isinstance(node, yaml.ScalarNode):
            return node.value
        raise
    finally:
        loader.dispose()


def yaml_diagnostic(exc: yaml.MarkedYAMLError, shown: str, code: str, line_offset: int = 0) -> Diagnostic:
    """A YAML syntax error as `file:line:column: message`, the line counted in the whole file."""
    mark = exc.problem_mark or exc.context_mark
    problem = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
    line = mark.line + 1 + line_offset if mark else None
    column = mark.column + 1 if mark else None
    return Diagnostic("error", code, f"invalid YAML: {problem}", shown, line, column)


def other_yaml_diagnostic(exc: yaml.YAMLError, text: str, shown: str, code: str, line_offset: int = 0) -> Diagnostic:
    """A YAML error without a mark (the reader refusing a character) as one line, with its line and column."""
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        before = text[:exc.position]
        line = before.count("\n") + 1 + line_offset
        column = exc.position - (before.rfind("\n") + 1) + 1
        return Diagnostic("error", code, f"invalid YAML: the control character U+{exc.character:04X} is not allowed "
                          f"here; remove it", shown, line, column)
    message = " ".join(str(exc).split())
    return Diagnostic("error", code, f"invalid YAML: {message}", shown)


def describe(value: Any) -> str:
    """A value as an error message names it."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"
