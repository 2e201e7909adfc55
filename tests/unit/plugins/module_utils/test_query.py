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
    ("@accounts(source.name:webex)", ["@accounts"]),  # SailPoint's nested queries are not supported
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
    assert _query.problems("attributes.department:finance && !isManager:true || attributes.location:london") == []
    assert _query.fields("attributes.department:finance && !isManager:true || attributes.location:london") == [
        "attributes.department", "isManager", "attributes.location"]


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
    assert "pip install luqum" in _query.LUQUM_MISSING
