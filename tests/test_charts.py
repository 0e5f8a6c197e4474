"""summitsite.charts: escaping, determinism, geometry and the data behind each chart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from summitsite import charts
from summitsite.builder import load_site
from summitsite.charts import Bar, BarChart, Edge, NetworkChart, Node, entity_bars, fit, wrap

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
NASTY = 'A & B <script>alert("x")</script> \'quoted\''


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def test_number_format_is_fixed():
    assert charts._num(1.0) == "1"
    assert charts._num(1.25) == "1.2"
    assert charts._num(2 / 3) == "0.7"
    assert charts._num(-0.01) == "0"
    assert charts._num(123456.78) == "123456.8"


def test_labels_are_escaped_inside_svg_text_title_and_desc():
    chart = BarChart("c1", NASTY, NASTY, (Bar(NASTY, (3,)), Bar("Plain", (1,))))
    svg = str(chart.svg())
    assert "<script>" not in svg and 'alert("x")' not in svg
    assert "&lt;script&gt;" in svg and "&amp; B" in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == NASTY
    assert root.find(f"{SVG}desc").text == NASTY
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == NASTY


def test_network_labels_are_escaped():
    nodes = (Node("a", NASTY, "person", 3), Node("b", "B", 'weird "kind"', 1))
    chart = NetworkChart("n1", "T", "D", nodes, (Edge(0, 1, 2),))
    svg = str(chart.svg())
    root = parse(svg)
    spans = "".join(t.text for t in root.iter(f"{SVG}tspan"))
    assert "<script>" in spans  # the text survives, as text
    assert "<script>" not in svg
    classes = [c.get("class") for c in root.iter(f"{SVG}circle")]
    assert classes == ["chart-kind-person", "chart-kind-weird--kind-"]


def test_chart_is_an_accessible_image_with_a_reserved_box():
    root = parse(BarChart("c2", "Title", "Desc", (Bar("A", (2,)),)).svg())
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c2-title c2-desc"
    assert root.find(f"{SVG}title").get("id") == "c2-title"
    assert root.find(f"{SVG}desc").get("id") == "c2-desc"
    assert root.get("width") == "480" and root.get("height") and root.get("viewBox") == f"0 0 480 {root.get('height')}"


def test_bar_lengths_are_proportional_and_stacked():
    chart = BarChart("c3", "T", "D", (Bar("A", (4, 4)), Bar("B", (2, 0))), series=("one", "two"))
    rects = [(r.get("class"), float(r.get("x")), float(r.get("width"))) for r in parse(chart.svg()).iter(f"{SVG}rect")]
    room = BarChart.WIDTH - BarChart.VALUE_ROOM
    assert rects[0] == ("chart-s0", 0, room / 2)
    assert rects[1] == ("chart-s1", room / 2, room / 2)
    assert rects[2] == ("chart-s0", 0, room / 4)
    assert len(rects) == 3  # a zero value draws nothing


def test_entity_bars_describe_the_numbers():
    chart = entity_bars("Xi", [("First", 5), ("Second", 1)])
    assert chart.desc == "Xi is mentioned 6 times in 2 articles: First: 5; Second: 1."
    assert [b.total for b in chart.bars] == [5, 1]


def test_fit_and_wrap():
    assert fit("short", 10) == "short"
    assert fit("a very long label indeed", 12) == "a very long…"
    assert len(fit("x" * 40, 12)) == 12
    assert wrap("Shanghai Cooperation Organisation", 16) == ("Shanghai", "Cooperation", "Organisation")
    assert wrap("one two three four five six seven", 8, lines=2) == ("one two", "three…")


def test_network_of_the_repository_site_is_deterministic_and_ordered_by_kind():
    site, _ = load_site(REPO)
    first = charts.network(site)
    second = charts.network(site)
    assert first is not None and str(first.svg()) == str(second.svg())
    assert len(first.nodes) == charts.NETWORK_LIMIT
    kinds = [n.kind for n in first.nodes]
    order = [charts.KIND_ORDER.index(k) if k in charts.KIND_ORDER else 99 for k in kinds]
    assert order == sorted(order)
    assert all(e.a < e.b and e.weight > 0 for e in first.edges)
    widths = [float(w) for w in re.findall(r'stroke-width="([0-9.]+)"', str(first.svg()))]
    assert max(widths) == 8 and min(widths) >= 1
    assert first.pairs()[0][2] == max(e.weight for e in first.edges)
