# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Membership plan, 207 verdicts and reported views (pure functions, no HTTP)."""

from __future__ import annotations

import time

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._members import (
    ADD,
    REMOVE,
    MembershipError,
    classify_results,
    describe_failures,
    diff_lines,
    diff_text,
    member_label,
    member_view,
    membership_after,
    membership_diff,
    plan_membership,
    plural,
    views,
)


# ------------------------------------------------------------------ plan_membership
@pytest.mark.parametrize("state, exclusive, current, desired, to_add, to_remove", [
    # additive: only the missing ones, never a removal
    ("present", False, {"a", "b"}, {"b", "c"}, {"c"}, set()),
    ("present", False, {"a", "b"}, {"a", "b"}, set(), set()),
    ("present", False, set(), {"a"}, {"a"}, set()),
    ("present", False, {"a", "b"}, set(), set(), set()),
    # exclusive: exactly the list
    ("present", True, {"a", "b"}, {"b", "c"}, {"c"}, {"a"}),
    ("present", True, {"a", "b"}, {"b", "a"}, set(), set()),
    ("present", True, {"a", "b"}, set(), set(), {"a", "b"}),
    ("present", True, set(), set(), set(), set()),
    # absent: only the listed ones that are members
    ("absent", False, {"a", "b"}, {"b", "c"}, set(), {"b"}),
    ("absent", False, {"a"}, {"c"}, set(), set()),
    ("absent", False, {"a"}, set(), set(), set()),
])
def test_plan(state, exclusive, current, desired, to_add, to_remove):
    assert plan_membership(current, desired, state, exclusive) == (to_add, to_remove)


def test_plan_ignores_order_and_duplicates():
    # the "eternal drift" of ordered comparisons: a reordered, duplicated list is the same membership
    assert plan_membership(["c", "b", "a"], ["a", "a", "b", "c", "c"], "present", True) == (set(), set())


def test_plan_does_not_mutate_inputs():
    current, desired = {"a", "b"}, {"b", "c"}
    plan_membership(current, desired, "present", True)
    assert current == {"a", "b"} and desired == {"b", "c"}


def test_plan_rejects_exclusive_absent():
    with pytest.raises(MembershipError, match="exclusive"):
        plan_membership({"a"}, {"a"}, "absent", True)


def test_plan_rejects_unknown_state():
    with pytest.raises(MembershipError, match="state"):
        plan_membership({"a"}, {"a"}, "exact", False)


def test_plan_is_linear_for_large_groups():
    # 200,000 current and desired ids with half overlapping: a quadratic plan would take minutes
    current = ["id-%06d" % i for i in range(200000)]
    desired = ["id-%06d" % i for i in range(100000, 300000)]
    started = time.perf_counter()
    to_add, to_remove = plan_membership(current, desired, "present", True)
    elapsed = time.perf_counter() - started
    assert len(to_add) == 100000 and len(to_remove) == 100000
    assert "id-299999" in to_add and "id-000000" in to_remove and "id-150000" not in to_add | to_remove
    assert elapsed < 2.0


# ------------------------------------------------------------------ classify_results
def test_add_results_done_already_failed():
    items = [
        {"id": "a", "status": 201, "description": "Identity added to Governance Group members list."},
        {"id": "b", "status": 409, "description": "the relationship already exists."},
        {"id": "c", "status": 404, "description": "Identity  not\nfound"},
        {"id": "d", "status": 500},
    ]
    outcome = classify_results(ADD, items, requested=["a", "b", "c", "d"])
    assert outcome.done == ["a"]
    assert outcome.already == ["b"]
    assert outcome.failed == [
        {"id": "c", "status": 404, "description": "Identity not found"},
        {"id": "d", "status": 500, "description": ""},
    ]
    assert not outcome.ok


def test_remove_results_404_means_already_absent_and_409_is_a_failure():
    items = [{"id": "a", "status": 204}, {"id": "b", "status": 404}, {"id": "c", "status": 409, "description": "x"}]
    outcome = classify_results(REMOVE, items)
    assert outcome.done == ["a"]
    assert outcome.already == ["b"]
    assert outcome.failed == [{"id": "c", "status": 409, "description": "x"}]


def test_add_201_on_remove_is_not_success():
    # each action has its own success status: a 201 answer to a delete is not a removal
    outcome = classify_results(REMOVE, [{"id": "a", "status": 201}])
    assert outcome.done == [] and outcome.failed[0]["status"] == 201


def test_string_status_and_missing_items():
    outcome = classify_results(ADD, [{"id": "a", "status": "201"}, {"id": "b", "status": "weird"}], requested=["a", "b", "c"])
    assert outcome.done == ["a"]
    assert [f["id"] for f in outcome.failed] == ["b", "c"]
    assert outcome.failed[0]["status"] is None
    assert outcome.failed[1] == {"id": "c", "status": None, "description": "ISC's 207 answer has no item for this identity"}


def test_duplicate_items_keep_first_verdict():
    outcome = classify_results(ADD, [{"id": "a", "status": 201}, {"id": "a", "status": 500}])
    assert outcome.done == ["a"] and outcome.ok


def test_all_done_is_ok():
    outcome = classify_results(REMOVE, [{"id": i, "status": 204} for i in "abc"], requested="abc")
    assert outcome.ok and outcome.done == ["a", "b", "c"] and outcome.already == []


def test_classify_rejects_unknown_action():
    with pytest.raises(ValueError):
        classify_results("replace", [])


# ------------------------------------------------------------------ views
ADA = {"type": "IDENTITY", "id": "1", "name": "ada.lovelace", "email": "ada@example.com"}
ALAN = {"id": "2", "name": "Alan.Turing", "emailAddress": "alan@example.com", "alias": "alan"}
GRACE = {"id": "3", "name": "grace.hopper", "email": "grace@example.com"}


def test_member_view_takes_email_or_email_address():
    assert member_view(ADA) == {"id": "1", "name": "ada.lovelace", "email": "ada@example.com"}
    assert member_view(ALAN) == {"id": "2", "name": "Alan.Turing", "email": "alan@example.com"}


def test_member_label():
    assert member_label(ADA) == "ada.lovelace (1)"
    assert member_label({"id": "9"}) == "9"


def test_views_sorted_by_name_case_insensitive_and_unknown_ids_kept():
    result = views(["3", "9", "2", "1"], {"1": ADA, "2": ALAN, "3": GRACE})
    assert [v["id"] for v in result] == ["9", "1", "2", "3"]
    assert result[0] == {"id": "9", "name": None, "email": None}


def test_membership_after_is_current_minus_removed_plus_added():
    current = {"1": ADA, "3": GRACE}
    after = membership_after(current, added=["2", "1"], removed={"3"}, known={"2": ALAN})
    assert after == [member_view(ADA), member_view(ALAN)]


def test_membership_after_without_changes_is_current():
    current = {"1": ADA, "3": GRACE}
    assert membership_after(current, [], [], {}) == [member_view(ADA), member_view(GRACE)]


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
