"""`summitsite.yml`: the site's configuration, checked against a typed schema with line numbers.

Every problem is reported (not only the first), each as `summitsite.yml:LINE: message`. A missing file
means the defaults. The schema is `SiteConfig` itself: a field's type and default are the option's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from summitsite.errors import SummitError
from summitsite.model import Diagnostic
from summitsite.yamlmap import Entry, describe, read_mapping

CONFIG_NAME = "summitsite.yml"


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str = "summitsite"
    """The site's name, shown in every page's header and title."""
    description: str = ""
    """One sentence about the site, for the home page and meta description."""
    base_url: str = ""
    """Where the site will be published, e.g. `https://example.org/news/`; empty while unknown.
    Only absolute references (canonical links, feeds) use it: internal links stay relative."""
    language: str = "en"
    """The BCP 47 language tag of the articles, for `<html lang>`."""
    normalise: bool = True
    """Repair scraping scars (missing spaces after punctuation, lower-case sentence starts, the casing of
    names); every repair is recorded and shown by `summitsite inspect`."""
    callouts: tuple[tuple[str, str], ...] = ()
    """Callout labels, as a mapping `label: kind`, e.g. `"Heads up:": warning`. They extend the built-in
    labels (Did You Know?, Pro Tip:, Note:, Key takeaway:, Warning: ...); a label given here replaces a
    built-in one with the same text (case-insensitive), and the kind `off` switches a built-in label off.
    A label matches at the start of a line, case-insensitively, followed by a space; a kind is a
    lower-case slug such as `tip` or `did-you-know` (templates may style by kind)."""
    boilerplate: tuple[str, ...] = ()
    """Regular expressions (Python syntax, case-insensitive, searched anywhere in a line of at most 60
    words) for lines to drop as boilerplate, in addition to the built-in ones (comment bait, "Share this",
    newsletter sign-ups, "Read more:", cookie notices). Each removal is reported by `summitsite inspect`."""
    allow_html: bool = False
    """Render raw HTML written in `content/*.md` as HTML. Off by default: the HTML is shown as text. Turn it on
    only when you trust everyone who writes the content pages, since the HTML (scripts included) is published
    as it is. It never applies to seeds, sidecars or any other input, which are always escaped."""
    search: bool = True
    """Build a full-text search index, with a search page and a search box on every page.
    `--no-search` turns it off for one build."""
    feed_items: int = 100
    """How many articles `feed.xml` lists, newest first; 0 lists every article. A feed reader fetches the
    whole file each time it looks for news, so a big site's feed of everything (10 MB at 10,000 articles)
    would be read again and again for its first entries. Pelican's default limit is 100 too."""


_FIELDS = {f.name: f for f in dataclasses.fields(SiteConfig)}
_TYPE_NAMES = {"str": (str, "a string"), "bool": (bool, "true or false"),
               "tuple[tuple[str, str], ...]": (dict, "a mapping of 'label: kind' lines"),
               "tuple[str, ...]": (list, "a list"), "int": (int, "a whole number")}
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def load_config(root: Path) -> SiteConfig:
    """Read `root/summitsite.yml`; raise SummitError listing every problem."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return SiteConfig()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SummitError([Diagnostic("error", "config-encoding",
                                      f"not UTF-8 (byte {exc.start}); save the file as UTF-8",
                                      CONFIG_NAME)]) from None
    return parse_config(text)


def parse_config(text: str, shown: str = CONFIG_NAME) -> SiteConfig:
    """Check the YAML text of a configuration against `SiteConfig`."""
    problems: list[Diagnostic] = []
    values: dict[str, Any] = {}
    for key, entry in read_mapping(text, shown, "config-yaml").items():
        field = _FIELDS.get(key)
        if field is None:
            known = ", ".join(sorted(_FIELDS))
            problems.append(Diagnostic("error", "config-unknown-key",
                                       f"unknown setting '{key}' (known settings: {known})", shown, entry.key_line))
            continue
        expected, type_name = _TYPE_NAMES[str(field.type)]
        value = entry.value
        # YAML's true and false are Python bools, and a bool is an int: neither a number nor a string here.
        if not isinstance(value, expected) or (expected in (str, int) and isinstance(value, bool)):
            problems.append(Diagnostic("error", "config-type", f"'{key}' must be {type_name}, not {describe(value)}",
                                       shown, entry.value_line))
            continue
        if isinstance(value, (dict, list)):
            value, item_problems = _check_collection(key, value, entry, shown)
            if item_problems:
                problems.extend(item_problems)
                continue
        message = _check_value(key, value)
        if message:
            problems.append(Diagnostic("error", "config-value", message, shown, entry.value_line))
            continue
        values[key] = value
    if problems:
        raise SummitError(problems)
    if values.get("base_url") and not values["base_url"].endswith("/"):
        values["base_url"] += "/"
    return SiteConfig(**values)


def override_base_url(config: SiteConfig, value: str, shown: str = "--base-url") -> SiteConfig:
    """`config` with its base_url replaced by `value`, checked and normalised exactly as in summitsite.yml.

    An empty value clears the base_url. A bad one raises SummitError naming `shown` (the option it came from).
    """
    value = value.strip()
    message = _check_value("base_url", value)
    if message:
        raise SummitError([Diagnostic("error", "config-value", message, shown)])
    if value and not value.endswith("/"):
        value += "/"
    return dataclasses.replace(config, base_url=value)


def _check_collection(key: str, value: dict | list, entry: Entry, shown: str) -> tuple[tuple, list[Diagnostic]]:
    """Check each item of a list or mapping setting, reporting each bad one on its own line."""
    problems: list[Diagnostic] = []
    items = list(value.items()) if isinstance(value, dict) else list(value)
    if key == "callouts":
        # YAML reads a bare `off` as false; both mean "switch this label off".
        items = [(label, "off" if kind is False else kind) for label, kind in items]
    lines = entry.item_lines or (entry.value_line,) * len(items)
    checked = []
    for item, line in zip(items, lines, strict=False):
        message = _check_item(key, item)
        if message:
            problems.append(Diagnostic("error", "config-value", message, shown, line))
        else:
            checked.append(tuple(str(x) for x in item) if isinstance(item, tuple) else item)
    return tuple(checked), problems


def _check_item(key: str, item: Any) -> str | None:
    if key == "callouts":
        label, kind = item
        if not isinstance(label, str) or not label.strip():
            return f"'callouts': a label must be text, not {describe(label)}"
        if not isinstance(kind, str) or not _SLUG.fullmatch(kind):
            return (f"'callouts': the kind of '{label}' must be a lower-case name such as 'tip' or "
                    f"'did-you-know' (or 'off'), not {describe(kind)}")
        return None
    if key == "boilerplate":
        if not isinstance(item, str) or not item.strip():
            return f"'boilerplate': each item must be a regular expression, not {describe(item)}"
        try:
            re.compile(item)
        except re.error as exc:
            return f"'boilerplate': '{item}' is not a valid regular expression: {exc}"
    return None


def _check_value(key: str, value: Any) -> str | None:
    if key == "base_url" and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"'base_url' must be an absolute http(s) URL such as https://example.org/news/, not '{value}'"
    if key == "feed_items" and value < 0:
        return f"'feed_items' must be 0 (every article) or a number of articles, not {value}"
    if key == "language" and not value.replace("-", "").isalnum():
        return f"'language' must be a language tag such as 'en' or 'en-GB', not '{value}'"
    return None
