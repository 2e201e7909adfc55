# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic of plugins/module_utils/_workgroups.py: lookup rules, comparison, patch, views."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._client import IscError
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    PLACEHOLDER_ID,
    AmbiguousWorkgroupError,
    apply_fields,
    build_create_body,
    build_patch,
    changed_fields,
    describe,
    desired_fields,
    diff_view,
    exact_name_matches,
    find_workgroup,
    format_connections,
    normalize_description,
    owner_from_identity,
    owner_id_of,
    update_diff,
    would_be_created,
)

ADA = "2c9180835d2e5168015d32f890ca1581"
ALAN = "2c9180835d2e5168015d32f890ca1582"

CURRENT = {
    "id": "wg1",
    "name": "Auditors",
    "description": "Reviews access",
    "owner": {"type": "IDENTITY", "id": ADA, "name": "ada.lovelace", "displayName": "Ada Lovelace", "emailAddress": "ada@example.com"},
    "memberCount": 3,
    "connectionCount": 0,
}


class FakeClient:
    """Records the lookups find_workgroup makes; answers from a fixed list of groups."""

    def __init__(self, groups):
        self.groups = groups
        self.calls = []

    def get_workgroup(self, workgroup_id):
        self.calls.append(("get", workgroup_id))
        return next((g for g in self.groups if g["id"] == workgroup_id), None)

    def find_workgroups_by_name(self, name):
        # like ISC's `name eq` filter: case-insensitive
        self.calls.append(("name", name))
        return [g for g in self.groups if g["name"].lower() == name.lower()]


# ------------------------------------------------------------------ lookup
def test_find_by_id_uses_get_only():
    client = FakeClient([{"id": "a", "name": "A"}])
    assert find_workgroup(client, workgroup_id="a", name="ignored") == {"id": "a", "name": "A"}
    assert client.calls == [("get", "a")]


def test_find_by_unknown_id_is_none():
    assert find_workgroup(FakeClient([]), workgroup_id="nope") is None


def test_find_by_name_is_exact_and_case_sensitive():
    client = FakeClient([{"id": "a", "name": "Admins"}, {"id": "b", "name": "admins"}])
    assert find_workgroup(client, name="admins") == {"id": "b", "name": "admins"}
    assert find_workgroup(client, name="ADMINS") is None


def test_find_by_duplicate_name_fails_listing_every_id():
    client = FakeClient([{"id": "b2", "name": "Twins"}, {"id": "a1", "name": "Twins"}, {"id": "c", "name": "Other"}])
    with pytest.raises(AmbiguousWorkgroupError) as info:
        find_workgroup(client, name="Twins")
    assert isinstance(info.value, IscError)
    assert info.value.ids == ["a1", "b2"]
    assert "2 governance groups are named 'Twins'" in str(info.value)
    assert "a1, b2" in str(info.value)


def test_find_needs_id_or_name():
    with pytest.raises(ValueError):
        find_workgroup(FakeClient([]))


def test_exact_name_matches_keeps_order():
    groups = [{"name": "x", "id": 1}, {"name": "X", "id": 2}, {"name": "x", "id": 3}]
    assert [g["id"] for g in exact_name_matches(groups, "x")] == [1, 3]


def test_describe():
    assert describe(name="A") == "governance group 'A'"
    assert describe(workgroup_id="1") == "governance group with id '1'"
    assert describe(workgroup_id="1", name="A") == "governance group 'A' (id 1)"


# ------------------------------------------------------------------ comparison
@pytest.mark.parametrize("value, expected", [(None, ""), ("", ""), ("x", "x")])
def test_normalize_description(value, expected):
    assert normalize_description(value) == expected


def test_owner_helpers():
    assert owner_id_of(CURRENT) == ADA
    assert owner_id_of({}) is None
    assert owner_id_of({"owner": None}) is None
    assert owner_from_identity({"id": ALAN, "name": "alan.turing", "alias": "alan"}) == {"type": "IDENTITY", "id": ALAN, "name": "alan.turing"}
    assert owner_from_identity({"id": ALAN}) == {"type": "IDENTITY", "id": ALAN}


def test_desired_fields_only_holds_given_options():
    assert not desired_fields()
    assert desired_fields(description="") == {"description": ""}
    owner = owner_from_identity({"id": ADA})
    assert desired_fields(name="n", description="d", owner=owner) == {"name": "n", "description": "d", "owner": owner}


def test_nothing_differs_when_all_fields_match():
    desired = desired_fields(name="Auditors", description="Reviews access", owner={"type": "IDENTITY", "id": ADA})
    assert not changed_fields(CURRENT, desired)


def test_options_not_given_are_not_managed():
    assert not changed_fields(CURRENT, {})
    assert changed_fields(CURRENT, desired_fields(description="new")) == ["description"]


def test_owner_compares_by_id_only():
    # ISC back-fills name/displayName/emailAddress: those never make a difference
    assert not changed_fields(CURRENT, {"owner": {"type": "IDENTITY", "id": ADA, "name": "something else"}})
    assert changed_fields(CURRENT, {"owner": {"type": "IDENTITY", "id": ALAN}}) == ["owner"]


@pytest.mark.parametrize("current_description", [None, "", "ABSENT"])
@pytest.mark.parametrize("desired_description", ["", None])
def test_empty_and_absent_descriptions_do_not_flap(current_description, desired_description):
    current = {"id": "x", "name": "n"}
    if current_description != "ABSENT":
        current["description"] = current_description
    assert not changed_fields(current, desired_fields(description=desired_description))


def test_description_to_empty_is_a_change():
    assert changed_fields(CURRENT, desired_fields(description="")) == ["description"]


def test_changed_fields_order_is_stable():
    desired = desired_fields(owner={"id": ALAN}, description="d", name="m")
    assert changed_fields(CURRENT, desired) == ["name", "description", "owner"]


def test_name_comparison_is_case_sensitive():
    assert changed_fields(CURRENT, {"name": "auditors"}) == ["name"]


# ------------------------------------------------------------------ writes
def test_build_patch_replaces_present_fields_and_sends_owner_type_and_id_only():
    desired = desired_fields(name="Reviewers", owner=owner_from_identity({"id": ALAN, "name": "alan.turing"}))
    patch = build_patch(CURRENT, desired, changed_fields(CURRENT, desired))
    assert patch == [
        {"op": "replace", "path": "/name", "value": "Reviewers"},
        {"op": "replace", "path": "/owner", "value": {"type": "IDENTITY", "id": ALAN}},
    ]


def test_build_patch_adds_a_field_isc_omitted():
    current = {"id": "x", "name": "n", "owner": {"id": ADA}}
    assert build_patch(current, {"description": "d"}, ["description"]) == [{"op": "add", "path": "/description", "value": "d"}]


def test_build_patch_empty_when_nothing_changes():
    assert not build_patch(CURRENT, {}, [])


def test_build_create_body():
    owner = owner_from_identity({"id": ADA, "name": "ada.lovelace"})
    assert build_create_body(desired_fields(name="n", owner=owner)) == {"name": "n", "owner": {"type": "IDENTITY", "id": ADA}}
    assert build_create_body(desired_fields(name="n", description="", owner=owner)) == {
        "name": "n", "description": "", "owner": {"type": "IDENTITY", "id": ADA}}


def test_apply_fields_does_not_touch_the_input():
    before = copy.deepcopy(CURRENT)
    after = apply_fields(CURRENT, {"name": "New", "description": "ignored"}, ["name"])
    assert CURRENT == before
    assert after["name"] == "New"
    assert after["description"] == "Reviews access"
    assert after["id"] == "wg1"


def test_would_be_created():
    owner = owner_from_identity({"id": ADA, "name": "ada.lovelace"})
    group = would_be_created(desired_fields(name="n", owner=owner))
    assert group == {"id": PLACEHOLDER_ID, "name": "n", "description": "", "owner": owner, "memberCount": 0, "connectionCount": 0}


# ------------------------------------------------------------------ views
def test_diff_view_shows_owner_by_id_and_name():
    assert diff_view(CURRENT) == {"name": "Auditors", "description": "Reviews access", "owner": {"id": ADA, "name": "ada.lovelace"}}
    assert diff_view({"owner": {"id": ADA, "displayName": "Ada"}}, ["owner"]) == {"owner": {"id": ADA, "name": "Ada"}}
    assert diff_view({"name": "n"}) == {"name": "n", "description": "", "owner": None}


def test_update_diff_holds_only_the_changed_fields():
    desired = desired_fields(name="Auditors", description="new", owner={"type": "IDENTITY", "id": ADA})
    fields = changed_fields(CURRENT, desired)
    assert update_diff(CURRENT, desired, fields) == {"before": {"description": "Reviews access"}, "after": {"description": "new"}}


def test_format_connections():
    connections = [
        {"object": {"type": "ROLE", "id": "r1", "name": "Auditor role"}, "connectionType": "Owner"},
        {"object": {"type": "SOURCE", "id": "s1"}, "connectionType": "ManagementWorkgroup"},
        {},
    ]
    assert format_connections(connections) == "ROLE 'Auditor role' (Owner), SOURCE 's1' (ManagementWorkgroup), ? '?' (?)"
    assert format_connections([]) == ""
