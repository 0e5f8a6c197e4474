"""The model pickles as `cls(*fields)` (`pickled_by_fields`): round trips keep every value and type."""

from __future__ import annotations

import dataclasses
import pickle

from conftest import REPO
from summitsite import model, views
from summitsite.builder import load_site


def _walk(value: object, seen: set[type]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        seen.add(type(value))
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name), seen)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _walk(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, seen)


def test_the_repository_site_round_trips_through_pickle() -> None:
    site, _ = load_site(REPO)
    seen: set[type] = set()
    for article in site.articles:
        copy = pickle.loads(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == article and copy is not article
        _walk(article, seen)
    view = views.entity_view(site, site.entities[0])
    assert pickle.loads(pickle.dumps(view)) == view
    hub = views.faq_hub(site)
    assert pickle.loads(pickle.dumps(hub)) == hub
    # The seeds reach most model classes; each of them pickles by its fields, not through __getstate__.
    assert {model.Article, model.Section, model.Paragraph, model.Table, model.FaqBlock} <= seen
    for cls in seen:
        assert cls.__reduce__ is not object.__reduce__, cls


def test_a_reduced_value_is_rebuilt_by_the_class_itself() -> None:
    meta = model.ArticleMeta(title="T", tags=("a", "b"))
    cls, args = meta.__reduce__()
    assert cls is model.ArticleMeta and cls(*args) == meta
