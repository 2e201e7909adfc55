"""The Search API for the ``identities`` index: ``POST /search`` and ``POST /search/count`` (FACTS.md section 12).

Queries use SailPoint's query-string syntax (Elasticsearch 5.2 ``query_string``), parsed with luqum, a maintained
Lucene-syntax parser; this module only evaluates the parsed tree against identity documents built from the tenant.

Matching rules (README "Search" gives the source of each, and what differs from ISC):

* Text is analysed as Elasticsearch's standard analyzer does (:func:`analyse`: lower-cased words).
  ``field:term`` matches a word of the value (an unquoted term that is several words matches any of them);
  ``field:"a phrase"`` matches its words in a row anywhere in the value; ``field.exact`` compares the whole value,
  case-sensitively. ``?`` and ``*`` in an unquoted term, and ``/regex/``, match single words (the whole value on
  ``.exact``); inside quotes they are literal.
* Operators as Lucene's classic query parser reads them (Elasticsearch's query_string): no precedence, but left to
  right, AND making the operands on both sides required, OR or a space leaving them optional, ``+term`` required,
  ``NOT``/``!``/``-term`` excluded; optional operands count only when none is required (``a OR b AND c`` is b and c).
  Parentheses group; ``field:(a OR b)``.
* Ranges ``[a TO b]``, ``{a TO b}``, ``field:>=a``; dates (``created``, ``modified``, ``synced``) understand ``now``,
  ``now-7d`` and ``/d`` rounding, numbers compare as numbers, everything else as case-insensitive text (whole values).
* ``_exists_:field`` matches a non-null, non-empty value; an unknown field matches nothing. A term without a field
  matches any value of the document.
"""
from __future__ import annotations

import calendar
import datetime
import fnmatch
import functools
import re
import threading
import time
import weakref
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from luqum import tree
from luqum.exceptions import ParseError
from luqum.thread import parse as luqum_parse

from .state import ApiError, Tenant, identity_attributes

INDEX_NAMES = ("accessprofiles", "accountactivities", "entitlements", "events", "identities", "roles", "*")
QUERY_TYPES = ("DSL", "SAILPOINT", "TEXT", "TYPEAHEAD")
FILTER_TYPES = ("EXISTS", "RANGE", "TERMS")
MAX_WINDOW = 10000  # Elasticsearch's index.max_result_window: offset + limit may not exceed it (FACTS.md section 12)
DEFAULT_LIMIT = 250
# "The search query itself has a size limitation of approximately 800 objects when filtering by large lists of IDs or
# values" (the spec's searchPost description): the emulator refuses more than 800 values (terms of the query string
# plus TERMS filter values), so that a client which splits long lists too coarsely fails in tests.
MAX_QUERY_VALUES = 800
DATE_FIELDS = ("created", "modified", "synced")
# The search service's 400 detail code as SailPoint's reply quotes it (FACTS.md section 12, forum t/614).
SEARCH_400 = "400.1 Bad request content"


def bad_request(text: str) -> ApiError:
    return ApiError(400, text, SEARCH_400)


# ------------------------------------------------------------------ documents

_INDEX: "weakref.WeakKeyDictionary[Tenant, Tuple[int, List[Dict[str, Any]]]]" = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def identity_documents(tenant: Tenant) -> List[Dict[str, Any]]:
    """Every identity as an IdentityDocument (spec schema IdentityDocuments), in the tenant's order. Built once per
    change of the identities (``Tenant.identity_revision``); callers must not modify the documents."""
    with tenant.lock:
        revision = tenant.identity_revision
        with _INDEX_LOCK:
            cached = _INDEX.get(tenant)
        if cached is not None and cached[0] == revision:
            return cached[1]
        identities = list(tenant.identities.values())
        by_id = tenant.identities
        managers = {i.get("manager") for i in identities if i.get("manager") in by_id}
        documents = [_document(ident, by_id, ident["id"] in managers) for ident in identities]
        with _INDEX_LOCK:
            _INDEX[tenant] = (revision, documents)
        return documents


def visible_documents(tenant: Tenant, delay: float) -> List[Dict[str, Any]]:
    """The documents search sees ``delay`` seconds behind the tenant (eventual consistency, FACTS.md section 12):
    for an identity changed more recently, its newest version older than that, or nothing if it is that new.
    Managers' names and ``isManager`` come from the current state (a simplification)."""
    documents = identity_documents(tenant)
    if delay <= 0:
        return documents
    cutoff = time.monotonic() - delay
    with tenant.lock:
        visible = []
        for doc in documents:
            history = tenant.identity_versions.get(doc["id"]) or [(0.0, None)]
            if history[-1][0] <= cutoff:
                visible.append(doc)
                continue
            older = [record for made, record in history if made <= cutoff]
            if older:
                visible.append(_document(older[-1], tenant.identities, doc["isManager"]))
        return visible


def _document(ident: Dict[str, Any], by_id: Dict[str, Dict[str, Any]], is_manager: bool) -> Dict[str, Any]:
    manager = by_id.get(ident.get("manager") or "")
    doc: Dict[str, Any] = {
        "id": ident["id"],
        "name": _login_name(ident),
        "displayName": ident.get("displayName") or ident["name"],
        "created": ident["created"],
        "modified": ident["modified"],
        "synced": ident["modified"],
        "inactive": bool(ident.get("inactive")),
        "protected": bool(ident.get("protected")),
        "status": ident.get("cloudStatus"),  # the spec's documents: status = attributes.cloudStatus (ACTIVE, UNREGISTERED)
        "processingState": ident.get("processingState"),
        "isManager": is_manager,
        "manager": {"id": manager["id"], "name": _login_name(manager), "displayName": manager.get("displayName") or manager["name"]}
        if manager else None,
        "disabled": False,
        "locked": False,
        "attributes": identity_attributes(ident),
        "pod": "emu01-useast1",
        "org": "emulator",
        "_type": "identity",
        "type": "identity",
        "_version": "v2",
    }
    for key in ("firstName", "lastName", "email"):  # non-nullable strings in the spec: left out when unset
        if ident.get(key) is not None:
            doc[key] = ident[key]
    return doc


def _login_name(ident: Dict[str, Any]) -> str:
    """A document's ``name``: the login-style account name (the alias), else the display name. The spec's BaseDocument
    example is ``john.doe``, its Search overview queries ``manager.name:amanda.ross`` and SailPoint's searchable-fields
    page calls ``name`` "the name or alias" (``name:john.smith``); the spec's IdentityDocument examples show a display
    name instead. Not confirmed; the login-style reading is taken, so a client that shows ``name`` as a display name
    fails in tests (README "Search")."""
    return ident.get("alias") or ident["name"]


# --------------------------------------------------------------- field values

def _values(doc: Dict[str, Any], path: str) -> List[Any]:
    """The leaf values at a dotted path (lists are flattened); [] when the field is missing or null."""
    current: List[Any] = [doc]
    for part in path.split("."):
        following: List[Any] = []
        for node in current:
            if isinstance(node, dict) and node.get(part) is not None:
                value = node[part]
                following.extend(value if isinstance(value, list) else [value])
        current = following
    return current


def _leaves(node: Any) -> Iterable[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    elif node is not None:
        yield node


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------- analysis

# Elasticsearch's standard analyzer (the default for text fields): the standard tokenizer's word boundaries of Unicode
# UAX #29, then lower-casing; no stop words (Elasticsearch 5+). A word is a run of letters, digits and "_"; a "." or
# "'" (and ":" between letters, "," or ";" between digits) inside a word does not split it: "ada.lovelace@example.com"
# is the words "ada.lovelace" and "example.com", "US-1234" is "us" and "1234". Scripts that UAX #29 segments per
# character (Han, Hiragana, ...) are not modelled.
_WORD = re.compile(r"\w+(?:(?:(?<=[^\W\d])[.'\u2019:](?=[^\W\d])|(?<=\d)[.,;'\u2019](?=\d))\w+)*")


@functools.lru_cache(maxsize=65536)
def analyse(text: str) -> Tuple[str, ...]:
    """The words the standard analyzer makes of ``text``, in order."""
    return tuple(word.lower() for word in _WORD.findall(text))


# ------------------------------------------------------------------- terms

def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


Matcher = Callable[[str], bool]  # one field value (as text) -> whether a term matches it


def _wildcards(word: str) -> Optional[str]:
    """A regular expression for an unquoted term with ``*`` / ``?`` wildcards (escaped ones are literal); None without."""
    if not re.search(r"(?<!\\)[*?]", word):
        return None
    pattern, i = "", 0
    while i < len(word):
        char = word[i]
        if char == "\\" and i + 1 < len(word):
            pattern += re.escape(word[i + 1])
            i += 2
            continue
        pattern += ".*" if char == "*" else "." if char == "?" else re.escape(char)
        i += 1
    return pattern


def _whole_value(node: tree.Item, exact: bool) -> Matcher:
    """A term on a field that is not analysed (``.exact``, dates): it compares the whole value, case-sensitively on
    ``.exact`` (SailPoint's "Building a Search Query": ".exact ... to make a case-sensitive search")."""
    flags = re.DOTALL | (0 if exact else re.IGNORECASE)
    if isinstance(node, tree.Regex):
        regex = re.compile(node.value[1:-1] + r"\Z", flags)
    elif isinstance(node, tree.Word) and _wildcards(node.value) is not None:
        regex = re.compile(_wildcards(node.value) + r"\Z", flags)
    else:
        target = _unescape(node.value[1:-1] if isinstance(node, tree.Phrase) else node.value)
        if exact:
            return lambda value: value == target
        low = target.lower()
        return lambda value: value.lower() == low
    return lambda value: regex.match(value) is not None


def _words_term(node: tree.Item) -> Matcher:
    """A term on an analysed (text) field, matched against the value's words (see :func:`analyse`):

    * an unquoted term is analysed too, and any of its words matching any word of the value is a match (Elasticsearch
      5's query_string OR's the words; that is why an unquoted full email matched every identity, PLTDP-5347);
    * a quoted phrase matches when its words appear in a row anywhere in the value ("Finance" matches
      "Corporate Finance");
    * wildcards and regular expressions are not analysed: they match single words, the pattern lower-cased for
      wildcards (``lowercase_expanded_terms``), as written for regular expressions (forum t/56523:
      ``Adam.Kennedy*`` matches, ``Adam.Kennedy@*`` matches nothing).
    """
    if isinstance(node, tree.Regex):
        regex = re.compile(node.value[1:-1] + r"\Z", re.DOTALL)
        return lambda value: any(regex.match(word) for word in analyse(value))
    if isinstance(node, tree.Word) and _wildcards(node.value) is not None:
        regex = re.compile(_wildcards(node.value.lower()) + r"\Z", re.DOTALL)
        return lambda value: any(regex.match(word) for word in analyse(value))
    index = _PhraseIndex()
    for words in _literal_words(node):
        index.add(words)
    return index.matches


def _literal_words(node: tree.Item) -> List[Tuple[str, ...]]:
    """The word sequences a phrase or an unquoted plain term stands for: a phrase is one sequence, an unquoted term
    one single-word sequence per word (OR'ed)."""
    if isinstance(node, tree.Phrase):
        return [analyse(_unescape(node.value[1:-1]))]
    return [(word,) for word in analyse(_unescape(node.value))]


class _PhraseIndex:
    """Word sequences, any of which in a row in a value is a match; indexed by first word, so that the long OR lists
    of values clients send (hundreds of emails per query) cost one pass over each value's words."""

    def __init__(self) -> None:
        self.by_first: Dict[str, set] = {}

    def add(self, words: Tuple[str, ...]) -> None:
        if words:  # a phrase without words (only punctuation) matches nothing
            self.by_first.setdefault(words[0], set()).add(words)

    def matches(self, value: str) -> bool:
        words = analyse(value)
        for position, word in enumerate(words):
            for sequence in self.by_first.get(word, ()):
                if words[position:position + len(sequence)] == sequence:
                    return True
        return False


def _is_plain(node: tree.Item) -> bool:
    """A phrase, or an unquoted term without wildcards: what an OR list of values can look up at once."""
    return isinstance(node, tree.Phrase) or (isinstance(node, tree.Word) and _wildcards(node.value) is None and node.value != "*")


# ------------------------------------------------------------------ ranges

_DATE_MATH = re.compile(r"now((?:[+-][0-9]+[yMwdhHms])*)(?:/([yMwdhHms]))?\Z")
_DATE_UNITS = {"y": "years", "M": "months", "w": "weeks", "d": "days", "h": "hours", "H": "hours", "m": "minutes", "s": "seconds"}


def _add(moment: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
    if unit in ("y", "M"):  # calendar months: the day is clamped to the target month's length, as Elasticsearch does
        months = moment.month - 1 + amount * (12 if unit == "y" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
    return moment + datetime.timedelta(**{_DATE_UNITS[unit]: amount})


_ROUNDED_FIELDS = ("month", "day", "hour", "minute", "second")
_ROUND_FROM = {"y": 0, "M": 1, "d": 2, "h": 3, "H": 3, "m": 4, "s": 5}


def _round_down(moment: datetime.datetime, unit: str) -> datetime.datetime:
    """``now/d`` and the like: the start of the unit that contains ``moment``."""
    if unit == "w":
        return _round_down(moment - datetime.timedelta(days=moment.weekday()), "d")
    fields = _ROUNDED_FIELDS[_ROUND_FROM[unit]:]
    return moment.replace(microsecond=0, **{name: 1 if name in ("month", "day") else 0 for name in fields})


def _zone(time_zone: Optional[str]) -> datetime.tzinfo:
    if not time_zone:
        return datetime.timezone.utc
    try:
        import zoneinfo  # pylint: disable=import-outside-toplevel  # Python 3.9+
        return zoneinfo.ZoneInfo(time_zone)
    except (ImportError, KeyError, ValueError):
        raise bad_request('Unknown timeZone "%s".' % time_zone) from None


def _parse_date(text: str, zone: datetime.tzinfo) -> datetime.datetime:
    """An ISO date or date-time (a zone-less one is in ``zone``), or date math on ``now``."""
    text = _unescape(text)
    math = _DATE_MATH.match(text)
    if math:
        moment = datetime.datetime.now(datetime.timezone.utc)
        for sign, amount, unit in re.findall(r"([+-])([0-9]+)([yMwdhHms])", math.group(1)):
            moment = _add(moment, int(amount) * (-1 if sign == "-" else 1), unit)
        return _round_down(moment.astimezone(zone), math.group(2)) if math.group(2) else moment
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad_request('Failed to parse date "%s" (expected an ISO-8601 date or date-time, or date math such as now-7d).' % text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _comparable(field: str, text: str, zone: datetime.tzinfo) -> Any:
    """A bound or a field value as a comparable key: a datetime for date fields, a float for numbers, else lower text."""
    if field in DATE_FIELDS:
        return _parse_date(text, zone)
    try:
        return float(text)
    except ValueError:
        return text.lower()


def _range(field: str, low: Optional[str], high: Optional[str], include_low: bool, include_high: bool,
           zone: datetime.tzinfo) -> Callable[[Any], bool]:
    """A test of one field value against the bounds (None: open), which are parsed once."""
    bounds = [(_comparable(field, bound, zone), include, sign)
              for bound, include, sign in ((low, include_low, 1), (high, include_high, -1)) if bound is not None]

    def inside(value: Any) -> bool:
        key = _comparable(field, _text(value), zone)
        for limit, include, sign in bounds:
            if type(limit) is not type(key):  # pylint: disable=unidiomatic-typecheck  # e.g. a number against text
                return False
            if not ((key > limit if sign == 1 else key < limit) or (include and key == limit)):
                return False
        return True
    return inside


# ------------------------------------------------------------------- query

Predicate = Callable[[Dict[str, Any]], bool]


class _Query:
    """A parsed query string, compiled once into a predicate over documents."""

    def __init__(self, text: str, default_fields: Sequence[str], time_zone: Optional[str]) -> None:
        self.text = text
        self.default_fields = list(default_fields)
        self.zone = _zone(time_zone)
        try:
            parsed = luqum_parse(_operator_words(text))
        except ParseError as exc:
            raise bad_request('Invalid query "%s": %s' % (text, exc)) from None
        self.values = _count_values(parsed)
        self.matches: Predicate = self._compile(parsed, None)

    def _unsupported(self, what: str) -> ApiError:
        return bad_request('Invalid query "%s": %s' % (self.text, what))

    def _compile(self, node: tree.Item, field: Optional[str]) -> Predicate:
        if isinstance(node, _OPERATIONS + (tree.Plus, tree.Prohibit, tree.Not)):
            return self._level(node, field)
        if isinstance(node, (tree.Group, tree.FieldGroup, tree.Boost)):  # a boost only changes scores
            return self._compile(node.children[0], field)
        if isinstance(node, tree.SearchField):
            if node.name == "_exists_":
                target = node.children[0]
                if not isinstance(target, (tree.Word, tree.Phrase)):
                    raise self._unsupported("_exists_ needs a field name.")
                name = _strip_exact(_unescape(target.value if isinstance(target, tree.Word) else target.value[1:-1]))[0]
                return lambda doc: bool(_values(doc, name))
            return self._compile(node.children[0], node.name)
        return self._term(node, field)

    def _level(self, node: tree.Item, field: Optional[str]) -> Predicate:
        """One level of operators (up to the next parentheses) as Elasticsearch's query_string reads it: Lucene's
        classic query parser, which has no precedence but reads the operands left to right (its ``addClause``), the
        default operator being OR. An operand after AND is required, and AND makes the one before it required too
        (unless negated); after OR or a space it is optional; ``+`` requires, ``NOT``/``!``/``-`` excludes. Then, as
        a Lucene boolean query: every required operand must match, no excluded one, and when none is required at
        least one optional one (only exclusions: everything else, as Elasticsearch completes a negative query). So
        ``a OR b AND c`` reads as ``a +b +c``: b and c, a optional (README "Search" gives the sources)."""
        clauses: List[List[Any]] = []  # [occur, operand]
        for conjunction, operand in _operands(node):
            if clauses and conjunction == "AND" and clauses[-1][0] != _MUST_NOT:
                clauses[-1][0] = _MUST
            occur = _MUST if conjunction == "AND" else _SHOULD
            if isinstance(operand, (tree.Not, tree.Prohibit)):
                occur, operand = _MUST_NOT, operand.children[0]
            elif isinstance(operand, tree.Plus):
                occur, operand = _MUST, operand.children[0]
            clauses.append([occur, operand])
        must = [self._compile(operand, field) for occur, operand in clauses if occur == _MUST]
        must_not = [self._compile(operand, field) for occur, operand in clauses if occur == _MUST_NOT]
        optional = [operand for occur, operand in clauses if occur == _SHOULD]
        should = self._any(optional, field) if optional and not must else None  # with a required one: scoring only

        def predicate(doc: Dict[str, Any]) -> bool:
            if not all(p(doc) for p in must) or any(p(doc) for p in must_not):
                return False
            return should is None or should(doc)
        return predicate

    def _any(self, clauses: Sequence[tree.Item], field: Optional[str]) -> Predicate:
        """OR. Plain values on one field (``email:("a" OR "b" ...)``, ``id:x OR id:y``) become one lookup per field
        (:class:`_PhraseIndex`, or a set of whole values), so that the long value lists clients send (hundreds of ids
        or emails per query) stay fast."""
        plain: Dict[str, List[tree.Item]] = {}
        others = []
        for clause in clauses:
            name, node = field, clause
            if isinstance(clause, tree.SearchField) and clause.name != "_exists_":
                name, node = clause.name, clause.children[0]
            if name is None or not _is_plain(node):
                others.append(self._compile(clause, field))
                continue
            plain.setdefault(name, []).append(node)
        parts = others + [self._values_of(name, nodes) for name, nodes in plain.items()]
        return lambda doc: any(part(doc) for part in parts)

    def _values_of(self, field: str, nodes: Sequence[tree.Item]) -> Predicate:
        """Any of the plain values ``nodes`` on ``field`` (see :meth:`_any`)."""
        name, exact = _strip_exact(field)
        if _analysed(name, exact):
            index = _PhraseIndex()
            for node in nodes:
                for words in _literal_words(node):
                    index.add(words)
            return lambda doc: any(index.matches(_text(v)) for v in _values(doc, name))
        targets = {_unescape(n.value[1:-1] if isinstance(n, tree.Phrase) else n.value) for n in nodes}
        if not exact:
            targets = {target.lower() for target in targets}
        return lambda doc: any((_text(v) if exact else _text(v).lower()) in targets for v in _values(doc, name))

    def _term(self, node: tree.Item, field: Optional[str]) -> Predicate:
        name, exact = _strip_exact(field) if field else (None, False)
        if name is None:
            fields = self.default_fields

            def values(doc: Dict[str, Any]) -> Iterable[Any]:  # lazy: any() stops at the first match
                return (v for f in fields for v in _values(doc, f)) if fields else _leaves(doc)
        else:
            def values(doc: Dict[str, Any]) -> Iterable[Any]:
                return _values(doc, name)  # type: ignore[arg-type]
        if isinstance(node, tree.Word) and node.value == "*":  # match_all without a field, "has a value" with one
            return (lambda doc: True) if name is None else (lambda doc: bool(_values(doc, name)))  # type: ignore[arg-type]
        if isinstance(node, (tree.Word, tree.Phrase, tree.Regex)):
            try:
                match = _words_term(node) if _analysed(name, exact) else _whole_value(node, exact)
            except re.error as exc:
                raise self._unsupported("bad regular expression %s: %s" % (node.value, exc)) from None
        elif isinstance(node, (tree.Range, tree.From, tree.To)):
            if name is None:
                raise self._unsupported("a range needs a field.")
            inside = _range(name, *_range_bounds(node), zone=self.zone)
            return lambda doc: any(inside(v) for v in values(doc))
        elif isinstance(node, (tree.Fuzzy, tree.Proximity)):
            raise self._unsupported("fuzzy and proximity searches (~) are not supported by the emulator.")
        else:
            raise self._unsupported("%s is not supported by the emulator." % type(node).__name__)
        return lambda doc: any(match(_text(v)) for v in values(doc))


_OPERATIONS = (tree.AndOperation, tree.OrOperation, tree.UnknownOperation)
_MUST, _SHOULD, _MUST_NOT = "must", "should", "must_not"


def _operands(node: tree.Item, conjunction: Optional[str] = None) -> List[Tuple[Optional[str], tree.Item]]:
    """The operands of one level in the order they were written, each with the operator before it (AND, OR, None for
    a space or the first one): luqum nests AND under OR by precedence, Lucene's classic parser does not."""
    if not isinstance(node, _OPERATIONS):
        return [(conjunction, node)]
    word = "AND" if isinstance(node, tree.AndOperation) else "OR" if isinstance(node, tree.OrOperation) else None
    found: List[Tuple[Optional[str], tree.Item]] = []
    for position, child in enumerate(node.children):
        found.extend(_operands(child, conjunction if position == 0 else word))
    return found


def _analysed(name: Optional[str], exact: bool) -> bool:
    """Whether a term on this field matches words (a text field) rather than the whole value: every field but the
    ``.exact`` sub-fields and the dates (see the module docstring)."""
    return not exact and name not in DATE_FIELDS


# ``&&``, ``||`` and ``!`` are the query-string syntax's other spelling of AND, OR and NOT (the Elasticsearch 5.2
# query-string reference the spec cites); luqum knows only the words. Quoted phrases and escaped characters stay.
_OPERATOR_SIGNS = re.compile(r'"(?:[^"\\]|\\.)*"|\\.|&&|\|\||!')
_OPERATOR_WORDS = {"&&": " AND ", "||": " OR ", "!": " NOT "}


def _operator_words(text: str) -> str:
    return _OPERATOR_SIGNS.sub(lambda found: _OPERATOR_WORDS.get(found.group(0), found.group(0)), text)


def _count_values(node: tree.Item) -> int:
    """How many values (terms, phrases, patterns, ranges) a parsed query holds."""
    if isinstance(node, (tree.Word, tree.Phrase, tree.Regex, tree.Range, tree.From, tree.To)):
        return 1
    if isinstance(node, tree.SearchField) and node.name == "_exists_":
        return 1
    return sum(_count_values(child) for child in node.children)


def _strip_exact(field: str) -> Tuple[str, bool]:
    return (field[:-len(".exact")], True) if field.endswith(".exact") else (field, False)


def _bound(node: tree.Item) -> Optional[str]:
    text = node.value[1:-1] if isinstance(node, tree.Phrase) else node.value
    return None if text == "*" else text


def _range_bounds(node: tree.Item) -> Tuple[Optional[str], Optional[str], bool, bool]:
    if isinstance(node, tree.Range):
        return _bound(node.low), _bound(node.high), node.include_low, node.include_high
    if isinstance(node, tree.From):
        return _bound(node.a), None, node.include, False
    return None, _bound(node.a), False, node.include


# ------------------------------------------------------------------ filters

def _filter(field: str, spec: Dict[str, Any], zone: datetime.tzinfo) -> Predicate:
    """One entry of the request's ``filters`` (already type-checked) as a predicate over documents."""
    kind = spec["type"]
    if kind == "EXISTS":
        def hit(values: List[Any]) -> bool:
            return bool(values)
    elif kind == "TERMS":
        terms = {t.lower() for t in spec.get("terms") or []}

        def hit(values: List[Any]) -> bool:
            return any(_text(v).lower() in terms for v in values)
    else:
        bounds = spec.get("range") or {}
        low, high = bounds.get("lower") or {}, bounds.get("upper") or {}
        inside = _range(field, low.get("value"), high.get("value"), bool(low.get("inclusive")), bool(high.get("inclusive")), zone)

        def hit(values: List[Any]) -> bool:
            return any(inside(v) for v in values)
    exclude = bool(spec.get("exclude"))
    return lambda doc: hit(_values(doc, field)) != exclude


# ------------------------------------------------------------ request body

_KINDS = {list: "an array", dict: "an object", str: "a string", bool: "a boolean"}
# Search properties the emulator does not model: present (and not null) they are a 400, never silently ignored.
UNSUPPORTED = ("queryDsl", "textQuery", "typeAheadQuery", "aggregations", "aggregationsDsl")


def _field(obj: Dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    """``obj[key]`` checked against its spec type; None when absent. No property of Search is nullable: null is a 400."""
    if key not in obj:
        return None
    value = obj[key]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise bad_request('Field "%s%s" must be %s.' % (where, key, _KINDS[kind]))
    return value


def _strings(obj: Dict[str, Any], key: str, where: str = "") -> List[str]:
    values = _field(obj, key, list, where) or []
    if not all(isinstance(item, str) for item in values):
        raise bad_request('Field "%s%s" must be an array of strings.' % (where, key))
    return values


def _enum(obj: Dict[str, Any], key: str, allowed: Sequence[str], where: str = "") -> Optional[str]:
    value = _field(obj, key, str, where)
    if value is not None and value not in allowed:
        raise bad_request('Invalid %s%s "%s"; allowed values: %s.' % (where, key, value, ", ".join(allowed)))
    return value


def _check_filter(name: str, spec: Any) -> Dict[str, Any]:
    where = "filters.%s." % name
    if not isinstance(spec, dict):
        raise bad_request('Field "filters.%s" must be an object.' % name)
    kind = _enum(spec, "type", FILTER_TYPES, where)
    _strings(spec, "terms", where)
    _field(spec, "exclude", bool, where)
    bounds = _field(spec, "range", dict, where) or {}
    for side in ("lower", "upper"):
        bound = _field(bounds, side, dict, where + "range.")
        if bound is not None:
            if "value" not in bound:
                raise bad_request('Field "%srange.%s.value" is required.' % (where, side))
            _field(bound, "value", str, "%srange.%s." % (where, side))
            _field(bound, "inclusive", bool, "%srange.%s." % (where, side))
    if kind is None:
        raise bad_request('Field "%stype" is required: one of %s.' % (where, ", ".join(FILTER_TYPES)))
    return spec


class SearchRequest:
    """A validated Search body (spec schema ``Search``), restricted to what the emulator serves."""

    def __init__(self, body: Any) -> None:
        if not isinstance(body, dict):
            raise bad_request("The request body must be a Search object.")
        indices = _strings(body, "indices")
        for index in indices:
            if index not in INDEX_NAMES:
                raise bad_request('Invalid index "%s"; allowed values: %s.' % (index, ", ".join(INDEX_NAMES)))
        query_type = _enum(body, "queryType", QUERY_TYPES) or "SAILPOINT"
        _enum(body, "aggregationType", ("DSL", "SAILPOINT"))
        _field(body, "queryVersion", str)
        _field(body, "aggregationsVersion", str)
        _field(body, "includeNested", bool)
        query = _field(body, "query", dict) or {}
        text = _field(query, "query", str, "query.")
        fields = query.get("fields")
        if isinstance(fields, str):  # declared a string, but the spec's own example sends a list: accept both
            fields = [f.strip() for f in fields.split(",") if f.strip()]
        else:
            fields = _strings(query, "fields", "query.")
        time_zone = _field(query, "timeZone", str, "query.")
        _field(query, "innerHit", dict, "query.")
        self.sort = _strings(body, "sort")
        self.search_after = _strings(body, "searchAfter")
        result_filter = _field(body, "queryResultFilter", dict) or {}
        self.includes = _strings(result_filter, "includes", "queryResultFilter.")
        self.excludes = _strings(result_filter, "excludes", "queryResultFilter.")
        self.filters = {name: _check_filter(name, spec) for name, spec in (_field(body, "filters", dict) or {}).items()}
        # The body is well-typed; now what the emulator does not model, then the rules the documentation states.
        if not indices or "*" in indices:
            # ISC then searches every index and mixes document types; the emulator serves identities only and says so.
            raise bad_request('The emulator serves the identities index only: send "indices": ["identities"] '
                              '(without indices, or with "*", ISC searches every index).')
        if query_type != "SAILPOINT":
            raise bad_request("queryType %s is not supported by the emulator; use SAILPOINT." % query_type)
        for key in UNSUPPORTED:
            if body.get(key) is not None:
                raise bad_request("%s is not supported by the emulator; use a SAILPOINT query string." % key)
        if query.get("innerHit") is not None:
            raise bad_request("query.innerHit is not supported by the emulator.")
        if not text or not text.strip():
            raise bad_request('queryType SAILPOINT requires "query": {"query": "<query string>"}.')
        if self.search_after and not self.sort:
            raise bad_request("searchAfter requires sort: sort by the fields whose values searchAfter lists (always include id).")
        if self.search_after and len(self.search_after) != len(self.sort):
            raise bad_request("searchAfter has %d value(s) but sort has %d field(s); give one value per sort field."
                              % (len(self.search_after), len(self.sort)))
        self.identities = "identities" in indices
        self.query = _Query(text, fields, time_zone)
        self.filter_predicates = [_filter(name, spec, self.query.zone) for name, spec in self.filters.items()]
        values = self.query.values + sum(len(spec.get("terms") or []) for spec in self.filters.values())
        if values > MAX_QUERY_VALUES:
            raise bad_request("The query holds %d values; a search query is limited to about %d (split long lists of ids or values "
                              "over several queries)." % (values, MAX_QUERY_VALUES))
        _sort_fields(self.sort)  # a malformed sort is a 400 even when nothing matches

    def matching(self, tenant: Tenant, delay: float = 0.0) -> List[Dict[str, Any]]:
        """The matching documents, sorted; before paging and result filtering."""
        if not self.identities:
            return []
        docs = [d for d in visible_documents(tenant, delay) if self.query.matches(d) and all(p(d) for p in self.filter_predicates)]
        return _sorted(docs, self.sort)

    def after(self, docs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """The documents that sort strictly after ``searchAfter`` (all of them without it)."""
        if not self.search_after:
            return docs
        return [d for d in docs if _compare_after(d, self.sort, self.search_after) > 0]

    def shape(self, doc: Dict[str, Any]) -> Dict[str, Any]:
        """Apply queryResultFilter (Elasticsearch source filtering: only included fields, minus excluded ones). ``id``
        and ``name`` stay: the spec marks them required on every document (BaseDocument)."""
        if not self.includes and not self.excludes:
            return doc
        return dict(_filter_source(doc, "", self.includes, self.excludes), id=doc["id"], name=doc["name"])


def _filter_source(node: Dict[str, Any], prefix: str, includes: Sequence[str], excludes: Sequence[str]) -> Dict[str, Any]:
    """An included object comes back whole (minus exclusions); an object an include points into is filtered further."""
    result = {}
    for key, value in node.items():
        path = prefix + key
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in excludes):
            continue
        if not includes or any(fnmatch.fnmatchcase(path, pattern) for pattern in includes):
            result[key] = _filter_source(value, path + ".", [], excludes) if isinstance(value, dict) else value
        elif isinstance(value, dict) and any(p.startswith(path + ".") or p.startswith("*") for p in includes):
            child = _filter_source(value, path + ".", includes, excludes)
            if child:
                result[key] = child
    return result


# ------------------------------------------------------------- sort / after

def _sort_fields(sort: Sequence[str]) -> List[Tuple[str, bool]]:
    fields = []
    for entry in sort:
        descending = entry.startswith("-")
        name = entry[1:] if entry[:1] in "+-" else entry
        if not name:
            raise bad_request('Invalid sort "%s".' % entry)
        fields.append((_strip_exact(name)[0], descending))
    return fields


def _sort_key(value: Any) -> Tuple[Any, ...]:
    """Booleans, numbers and text each sort within their kind; text case-insensitively, then by case."""
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    text = _text(value)
    return (2, text.lower(), text)


def _sorted(docs: List[Dict[str, Any]], sort: Sequence[str]) -> List[Dict[str, Any]]:
    """Stable multi-field sort; documents without a value for a field come last in either direction (Elasticsearch)."""
    rows = list(docs)
    for name, descending in reversed(_sort_fields(sort)):
        keyed = [(d, _values(d, name)) for d in rows]
        present = [(_sort_key(values[0]), d) for d, values in keyed if values]
        present.sort(key=lambda pair: pair[0], reverse=descending)
        rows = [d for _key, d in present] + [d for d, values in keyed if not values]
    return rows


def _after_key(value: Any, text: str) -> Tuple[Any, ...]:
    """A searchAfter string as a sort key of the same kind as the document's value."""
    if isinstance(value, bool):
        return (0, int(text.strip().lower() == "true"))
    if isinstance(value, (int, float)):
        try:
            return (1, float(text))
        except ValueError:
            raise bad_request('searchAfter value "%s" is not a number.' % text) from None
    return (2, text.lower(), text)


def _compare_after(doc: Dict[str, Any], sort: Sequence[str], after: Sequence[str]) -> int:
    """>0 when ``doc`` sorts after the searchAfter values, 0 when equal, <0 before."""
    for (name, descending), text in zip(_sort_fields(sort), after):
        values = _values(doc, name)
        if not values:
            return 1  # missing values sort last
        mine, theirs = _sort_key(values[0]), _after_key(values[0], text)
        if mine != theirs:
            return (1 if mine > theirs else -1) * (-1 if descending else 1)
    return 0


# -------------------------------------------------------------- operations

def search(tenant: Tenant, body: Any, offset: int, limit: int, delay: float = 0.0) -> Tuple[int, List[Dict[str, Any]]]:
    """searchPost: (total matching, the page of documents), ``delay`` seconds behind the tenant. Raises ApiError (400)."""
    request = SearchRequest(body)
    if request.search_after and offset:
        raise bad_request("offset cannot be combined with searchAfter; page with searchAfter alone.")
    if offset + limit > MAX_WINDOW:
        raise bad_request("Result window is too large: offset + limit must be less than or equal to %d, got %d. "
                          "Use searchAfter to page past %d results." % (MAX_WINDOW, offset + limit, MAX_WINDOW))
    docs = request.matching(tenant, delay)
    page = request.after(docs)[offset:offset + limit]
    return len(docs), [request.shape(d) for d in page]


def count(tenant: Tenant, body: Any, delay: float = 0.0) -> int:
    """searchCount: the number of matching documents."""
    return len(SearchRequest(body).matching(tenant, delay))
