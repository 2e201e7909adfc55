# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure domain rules of plugins/module_utils/_workgroups.py: names, descriptions, owners, request bodies, lost creates."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    build_create_body,
    build_patch,
    describe,
    exact_name_matches,
    FIELD,
    differing,
    foreign_members,
    format_connections,
    normalize_description,
    owner_id_of,
    parse_timestamp,
    race_copies,
    seniority,
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


# ------------------------------------------------------------------ names
def test_exact_name_matches_is_case_sensitive_and_keeps_order():
    groups = [{"name": "x", "id": 1}, {"name": "X", "id": 2}, {"name": "x", "id": 3}, {"name": "x ", "id": 4}, {"id": 5}]
    assert [g["id"] for g in exact_name_matches(groups, "x")] == [1, 3]
    assert exact_name_matches(groups, "y") == []


def test_exact_name_matches_returns_copies():
    groups = [{"name": "x", "id": 1}]
    exact_name_matches(groups, "x")[0]["id"] = 9
    assert groups == [{"name": "x", "id": 1}]


def test_describe():
    assert describe(name="A") == "governance group 'A'"
    assert describe(workgroup_id="1") == "governance group with id '1'"
    assert describe(workgroup_id="1", name="A") == "governance group 'A' (id 1)"


# ------------------------------------------------------------------ comparison
@pytest.mark.parametrize("value, expected", [(None, ""), ("", ""), ("x", "x")])
def test_normalize_description(value, expected):
    assert normalize_description(value) == expected


def test_owner_id_of():
    assert owner_id_of(CURRENT) == ADA
    assert owner_id_of({}) is None
    assert owner_id_of({"owner": None}) is None
    assert owner_id_of({"owner": {"id": ""}}) is None
    assert owner_id_of({"owner": "not-a-dto"}) is None


@pytest.mark.parametrize("group, field, expected", [
    (CURRENT, "owner", ADA),  # owners compare by id: ISC back-fills name, displayName, emailAddress
    ({"name": "n"}, "description", ""),  # a description ISC left out is no description
    ({"name": "n", "description": None}, "description", ""),
    (CURRENT, "description", "Reviews access"),
    (CURRENT, "name", "Auditors"),
])
def test_the_field_table_says_what_comparisons_see(group, field, expected):
    assert FIELD[field].current(group) == expected
    assert not FIELD[field].differs(group, expected)


def test_differing_keeps_the_users_value_of_the_fields_that_differ():
    group = {"name": "n", "owner": {"id": ADA, "name": "ada"}}
    assert differing(group, {"name": "n", "description": "", "owner": ADA}) == {}  # no description equals ''
    assert differing(group, {"name": "m", "description": "d", "owner": ALAN}) == {"name": "m", "description": "d", "owner": ALAN}


# ------------------------------------------------------------------ request bodies
def test_build_patch_sends_owner_type_and_id_only_in_a_stable_order():
    patch = build_patch(CURRENT, {"owner": ALAN, "description": "d", "name": "Reviewers"})
    assert patch == [
        {"op": "replace", "path": "/name", "value": "Reviewers"},
        {"op": "replace", "path": "/description", "value": "d"},
        {"op": "replace", "path": "/owner", "value": {"type": "IDENTITY", "id": ALAN}},
    ]


def test_build_patch_adds_a_field_isc_omitted():
    current = {"id": "x", "name": "n", "owner": {"id": ADA}}
    assert build_patch(current, {"description": "d"}) == [{"op": "add", "path": "/description", "value": "d"}]


def test_build_patch_empties_a_description_with_the_empty_string():
    assert build_patch(CURRENT, {"description": ""}) == [{"op": "replace", "path": "/description", "value": ""}]


def test_build_patch_ignores_fields_that_are_not_managed():
    assert build_patch(CURRENT, {}) == []
    assert build_patch(CURRENT, {"memberCount": 9, "id": "other"}) == []


def test_build_create_body():
    assert build_create_body({"name": "n", "owner": ADA}) == {"name": "n", "owner": {"type": "IDENTITY", "id": ADA}}
    assert build_create_body({"name": "n", "owner": ADA, "description": None}) == {"name": "n", "owner": {"type": "IDENTITY", "id": ADA}}
    assert build_create_body({"name": "n", "description": "", "owner": ADA}) == {
        "name": "n", "description": "", "owner": {"type": "IDENTITY", "id": ADA}}


# ------------------------------------------------------------------ timestamps
def test_parse_timestamp():
    utc = datetime.timezone.utc
    assert parse_timestamp("2024-01-02T03:04:05Z") == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)
    assert parse_timestamp("2024-01-02T03:04:05.123456Z") == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)
    assert parse_timestamp("2024-01-02T05:04:05+02:00") == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)
    assert parse_timestamp("2024-01-02T03:04:05") == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)
    assert parse_timestamp("yesterday") is None
    assert parse_timestamp(None) is None
    assert parse_timestamp("2024-13-02T03:04:05Z") is None


# ------------------------------------------------------------------ messages
def test_format_connections():
    connections = [
        {"object": {"type": "ROLE", "id": "r1", "name": "Auditor role"}, "connectionType": "Owner"},
        {"object": {"type": "SOURCE", "id": "s1"}, "connectionType": "ManagementWorkgroup"},
        {},
    ]
    assert format_connections(connections) == "ROLE 'Auditor role' (Owner), SOURCE 's1' (ManagementWorkgroup), ? '?' (?)"
    assert format_connections([]) == ""


def test_the_oldest_namesake_wins_the_same_way_in_every_run():
    a = {"id": "b" * 32, "created": "2026-01-01T10:00:00.100Z"}
    b = {"id": "a" * 32, "created": "2026-01-01T10:00:00.200Z"}  # same second, later milliseconds
    c = {"id": "0" * 32, "created": "2026-01-01T10:00:00.100Z"}  # same instant as a: the smaller id wins
    for order in ([a, b, c], [c, b, a], [b, a, c]):
        assert min(order, key=seniority) is c
        assert race_copies(order) == (c, [a, b])
    assert min([{"id": "1" * 32}, a], key=seniority) is a  # a group without a created date sorts last


OLD = {"id": "a" * 32, "created": "2024-01-01T08:00:00.000Z", "owner": {"id": ADA}, "connectionCount": 0}


@pytest.mark.parametrize("younger, copies", [
    ({"created": "2024-01-01T08:02:00.000Z"}, True),  # 120 s after the oldest: a race
    ({"created": "2024-01-01T08:02:01.000Z"}, False),  # more: a person's namesake, ambiguous
    ({"created": None}, False),  # unknown age
    ({"owner": {"id": ALAN}}, False),  # another owner: not made by runs of the same list
    ({"connectionCount": 1}, False),  # in use: someone already relies on it
    ({"connectionCount": None}, True),  # ISC left the count out
    ({"description": "Made by hand"}, False),  # a description neither the oldest nor the entry has: a person's
    ({"description": ""}, True),
])
def test_which_namesakes_are_race_copies(younger, copies):
    other = dict(OLD, id="b" * 32, created="2024-01-01T08:00:01.000Z")
    other.update(younger)
    assert race_copies([other, OLD]) == ((OLD, [other]) if copies else None)


def test_the_oldest_namesake_may_be_in_use_and_of_unknown_owner_only_if_the_copies_match_it():
    oldest = dict(OLD, connectionCount=3)  # the group every run keeps may be in use
    copy = dict(OLD, id="b" * 32, created="2024-01-01T08:00:01.000Z")
    assert race_copies([copy, oldest]) == (oldest, [copy])
    assert race_copies([dict(copy, owner=None), dict(oldest, owner=None)])[0] == dict(oldest, owner=None)
    assert race_copies([{"id": "x"}, {"id": "y"}]) is None  # no creation dates


def test_a_copy_carries_the_oldest_description_or_the_entry_one_and_only_members_a_run_writes():
    copy = dict(OLD, id="b" * 32, created="2024-01-01T08:00:01.000Z", description="New text")
    assert race_copies([copy, OLD]) is None
    assert race_copies([copy, OLD], "New text") == (OLD, [copy])  # the entry's: a run sent it
    # no description: a run of an entry without one sent none
    assert race_copies([dict(copy, description=None), dict(OLD, description="Old")]) is not None
    members = {OLD["id"]: {ADA}, copy["id"]: {ADA, ALAN}}
    assert foreign_members([copy], members, {ADA}) == [copy["id"]]
    assert foreign_members([copy], members, {ADA, ALAN}) == []
    assert foreign_members([copy], {}, set()) == []  # an empty copy: a run killed before its member writes
