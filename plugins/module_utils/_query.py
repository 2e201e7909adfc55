# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``members_query`` as ISC matches it: read with a real parser, checked before any request, surveyed once per run.

Private to the collection (``_`` prefix). ISC's search is Elasticsearch (the Search API cites its query-string syntax)
and analyses text into lower-cased words, so a query selects more than it seems to: ``attributes.department:"Finance"``
is a phrase that also matches "Corporate Finance", and an unquoted ``ada@example.com`` is the words ``ada`` OR
``example.com`` - every identity of the domain (SailPoint bug PLTDP-5347, developer forum t/56519). Only the
``.exact`` sub-field compares a whole value (SailPoint's "Building a Search Query" help page). This module:

- :func:`problems`: what is wrong with a query before any request - it does not parse, or an unquoted value holds
  characters the analyzer splits on (the hint gives the quoted and the ``.exact`` form). luqum, a maintained parser
  of this syntax, reads it, so escapes (``\\"``) cannot hide a value from the check.
- :func:`survey`: the run's counts - the tenant's identities (one ``/search/count``), one ``_exists_:`` count per
  distinct field the queries name that the spec does not document (a misspelt field matches nobody, so
  ``NOT attributes.departmnet:x`` would match everyone), and each query's matches with the values of the fields it
  names (:func:`spread`, shown in the plan, no extra request).

luqum is imported only here: a dependency of ``members_query`` and of identity_info's ``query``, not of the rest.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

try:
    from luqum import tree
    from luqum.exceptions import ParseError
    from luqum.thread import parse as _luqum_parse
    HAS_LUQUM = True
except ImportError:  # reported by problems() in the user's words, not at import
    HAS_LUQUM = False

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscApiError
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel
from ansible_collections.sailpoint.isc.plugins.module_utils._search import IDENTITY_FIELDS, identity

LUQUM_MISSING = ("members_query needs the Python library luqum on the host that runs the module, to check the query "
                 "before any request (pip install luqum; it is in the collection's requirements.txt)")

# The fields the spec's IdentityDocument declares (isc-v2024 schemas/search/model/identity/IdentityDocument.yaml): a
# query that names them names no typo, so they cost no existence count. Attributes (attributes.*) are always counted.
DOCUMENTED_FIELDS = frozenset((
    "id", "name", "displayName", "firstName", "lastName", "email", "phone", "employeeNumber", "created", "modified",
    "synced", "inactive", "protected", "status", "disabled", "locked", "processingState", "isManager", "manager",
    "manager.id", "manager.name", "manager.displayName", "identityProfile", "identityProfile.id",
    "identityProfile.name", "source", "source.id", "source.name", "tags", "visibleSegments"))
# Date fields are not analysed (a date holds "-"); an unquoted date is one value.
DATE_FIELDS = frozenset(("created", "modified", "synced"))
# The most values of a field the spread lists; the others are summed up.
SPREAD_VALUES = 10
NO_VALUE = "(no value)"

# ``&&``, ``||`` and ``!`` are the query-string syntax's AND, OR and NOT; luqum reads only the words. Phrases and
# escaped characters are kept as they are.
_SIGNS = re.compile(r'"(?:[^"\\]|\\.)*"|\\.|&&|\|\||!')
_WORDS = {"&&": " AND ", "||": " OR ", "!": " NOT "}
# One word of Elasticsearch's standard analyzer (Unicode UAX #29): letters, digits and "_", with a "." or "'" (":"
# too) between letters, or "." "," between digits, inside it. Anything else splits a value into several words.
_ONE_WORD = re.compile(r"\w+(?:(?:(?<=[^\W\d])[.'\u2019:](?=[^\W\d])|(?<=\d)[.,;'\u2019](?=\d))\w+)*\Z")


Spread = Dict[str, Dict[str, int]]  # field -> value -> how many matches hold it


class Survey:
    """What a run learned about its queries: ``total`` identities in the tenant; per query its ``matches``
    (``_search.identity`` records) and ``spread``; ``unknown``: per query, the fields it names that no identity has;
    ``rejected``: the queries ISC rejected."""

    def __init__(self) -> None:
        self.total = 0
        self.matches = {}  # type: Dict[str, List[Dict[str, Any]]]
        self.spread = {}  # type: Dict[str, Spread]
        self.unknown = {}  # type: Dict[str, List[str]]
        self.rejected = {}  # type: Dict[str, Any]  # query -> the IscApiError (HTTP 400) of it or of a field count


def parse(query: str) -> Any:
    """The luqum tree of ``query``; raises ValueError with a readable reason."""
    if not HAS_LUQUM:
        raise ValueError(LUQUM_MISSING)
    try:
        return _luqum_parse(_SIGNS.sub(lambda found: _WORDS.get(found.group(0), found.group(0)), query))
    except (ParseError, TypeError, ValueError) as exc:
        raise ValueError("is not a valid search query (%s)" % exc)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def problems(query: str) -> List[str]:
    """Why ``query`` may not be sent (nothing when it may), each to follow ``members_query '<query>'``: it does not
    parse, or an unquoted value holds characters ISC's analyzer splits on, so that it would match any of its words."""
    try:
        parsed = parse(query)
    except ValueError as exc:
        return [str(exc)]
    split = _terms(parsed, None)
    if not split:
        return []
    values = []  # type: List[str]
    for _field, value in split:
        if value not in values:
            values.append(value)
    field, value = split[0]
    quoted = '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    example = "%s:%s or %s.exact:%s" % (field, quoted, field, quoted) if field else quoted
    return ["has unquoted values that ISC's search splits into words, matching any one of them (%s): every "
            "identity holding any of those words would be a member (an unquoted email matched every identity of its "
            "domain, SailPoint bug PLTDP-5347); quote the value to match its words in a row, or use the field's .exact "
            "form to match the whole value, as in %s" % (", ".join(values), example)]


def _terms(node: Any, field: Optional[str]) -> List[Tuple[Optional[str], str]]:
    """``(field, value)`` of every unquoted value under ``node`` that the analyzer would split (wildcards aside)."""
    if isinstance(node, tree.SearchField):
        if node.name == "_exists_":
            return []
        field = node.name
    if isinstance(node, (tree.Range, tree.From, tree.To, tree.Regex, tree.Phrase)):
        return []
    if isinstance(node, tree.Word):
        exact = field is not None and field.endswith(".exact")
        value = _unescape(node.value)
        # wildcards are not analysed: what remains must be one word
        words = _unescape(re.sub(r"(?<!\\)[*?]", "", node.value))
        if exact or field in DATE_FIELDS or not words or _ONE_WORD.match(words):
            return []
        return [(field, value)]
    found = []  # type: List[Tuple[Optional[str], str]]
    for child in node.children:
        found.extend(_terms(child, field))
    return found


def fields(query: str) -> List[str]:
    """The distinct fields ``query`` names (``_exists_`` targets included, ``.exact`` removed), in order."""
    named = []  # type: List[str]

    def walk(node: Any) -> None:
        if isinstance(node, tree.SearchField):
            if node.name == "_exists_":
                target = node.children[0]
                name = target.value[1:-1] if isinstance(target, tree.Phrase) else getattr(target, "value", "")
            else:
                name = node.name
            name = _unescape(name)
            name = name[:-len(".exact")] if name.endswith(".exact") else name
            if name and name not in named:
                named.append(name)
        for child in node.children:
            walk(child)
    walk(parse(query))
    return named


def spread(documents: Sequence[Dict[str, Any]], names: Sequence[str]) -> Spread:
    """For each field of ``names``, how many of ``documents`` hold each value (most frequent first, at most
    SPREAD_VALUES, the rest summed as ``(N other values)``; documents without one count as NO_VALUE)."""
    result = {}  # type: Spread
    for name in names:
        counts = {}  # type: Dict[str, int]
        for document in documents:
            values = _values(document, name) or [NO_VALUE]
            for value in set(values):
                counts[value] = counts.get(value, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].lower(), item[0]))
        shown = dict(ranked[:SPREAD_VALUES])
        if len(ranked) > SPREAD_VALUES:
            others = ranked[SPREAD_VALUES:]
            shown["(%d other values)" % len(others)] = sum(count for _value, count in others)
        result[name] = shown
    return result


def _values(document: Dict[str, Any], path: str) -> List[str]:
    """The values at a dotted path of a search document, as text (lists flattened; booleans lower case)."""
    current = [document]  # type: List[Any]
    for part in path.split("."):
        following = []  # type: List[Any]
        for node in current:
            if isinstance(node, dict) and node.get(part) is not None:
                value = node[part]
                following.extend(value if isinstance(value, list) else [value])
        current = following
    return [("true" if value else "false") if isinstance(value, bool) else str(value)
            for value in current if value != ""]


def spread_text(field_counts: Spread) -> List[str]:
    """``attributes.department: Finance 340, Corporate Finance 5`` per field."""
    return ["%s: %s" % (name, ", ".join("%s %d" % (value, count) for value, count in counts.items()))
            for name, counts in field_counts.items()]


def matches(client: Any, query: str, attributes: Sequence[str] = ()) -> Tuple[List[Dict[str, Any]], Spread]:
    """Every identity ``query`` matches (``_search.identity`` records, with ``attributes`` when asked), sorted by id,
    and their :func:`spread` over the fields it names: ceil(N / 10,000) search requests, the named fields asked too."""
    names = fields(query)
    wanted = list(IDENTITY_FIELDS) + ["attributes.%s" % name for name in attributes] + names
    documents = [document for document in client.search_identities(query, wanted) if isinstance(document, dict)]
    return [identity(document, attributes) for document in documents], spread(documents, names)


def survey(client: Any, queries: Sequence[str]) -> Survey:
    """Run ``queries`` and the counts that check them, all at once (the client's ``parallel``): one count of every
    identity, one ``_exists_:`` count per distinct field the queries name that DOCUMENTED_FIELDS lacks, and each query
    (ceil(N / 10,000) requests for N matches, asking for the fields it names as well, for :func:`spread`).

    A request ISC refuses as malformed (HTTP 400) is kept in ``rejected`` (per query: the error of the query, or of the
    count of a field it names); any other error propagates.
    """
    named = {query: fields(query) for query in queries}
    counted = sorted({name for names in named.values() for name in names if name not in DOCUMENTED_FIELDS})
    work = [("total", "*")] + [("field", name) for name in counted] + [("query", query) for query in queries]

    def one(item: Tuple[str, str]) -> Any:
        kind, text = item
        try:
            if kind == "total":
                return client.count_identities("*")
            if kind == "field":
                return client.count_identities("_exists_:%s" % text)
            return matches(client, text)
        except IscApiError as exc:
            if exc.status != 400 or kind == "total":
                raise
            return exc

    answers = parallel(one, work, client.concurrency)
    result = Survey()
    result.total = answers[0]
    counts = dict(zip(counted, answers[1:1 + len(counted)]))
    for query, answer in zip(queries, answers[1 + len(counted):]):
        errors = [counts[name] for name in named[query] if isinstance(counts.get(name), IscApiError)]
        if isinstance(answer, IscApiError) or errors:
            result.rejected[query] = answer if isinstance(answer, IscApiError) else errors[0]
            continue
        result.matches[query], result.spread[query] = answer
        result.unknown[query] = [name for name in named[query] if counts.get(name) == 0]
    return result
