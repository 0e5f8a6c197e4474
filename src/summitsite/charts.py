"""Charts drawn on the server as inline SVG: no JavaScript, no external requests, byte-identical output.

Two kinds, each a frozen value that knows its numbers and renders itself with `svg()`:

- `BarChart`: horizontal bars, one per row, optionally stacked by series (mentions of an entity per
  article on entity pages; the most-mentioned entities, split by article, on the entity index).
- `NetworkChart`: the entities mentioned together, on a circle ordered by kind then name, with an edge
  per pair of entities sharing a section, as wide as the number of sections they share (home page).

Accessibility is built in: the `<svg>` is `role="img"` with a `<title>` and a `<desc>` named by
`aria-labelledby`; the templates add a table with the same numbers as the text alternative. Every label is
escaped (it comes from input text), and every coordinate goes through `_num`, so output never depends on
float formatting quirks. Colours are CSS classes (`chart-s0`, `chart-kind-person`, ...), so dark mode and
print only swap custom properties. The SVG has `width`/`height` attributes: its box is reserved before the
stylesheet loads, so it never shifts the layout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from summitsite.analyse import Site

# Estimated advance of an average character, in ems, for the system sans-serif fonts: generous, so that
# a label cut to fit really fits (SVG text does not wrap and cannot be measured on the server).
CHAR_EM = 0.6
NETWORK_LIMIT = 12
INDEX_BAR_LIMIT = 12
INDEX_SERIES_LIMIT = 5
"""The entity index's bars are split by the articles that mention the charted entities most, at most this
many, and the rest together: a segment, a legend entry and a table column for each of 10,000 articles made
the page 7 MB, and no reader tells a thousand shades apart (there are six)."""
OTHER_ARTICLES = "Other articles"
# Kinds in the order the network places them around the circle; any other kind follows, alphabetically.
KIND_ORDER = ("person", "country", "organisation", "place")


def _num(x: float) -> str:
    """A coordinate with at most one decimal, no trailing `.0`, and never `-0`."""
    text = f"{round(x, 1):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def fit(label: str, max_chars: int) -> str:
    """`label` cut at a word boundary to at most `max_chars` characters, marked with "…" when cut."""
    label = " ".join(label.split())
    if len(label) <= max_chars:
        return label
    cut = label[: max_chars - 1]
    if label[len(cut)] != " " and " " in cut[max_chars // 2:]:  # cut inside a word: drop that word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def wrap(label: str, width: int, lines: int = 3) -> tuple[str, ...]:
    """`label` in lines of at most `width` characters (a longer word gets a line of its own), at most `lines`."""
    out: list[str] = []
    for word in label.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = [*out[: lines - 1], fit(" ".join(out[lines - 1:]), width)]
    return tuple(out)


def _head(chart_id: str, title: str, desc: str, cls: str, width: float, height: float) -> list[str]:
    t, d = escape(title), escape(desc)
    return [
        f'<svg class="chart {cls}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" height="{_num(height)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{t}</title>',
        f'<desc id="{chart_id}-desc">{d}</desc>',
    ]


# --- bar charts ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    values: tuple[int, ...]
    """One value per series of the chart."""

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars, a label above each, the total after it; stacked when there are several series."""

    id: str
    """The id prefix of the chart's `<title>` and `<desc>`: unique on its page."""
    title: str
    desc: str
    bars: tuple[Bar, ...]
    series: tuple[str, ...] = ("",)
    """The name of each series (shown in the legend when there are two or more)."""
    unit: str = "mention"

    WIDTH = 480
    FONT = 14
    BAR = 18
    ROW = 52
    VALUE_ROOM = 44

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    def svg(self) -> Markup:
        width, font, bar_h, row = self.WIDTH, self.FONT, self.BAR, self.ROW
        height = max(1, len(self.bars)) * row
        top = max((b.total for b in self.bars), default=0) or 1
        room = width - self.VALUE_ROOM
        max_chars = int(width / (font * CHAR_EM))
        parts = _head(self.id, self.title, self.desc, "chart-bars", width, height)
        for i, b in enumerate(self.bars):
            y = i * row
            parts.append('<g class="chart-row">')
            label = escape(fit(b.label, max_chars))
            parts.append(f'<text class="chart-label" x="0" y="{_num(y + font)}">{label}</text>')
            x = 0.0
            bar_y = y + font + 6
            for s, value in enumerate(b.values):
                if value <= 0:
                    continue
                w = room * value / top
                parts.append(f'<rect class="chart-s{s % 6}" x="{_num(x)}" y="{_num(bar_y)}" '
                             f'width="{_num(w)}" height="{bar_h}"></rect>')
                x += w
            parts.append(f'<text class="chart-value" x="{_num(x + 6)}" y="{_num(bar_y + bar_h - 4)}">'
                         f'{b.total}</text>')
            parts.append("</g>")
        parts.append("</svg>")
        return Markup("\n".join(parts))


def entity_bars(entity_name: str, per_article: Iterable[tuple[str, int]], chart_id: str = "chart_mentions",
                articles: int | None = None, total: int | None = None) -> BarChart:
    """Mentions of one entity per article: (article title, count) in reading order. When these are only the
    articles that mention it most, `articles` and `total` are the numbers for all of them."""
    bars = tuple(Bar(title, (count,)) for title, count in per_article)
    total = sum(b.total for b in bars) if total is None else total
    articles = len(bars) if articles is None else articles
    desc = (f"{entity_name} is mentioned {total} time{'s' if total != 1 else ''} in {articles} "
            f"article{'s' if articles != 1 else ''}"
            + (f"; the {len(bars)} that mention it most: " if articles > len(bars) else ": ")
            + "; ".join(f"{b.label}: {b.total}" for b in bars) + ".")
    title = f"Mentions of {entity_name} per article" if articles == len(bars) else \
        f"The {len(bars)} articles that mention {entity_name} most"
    return BarChart(chart_id, title, desc, bars)


def index_bars(site: Site, limit: int = INDEX_BAR_LIMIT, chart_id: str = "chart_entities") -> BarChart | None:
    """The most-mentioned entities, each bar split by article; None when nothing is mentioned."""
    articles = tuple(a for a in site.articles if site.mentions.by_article.get(a.slug))
    rows = []
    for entity in site.entities:
        per = site.mentions.by_article
        values = tuple(per.get(a.slug, {}).get(entity.slug, 0) for a in articles)
        if sum(values):
            rows.append(Bar(entity.name, values))
    if not rows:
        return None
    rows.sort(key=lambda b: (-b.total, b.label.casefold(), b.label))
    bars = tuple(rows[:limit])
    series = tuple(a.title for a in articles)
    split = "each article"
    if len(articles) > INDEX_SERIES_LIMIT + 1:  # one "other" article would be no summary
        totals = [sum(b.values[i] for b in bars) for i in range(len(articles))]
        chosen = sorted(sorted(range(len(articles)), key=lambda i: -totals[i])[:INDEX_SERIES_LIMIT])
        rest = set(range(len(articles))) - set(chosen)
        bars = tuple(Bar(b.label, (*(b.values[i] for i in chosen), sum(b.values[i] for i in rest))) for b in bars)
        series = (*(series[i] for i in chosen), OTHER_ARTICLES)
        split = f"the {len(chosen)} articles that mention them most, and the {len(rest)} others together"
    desc = (f"The {len(bars)} most mentioned entities, with their mentions in {split}: "
            + "; ".join(f"{b.label}: {b.total}" for b in bars) + ".")
    return BarChart(chart_id, f"The {len(bars)} most mentioned entities", desc, bars, series)


# --- the co-mention network ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Node:
    slug: str
    label: str
    kind: str
    mentions: int


@dataclass(frozen=True, slots=True)
class Edge:
    a: int
    b: int
    """Indexes into `NetworkChart.nodes`, a < b."""
    weight: int
    """Sections that mention both entities."""


@dataclass(frozen=True, slots=True)
class NetworkChart:
    id: str
    title: str
    desc: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    WIDTH = 640
    HEIGHT = 480
    RADIUS = 160
    FONT = 15
    LABEL_CHARS = 16

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.kind for n in self.nodes))

    def pairs(self) -> tuple[tuple[Node, Node, int], ...]:
        """The edges as (node, node, weight), heaviest first: the rows of the text alternative."""
        rows = [(self.nodes[e.a], self.nodes[e.b], e.weight) for e in self.edges]
        return tuple(sorted(rows, key=lambda r: (-r[2], r[0].label.casefold(), r[1].label.casefold())))

    def positions(self) -> tuple[tuple[float, float], ...]:
        """Node centres on a circle, the first at the top, going clockwise."""
        cx, cy, r, n = self.WIDTH / 2, self.HEIGHT / 2, self.RADIUS, len(self.nodes)
        return tuple((cx + r * math.sin(2 * math.pi * i / n), cy - r * math.cos(2 * math.pi * i / n))
                     for i in range(n))

    def node_radius(self, node: Node) -> float:
        top = max((n.mentions for n in self.nodes), default=1) or 1
        return 5 + 11 * math.sqrt(node.mentions / top)

    def svg(self) -> Markup:
        parts = _head(self.id, self.title, self.desc, "chart-network", self.WIDTH, self.HEIGHT)
        pos = self.positions()
        heaviest = max((e.weight for e in self.edges), default=1) or 1
        parts.append('<g class="chart-edges">')
        for e in sorted(self.edges, key=lambda e: (e.weight, e.a, e.b)):  # heaviest drawn last, on top
            (x1, y1), (x2, y2) = pos[e.a], pos[e.b]
            parts.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
                         f'stroke-width="{_num(1 + 7 * e.weight / heaviest)}"></line>')
        parts.append("</g>")
        parts.append('<g class="chart-nodes">')
        cx, cy = self.WIDTH / 2, self.HEIGHT / 2
        for node, (x, y) in zip(self.nodes, pos, strict=True):
            r = self.node_radius(node)
            parts.append(f'<circle class="chart-kind-{css_name(node.kind)}" cx="{_num(x)}" cy="{_num(y)}" '
                         f'r="{_num(r)}"></circle>')
            parts.append(self._label(node.label, x, y, r, cx, cy))
        parts.append("</g>")
        parts.append("</svg>")
        return Markup("\n".join(parts))

    def _label(self, label: str, x: float, y: float, r: float, cx: float, cy: float) -> str:
        dx, dy = x - cx, y - cy
        dist = math.hypot(dx, dy) or 1
        ux, uy = dx / dist, dy / dist
        lines = wrap(label, self.LABEL_CHARS)
        line_h = self.FONT * 1.15
        lx, ly = x + ux * (r + 6), y + uy * (r + 6)
        if ux > 0.35:
            anchor = "start"
        elif ux < -0.35:
            anchor = "end"
        else:
            anchor = "middle"
        block = line_h * (len(lines) - 1)
        if uy < -0.35 and anchor == "middle":  # above the node: the last line sits just above it
            first = ly - block - 2
        elif uy > 0.35 and anchor == "middle":  # below: the first line hangs just under it
            first = ly + self.FONT
        else:  # beside: centred on the node
            first = ly - block / 2 + self.FONT * 0.35
        spans = "".join(
            f'<tspan x="{_num(lx)}" y="{_num(first + i * line_h)}">{escape(line)}</tspan>'
            for i, line in enumerate(lines))
        return f'<text class="chart-label" text-anchor="{anchor}">{spans}</text>'


def css_name(kind: str) -> str:
    """An entity kind as a safe CSS class suffix (`chart-kind-<name>`): letters, digits and hyphens only."""
    return "".join(c if c.isalnum() or c == "-" else "-" for c in kind.lower()) or "other"


def _kind_key(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


def network(site: Site, limit: int = NETWORK_LIMIT, chart_id: str = "chart_network") -> NetworkChart | None:
    """The `limit` most-mentioned entities and the sections they share; None with fewer than two entities."""
    totals = {slug: site.mentions.totals(slug)[0] for slug in site.mentions.by_entity}
    ranked = sorted((e for e in site.entities if totals.get(e.slug)),
                    key=lambda e: (-totals[e.slug], e.name.casefold(), e.slug))[:limit]
    if len(ranked) < 2:
        return None
    ordered = sorted(ranked, key=lambda e: (_kind_key(e.kind), e.name.casefold(), e.slug))
    nodes = tuple(Node(e.slug, e.name, e.kind, totals[e.slug]) for e in ordered)
    index = {n.slug: i for i, n in enumerate(nodes)}
    edges = []
    for node in nodes:
        for other, weight in site.mentions.co_mentions.get(node.slug, ()):
            j = index.get(other)
            if j is not None and index[node.slug] < j and weight > 0:
                edges.append(Edge(index[node.slug], j, weight))
    edges.sort(key=lambda e: (e.a, e.b))
    strongest = sorted(edges, key=lambda e: (-e.weight, e.a, e.b))[:3]
    desc = (f"{len(nodes)} entities on a circle, grouped by kind, each linked to the entities it shares "
            f"sections with; a thicker line means more shared sections. "
            + ("Strongest links: " + "; ".join(f"{nodes[e.a].label} and {nodes[e.b].label}, {e.weight} sections"
                                               for e in strongest) + "." if strongest else "No two share a section."))
    return NetworkChart(chart_id, "Who is mentioned with whom", desc, nodes, tuple(edges))

