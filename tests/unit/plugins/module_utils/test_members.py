# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""207 verdicts and member views of plugins/module_utils/_members.py (pure functions, no HTTP).

The membership modes (exact/add/remove) are the planner's: see test_plan.py.
"""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._members import (
    ADD_MEMBERS,
    REMOVE_MEMBERS,
    classify_results,
    describe_failures,
    diff_lines,
    diff_text,
    label,
    membership_diff,
    plural,
)

from ._counted import CountedId


# ------------------------------------------------------------------ classify_results
def test_add_results_done_already_failed():
    items = [
        {"id": "a", "status": 201, "description": "Identity added to Governance Group members list."},
        {"id": "b", "status": 409, "description": "the relationship already exists."},
        {"id": "c", "status": 404, "description": "Identity  not\nfound"},
        {"id": "d", "status": 500},
    ]
    outcome = classify_results(ADD_MEMBERS, items, requested=["a", "b", "c", "d"])
    assert outcome.done == ["a"]
    assert outcome.already == ["b"]
    assert outcome.failed == [
        {"id": "c", "status": 404, "description": "Identity not found"},
        {"id": "d", "status": 500, "description": ""},
    ]
    assert not outcome.ok


def test_remove_results_404_means_already_absent_and_409_is_a_failure():
    items = [{"id": "a", "status": 204}, {"id": "b", "status": 404}, {"id": "c", "status": 409, "description": "x"}]
    outcome = classify_results(REMOVE_MEMBERS, items)
    assert outcome.done == ["a"]
    assert outcome.already == ["b"]
    assert outcome.failed == [{"id": "c", "status": 409, "description": "x"}]


def test_add_201_on_remove_is_not_success():
    # each action has its own success status: a 201 answer to a delete is not a removal
    outcome = classify_results(REMOVE_MEMBERS, [{"id": "a", "status": 201}])
    assert outcome.done == [] and outcome.failed[0]["status"] == 201


def test_string_status_and_missing_items():
    outcome = classify_results(ADD_MEMBERS, [{"id": "a", "status": "201"}, {"id": "b", "status": "weird"}], requested=["a", "b", "c"])
    assert outcome.done == ["a"]
    assert [f["id"] for f in outcome.failed] == ["b", "c"]
    assert outcome.failed[0]["status"] is None
    assert outcome.failed[1] == {"id": "c", "status": None, "description": "ISC's 207 answer has no item for this identity"}


def test_duplicate_items_keep_first_verdict():
    outcome = classify_results(ADD_MEMBERS, [{"id": "a", "status": 201}, {"id": "a", "status": 500}])
    assert outcome.done == ["a"] and outcome.ok


def test_all_done_is_ok():
    outcome = classify_results(REMOVE_MEMBERS, [{"id": i, "status": 204} for i in "abc"], requested="abc")
    assert outcome.ok and outcome.done == ["a", "b", "c"] and outcome.already == []


def test_classify_is_linear_in_the_items():
    # a list scan per requested id would be size * size / 2 = 50,000,000 operations
    size = 10000
    requested = [CountedId("id-%05d" % i) for i in range(size)]
    items = [{"id": CountedId("id-%05d" % i), "status": 201} for i in range(0, size, 2)]  # every other one is missing
    CountedId.operations = 0
    outcome = classify_results(ADD_MEMBERS, items, requested=requested)
    assert CountedId.operations <= 10 * size
    assert len(outcome.done) == size // 2 and len(outcome.failed) == size // 2


def test_classify_rejects_unknown_action():
    with pytest.raises(ValueError):
        classify_results("replace", [])


# ------------------------------------------------------------------ views
ADA = {"type": "IDENTITY", "id": "1", "name": "ada.lovelace", "email": "ada@example.com"}
ALAN = {"id": "2", "name": "Alan.Turing", "emailAddress": "alan@example.com", "alias": "alan"}
GRACE = {"id": "3", "name": "grace.hopper", "email": "grace@example.com"}


def test_label():
    assert label(ADA) == "ada.lovelace (1)"
    assert label({"id": "9"}) == "9"
    assert label({"id": "9", "name": None}) == "9"


def test_diff_lines_sorted_readable():
    assert diff_lines([GRACE, {"id": "x"}, ADA]) == ["ada.lovelace (1)", "grace.hopper (3)", "x"]


def test_diff_text_is_one_line_per_member_and_empty_for_no_members():
    assert diff_text([GRACE, ADA]) == "ada.lovelace (1)\ngrace.hopper (3)\n"
    assert diff_text([]) == ""


def test_membership_diff_names_the_group():
    diff = membership_diff("governance group 'X'", [ADA], [ADA, GRACE])
    assert diff == {"before": "ada.lovelace (1)\n", "after": "ada.lovelace (1)\ngrace.hopper (3)\n",
                    "before_header": "members of governance group 'X'", "after_header": "members of governance group 'X'"}


def test_describe_failures_names_each_failed_identity():
    text = describe_failures(
        [{"id": "1", "status": 404, "description": "Identity not found"}, {"id": "z", "status": None, "description": ""}],
        {"1": ADA})
    assert text == "ada.lovelace (1): HTTP 404 Identity not found; z: no status"


def test_describe_failures_is_bounded():
    failures = [{"id": "id%02d" % i, "status": 500, "description": "boom"} for i in range(13)]
    text = describe_failures(failures, {}, limit=10)
    assert text.count("HTTP 500 boom") == 10 and text.endswith("id09: HTTP 500 boom; and 3 more")


@pytest.mark.parametrize("count, noun, plural_noun, expected", [
    (0, "member", None, "0 members"),
    (1, "member", None, "1 member"),
    (2, "member", None, "2 members"),
    (1, "identity", "identities", "1 identity"),
    (3, "identity", "identities", "3 identities"),
])
def test_plural(count, noun, plural_noun, expected):
    assert plural(count, noun, plural_noun) == expected
