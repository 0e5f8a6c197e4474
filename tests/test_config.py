"""summitsite.yml: every problem reported with its line; a missing file means the defaults."""

from __future__ import annotations

import pytest

from summitsite.config import SiteConfig, load_config, parse_config
from summitsite.errors import SummitError


def messages(text: str) -> list[str]:
    with pytest.raises(SummitError) as info:
        parse_config(text)
    return [d.format() for d in info.value.diagnostics]


def test_missing_and_empty_files_mean_defaults(tmp_path) -> None:
    assert load_config(tmp_path) == SiteConfig()
    (tmp_path / "summitsite.yml").write_text("# nothing yet\n", encoding="utf-8")
    assert load_config(tmp_path) == SiteConfig()


def test_values_are_read_and_base_url_gets_a_trailing_slash() -> None:
    config = parse_config("title: Watch\ndescription: D\nbase_url: https://example.org/news\nlanguage: en-GB\n"
                          "normalise: false\n")
    assert config == SiteConfig("Watch", "D", "https://example.org/news/", "en-GB", False)


def test_unknown_key_names_its_line() -> None:
    assert messages("title: A\n\ncolour: red\n") == [
        "summitsite.yml:3: unknown setting 'colour' (known settings: allow_html, base_url, boilerplate, callouts, "
        "description, feed_items, language, normalise, search, title)"]


def test_wrong_types_name_the_value_line_and_all_problems_are_reported() -> None:
    assert messages("title:\n  - a\nnormalise: maybe\nlanguage: 12\n") == [
        "summitsite.yml:2: 'title' must be a string, not a list",
        "summitsite.yml:3: 'normalise' must be true or false, not 'maybe'",
        "summitsite.yml:4: 'language' must be a string, not '12'",
    ]


def test_feed_items_is_a_whole_number_of_zero_or_more() -> None:
    assert SiteConfig().feed_items == 100
    assert parse_config("feed_items: 0\n").feed_items == 0
    assert parse_config("feed_items: 25\n").feed_items == 25
    assert messages("feed_items: ten\nsearch: true\n") == [
        "summitsite.yml:1: 'feed_items' must be a whole number, not 'ten'"]
    assert messages("feed_items: true\n") == ["summitsite.yml:1: 'feed_items' must be a whole number, not 'true'"]
    assert messages("feed_items: 2.5\n") == ["summitsite.yml:1: 'feed_items' must be a whole number, not '2.5'"]
    assert messages("feed_items: -3\n") == [
        "summitsite.yml:1: 'feed_items' must be 0 (every article) or a number of articles, not -3"]


def test_bad_base_url_and_duplicate_key() -> None:
    assert messages("base_url: example.org\ntitle: a\ntitle: b\n") == [
        "summitsite.yml:3: 'title' is set twice"]
    assert messages("base_url: example.org\n") == [
        "summitsite.yml:1: 'base_url' must be an absolute http(s) URL such as https://example.org/news/, "
        "not 'example.org'"]


def test_invalid_yaml_gives_line_and_column() -> None:
    (message,) = messages("title: A\ndescription: [unclosed\n")
    assert message.startswith("summitsite.yml:3:1: invalid YAML")


def test_a_list_instead_of_a_mapping() -> None:
    assert messages("- title\n") == ["summitsite.yml:1: expected a mapping of 'key: value' lines"]


def test_not_utf8(tmp_path) -> None:
    (tmp_path / "summitsite.yml").write_bytes(b"title: caf\xe9\n")
    with pytest.raises(SummitError) as info:
        load_config(tmp_path)
    assert info.value.diagnostics[0].format().startswith("summitsite.yml: not UTF-8")
