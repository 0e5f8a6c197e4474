"""The entity list (`content/entities.yml`) and the one matcher that finds entity mentions in text.

Matching rules, applied by a single combined regular expression (so a text is scanned once, whatever the
number of entities):

* A mention is a whole word or phrase: it neither starts nor ends inside a word ("Russia" in "Russia's"
  counts, "Russia" in "Russian" does not).
* A term with a space or a hyphen in it ("Kim Jong Un", "Indo-Pacific") matches case-insensitively, with
  any run of white space between its words. A single-word term ("Kim", "US", "SCO") matches
  case-sensitively, so "US" is not "us" and "SCO" is not "Sco".
* The longest term wins: the alternatives are sorted longest first, so "Kim Jong Un" is one mention of
  Kim Jong Un, not "Kim" plus leftovers, and "South China Sea" is not a mention of China.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from summitsite.controls import remove_controls
from summitsite.errors import SummitError
from summitsite.model import Diagnostic, Entity
from summitsite.slugs import make_slug
from summitsite.yamlmap import describe, other_yaml_diagnostic, yaml_diagnostic

ENTITIES_FILE = "content/entities.yml"
ENTITY_KEYS = ("name", "kind", "aliases", "description")
_CODE = "entities"
_KIND = re.compile(r"^[a-z][a-z-]*$")


# --- loading ----------------------------------------------------------------------------------------------

def load_entities(root: Path) -> tuple[Entity, ...]:
    """Read `root/content/entities.yml`; a missing file means no entities. Raise SummitError listing every problem."""
    path = Path(root) / ENTITIES_FILE
    if not path.is_file():
        return ()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SummitError([Diagnostic("error", _CODE, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8",
                                      ENTITIES_FILE)]) from None
    return parse_entities(text, ENTITIES_FILE)


def parse_entities(text: str, shown: str = ENTITIES_FILE) -> tuple[Entity, ...]:
    """Check the YAML text of an entity list: a list of mappings with name, kind, aliases and description."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise SummitError([yaml_diagnostic(exc, shown, _CODE)]) from None
    except yaml.YAMLError as exc:
        raise SummitError([other_yaml_diagnostic(exc, text, shown, _CODE)]) from None
    if root is None:
        return ()
    if not isinstance(root, yaml.SequenceNode):
        raise SummitError([_problem("expected a list of entities, each starting with '- name:'", shown, root)])
    problems: list[Diagnostic] = []
    entities: list[Entity] = []
    for node in root.value:
        entity = _parse_entry(node, shown, problems)
        if entity is not None:
            entities.append(entity)
    problems.extend(_duplicates(entities))
    if problems:
        raise SummitError(problems)
    return tuple(entities)


def _problem(message: str, shown: str, node: yaml.Node) -> Diagnostic:
    return Diagnostic("error", _CODE, message, shown, node.start_mark.line + 1, node.start_mark.column + 1)


def _parse_entry(node: yaml.Node, shown: str, problems: list[Diagnostic]) -> Entity | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(_problem("each entity must be a mapping with 'name:' and 'kind:'", shown, node))
        return None
    values: dict[str, object] = {}
    before = len(problems)
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in ENTITY_KEYS:
            problems.append(_problem(f"unknown key {describe(key)} (known keys: {', '.join(ENTITY_KEYS)})",
                                     shown, key_node))
            continue
        if key in values:
            problems.append(_problem(f"'{key}' is set twice", shown, key_node))
            continue
        value = _scalar_or_list(value_node)
        if key == "aliases":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                problems.append(_problem(f"'aliases' must be a list of names, not {describe(value)}", shown,
                                         value_node))
                continue
            value = tuple(" ".join(v.split()) for v in value)
        elif not isinstance(value, str) or not value.strip():
            problems.append(_problem(f"'{key}' must be text, not {describe(value)}", shown, value_node))
            continue
        else:
            value = " ".join(value.split())
        values[key] = value
    for required in ("name", "kind"):
        if required not in values and not any(p.message.startswith(f"'{required}'") for p in problems[before:]):
            problems.append(_problem(f"this entity has no '{required}'", shown, node))
    kind = values.get("kind")
    if isinstance(kind, str) and not _KIND.match(kind):
        problems.append(_problem(f"'kind' must be a lower-case word such as 'person' or 'country', not '{kind}'",
                                 shown, node))
    if len(problems) > before:
        return None
    name = str(values["name"])
    return Entity(name=name, slug=make_slug(name, fallback="entity"), kind=str(values["kind"]),
                  aliases=tuple(values.get("aliases", ())), description=str(values.get("description", "")),
                  source=shown, line=node.start_mark.line + 1)


def _scalar_or_list(node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        # Plain YAML would read `name: Yes` as true or `name: 1945` as a number; a name is always text.
        return remove_controls(node.value) if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int",
                                          "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool") else None
    if isinstance(node, yaml.SequenceNode):
        return [_scalar_or_list(n) for n in node.value]
    return {}


def _duplicates(entities: Iterable[Entity]) -> list[Diagnostic]:
    """Every name or alias claimed twice (under the matching rules), and every entity slug claimed twice."""
    problems = []
    terms: dict[str, Entity] = {}
    slugs: dict[str, Entity] = {}
    for entity in entities:
        for term in dict.fromkeys(entity.terms):
            key = term_key(term)
            owner = terms.setdefault(key, entity)
            if owner is not entity:
                problems.append(Diagnostic("error", _CODE, f"'{term}' already names '{owner.name}' "
                                           f"({owner.source}:{owner.line})", entity.source, entity.line))
        owner = slugs.setdefault(entity.slug, entity)
        if owner is not entity:
            problems.append(Diagnostic("error", _CODE, f"'{entity.name}' would share the page "
                                       f"entities/{entity.slug}/ with '{owner.name}' ({owner.source}:{owner.line})",
                                       entity.source, entity.line))
    return problems


# --- matching ---------------------------------------------------------------------------------------------

def is_multi_word(term: str) -> bool:
    """Terms with a space or hyphen match case-insensitively; single words match case-sensitively."""
    return any(c.isspace() or c == "-" for c in term)


def term_key(term: str) -> str:
    """The form two spellings share when the matcher cannot tell them apart."""
    return " ".join(term.casefold().split()) if is_multi_word(term) else term


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    entity: str
    """The entity's slug."""


class EntityMatcher:
    """Finds entity mentions in a text with one combined regular expression; see the module docstring."""

    def __init__(self, entities: Iterable[Entity]):
        self._owner: dict[str, str] = {}
        for entity in entities:
            for term in entity.terms:
                self._owner.setdefault(term_key(term), entity.slug)
        alternatives = sorted(self._patterns(), key=lambda p: (-p[0], p[1]))
        self._alternatives = tuple((pattern, key) for _, pattern, key in alternatives)
        """(pattern, term key) in the order the combined regex tries them."""
        body = _grouped_body([key for _, key in self._alternatives]) or "|".join(p for p, _ in self._alternatives)
        self._regex = re.compile(rf"(?<!\w)(?:{body})(?!\w)") if body else None
        self._found: dict[str, str] = {}
        """Matched text -> entity slug: a site's mentions are a few spellings repeated many times."""
        self.signature = hashlib.sha256(repr(sorted(self._owner.items())).encode("utf-8")).hexdigest()
        """Equal for two matchers that find the same mentions (same terms, same owners)."""

    def _patterns(self):
        for key in self._owner:
            if is_multi_word(key):
                words = [re.escape(w) for w in key.split()]
                yield len(key), "(?i:" + r"\s+".join(words) + ")", key
            else:
                yield len(key), re.escape(key), key

    def __bool__(self) -> bool:
        return self._regex is not None

    def find(self, text: str) -> list[Match]:
        """Every mention in `text`, left to right, never overlapping."""
        return [Match(start, end, owner) for start, end, owner in self.spans(text)]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """`find` as (start, end, entity slug) tuples: the mention scan makes no `Match` objects it would discard."""
        if self._regex is None or not text:
            return []
        found = self._found
        matches = []
        for m in self._regex.finditer(text):
            term = m.group()
            owner = found.get(term)
            if owner is None:
                owner = found[term] = self._owner.get(term_key(term)) or self._matched_owner(term)
            matches.append((m.start(), m.end(), owner))
        return matches

    def _matched_owner(self, term: str) -> str:
        """The owner of the alternative that matched `term`, found by trying them in the regex's order.

        Python's case-insensitive matching pairs some letters that casefold() keeps apart (the dotless "ı"
        and the dotted "İ" with "i"), so "Pı Bank" is a mention of "Pi Bank" without having its key.
        """
        for pattern, key in self._alternatives:
            if re.fullmatch(pattern, term):
                return self._owner[key]
        raise AssertionError(f"{term!r} matched no term")  # the combined regex is made of these alternatives


def _grouped_body(keys: list[str]) -> str | None:
    """The alternatives of `keys` (in matching order) grouped by first character, or None when that is unsafe.

    Tried one by one, every alternative costs the regex engine a step at every word start, and most start
    with `(?i:`, which it cannot rule out cheaply. Grouped behind a character class of their first letters,
    a word start is ruled out by one class test per group. The result is the same: alternatives that could
    both match at one place share a group and keep their order there, and in each group a look-behind checks
    the first character with the alternative's own case rule (the class may admit more). With first
    characters all ASCII, two keys can only start at the same character if their first letters are the same
    letter in some case: the non-ASCII characters that `(?i:k)` or `(?i:s)` also match (the Kelvin sign, the
    long s) belong to that one letter. Any other first character: None, and the plain alternation is used.
    """
    if not keys or not all(key[0].isascii() for key in keys):
        return None
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(key[0].lower(), []).append(key)
    out = []
    for members in groups.values():
        chars: set[str] = set()
        wide = False
        inner = []
        for key in members:
            head = re.escape(key[0])
            if is_multi_word(key):
                words = key.split()
                rest = r"\s+".join([re.escape(words[0][1:]), *map(re.escape, words[1:])])
                inner.append(f"(?i:(?<={head}){rest})")
                chars |= {key[0].lower(), key[0].upper()}
                wide = True  # the non-ASCII characters that ignoring case may add
            else:
                inner.append(f"(?<={head}){re.escape(key[1:])}")
                chars.add(key[0])
        if wide:  # every non-ASCII character, written as a negated class: a range up to U+10FFFF compiles slowly
            admitted = "^" + "".join(re.escape(chr(c)) for c in range(128) if chr(c) not in chars)
        else:
            admitted = "".join(re.escape(c) for c in sorted(chars))
        out.append(f"[{admitted}](?:{'|'.join(inner)})")
    return "|".join(out)


# --- sentences --------------------------------------------------------------------------------------------

# A sentence ends at . ! or ? (plus closing quotes or brackets) followed by white space, unless the word
# ending there is an abbreviation such as "U.S." or "Mr.".
_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
_ABBREVIATION = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|etc|e\.g|i\.e|No)\.)$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of `text`, surrounding white space excluded."""
    spans, start = [], 0
    for end in _END.finditer(text):
        stop = end.start()
        # Every abbreviation ends with its full stop: after ! ? or … there is nothing to look for.
        if text[stop] == "." and _ABBREVIATION.search(text, max(0, stop - 20), stop + 1):
            continue  # "the U.S. dollar": not the end of a sentence
        spans.append((start, end.end()))
        start = end.end()
    if start < len(text):
        spans.append((start, len(text)))
    result = []
    for a, b in spans:
        piece = text[a:b]
        if piece.strip():
            result.append((a + len(piece) - len(piece.lstrip()), b - len(piece) + len(piece.rstrip())))
    return result


def known_names(entities: tuple[Entity, ...]) -> tuple[str, ...]:
    """Every name and alias of the list, as written there: the loader's evidence for how names are cased."""
    return tuple(name for entity in entities for name in (entity.name, *entity.aliases))
