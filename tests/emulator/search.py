"""The Search API for the ``identities`` index: ``POST /search`` and ``POST /search/count`` (FACTS.md section 12).

Queries use SailPoint's query-string syntax (Elasticsearch 5.2 ``query_string``), parsed with luqum, a maintained
Lucene-syntax parser; this module only evaluates the parsed tree against identity documents built from the tenant.

Matching rules (README "Search" says where they differ from ISC):

* ``field:term`` matches when a value of ``field`` equals the term as a whole, case-insensitively; ``field.exact``
  compares case-sensitively. ``?`` and ``*`` in an unquoted term are wildcards; a quoted phrase is literal.
* Terms separated by spaces, without an operator, are OR'ed (``+term`` must, ``-term`` must not match).
  ``NOT`` binds tighter than ``AND``, ``AND`` tighter than ``OR``; parentheses group; ``field:(a OR b)``.
* Ranges ``[a TO b]``, ``{a TO b}``, ``field:>=a``; dates (``created``, ``modified``, ``synced``) understand ``now``,
  ``now-7d`` and ``/d`` rounding, numbers compare as numbers, everything else as case-insensitive text.
* ``_exists_:field`` matches a non-null, non-empty value. A term without a field matches any value of the document.
"""
from __future__ import annotations

import datetime
import fnmatch
import re
import threading
import weakref
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from luqum import tree
from luqum.exceptions import ParseError
from luqum.thread import parse as luqum_parse

from .state import ApiError, Tenant

INDEX_NAMES = ("accessprofiles", "accountactivities", "entitlements", "events", "identities", "roles", "*")
QUERY_TYPES = ("DSL", "SAILPOINT", "TEXT", "TYPEAHEAD")
FILTER_TYPES = ("EXISTS", "RANGE", "TERMS")
MAX_WINDOW = 10000  # Elasticsearch's index.max_result_window: offset + limit may not exceed it (FACTS.md section 12)
DEFAULT_LIMIT = 250
DATE_FIELDS = ("created", "modified", "synced")
# The search service's 400 detail code as SailPoint's reply quotes it (FACTS.md section 12, forum t/614).
SEARCH_400 = "400.1 Bad request content"
_MISSING = object()


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


def _document(ident: Dict[str, Any], by_id: Dict[str, Dict[str, Any]], is_manager: bool) -> Dict[str, Any]:
    manager = by_id.get(ident.get("manager") or "")
    doc: Dict[str, Any] = {
        "id": ident["id"],
        "name": ident["name"],  # the display name, as in the spec's example ("Laura Peeters"); attributes.uid = account name
        "displayName": ident.get("displayName") or ident["name"],
        "created": ident["created"],
        "modified": ident["modified"],
        "synced": ident["modified"],
        "inactive": bool(ident.get("inactive")),
        "protected": bool(ident.get("protected")),
        "status": "INACTIVE" if ident.get("inactive") else "ACTIVE",
        "processingState": ident.get("processingState"),
        "isManager": is_manager,
        "manager": {"id": manager["id"], "name": manager["name"], "displayName": manager.get("displayName") or manager["name"]}
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


def identity_attributes(ident: Dict[str, Any]) -> Dict[str, Any]:
    """The identity's attribute map: the core attributes ISC keeps for every identity, then the seeded ones."""
    attributes = {
        "uid": ident.get("alias"),
        "firstname": ident.get("firstName"),
        "lastname": ident.get("lastName"),
        "displayName": ident.get("displayName") or ident["name"],
        "email": ident.get("email"),
        "cloudStatus": ident.get("cloudStatus"),
        "identityState": "INACTIVE_SHORT_TERM" if ident.get("inactive") else "ACTIVE",
    }
    attributes.update(ident.get("attributes") or {})
    return {key: value for key, value in attributes.items() if value is not None}


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


# ------------------------------------------------------------------- terms

def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _word_matcher(word: str, exact: bool) -> Callable[[str], bool]:
    """An unquoted term: ``*`` and ``?`` are wildcards unless escaped; the whole value must match."""
    flags = 0 if exact else re.IGNORECASE
    if not re.search(r"(?<!\\)[*?]", word):
        target = _unescape(word)
        return (lambda v: v == target) if exact else (lambda v: v.lower() == target.lower())
    pattern, i = "", 0
    while i < len(word):
        char = word[i]
        if char == "\\" and i + 1 < len(word):
            pattern += re.escape(word[i + 1])
            i += 2
            continue
        pattern += ".*" if char == "*" else "." if char == "?" else re.escape(char)
        i += 1
    regex = re.compile(pattern + r"\Z", flags | re.DOTALL)
    return lambda v: regex.match(v) is not None


def _phrase_text(phrase: str) -> str:
    return _unescape(phrase[1:-1])


# ------------------------------------------------------------------ ranges

_DATE_MATH = re.compile(r"now((?:[+-][0-9]+[yMwdhHms])*)(?:/([yMwdhHms]))?\Z")
_DATE_UNITS = {"y": "years", "M": "months", "w": "weeks", "d": "days", "h": "hours", "H": "hours", "m": "minutes", "s": "seconds"}


def _add(moment: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
    if unit in ("y", "M"):
        months = moment.month - 1 + amount * (12 if unit == "y" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
        return moment.replace(year=year, month=month, day=day)
    return moment + datetime.timedelta(**{_DATE_UNITS[unit]: amount})


def _round_down(moment: datetime.datetime, unit: str) -> datetime.datetime:
    fields = ("y", "M", "d", "h", "m", "s")
    if unit == "w":
        return (moment - datetime.timedelta(days=moment.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    unit = "h" if unit == "H" else unit
    keep = fields.index(unit)
    reset = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    names = ("month", "day", "hour", "minute", "second")
    return moment.replace(microsecond=0, **{name: reset[name] for name in names[keep:]})


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


def _in_range(field: str, value: Any, low: Optional[str], high: Optional[str], include_low: bool, include_high: bool,
              zone: datetime.tzinfo) -> bool:
    key = _comparable(field, _text(value), zone)
    for bound, include, sign in ((low, include_low, 1), (high, include_high, -1)):
        if bound is None:
            continue
        limit = _comparable(field, bound, zone)
        if type(limit) is not type(key):  # pylint: disable=unidiomatic-typecheck  # e.g. a number against text: no match
            return False
        if (key > limit if sign == 1 else key < limit) or (include and key == limit):
            continue
        return False
    return True


# ------------------------------------------------------------------- query

Predicate = Callable[[Dict[str, Any]], bool]


class _Query:
    """A parsed query string, compiled once into a predicate over documents."""

    def __init__(self, text: str, default_fields: Sequence[str], time_zone: Optional[str]) -> None:
        self.text = text
        self.default_fields = list(default_fields)
        self.zone = _zone(time_zone)
        try:
            parsed = luqum_parse(text)
        except ParseError as exc:
            raise bad_request('Invalid query "%s": %s' % (text, exc)) from None
        self.matches: Predicate = self._compile(parsed, None)

    def _unsupported(self, what: str) -> ApiError:
        return bad_request('Invalid query "%s": %s' % (self.text, what))

    def _compile(self, node: tree.Item, field: Optional[str]) -> Predicate:
        values_of = _phrases_of_one_field(node, field)
        if values_of is not None:  # field:"a" OR field:"b" OR ...: one set lookup per document, not one test per phrase
            name, wanted = values_of
            return lambda doc: any(_text(v).lower() in wanted for v in _values(doc, name))
        if isinstance(node, (tree.AndOperation, tree.OrOperation)):
            parts = [self._compile(child, field) for child in node.children]
            combine = all if isinstance(node, tree.AndOperation) else any
            return lambda doc: combine(part(doc) for part in parts)
        if isinstance(node, tree.UnknownOperation):  # implicit operator: OR, with +must and -must_not clauses
            return self._boolean(node.children, field)
        if isinstance(node, (tree.Plus, tree.Prohibit)):
            return self._boolean([node], field)
        if isinstance(node, tree.Not):
            inner = self._compile(node.children[0], field)
            return lambda doc: not inner(doc)
        if isinstance(node, (tree.Group, tree.FieldGroup, tree.Boost)):  # a boost only changes scores
            return self._compile(node.children[0], field)
        if isinstance(node, tree.SearchField):
            if node.name.startswith("!"):
                raise self._unsupported("write NOT instead of ! (the emulator supports only the word).")
            if node.name == "_exists_":
                target = node.children[0]
                if not isinstance(target, (tree.Word, tree.Phrase)):
                    raise self._unsupported("_exists_ needs a field name.")
                name = _strip_exact(_unescape(target.value if isinstance(target, tree.Word) else target.value[1:-1]))[0]
                return lambda doc: bool(_values(doc, name))
            return self._compile(node.children[0], node.name)
        return self._term(node, field)

    def _boolean(self, clauses: Sequence[tree.Item], field: Optional[str]) -> Predicate:
        must = [self._compile(c.children[0], field) for c in clauses if isinstance(c, tree.Plus)]
        must_not = [self._compile(c.children[0], field) for c in clauses if isinstance(c, tree.Prohibit)]
        should = [self._compile(c, field) for c in clauses if not isinstance(c, (tree.Plus, tree.Prohibit))]

        def predicate(doc: Dict[str, Any]) -> bool:
            if not all(p(doc) for p in must) or any(p(doc) for p in must_not):
                return False
            return bool(must) or not should or any(p(doc) for p in should)
        return predicate

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
        if isinstance(node, tree.Word):
            if node.value in ("&&", "||", "!"):
                raise self._unsupported("write AND, OR and NOT instead of &&, || and ! (the emulator supports only the words).")
            match = _word_matcher(node.value, exact)
        elif isinstance(node, tree.Phrase):
            target = _phrase_text(node.value)
            match = (lambda t: t == target) if exact else (lambda t, low=target.lower(): t.lower() == low)
        elif isinstance(node, tree.Regex):
            regex = re.compile(node.value[1:-1] + r"\Z", 0 if exact else re.IGNORECASE)
            match = lambda t: regex.match(t) is not None  # noqa: E731
        elif isinstance(node, (tree.Range, tree.From, tree.To)):
            if name is None:
                raise self._unsupported("a range needs a field.")
            low, high, include_low, include_high = _range_bounds(node)
            zone = self.zone
            return lambda doc: any(_in_range(name, v, low, high, include_low, include_high, zone) for v in values(doc))  # type: ignore[arg-type]
        elif isinstance(node, (tree.Fuzzy, tree.Proximity)):
            raise self._unsupported("fuzzy and proximity searches (~) are not supported by the emulator.")
        else:
            raise self._unsupported("%s is not supported by the emulator." % type(node).__name__)
        return lambda doc: any(match(_text(v)) for v in values(doc))


def _phrases_of_one_field(node: tree.Item, field: Optional[str]) -> Optional[Tuple[str, set]]:
    """``(field, lowercased phrases)`` when ``node`` is an OR of quoted phrases of one field (not ``.exact``), else None.

    Long lists of values (a client resolving hundreds of emails in one query) would otherwise cost one predicate
    call per phrase and document; the match is the same: a whole value equal to a phrase, case-insensitively."""
    if not isinstance(node, tree.OrOperation):
        return None
    name = None
    wanted = set()
    for child in node.children:
        child_field = field
        if isinstance(child, tree.SearchField):
            child_field, child = child.name, child.children[0]
        if not isinstance(child, tree.Phrase) or not child_field or child_field.endswith(".exact") or child_field == "_exists_":
            return None
        if name not in (None, child_field):
            return None
        name = child_field
        wanted.add(_phrase_text(child.value).lower())
    return (name, wanted) if name else None


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

def _filter_matches(field: str, spec: Dict[str, Any], doc: Dict[str, Any], zone: datetime.tzinfo) -> bool:
    values = _values(doc, field)
    kind = spec.get("type")
    if kind == "EXISTS":
        hit = bool(values)
    elif kind == "TERMS":
        terms = {t.lower() for t in spec.get("terms") or []}
        hit = any(_text(v).lower() in terms for v in values)
    else:
        bounds = spec.get("range") or {}
        low, high = bounds.get("lower") or {}, bounds.get("upper") or {}
        hit = any(_in_range(field, v, low.get("value"), high.get("value"), bool(low.get("inclusive")), bool(high.get("inclusive")), zone)
                  for v in values)
    return hit != bool(spec.get("exclude"))


# ------------------------------------------------------------ request body

def _expect(value: Any, kind: type, name: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = {list: "an array", dict: "an object", str: "a string", bool: "a boolean"}[kind]
        raise bad_request('Field "%s" must be %s.' % (name, expected))
    return value


def _strings(value: Any, name: str) -> List[str]:
    for item in _expect(value, list, name):
        _expect(item, str, name + "[]")
    return value


class SearchRequest:
    """A validated Search body (spec schema ``Search``), restricted to what the emulator serves."""

    def __init__(self, body: Any) -> None:
        _expect(body, dict, "body")
        indices = _strings(body["indices"], "indices") if body.get("indices") is not None else None
        for index in indices or []:
            if index not in INDEX_NAMES:
                raise bad_request('Invalid index "%s"; allowed values: %s.' % (index, ", ".join(INDEX_NAMES)))
        if not indices or "*" in indices:
            # ISC then searches every index and mixes document types; the emulator serves identities only and says so.
            raise bad_request('The emulator serves the identities index only: send "indices": ["identities"] '
                              '(without indices, or with "*", ISC searches every index).')
        self.identities = "identities" in indices
        query_type = body.get("queryType") if body.get("queryType") is not None else "SAILPOINT"
        if query_type not in QUERY_TYPES:
            raise bad_request('Invalid queryType "%s"; allowed values: %s.' % (query_type, ", ".join(QUERY_TYPES)))
        if query_type != "SAILPOINT":
            raise bad_request('queryType %s is not supported by the emulator; use SAILPOINT.' % query_type)
        query = _expect(body.get("query"), dict, "query") if body.get("query") is not None else {}
        text = query.get("query")
        if not isinstance(text, str) or not text.strip():
            raise bad_request('queryType SAILPOINT requires "query": {"query": "<query string>"}.')
        fields = query.get("fields")
        if isinstance(fields, str):  # declared a string, but the spec's own example sends a list: accept both
            fields = [f.strip() for f in fields.split(",") if f.strip()]
        fields = _strings(fields, "query.fields") if fields is not None else []
        time_zone = _expect(query["timeZone"], str, "query.timeZone") if query.get("timeZone") is not None else None
        self.query = _Query(text, fields, time_zone)
        self.sort = _strings(body["sort"], "sort") if body.get("sort") is not None else []
        self.search_after = _strings(body["searchAfter"], "searchAfter") if body.get("searchAfter") is not None else []
        if self.search_after and not self.sort:
            raise bad_request("searchAfter requires sort: sort by the fields whose values searchAfter lists (always include id).")
        if self.search_after and len(self.search_after) != len(self.sort):
            raise bad_request("searchAfter has %d value(s) but sort has %d field(s); give one value per sort field."
                              % (len(self.search_after), len(self.sort)))
        result_filter = _expect(body["queryResultFilter"], dict, "queryResultFilter") if body.get("queryResultFilter") is not None else {}
        self.includes = _strings(result_filter["includes"], "queryResultFilter.includes") if result_filter.get("includes") is not None else []
        self.excludes = _strings(result_filter["excludes"], "queryResultFilter.excludes") if result_filter.get("excludes") is not None else []
        filters = _expect(body["filters"], dict, "filters") if body.get("filters") is not None else {}
        for field, spec in filters.items():
            _expect(spec, dict, "filters.%s" % field)
            if spec.get("type") not in FILTER_TYPES:
                raise bad_request('filters.%s.type must be one of %s.' % (field, ", ".join(FILTER_TYPES)))
            if spec.get("type") == "TERMS":
                _strings(spec.get("terms") or [], "filters.%s.terms" % field)
        self.filters = filters
        if body.get("includeNested") is not None:
            _expect(body["includeNested"], bool, "includeNested")

    def matching(self, tenant: Tenant) -> List[Dict[str, Any]]:
        """The matching documents, sorted; before paging and result filtering."""
        if not self.identities:
            return []
        zone = self.query.zone
        docs = [d for d in identity_documents(tenant)
                if self.query.matches(d) and all(_filter_matches(f, s, d, zone) for f, s in self.filters.items())]
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

def search(tenant: Tenant, body: Any, offset: int, limit: int) -> Tuple[int, List[Dict[str, Any]]]:
    """searchPost: (total matching, the page of documents). Raises ApiError (400)."""
    request = SearchRequest(body)
    if request.search_after and offset:
        raise bad_request("offset cannot be combined with searchAfter; page with searchAfter alone.")
    if offset + limit > MAX_WINDOW:
        raise bad_request("Result window is too large: offset + limit must be less than or equal to %d, got %d. "
                          "Use searchAfter to page past %d results." % (MAX_WINDOW, offset + limit, MAX_WINDOW))
    docs = request.matching(tenant)
    page = request.after(docs)[offset:offset + limit]
    return len(docs), [request.shape(d) for d in page]


def count(tenant: Tenant, body: Any) -> int:
    """searchCount: the number of matching documents."""
    return len(SearchRequest(body).matching(tenant))
