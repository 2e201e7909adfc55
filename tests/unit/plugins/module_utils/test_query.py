# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_query: the checks of a members_query before any request (parsed with luqum), the fields it names, the spread."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _query
from ansible_collections.sailpoint.isc.plugins.module_utils._desired import Entry, Request, validate
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscInputError


@pytest.mark.parametrize("query, split", [
    # ISC's analyzer splits on these, so the value would match any of its words (SailPoint bug PLTDP-5347 for emails)
    ("attributes.email:ada@example.com", ["ada@example.com"]),
    ("attributes.costCenter:US-1234", ["US-1234"]),
    ("attributes.department:R&D OR attributes.location:a/b", ["R&D", "a/b"]),
    ("attributes.email:ada\\@example.com", ["ada@example.com"]),  # escaping keeps the character, the analyzer still splits
    ("email:(ada@example.com OR alan@example.com)", ["ada@example.com", "alan@example.com"]),
    ("attributes.email:Adam.Kennedy@*", ["Adam.Kennedy@*"]),  # a wildcard does not help: no word holds "@" (t/56523: 0 results)
    # an escaped quote does not hide a value from the parser (issue 21): \\"x is a word holding a quote, and the email too
    ('name:\\"x email:ada.lovelace@example.com\\" OR name:"y"', ['"x', 'ada.lovelace@example.com"']),
    # one word each: fine unquoted
    ("attributes.department:Finance", []),
    ("attributes.email:Adam.Kennedy*", []),
    ("email:ada.lovelace", []),
    ("attributes.uid:o'brien", []),
    ("attributes.amount:1,000.5", []),
    # quoted, .exact (a whole value), dates and ranges are not split
    ('attributes.email:"ada@example.com"', []),
    ("attributes.email.exact:ada@example.com", []),
    ("created:2024-01-01 OR created:[now-7d TO now] OR modified:>=2024-01-01", []),
    ("attributes.department:/fin-.*/", []),
    ("*", []),
    ("attributes.department:(Finance OR IAM)", []),  # a field group: each word searched in the field
])
def test_unquoted_values_that_isc_splits_are_found(query, split):
    found = _query.problems(query)
    if not split:
        assert found == []
        return
    assert len(found) == 1 and "(%s)" % ", ".join(split) in found[0]


def test_the_hint_gives_the_quoted_and_the_exact_form():
    problem = _query.problems("attributes.costCenter:US-1234")[0]
    assert 'as in attributes.costCenter:"US-1234" or attributes.costCenter.exact:"US-1234"' in problem


@pytest.mark.parametrize("query", ['attributes.department:("Finance"', "a:b AND", "(x", 'a:"unterminated'])
def test_a_query_that_does_not_parse_is_a_problem(query):
    assert _query.problems(query)[0].startswith("is not a valid search query (")


def test_the_other_spelling_of_the_operators_parses():
    assert _query.problems("(attributes.department:finance && !isManager:true) || attributes.location:london") == []
    assert _query.fields("attributes.department:finance && !isManager:true || attributes.location:london") == [
        "attributes.department", "isManager", "attributes.location"]


@pytest.mark.parametrize("query, terms", [
    # the second word has no field: ISC looks for it in every field (SailPoint's "Building a Search Query")
    ("attributes.department:Corporate Finance", "Finance"),
    ("attributes.location:Austin London", "London"),
    ('Finance', "Finance"),
    ('"Corporate Finance"', '"Corporate Finance"'),
    ("fin*", "fin*"),  # a wildcard without a field too
    ("/fin.*/", "/fin.*/"),
    ("[a TO b]", "[a TO b]"),
    ("attributes.department.exact:\"Finance\" AND NOT Sales", "Sales"),  # under NOT, or in parentheses
    ("attributes.department.exact:\"Finance\" AND (Sales OR IAM)", "Sales, IAM"),
    ('attributes.department.exact:"Finance" AND -"Sales"', '"Sales"'),
    ("attributes.department.exact:\"Finance\" AND !Sales", "Sales"),
    ("attributes.department:Finance and attributes.location:Austin", "and"),  # only AND, OR, NOT are operators
    ("foo~", "foo"),  # fuzzy, without a field
    ("\\@accounts", "\\@accounts"),  # escaped: a plain word, not a nested query
    ("attributes.department:Fin\\ ance", None),  # an escaped space: one value of the field
    ("attributes.department:(Corporate Finance)", None),  # a field group: both words in the field
    ("_exists_:attributes.department", None),
    ("*", None),  # everything: the breadth guard judges it
])
def test_a_term_without_a_field_is_refused(query, terms):
    found = [problem for problem in _query.problems(query) if problem.startswith("has terms without a field name")]
    if terms is None:
        assert found == []
        return
    assert len(found) == 1 and found[0].startswith("has terms without a field name (%s): ISC's search looks for those in "
                                                   "every field" % terms)


def test_the_hint_of_a_term_without_a_field_joins_the_words_of_the_value():
    problem = _query.problems("attributes.location:Austin London Paris OR isManager:true")[0]
    assert 'as in attributes.location:"Austin London Paris" or attributes.location.exact:"Austin London Paris"' in problem
    alone = _query.problems("Finance")[0]
    assert 'put its field before each' in alone and 'attributes.department.exact:"Finance"' in alone


@pytest.mark.parametrize("query", ['@accounts(source.name:"Active Directory")', '@access(name.exact:"Admin")',
                                   'attributes.department:x AND @entitlements(attribute:memberOf)'])
def test_a_nested_query_is_refused_as_not_supported(query):
    found = _query.problems(query)
    assert len(found) == 1, found
    assert found[0].startswith("uses ISC's nested query syntax (@%s), which is not supported here" % query.split("@")[1].split("(")[0])


@pytest.mark.parametrize("query, mixed", [
    ("a:1 OR b:2 AND c:3", "a:1 OR b:2 AND c:3"),
    ("a:1 AND b:2 OR c:3", "a:1 AND b:2 OR c:3"),
    ("a:1 b:2 AND c:3", "a:1 b:2 AND c:3"),  # a space is OR
    ("x:y AND a:(1 OR 2 AND 3)", "1 OR 2 AND 3"),  # inside a field group
    ("(a:1 OR b:2 AND c:3) AND d:4", "a:1 OR b:2 AND c:3"),
    ("a:1 AND NOT b:2 OR c:3", "a:1 AND NOT b:2 OR c:3"),
    ("(a:1 OR b:2) AND c:3", None),
    ("a:1 OR (b:2 AND c:3)", None),
    ("a:1 AND b:2 NOT c:3", None),  # NOT, - and + after a space are not OR
    ("a:1 AND b:2 -c:3 +d:4", None),
    ("a:1 -b:2 OR c:3", None),
])
def test_and_mixed_with_or_without_parentheses_is_refused(query, mixed):
    found = [problem for problem in _query.problems(query) if problem.startswith("mixes AND with OR")]
    if mixed is None:
        assert found == []
        return
    assert len(found) == 1 and "without parentheses (%s): ISC's search" % mixed in found[0]
    assert "add parentheses" in found[0]


@pytest.mark.parametrize("query, clauses", [
    ('attributes.location.exact:"Austin" AND NOT attributes.department.exact:"sales"', ['attributes.department.exact:"sales"']),
    ("a:1 AND -b:2 AND !c:3", ["b:2", "c:3"]),
    ("a:1 AND NOT (b:2 OR c:3)", ["(b:2 OR c:3)"]),
    ("attributes.department:(Finance AND NOT Sales)", ["attributes.department:(Sales)"]),
    ("a:1 AND NOT b:2 AND NOT b:2", ["b:2"]),
    ("a:1 AND NOT (b:2 AND NOT c:3)", ["(b:2 AND NOT c:3)", "c:3"]),
    ("!attributes.department:Sales", ["attributes.department:Sales"]),
    ("a:1 AND -(b:2 OR c:3)", ["(b:2 OR c:3)"]),
    ("a:1 AND NOT NOT b:2", ["NOT b:2", "b:2"]),
    ("attributes.costCenter:US-1234", []),  # a "-" inside a value
    ("a:1 AND b:\\-2", []),  # an escaped "-" negates nothing
    ('a:"x -y" AND b:"NOT z"', []),  # nor a "-" or NOT inside a phrase
    ("a:1 OR b:2", []),
])
def test_the_clauses_a_query_negates(query, clauses):
    assert _query.negated(query) == clauses


@pytest.mark.parametrize("query, fields", [
    ('attributes.department.exact:"Finance" AND NOT attributes.departmnet:x', ["attributes.department", "attributes.departmnet"]),
    ("-attributes.departmnet:Sales", ["attributes.departmnet"]),
    ("attributes.cloudLifecycleState:active AND NOT _exists_:attributes.departmentt",
     ["attributes.cloudLifecycleState", "attributes.departmentt"]),
    ("attributes.department:(Finance OR IAM) AND attributes.department:x", ["attributes.department"]),
    ("*", []),
    ("Finance", []),
    ("manager.name:ada.lovelace", ["manager.name"]),
])
def test_the_fields_a_query_names(query, fields):
    assert _query.fields(query) == fields


def test_the_spread_of_the_matches_over_the_values_of_a_field():
    documents = [{"attributes": {"department": "Finance"}} for _n in range(340)] + \
                [{"attributes": {"department": "Corporate Finance"}} for _n in range(5)] + [{"attributes": {}}, {"isManager": True}]
    spread = _query.spread(documents, ["attributes.department", "isManager"])
    assert spread == {"attributes.department": {"Finance": 340, "Corporate Finance": 5, "(no value)": 2},
                      "isManager": {"(no value)": 346, "true": 1}}
    assert _query.spread_text(spread)[0] == "attributes.department: Finance 340, Corporate Finance 5, (no value) 2"
    many = _query.spread([{"n": str(i % 13)} for i in range(26)], ["n"])["n"]
    assert len(many) == _query.SPREAD_VALUES + 1 and many["(3 other values)"] == 6 and sum(many.values()) == 26


def test_validate_refuses_a_split_value_and_bad_limits_before_any_request():
    entries = [Entry("A", owner="a" * 32, members_query="attributes.email:ada@example.com", where="groups[0]"),
               Entry("B", owner="a" * 32, members_query="x:y", max_added_percent=-1, max_matched_percent=101, where="groups[1]")]
    with pytest.raises(IscInputError) as info:
        validate(Request(entries))
    text = str(info.value)
    assert "groups[0] \"A\": members_query 'attributes.email:ada@example.com' has unquoted values" in text
    assert "max_added_percent must be a whole number from 0 up, got -1" in text
    assert "max_matched_percent must be a whole number from 0 to 100, got 101" in text


def test_without_luqum_a_members_query_names_the_missing_library(monkeypatch):
    monkeypatch.setattr(_query, "HAS_LUQUM", False)
    assert _query.problems("attributes.department:Finance") == [_query.LUQUM_MISSING]
    with pytest.raises(IscInputError) as info:
        validate(Request([Entry("A", owner="a" * 32, members_query="x:y", where="groups[0]")]))
    # the option once, then the library (not "members_query 'x:y' members_query needs ...")
    assert "groups[0] \"A\": members_query 'x:y' needs the Python library luqum" in str(info.value)
    assert str(info.value).count("members_query") == 1 and "pip install luqum" in str(info.value)
