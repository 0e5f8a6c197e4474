"""Deterministic benchmark corpus: N seed-style articles for summitsite, and the same articles for Hugo and Pelican.

    python tests/benchmarks/generate.py --articles 1000 --out /tmp/bench/1000

writes three sites with the same articles (same text, same sections, same tables, callouts and FAQs):

    OUT/summitsite/   summitsite.yml, seeds/NNNNN-<slug>.txt + .yml sidecars (tags, date), content/entities.yml
    OUT/hugo/         config.toml, layouts/_default/{baseof,single,list}.html, content/articles/<slug>.md
    OUT/pelican/      pelicanconf.py (simple theme), content/<slug>.md (Title/Date/Tags/Slug metadata)
    OUT/manifest.json one entry per article: seed file, slug, title, words

Everything comes from `random.Random` seeded with a string (stable across runs and Python processes); there is
no wall-clock input, so two runs give byte-identical trees. Article i depends only on the seed and the
articles before it, so a 100-article corpus is the first 100 articles of a 1,000-article one.

Standard library only: it must run before summitsite, Hugo or Pelican are installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SEED = "summitsite-bench-1"
FIRST_DATE = dt.date(2023, 1, 1)
DATE_SPAN_DAYS = 730  # two years

# ---------------------------------------------------------------------------------------------- word pools

# (name, kind, aliases, description): invented people, organisations, places and programmes.
ENTITIES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("Elena Marchetti", "person", ("Marchetti",), "Trade minister of the Aldera coalition government."),
    ("Tomas Verhoek", "person", ("Verhoek",), "Chief negotiator for the Northern Grain Council."),
    ("Amara Okonkwo", "person", ("Okonkwo",), "Economist who chairs the Meridian Fiscal Review."),
    ("Lin Haoyu", "person", ("Lin",), "Vice-governor of the Qiantang Development Zone."),
    ("Sofia Lindqvist", "person", ("Lindqvist",), "Defence analyst at the Baltic Strategy Forum."),
    ("Rafael Domingues", "person", ("Domingues",), "President of the Southern Ports Authority."),
    ("Yusuf Demirel", "person", ("Demirel",), "Energy envoy who brokered the Caspian pipeline talks."),
    ("Ingrid Halvorsen", "person", ("Halvorsen",), "Governor of the Nordhavn central bank."),
    ("Kenji Arakawa", "person", ("Arakawa",), "Former ambassador and author on Pacific security."),
    ("Priya Raman", "person", ("Raman",), "Director of the Coastal Resilience Programme."),
    ("Mateus Oliveira", "person", ("Oliveira",), "Opposition leader in the Aldera parliament."),
    ("Nadia Haddad", "person", ("Haddad",), "Spokesperson for the Levant Water Commission."),
    ("Viktor Sorensen", "person", ("Sorensen",), "Shipping magnate and chair of Sorensen Lines."),
    ("Grace Mwangi", "person", ("Mwangi",), "Head of the East African Grid Initiative."),
    ("Northern Grain Council", "organisation", ("NGC", "the Grain Council"),
     "Export cartel of eleven grain-producing provinces."),
    ("Meridian Fiscal Review", "organisation", ("MFR", "the Fiscal Review"),
     "Independent watchdog of public borrowing."),
    ("Baltic Strategy Forum", "organisation", ("BSF",), "Think tank on northern European security."),
    ("Southern Ports Authority", "organisation", ("SPA", "the Ports Authority"),
     "Operator of the five deep-water southern ports."),
    ("Levant Water Commission", "organisation", ("LWC", "the Water Commission"),
     "Regional body that allocates shared river water."),
    ("Sorensen Lines", "organisation", ("Sorensen Shipping",), "Container carrier with a fleet of ninety vessels."),
    ("Aldera Coalition", "organisation", ("the coalition",), "The three-party government of Aldera."),
    ("Pacific Cable Consortium", "organisation", ("PCC",), "Owners of the trans-Pacific data cables."),
    ("East African Grid Initiative", "organisation", ("EAGI", "the Grid Initiative"),
     "Programme to connect six national power grids."),
    ("Helix Semiconductor", "organisation", ("Helix",), "Chip maker with fabs in three countries."),
    ("Caspian Energy Union", "organisation", ("CEU",), "Pipeline operators around the Caspian basin."),
    ("Nordhavn Central Bank", "organisation", ("the central bank",), "Monetary authority of Nordhavn."),
    ("Aldera", "place", ("the republic",), "Coastal republic at the centre of the grain corridor."),
    ("Nordhavn", "place", ("the kingdom",), "Northern kingdom with a large sovereign fund."),
    ("Port Severin", "place", ("Severin",), "Deep-water port handling most grain exports."),
    ("Qiantang Development Zone", "place", ("Qiantang",), "Special economic zone for advanced manufacturing."),
    ("Meridian Valley", "place", ("the valley",), "Farming region hit by three dry summers."),
    ("Kestrel Strait", "place", ("the strait",), "Shipping lane between the two northern seas."),
    ("Caspian basin", "place", ("the basin",), "Oil and gas fields around the Caspian Sea."),
    ("Lake Tamsin", "place", ("Tamsin",), "Reservoir shared by three riparian states."),
    ("Harbourside District", "place", ("Harbourside",), "Financial quarter of Port Severin."),
    ("Orinoco Delta", "place", ("the delta",), "Wetland region at the mouth of the Orinoco."),
    ("Grain Corridor Agreement", "programme", ("the corridor deal", "GCA"),
     "Treaty guaranteeing safe passage for grain ships."),
    ("Coastal Resilience Programme", "programme", ("CRP",), "Fund for sea walls and flood defences."),
    ("Blue Horizon Plan", "programme", ("Blue Horizon",), "Ten-year plan for offshore wind capacity."),
    ("Digital Border Compact", "programme", ("the compact",), "Agreement on cross-border data flows."),
)

TAGS = (
    "agriculture", "banking", "climate", "defence", "diplomacy", "elections", "energy", "europe", "finance",
    "fisheries", "grain", "health", "housing", "inflation", "infrastructure", "labour", "maritime", "migration",
    "mining", "pacific", "pipelines", "ports", "sanctions", "semiconductors", "shipping", "technology",
    "telecoms", "trade", "water", "wind-power",
)

TOPICS = (
    "grain exports", "port capacity", "shipping insurance", "energy prices", "water allocation", "chip supply",
    "offshore wind", "flood defences", "public borrowing", "interest rates", "data cables", "fishing quotas",
    "border checks", "fertiliser costs", "rail freight", "housing supply", "labour shortages", "pipeline tariffs",
    "customs rules", "credit ratings", "food reserves", "power grids", "mineral rights", "coastal erosion",
)
ADJECTIVES = (
    "fragile", "uneven", "ambitious", "contested", "quiet", "costly", "delayed", "regional", "cautious", "rapid",
    "unexpected", "gradual", "decisive", "tentative", "sweeping", "modest", "long-awaited", "controversial",
    "durable", "provisional", "hidden", "shifting", "renewed", "narrow",
)
NOUNS = (
    "compromise", "recovery", "shortfall", "realignment", "bargain", "standoff", "overhaul", "expansion",
    "rivalry", "settlement", "backlash", "gamble", "partnership", "slowdown", "rebound", "dispute", "strategy",
    "reckoning", "transition", "squeeze", "pivot", "truce", "surge", "bottleneck",
)
GROUPS = (
    "regional officials", "analysts", "investors", "exporters", "shipping firms", "farm unions", "lenders",
    "local councils", "diplomats", "economists", "insurers", "port workers", "energy traders", "regulators",
    "consumer groups", "manufacturers", "lawmakers", "auditors", "logistics companies", "grid operators",
)
VERBS_PRESENT = (
    "are weighing", "continue to question", "have quietly backed", "remain wary of", "are pushing for",
    "have started to price in", "openly doubt", "are lobbying against", "have welcomed", "are preparing for",
    "are bracing for", "have warned about", "are studying", "have pledged to fund", "are split over",
)
VERBS_PAST = (
    "approved", "delayed", "renegotiated", "criticised", "expanded", "suspended", "revised", "endorsed",
    "scaled back", "announced", "challenged", "extended", "froze", "financed", "audited",
)
OBJECTS = (
    "a new export quota", "the revised tariff schedule", "a five-year investment plan", "the draft treaty",
    "an emergency credit line", "the harbour expansion", "a joint inspection regime", "the subsidy package",
    "a shared storage facility", "the licensing round", "a temporary price cap", "the procurement framework",
    "a cross-border rail link", "the reserve requirement", "a debt swap", "the monitoring mission",
    "a seasonal labour scheme", "the transit fee", "a standby power contract", "the dredging programme",
)
ADVERBIALS = (
    "despite rising costs", "after months of negotiation", "in the coming quarter", "before the winter season",
    "under pressure from lenders", "ahead of the next election", "with little public debate",
    "for the first time in a decade", "at an unusually fast pace", "in a closed-door session",
    "amid falling reserves", "while the talks drag on", "as freight rates climb", "once the harvest is in",
    "during the summer recess", "after a disappointing audit", "as storms disrupt shipping",
)
CONSEQUENCES = (
    "could reshape trade across the region", "may leave smaller exporters exposed",
    "is likely to raise consumer prices", "would shift risk onto public budgets",
    "might ease the pressure on ports", "has already unsettled bond markets", "could take years to pay off",
    "leaves several questions unanswered", "puts the earlier timetable in doubt",
    "gives neighbouring states more leverage", "may set a precedent for other sectors",
    "strengthens the case for a regional fund", "risks a fresh round of disputes",
)
REASONS = (
    "the numbers do not yet add up", "the legal basis remains untested", "demand has been volatile",
    "two previous attempts collapsed", "the budget leaves little room", "insurers have grown cautious",
    "the weather has been unusually harsh", "public support is softening", "the data are incomplete",
    "supply chains are still adjusting", "the costs fall unevenly", "the timetable keeps slipping",
)
LABELS = (
    "Energy Security", "Trade Flows", "Fiscal Impact", "Market Reaction", "Local Concerns", "Legal Questions",
    "Supply Risks", "Political Fallout", "Investment Outlook", "Labour Market",
)
OUTLOOKS = ("Improving", "Stable", "Uncertain", "Deteriorating", "Mixed", "Cautiously positive")
ROLES = ("Negotiator", "Regulator", "Investor", "Operator", "Critic", "Mediator", "Lender", "Supplier")
HEADLINE_VERBS = (
    "Weighs", "Backs", "Rethinks", "Delays", "Expands", "Challenges", "Revives", "Tightens", "Defends", "Reopens",
)
HEADLINE_TAILS = (
    "as Talks Stall", "Amid Price Fears", "Ahead of Key Vote", "After Audit Warning", "as Deadline Nears",
    "Despite Lender Doubts", "in Bid to Calm Markets", "as Storm Season Looms", "After Months of Delay",
    "Under Pressure From Allies",
)
HEADING_PATTERNS = (
    "The {adj} {noun} over {topic}", "Why the {noun} over {topic} matters", "A {adj} {noun} for {place}",
    "What the {noun} means for {topic}", "How {group} see the {noun}", "{Topic} and the {adj} {noun}",
    "Inside the {noun} at {place}", "The cost of {topic}", "Where the {noun} goes from here",
    "The politics of {topic}", "Lessons from the {noun}", "{Place} and the {noun} ahead",
)
FAQ_HEADING = "Frequently Asked Questions"
QUESTION_PATTERNS = (
    "What is the role of {entity} in {topic}?", "Why does the {noun} over {topic} matter?",
    "How could {topic} change this year?", "Who pays for the {noun}?", "Is the {noun} likely to last?",
    "What happens to {topic} if the talks fail?", "How are {group} responding?",
)

# ------------------------------------------------------------------------------------------------ the model


@dataclass
class Section:
    heading: str
    level: int  # 2 = top-level, 3 = numbered sub-heading
    blocks: list[tuple] = field(default_factory=list)
    """("p", text) | ("label", label, text) | ("table", header, rows) | ("callout", label, text)
    | ("faq", [(question, answer)])"""


@dataclass
class ArticleData:
    number: int
    title: str
    slug: str
    lede: str
    sections: list[Section]
    tags: list[str]
    date: dt.date

    @property
    def stem(self) -> str:
        return f"{self.number:05d}-{self.slug[:40].rstrip('-')}"

    def words(self) -> int:
        total = len(self.title.split()) + len(self.lede.split())
        for section in self.sections:
            total += len(section.heading.split())
            for block in section.blocks:
                total += _block_words(block)
        return total


def _block_words(block: tuple) -> int:
    kind = block[0]
    if kind == "p":
        return len(block[1].split())
    if kind in ("label", "callout"):
        return len(block[1].split()) + len(block[2].split())
    if kind == "table":
        return sum(len(c.split()) for c in block[1]) + sum(len(c.split()) for row in block[2] for c in row)
    return sum(len(q.split()) + len(a.split()) for q, a in block[1])


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].rstrip("-") or "article"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    """Sentences, headings and blocks for one article, all drawn from one seeded Random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Each article leans on a handful of entities and topics, so articles differ in what they are about.
        self.cast = rng.sample(ENTITIES, 8)
        self.topics = rng.sample(TOPICS, 6)

    def entity(self) -> str:
        name, _kind, aliases, _desc = self.rng.choice(self.cast)
        return name if self.rng.random() < 0.7 else self.rng.choice(aliases)

    def actor(self) -> str:
        """An entity that can act: a person, an organisation or a programme, not a place."""
        actors = [e for e in self.cast if e[1] != "place"]
        name, _kind, aliases, _desc = self.rng.choice(actors)
        return name if self.rng.random() < 0.7 else self.rng.choice(aliases)

    def person(self) -> str:
        people = [e for e in self.cast if e[1] == "person"] or [e for e in ENTITIES if e[1] == "person"]
        return self.rng.choice(people)[0]

    def topic(self) -> str:
        return self.rng.choice(self.topics)

    def sentence(self) -> str:
        r = self.rng
        form = r.randrange(7)
        if form == 0:
            s = f"{_cap(r.choice(GROUPS))} {r.choice(VERBS_PRESENT)} {r.choice(OBJECTS)} {r.choice(ADVERBIALS)}"
        elif form == 1:
            s = (f"{self.actor()} {r.choice(VERBS_PAST)} {r.choice(OBJECTS)} {r.choice(ADVERBIALS)}, "
                 f"a move that {r.choice(CONSEQUENCES)}")
        elif form == 2:
            s = (f"According to {self.person()}, the debate over {self.topic()} {r.choice(CONSEQUENCES)} "
                 f"because {r.choice(REASONS)}")
        elif form == 3:
            s = (f"{_cap(r.choice(ADVERBIALS))}, {r.choice(GROUPS)} {r.choice(VERBS_PRESENT)} "
                 f"{r.choice(OBJECTS)} linked to {self.entity()}")
        elif form == 4:
            s = (f"The {r.choice(ADJECTIVES)} {r.choice(NOUNS)} around {self.topic()} {r.choice(CONSEQUENCES)}, "
                 f"and {r.choice(GROUPS)} say {r.choice(REASONS)}")
        elif form == 5:
            s = (f"{self.actor()} expects {self.topic()} to recover by {r.randint(2, 40)} percent "
                 f"{r.choice(ADVERBIALS)}, though {r.choice(REASONS)}")
        else:
            s = (f"In {self.rng.choice([e[0] for e in ENTITIES if e[1] == 'place'])}, {r.choice(GROUPS)} "
                 f"{r.choice(VERBS_PRESENT)} {r.choice(OBJECTS)}, and {self.actor()} {r.choice(VERBS_PAST)} "
                 f"{r.choice(OBJECTS)}")
        return _cap(s) + "."

    def paragraph(self, low: int = 3, high: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def heading(self, used: set[str]) -> str:
        r = self.rng
        while True:
            pattern = r.choice(HEADING_PATTERNS)
            place = r.choice([e[0] for e in ENTITIES if e[1] == "place"])
            topic = self.topic()
            text = pattern.format(adj=r.choice(ADJECTIVES), noun=r.choice(NOUNS), topic=topic, Topic=_cap(topic),
                                  place=place, Place=place, group=r.choice(GROUPS))
            text = _cap(text)
            if text.casefold() not in used:
                used.add(text.casefold())
                return text

    def table(self) -> tuple:
        r = self.rng
        names = r.sample([e[0] for e in self.cast], r.randint(3, 5))
        header = ("Actor", "Role", f"Stake in {self.topic()}", "Outlook")
        rows = tuple((name, r.choice(ROLES), _cap(r.choice(OBJECTS)), r.choice(OUTLOOKS)) for name in names)
        return ("table", header, rows)

    def faq(self) -> tuple:
        r = self.rng
        items, seen, wanted = [], set(), r.randint(4, 5)
        while len(items) < wanted:
            q = _cap(r.choice(QUESTION_PATTERNS).format(entity=self.entity(), topic=self.topic(),
                                                        noun=r.choice(NOUNS), group=r.choice(GROUPS)))
            if q in seen:
                continue
            seen.add(q)
            items.append((q, f"{self.sentence()} {self.sentence()}"))
        return ("faq", items)


def make_article(number: int, rng: random.Random, used_titles: set[str]) -> ArticleData:
    w = _Writer(rng)
    while True:
        lead = w.cast[0][0]
        topic = " ".join(word.capitalize() for word in w.topic().split())
        title = f"{lead} {rng.choice(HEADLINE_VERBS)} {topic} Plan {rng.choice(HEADLINE_TAILS)}"
        if rng.random() < 0.5:
            title = f"{_cap(rng.choice(ADJECTIVES))} {_cap(rng.choice(NOUNS))}: {title}"
        if title.casefold() not in used_titles:
            used_titles.add(title.casefold())
            break
        rng.shuffle(w.cast)
    lede = w.paragraph(2, 3)
    target = rng.randint(1550, 1950)
    used: set[str] = set()
    top_count = rng.randint(7, 8)
    sections: list[Section] = []
    sub_parents = set(rng.sample(range(1, top_count), rng.randint(1, 2)))
    for i in range(top_count):
        sections.append(Section(w.heading(used), 2, [("p", w.paragraph())]))
        if i in sub_parents:
            for k in range(1, rng.randint(2, 3) + 1):
                sections.append(Section(f"{k}. {w.heading(used)}", 3, [("p", w.paragraph())]))
    # Extras in random top-level sections: one table, two or three callouts, one or two labelled paragraphs.
    tops = [s for s in sections if s.level == 2]
    rng.choice(tops).blocks.append(w.table())
    for label in rng.sample(("Did You Know?", "Pro Tip:", "Did You Know?", "Key Takeaway:"), rng.randint(2, 3)):
        rng.choice(tops).blocks.append(("callout", label, w.paragraph(1, 2)))
    for _ in range(rng.randint(1, 2)):
        rng.choice(tops).blocks.append(("label", rng.choice(LABELS), w.paragraph(2, 3)))
    faq = Section(FAQ_HEADING, 2, [w.faq()])
    article = ArticleData(number, title, slugify(title), lede, sections, [], FIRST_DATE)
    # Grow paragraph by paragraph, round-robin over sections, up to the article's target length.
    faq_words = _block_words(faq.blocks[0]) + 3
    i = 0
    while article.words() + faq_words < target:
        sections[i % len(sections)].blocks.insert(1, ("p", w.paragraph()))
        i += 1
    article.sections.append(faq)
    article.tags = sorted(rng.sample(TAGS, rng.randint(2, 5)))
    article.date = FIRST_DATE + dt.timedelta(days=rng.randrange(DATE_SPAN_DAYS))
    return article


def make_articles(count: int, seed: str = DEFAULT_SEED) -> list[ArticleData]:
    used_titles: set[str] = set()
    return [make_article(n, random.Random(f"{seed}:{n}"), used_titles) for n in range(1, count + 1)]


# ------------------------------------------------------------------------------------------------ writers


def seed_text(a: ArticleData) -> str:
    """The article as a summitsite seed: headline, lede, a TOC block, then bare headings and one paragraph a line."""
    out = [a.title, a.lede, "Table of Contents"]
    out += [f"- {n}. {s.heading}" for n, s in enumerate((s for s in a.sections if s.level == 2), start=1)]
    for section in a.sections:
        out.append(section.heading)
        for block in section.blocks:
            kind = block[0]
            if kind == "p":
                out.append(block[1])
            elif kind == "label":
                out.append(f"{block[1]}: {block[2]}")
            elif kind == "callout":
                out.append(f"{block[1]} {block[2]}")
            elif kind == "table":
                out.append("| " + " | ".join(block[1]) + " |")
                out.append("|" + "---|" * len(block[1]))
                out += ["| " + " | ".join(row) + " |" for row in block[2]]
            else:
                out += [f"- {q} {ans}" for q, ans in block[1]]
    return "\n".join(out) + "\n"


def sidecar_text(a: ArticleData) -> str:
    return f"tags: {json.dumps(a.tags)}\ndate: {a.date.isoformat()}\n"


def markdown_body(a: ArticleData, toc_marker: str = "") -> str:
    """The same article as Markdown: lede, optional TOC marker, ## sections, ### numbered sub-headings."""
    out = [a.lede, ""]
    if toc_marker:
        out += [toc_marker, ""]
    for section in a.sections:
        out += ["#" * section.level + " " + section.heading, ""]
        for block in section.blocks:
            kind = block[0]
            if kind == "p":
                out.append(block[1])
            elif kind == "label":
                out.append(f"**{block[1]}:** {block[2]}")
            elif kind == "callout":
                out.append(f"> **{block[1]}** {block[2]}")
            elif kind == "table":
                out.append("| " + " | ".join(block[1]) + " |")
                out.append("|" + "---|" * len(block[1]))
                out += ["| " + " | ".join(row) + " |" for row in block[2]]
            else:
                out += [f"- **{q}** {ans}" for q, ans in block[1]]
            out.append("")
    return "\n".join(out)


def entities_yaml() -> str:
    lines = ["# Entities mentioned in the benchmark articles (generated by tests/benchmarks/generate.py)."]
    for name, kind, aliases, description in ENTITIES:
        lines += [f"- name: {json.dumps(name)}", f"  kind: {kind}", f"  aliases: {json.dumps(list(aliases))}",
                  f"  description: {json.dumps(description)}"]
    return "\n".join(lines) + "\n"


SUMMITSITE_CONFIG = """\
title: Benchmark Wire
description: Generated articles for measuring build speed.
language: en
"""

HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "Benchmark Wire"
languageCode = "en"
relativeURLs = true
# One page per article plus the home page, as summitsite builds: no section, taxonomy or term pages, no feeds.
# Tags are still rendered on each article page from .Params.tags.
disableKinds = ["section", "taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[markup.tableOfContents]
  startLevel = 2
  endLevel = 3
  ordered = false
"""

HUGO_BASEOF = """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ block "title" . }}{{ .Site.Title }}{{ end }}</title></head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

HUGO_SINGLE = """\
{{ define "title" }}{{ .Title }} | {{ .Site.Title }}{{ end }}
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
 &middot; {{ .ReadingTime }} min read</p>
{{ with .Params.tags }}<ul class="tags">{{ range . }}<li>{{ . }}</li>{{ end }}</ul>{{ end }}
<nav class="toc">{{ .TableOfContents }}</nav>
{{ .Content }}
<nav>{{ with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</article>
{{ end }}
"""

HUGO_LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="articles">
{{ range where .Site.RegularPages "Section" "articles" }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time>
 {{ .ReadingTime }} min<p>{{ .Summary }}</p></li>
{{ end }}
</ul>
{{ end }}
"""

PELICAN_CONFIG = """\
# Generated by tests/benchmarks/generate.py: the simple theme, one page per article plus the index.
AUTHOR = "Benchmark Desk"
SITENAME = "Benchmark Wire"
SITEURL = ""
PATH = "content"
THEME = "simple"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
RELATIVE_URLS = True
DEFAULT_PAGINATION = False
ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
# No feeds, and no tag/category/author/archive pages (summitsite and the Hugo site have none either).
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
DIRECT_TEMPLATES = ["index"]
# Clean builds: no content cache between runs.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
# Tables come with the "extra" extension; "toc" turns the [TOC] marker into a table of contents.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {"toc_depth": "2-3"},
    },
    "output_format": "html5",
}
"""


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))  # always "\n" line endings, whatever the platform


def generate(count: int, out: Path, seed: str = DEFAULT_SEED) -> list[ArticleData]:
    """Write OUT/summitsite, OUT/hugo, OUT/pelican and OUT/manifest.json (replacing earlier ones)."""
    articles = make_articles(count, seed)
    for name in ("summitsite", "hugo", "pelican", "manifest.json"):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    ss, hugo, pelican = out / "summitsite", out / "hugo", out / "pelican"
    write_file(ss / "summitsite.yml", SUMMITSITE_CONFIG)
    write_file(ss / "content" / "entities.yml", entities_yaml())
    write_file(hugo / "config.toml", HUGO_CONFIG)
    write_file(hugo / "layouts" / "_default" / "baseof.html", HUGO_BASEOF)
    write_file(hugo / "layouts" / "_default" / "single.html", HUGO_SINGLE)
    write_file(hugo / "layouts" / "_default" / "list.html", HUGO_LIST)
    write_file(hugo / "content" / "_index.md", '---\ntitle: "Benchmark Wire"\n---\n')
    write_file(pelican / "pelicanconf.py", PELICAN_CONFIG)
    manifest = []
    for a in articles:
        write_file(ss / "seeds" / f"{a.stem}.txt", seed_text(a))
        write_file(ss / "seeds" / f"{a.stem}.yml", sidecar_text(a))
        front = (f"---\ntitle: {json.dumps(a.title)}\ndate: {a.date.isoformat()}\ntags: {json.dumps(a.tags)}\n"
                 f"slug: {a.slug}\n---\n\n")
        write_file(hugo / "content" / "articles" / f"{a.slug}.md", front + markdown_body(a))
        meta = f"Title: {a.title}\nDate: {a.date.isoformat()}\nTags: {', '.join(a.tags)}\nSlug: {a.slug}\n\n"
        write_file(pelican / "content" / f"{a.slug}.md", meta + markdown_body(a, "[TOC]"))
        manifest.append({"seed": f"seeds/{a.stem}.txt", "slug": a.slug, "title": a.title, "words": a.words(),
                         "sections": len(a.sections), "tags": a.tags, "date": a.date.isoformat()})
    write_file(out / "manifest.json", json.dumps({"articles": count, "seed": seed, "items": manifest}, indent=1))
    return articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True, metavar="N", help="how many articles")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write the three sites")
    parser.add_argument("--seed", default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    articles = generate(args.articles, args.out, args.seed)
    words = [a.words() for a in articles]
    print(f"{len(articles)} articles ({min(words)}-{max(words)} words, {sum(words) // len(words)} on average) "
          f"-> {args.out}/{{summitsite,hugo,pelican}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
