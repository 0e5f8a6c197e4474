"""The YAML reader gives the same entries and the same messages with and without libyaml."""

from __future__ import annotations

import pytest

from summitsite import yamlmap
from summitsite.errors import SummitError

TEXTS = [
    "title: Summit Watch\ntags: [a, 'b c', 3]\ndate: 2024-05-01\n",
    "# comment\n\nsummary: >\n  folded\n  text\nnested:\n  - one\n  - two: 2\n",
    "title: \"Ünïcode — quotes\"\ndraft: yes\nnothing:\n",
    "",
]
BROKEN = ["title: [unclosed\n", "a: b: c\n", "- a list\n", "title: x\ntitle: y\n", "bad: \x07bell\n"]


def _read(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch):
    if not fast:
        monkeypatch.setattr(yamlmap, "_FAST_LOADER", None)
    try:
        return yamlmap.read_mapping(text, "x.yml", "sidecar")
    except SummitError as exc:
        return [str(d) for d in exc.diagnostics]
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("text", TEXTS + BROKEN)
def test_libyaml_and_pure_python_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _read(text, True, monkeypatch) == _read(text, False, monkeypatch)


def test_problems_are_reported_by_the_pure_python_loader() -> None:
    with pytest.raises(SummitError) as caught:
        yamlmap.read_mapping("title: [unclosed\n", "x.yml", "sidecar")
    (problem,) = caught.value.diagnostics
    # PyYAML's wording; libyaml would say "did not find expected ',' or ']'".
    assert problem.message == ("invalid YAML: while parsing a flow sequence expected ',' or ']', "
                               "but got '<stream end>'")
    assert (problem.path, problem.line, problem.column) == ("x.yml", 2, 1)
