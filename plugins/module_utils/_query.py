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
    _OPERATIONS = (tree.AndOperation, tree.OrOperation, tree.UnknownOperation)
except ImportError:  # reported by problems() in the user's words, not at import
    HAS_LUQUM = False
    _OPERATIONS = ()

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscApiError
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel
from ansible_collections.sailpoint.isc.plugins.module_utils._search import IDENTITY_FIELDS, identity

# Follows the option's name and value in the caller's message (members_query '...', or identity_info's query '...').
LUQUM_MISSING = ("needs the Python library luqum on the host that runs the module, to check the query before any "
                 "request (pip install luqum; it is in the collection's requirements.txt)")

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
    ``negated_nobody``: per query, the clauses it negates that match no identity; ``rejected``: the queries ISC
    rejected."""

    def __init__(self) -> None:
        self.total = 0
        self.matches = {}  # type: Dict[str, List[Dict[str, Any]]]
        self.spread = {}  # type: Dict[str, Spread]
        self.unknown = {}  # type: Dict[str, List[str]]
        self.negated_nobody = {}  # type: Dict[str, List[str]]
        self.rejected = {}  # type: Dict[str, Any]  # query -> the IscApiError (HTTP 400) of it or of one of its counts


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
    parse, uses a nested query, has a term without a field, has an unquoted value ISC's analyzer splits into words
    (it would match any of them), or mixes AND and OR without parentheses."""
    try:
        parsed = parse(query)
    except ValueError as exc:
        return [str(exc)]
    bare = _bare(parsed)
    nested = _distinct(node.value for node in bare if _is_nested(node))
    fieldless = _distinct(str(node).strip() for node in bare
                          if not _is_nested(node) and not (isinstance(node, tree.Word) and node.value == "*"))
    if nested:  # alone: luqum reads @accounts(...) as a word and a group, so the other checks would only confuse
        return ["uses ISC's nested query syntax (%s), which is not supported here: the collection cannot check what "
                "@accounts(...), @access(...) or @entitlements(...) select; select the identities by their own fields "
                "and attributes" % ", ".join(nested)]
    found = []  # type: List[str]
    if fieldless:
        joined = _value_before(parsed)
        if joined:
            hint = "quote a value of several words, or use the field's .exact form to match the whole value, as in %s" \
                % _forms(*joined)
        else:
            hint = "put its field before each, quoting a value of several words or using the field's .exact form for " \
                "a whole value, as in %s" % _forms("attributes.department", "Finance")
        found.append("has terms without a field name (%s): ISC's search looks for those in every field of an identity "
                     "(SailPoint's \"Building a Search Query\": a query without a field searches everywhere, and "
                     "spaces in an unquoted value act as OR), so everyone holding such a word anywhere would be a "
                     "member; %s" % (", ".join(fieldless), hint))
    found.extend(_split_problem(parsed))
    mixed = _distinct(str(chain).strip() for chain in _chains(parsed) if _mixes_and_or(chain))
    if mixed:
        found.append("mixes AND with OR (or with terms separated only by spaces) without parentheses (%s): ISC's "
                     "search (Elasticsearch's query string) does not give AND precedence over OR - in a OR b AND c "
                     "both b and c are required, and a is optional - so add parentheses that say what you mean, as in "
                     "(a OR b) AND c or a OR (b AND c)" % "; ".join(mixed))
    return found


def _distinct(items: Any) -> List[str]:
    result = []  # type: List[str]
    for item in items:
        if item not in result:
            result.append(item)
    return result


def _forms(field: str, value: str) -> str:
    """The quoted and the ``.exact`` form of ``value`` on ``field``, for a hint."""
    quoted = '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    return "%s:%s or %s.exact:%s" % (field, quoted, field, quoted)


def _bare(node: Any) -> List[Any]:
    """The terms under ``node`` that no field applies to (words, phrases, patterns, ranges); everything under a
    ``field:`` (a field group too) is searched in that field, and ``_exists_:`` names a field."""
    if isinstance(node, tree.SearchField):
        return []
    if isinstance(node, (tree.Word, tree.Phrase, tree.Regex, tree.Range, tree.From, tree.To)):
        return [node]
    return [found for child in node.children for found in _bare(child)]


def _is_nested(node: Any) -> bool:
    """``@accounts`` of ``@accounts(...)``: SailPoint's nested queries, which luqum reads as a word before a group."""
    return isinstance(node, tree.Word) and node.value.startswith("@")


def _value_before(parsed: Any) -> Optional[Tuple[str, str]]:
    """``attributes.department:Corporate Finance``: the field and the words meant as its value (the unquoted value and
    the bare words that follow it, separated only by spaces), for the hint; None when there is no such case."""
    for chain in _chains(parsed):
        runs = []  # type: List[List[str]]  # [field, word, word, ...] per unquoted value and the bare words after it
        for conjunction, operand in _operands(chain):
            if isinstance(operand, tree.SearchField) and isinstance(operand.children[0], tree.Word) \
                    and operand.name != "_exists_":
                runs.append([operand.name, _unescape(operand.children[0].value)])
            elif runs and len(runs[-1]) > 1 and conjunction is None and isinstance(operand, tree.Word) \
                    and not _is_nested(operand):
                runs[-1].append(_unescape(operand.value))
            else:
                runs.append([])
        for run in runs:
            if len(run) > 2:
                return run[0], " ".join(run[1:])
    return None


def _split_problem(parsed: Any) -> List[str]:
    split = _terms(parsed, None)
    if not split:
        return []
    return ["has unquoted values that ISC's search splits into words, matching any one of them (%s): every "
            "identity holding any of those words would be a member (an unquoted email matched every identity of its "
            "domain, SailPoint bug PLTDP-5347); quote the value to match its words in a row, or use the field's .exact "
            "form to match the whole value, as in %s"
            % (", ".join(_distinct(value for _field, value in split)), _forms(*split[0]))]


def _terms(node: Any, field: Optional[str]) -> List[Tuple[str, str]]:
    """``(field, value)`` of every unquoted value on a field under ``node`` that the analyzer would split (wildcards
    aside; a value without a field is refused as such)."""
    if isinstance(node, tree.SearchField):
        if node.name == "_exists_":
            return []
        field = node.name
    if isinstance(node, (tree.Range, tree.From, tree.To, tree.Regex, tree.Phrase)):
        return []
    if isinstance(node, tree.Word):
        if field is None or field.endswith(".exact") or field in DATE_FIELDS:
            return []
        value = _unescape(node.value)
        # wildcards are not analysed: what remains must be one word
        words = _unescape(re.sub(r"(?<!\\)[*?]", "", node.value))
        if not words or _ONE_WORD.match(words):
            return []
        return [(field, value)]
    found = []  # type: List[Tuple[str, str]]
    for child in node.children:
        found.extend(_terms(child, field))
    return found


def _chains(parsed: Any) -> List[Any]:
    """The outermost operation of each level of ``parsed``: the whole query, and what each pair of parentheses holds.
    luqum nests AND inside OR by precedence; ISC reads a level left to right (see :func:`_operands`)."""
    found = []  # type: List[Any]

    def visit(node: Any, outermost: bool) -> None:
        if isinstance(node, _OPERATIONS) and outermost:
            found.append(node)
        for child in node.children:
            visit(child, not (isinstance(node, _OPERATIONS) and isinstance(child, _OPERATIONS)))
    visit(parsed, True)
    if not found:
        found.append(parsed)  # a single term: one level without operators
    return found


def _operands(node: Any, conjunction: Optional[str] = None) -> List[Tuple[Optional[str], Any]]:
    """The operands of one level, in order, each with the operator before it (``AND``, ``OR``, None for a space or
    the first one): the order the query was written in, whatever luqum's precedence nested."""
    if not isinstance(node, _OPERATIONS):
        return [(conjunction, node)]
    word = "AND" if isinstance(node, tree.AndOperation) else "OR" if isinstance(node, tree.OrOperation) else None
    found = []  # type: List[Tuple[Optional[str], Any]]
    for position, child in enumerate(node.children):
        found.extend(_operands(child, conjunction if position == 0 else word))
    return found


def _mixes_and_or(chain: Any) -> bool:
    """Whether one level joins operands with AND and with OR (or a bare space, which is OR unless the operand is
    marked +, - or NOT): Elasticsearch's query string then makes the operands around each AND required and the others
    optional, whatever the user meant (elastic/elasticsearch#9414, #30808; LUCENE-3674)."""
    operands = _operands(chain)[1:]
    joined_and = any(conjunction == "AND" for conjunction, _operand in operands)
    marked = (tree.Not, tree.Prohibit, tree.Plus)
    joined_or = any(conjunction == "OR" or (conjunction is None and not isinstance(operand, marked))
                    for conjunction, operand in operands)
    return joined_and and joined_or


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


def negated(query: str) -> List[str]:
    """The distinct clauses ``query`` negates (``NOT``, ``!``, ``-``), each as a query of its own: inside a field group
    (``attributes.department:(Finance AND NOT Sales)``) with its field, ``attributes.department:(Sales)``."""
    found = []  # type: List[str]

    def walk(node: Any, field: Optional[str]) -> None:
        if isinstance(node, tree.SearchField):
            field = node.name
        if isinstance(node, (tree.Not, tree.Prohibit)):
            clause = node.children[0]
            text = str(clause).strip()
            if field is not None and field != "_exists_":
                text = "%s:(%s)" % (field, text)
            if text not in found:
                found.append(text)
        for child in node.children:
            walk(child, field)
    walk(parse(query), None)
    return found


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
    identity, one ``_exists_:`` count per distinct field the queries name that DOCUMENTED_FIELDS lacks, one count per
    distinct clause they negate (a negated typo matches nobody, so the NOT excludes nobody), and each query
    (ceil(N / 10,000) requests for N matches, asking for the fields it names as well, for :func:`spread`).
    The same count text is sent once.

    A request ISC refuses as malformed (HTTP 400) is kept in ``rejected`` (per query: the error of the query, or of a
    count it needs); any other error propagates.
    """
    named = {query: fields(query) for query in queries}
    negations = {query: negated(query) for query in queries}
    counts = ["*"]  # the count queries, each once: the tenant's identities first
    for name in sorted({name for names in named.values() for name in names if name not in DOCUMENTED_FIELDS}):
        counts.append("_exists_:%s" % name)
    for clauses in negations.values():
        counts.extend(clause for clause in clauses if clause not in counts)
    work = [("count", text) for text in counts] + [("query", query) for query in queries]

    def one(item: Tuple[str, str]) -> Any:
        kind, text = item
        try:
            if kind == "count":
                return client.count_identities(text)
            return matches(client, text)
        except IscApiError as exc:
            if exc.status != 400 or text == "*":
                raise
            return exc

    answers = parallel(one, work, client.concurrency)
    counted = dict(zip(counts, answers[:len(counts)]))
    result = Survey()
    result.total = counted["*"]
    for query, answer in zip(queries, answers[len(counts):]):
        needed = ["_exists_:%s" % name for name in named[query]] + negations[query]
        errors = [counted[text] for text in needed if isinstance(counted.get(text), IscApiError)]
        if isinstance(answer, IscApiError) or errors:
            result.rejected[query] = answer if isinstance(answer, IscApiError) else errors[0]
            continue
        result.matches[query], result.spread[query] = answer
        result.unknown[query] = [name for name in named[query] if counted.get("_exists_:%s" % name) == 0]
        result.negated_nobody[query] = [clause for clause in negations[query] if counted[clause] == 0]
    return result
