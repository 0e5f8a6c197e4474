"""`summitsite.yml`: the site's configuration, checked against a typed schema with line numbers.

Every problem is reported (not only the first), each as `summitsite.yml:LINE: message`. A missing file
means the defaults. The schema is `SiteConfig` itself: a field's type and default are the option's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from summitsite.errors import SummitError
from summitsite.model import Diagnostic
from summitsite.yamlmap import describe, read_mapping

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
    """Repair scraping scars (missing spaces after punctuation); every repair is recorded."""
    search: bool = True
    """Build a full-text search index with Pagefind, with a search page and a search box on every page.
    `--no-search` turns it off for one build."""


_FIELDS = {f.name: f for f in dataclasses.fields(SiteConfig)}
_TYPE_NAMES = {"str": (str, "a string"), "bool": (bool, "true or false")}


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
        if not isinstance(value, expected) or (expected is str and isinstance(value, bool)):
            problems.append(Diagnostic("error", "config-type", f"'{key}' must be {type_name}, not {describe(value)}",
                                       shown, entry.value_line))
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


def _check_value(key: str, value: Any) -> str | None:
    if key == "base_url" and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"'base_url' must be an absolute http(s) URL such as https://example.org/news/, not '{value}'"
    if key == "language" and not value.replace("-", "").isalnum():
        return f"'language' must be a language tag such as 'en' or 'en-GB', not '{value}'"
    return None
