# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The planner (_plan.check/plan) and its renderers (_report), pure: requests and snapshots are built by hand, no HTTP."""

from __future__ import annotations

import json

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import MODE_ADD, MODE_EXACT, MODE_REMOVE, Entry, Request, validate
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscInputError
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import parse_reference
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import (
    CREATE,
    IN_USE,
    REASON_ABSENT,
    REASON_PURGE,
    UNCHANGED,
    UPDATE,
    check,
    converge,
    guard,
    membership,
    plan,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._reader import Snapshot, read
from ansible_collections.sailpoint.isc.plugins.module_utils._report import SUMMARY_MEMBER_LINES, build_diff, plan_dict, render_summary
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import PLACEHOLDER_ID

from ._counted import CountedId

ADA = {"id": "a0000000000000000000000000000001", "name": "Ada Lovelace"}
ALAN = {"id": "a0000000000000000000000000000002", "name": "Alan Turing"}
GRACE = {"id": "a0000000000000000000000000000004", "name": "Grace Hopper"}
EDSGER = {"id": "a0000000000000000000000000000003", "name": "Edsger Dijkstra"}
PEOPLE = {person["id"]: person for person in (ADA, ALAN, GRACE, EDSGER)}
NEW, PLAIN, X = "a%031d" % 5, "a%031d" % 6, "a%031d" % 7  # identity ids nobody is named for


def group(name, gid=None, description=None, owner=None, members=0, connections=0):
    """A group as GET /workgroups lists it (description left out when unset, as ISC does); owned by Ada by default."""
    owner = owner or ADA
    listed = {"id": gid or "g-" + name.lower().replace(" ", "-"), "name": name, "memberCount": members, "connectionCount": connections,
              "owner": {"type": "IDENTITY", "id": owner["id"], "name": owner["name"], "displayName": owner["name"]}}
    if description is not None:
        listed["description"] = description
    return listed


def ids(*people):
    return [person["id"] for person in people]


def bare(identity_id):
    """A plain id resolved without a lookup (nothing known about it)."""
    return {"id": identity_id, "name": None, "alias": None, "email": None}


def snapshot(request, *groups, members=None, identities=None, ambiguous=(), namesakes=None):
    """What the reader would hand the planner: entries matched by id or exact name, member listings
    (group id -> identities or plain ids), every reference of the request resolved (PEOPLE by id, else bare)."""
    snap = Snapshot()
    snap.groups = list(groups)
    snap.complete = request.purge
    for entry in request.entries:
        key, value = ("id", entry.id) if entry.id is not None else ("name", entry.name)
        found = [listed for listed in groups if listed.get(key) == value]
        snap.matches.append(found[0] if found else None)
    for gid, people in (members or {}).items():
        records = [person if isinstance(person, dict) else {"id": person, "name": None} for person in people]
        snap.members[gid] = {record["id"]: {"type": "IDENTITY", "id": record["id"], "name": record["name"], "email": None} for record in records}
    snap.ambiguous = list(ambiguous)
    snap.namesakes = dict(namesakes or {})
    resolved = dict(identities or {})
    for entry in request.entries:
        for _where, reference in entry.references():
            key, value = parse_reference(reference)
            if (key, value) not in resolved:
                assert key == "id", "give the identity of %r" % (reference,)
                resolved[(key, value)] = dict(bare(value), name=PEOPLE.get(value, {}).get("name"))
    snap.identities = resolved
    return snap


def planned(entries, *groups, purge=False, protected=(), **kwargs):
    """check() then plan() of ``entries`` against ``groups``."""
    request = Request(entries, purge=purge, protected=protected)
    snap = snapshot(request, *groups, **kwargs)
    check(request, snap)
    return plan(request, snap)


def problems_of(entries, *groups, **kwargs):
    request = Request(entries)
    with pytest.raises(IscInputError) as info:
        check(request, snapshot(request, *groups, **kwargs))
    return info.value.problems


# ------------------------------------------------------------------ create, update, delete, purge, in use, unchanged
def test_create_with_owner_members_and_description():
    result = plan_dict(planned([Entry("Finance", description="Approves", owner=ADA["id"], members=ids(GRACE, ALAN) + [PLAIN, ALAN["id"]])]))
    assert result == {"to_create": [{"name": "Finance", "description": "Approves", "owner": ADA, "member_count": 3,
                                     "members": [ALAN, GRACE, {"id": PLAIN, "name": None}]}],  # by name, unnamed ids last
                      "to_update": [], "to_delete": [], "in_use": [], "unchanged": [], "queries": []}


def test_existing_group_without_an_owner_in_the_entry_is_not_a_problem():
    the_plan = planned([Entry("A", description="x")], group("A", description="x"))
    assert plan_dict(the_plan)["unchanged"] == ["A"] and the_plan.actions == 0


@pytest.mark.parametrize("listed, desired, change", [
    (None, "", None),  # '' and no description are the same
    ("", None, None),
    ("old", None, None),  # not managed
    ("same", "same", None),
    ("old", "new", {"before": "old", "after": "new"}),
    ("old", "", {"before": "old", "after": ""}),  # '' removes it
    (None, "new", {"before": "", "after": "new"}),
])
def test_description(listed, desired, change):
    result = plan_dict(planned([Entry("A", description=desired)], group("A", description=listed)))
    if change is None:
        assert result["unchanged"] == ["A"] and result["to_update"] == []
    else:
        assert result["to_update"][0]["changes"] == {"description": change}


def test_owner_is_compared_by_id_only():
    listed = group("A", owner=ADA)
    listed["owner"].update(name="stale name", emailAddress="x@example.com")
    assert planned([Entry("A", owner=ADA["id"])], listed).steps[0].action == UNCHANGED
    result = plan_dict(planned([Entry("A", owner=ALAN["id"])], group("A", owner=ADA)))
    assert result["to_update"] == [{"name": "A", "id": "g-a", "changes": {"owner": {"before": ADA, "after": ALAN}},
                                    "members_add": [], "members_remove": []}]


def test_only_the_fields_given_are_managed():
    tenant = group("A", description="kept", owner=ALAN, members=1)
    assert planned([Entry("A")], tenant, members={"g-a": [ADA]}).steps[0].action == UNCHANGED
    step = planned([Entry("A", description="new")], tenant, members={"g-a": [ADA]}).steps[0]
    assert step.action == UPDATE and step.fields == {"description": "new"} and step.add == [] and step.remove == []
    assert step.members_before is None and step.members_after is None  # members not managed


def test_rename_by_id():
    tenant = group("Old name", gid="g-1")
    step = planned([Entry(id="g-1", name="New name")], tenant).steps[0]
    assert step.action == UPDATE and step.fields == {"name": "New name"} and step.name == "Old name"
    assert plan_dict(planned([Entry(id="g-1", name="New name")], tenant))["to_update"][0]["changes"] == {
        "name": {"before": "Old name", "after": "New name"}}
    assert planned([Entry(id="g-1", name="Old name")], tenant).steps[0].action == UNCHANGED
    assert planned([Entry(id="g-1")], tenant).steps[0].action == UNCHANGED  # no name given: the name is not managed
    # keyed by name, the name is the key, never a change
    assert planned([Entry("Old name", description="")], tenant).steps[0].action == UNCHANGED


def test_a_rename_onto_a_name_other_groups_carry_warns():
    the_plan = planned([Entry(id="g-1", name="Taken")], group("Mine", gid="g-1"), namesakes={0: ["g-2", "g-3"]})
    assert the_plan.steps[0].fields == {"name": "Taken"}
    assert the_plan.warnings == ["Other governance groups are already named 'Taken' (ids: g-2, g-3); looking this group up by name "
                                 "will fail until the names differ."]


def test_state_absent_deletes_an_existing_group_and_ignores_a_missing_one():
    the_plan = planned([Entry("A", state="absent"), Entry("Gone", state="absent")], group("A", description="d", members=7))
    result = plan_dict(the_plan)
    assert result["to_delete"] == [{"name": "A", "id": "g-a", "reason": REASON_ABSENT, "description": "d", "owner": ADA, "member_count": 7}]
    assert result["unchanged"] == ["Gone"] and the_plan.actions == 1


def test_purge_deletes_unlisted_groups_except_protected_ones():
    tenant = (group("Keep"), group("Listed"), group("Old"), group("Old", gid="g-old-2"), group("Admins"))
    result = plan_dict(planned([Entry("Listed")], *tenant, purge=True, protected=["Admins", "Keep"]))
    assert [(item["name"], item["id"], item["reason"]) for item in result["to_delete"]] == [
        ("Old", "g-old", REASON_PURGE), ("Old", "g-old-2", REASON_PURGE)]
    assert result["unchanged"] == ["Listed"]
    assert plan_dict(planned([Entry("Listed")], *tenant))["to_delete"] == []


def test_purge_keeps_a_group_an_entry_renames_by_id():
    tenant = (group("Old"), group("Other"))
    result = plan_dict(planned([Entry(id="g-old", name="New")], *tenant, purge=True))
    assert [item["id"] for item in result["to_update"]] == ["g-old"] and result["to_update"][0]["changes"]["name"] == {"before": "Old", "after": "New"}
    assert [item["name"] for item in result["to_delete"]] == ["Other"]


def test_groups_in_use_are_kept_not_deleted():
    tenant = (group("Used", connections=2), group("Also used", connections=1), group("Free"))
    the_plan = planned([Entry("Also used", state="absent")], *tenant, purge=True)
    result = plan_dict(the_plan)
    assert [item["name"] for item in result["to_delete"]] == ["Free"]
    assert result["in_use"] == [{"name": "Also used", "id": "g-also-used", "reason": REASON_ABSENT, "connection_count": 1},
                                {"name": "Used", "id": "g-used", "reason": REASON_PURGE, "connection_count": 2}]
    assert the_plan.actions == 1


def test_guard_refuses_a_plan_with_more_deletes_than_max_deletes_counting_deletes_only():
    tenant = (group("Used", connections=2), group("Absent"), group("Old 1"), group("Old 2"))
    entries = [Entry("Absent", state="absent")]
    request = Request(entries, purge=True, max_deletes=2)
    the_plan = plan(request, snapshot(request, *tenant))
    assert guard(request, the_plan) == ("the plan deletes 3 governance groups (2 not in the list, purge; 1 listed as absent), "
                                        "more than the limit of 2 per run")
    for limit in (3, None):  # in use ("Used") is not counted; None is no limit
        request = Request(entries, purge=True, max_deletes=limit)
        assert guard(request, plan(request, snapshot(request, *tenant))) is None
    # 0 forbids every delete, but not a plan whose only "delete" is a group in use (never deleted)
    request = Request(entries, max_deletes=0)
    assert guard(request, plan(request, snapshot(request, *tenant))) == (
        "the plan deletes 1 governance groups (0 not in the list, purge; 1 listed as absent), more than the limit of 0 per run")
    request = Request([Entry("Used", state="absent"), Entry("New", owner=ADA["id"])], max_deletes=0)
    the_plan = plan(request, snapshot(request, *tenant))
    assert [step.action for step in the_plan.steps if step.name == "Used"] == [IN_USE]
    assert guard(request, the_plan) is None


def test_validate_refuses_an_empty_purge_unless_allowed_and_a_negative_limit():
    with pytest.raises(IscInputError) as info:
        validate(Request([], purge=True, max_deletes=-3))
    assert [problem.split(",")[0] for problem in info.value.problems] == ["the list of groups is empty and purge is on",
                                                                          "max_deletes must be a whole number of 0 or more"]
    assert validate(Request([], purge=True, allow_empty_purge=True, max_deletes=0)) is None  # accepted: no IscInputError
    assert validate(Request([], purge=False)) is None


def test_an_unchanged_tenant_has_no_actions():
    the_plan = planned([Entry("A", description="d", owner=ADA["id"], members=ids(ALAN))], group("A", description="d", members=1),
                       members={"g-a": [ALAN]}, purge=True)
    assert the_plan.actions == 0
    assert json.loads(json.dumps(plan_dict(the_plan))) == {"to_create": [], "to_update": [], "to_delete": [], "in_use": [], "unchanged": ["A"], "queries": []}


# ------------------------------------------------------------------ members
@pytest.mark.parametrize("mode, current, desired, to_add, to_remove", [
    (MODE_ADD, {"a", "b"}, {"b", "c"}, {"c"}, set()),  # add: only the missing ones, never a removal
    (MODE_ADD, {"a", "b"}, {"a", "b"}, set(), set()),
    (MODE_ADD, {"a", "b"}, set(), set(), set()),
    (MODE_EXACT, {"a", "b"}, {"b", "c"}, {"c"}, {"a"}),  # exact: exactly the list
    (MODE_EXACT, {"a", "b"}, {"b", "a"}, set(), set()),
    (MODE_EXACT, {"a", "b"}, set(), set(), {"a", "b"}),
    (MODE_EXACT, set(), set(), set(), set()),
    (MODE_REMOVE, {"a", "b"}, {"b", "c"}, set(), {"b"}),  # remove: only the listed ones that are members
    (MODE_REMOVE, {"a"}, {"c"}, set(), set()),
    (MODE_REMOVE, {"a"}, set(), set(), set()),
])
def test_membership_modes(mode, current, desired, to_add, to_remove):
    before = (set(current), set(desired))
    assert membership(current, desired, mode) == (to_add, to_remove)
    assert (current, desired) == before  # the inputs are not touched


def test_exact_members_add_and_remove():
    step = planned([Entry("A", members=ids(ALAN, GRACE))], group("A", members=2), members={"g-a": [ADA, ALAN]}).steps[0]
    assert step.fields == {} and step.add == [GRACE["id"]] and step.remove == [ADA["id"]]
    assert step.members_before == {ADA["id"], ALAN["id"]} and step.members_after == {ALAN["id"], GRACE["id"]}


def test_add_mode_never_removes():
    tenant = (group("A", members=2),)
    step = planned([Entry("A", members=ids(GRACE, ALAN), members_mode=MODE_ADD)], *tenant, members={"g-a": [ADA, ALAN]}).steps[0]
    assert step.add == [GRACE["id"]] and step.remove == []
    assert planned([Entry("A", members=ids(ALAN), members_mode=MODE_ADD)], *tenant, members={"g-a": [ADA, ALAN]}).steps[0].action == UNCHANGED


def test_remove_mode_removes_only_listed_current_members():
    tenant = (group("A", members=3),)
    step = planned([Entry("A", members=ids(ALAN, GRACE, EDSGER), members_mode=MODE_REMOVE)], *tenant, members={"g-a": [ADA, ALAN, GRACE]}).steps[0]
    assert step.action == UPDATE and step.add == [] and step.remove == [ALAN["id"], GRACE["id"]]
    assert step.members_after == {ADA["id"]}
    nobody = planned([Entry("A", members=ids(EDSGER), members_mode=MODE_REMOVE)], *tenant, members={"g-a": [ADA, ALAN, GRACE]}).steps[0]
    assert nobody.action == UNCHANGED
    # a group created in remove mode starts empty: nobody to remove, nobody added
    created = planned([Entry("New", owner=ADA["id"], members=ids(ALAN), members_mode=MODE_REMOVE)]).steps[0]
    assert created.action == CREATE and created.add == []


def test_member_order_and_duplicates_never_matter():
    step = planned([Entry("A", members=ids(GRACE, ALAN, GRACE, ALAN))], group("A", members=2), members={"g-a": [ALAN, GRACE]}).steps[0]
    assert step.action == UNCHANGED


def test_empty_exact_list_empties_the_group_and_omitted_members_are_not_managed():
    tenant = (group("A", members=2),)
    step = planned([Entry("A", members=[])], *tenant, members={"g-a": [ADA, ALAN]}).steps[0]
    assert step.remove == [ADA["id"], ALAN["id"]] and step.add == []
    assert planned([Entry("A", members=None)], *tenant, members={"g-a": [ADA, ALAN]}).steps[0].action == UNCHANGED
    # memberCount 0: the reader skips the listing, so no listing is the same as no members
    assert planned([Entry("A", members=[])], group("A")).steps[0].action == UNCHANGED
    assert planned([Entry("A", members=ids(ADA))], group("A")).steps[0].add == [ADA["id"]]


def test_member_names_come_from_the_listings():
    # plain ids resolved without a lookup: names come from the listed owner; an id nobody listed stays unnamed
    the_plan = planned([Entry("A", members=[ADA["id"], NEW])], group("A", members=1), members={"g-a": [ALAN["id"]]},
                       identities={("id", ADA["id"]): bare(ADA["id"]), ("id", NEW): bare(NEW)})
    update = plan_dict(the_plan)["to_update"][0]
    assert update["members_add"] == [ADA, {"id": NEW, "name": None}]
    assert update["members_remove"] == [{"id": ALAN["id"], "name": None}]


# ------------------------------------------------------------------ problems, all reported at once, before any identity lookup
def test_check_reports_every_problem_together():
    entries = [Entry("A", members=ids(ADA), where="groups[0]"), Entry("B", where="groups[1]"), Entry("C", owner=ADA["id"], where="groups[2]"),
               Entry("D", where="groups[3]", not_found_message='groups[3] "D" does not exist and may not be created here'),
               Entry("E", state="absent", where="groups[4]", not_found_message="never used for a group to delete")]
    assert problems_of(entries, ambiguous=["2 governance groups are named \"Twin\" (ids: g-1, g-2); rename or delete all but one of them first"]) == [
        "2 governance groups are named \"Twin\" (ids: g-1, g-2); rename or delete all but one of them first",
        'owner is required to create governance group "A" (ISC refuses a group without an owner)',
        'owner is required to create governance group "B" (ISC refuses a group without an owner)',
        'groups[3] "D" does not exist and may not be created here',
    ]


def test_a_single_group_is_named_in_its_own_words():
    assert problems_of([Entry("A")]) == ["owner is required to create governance group 'A' (ISC refuses a group without an owner)"]


def test_missing_entries_must_exist():
    missing = "governance group with id 'g-9' does not exist"
    assert problems_of([Entry(id="g-9", name="Renamed", not_found_message=missing)], group("Other", gid="g-1")) == [missing]
    # an entry that says how to fail is still planned normally when its group exists
    step = planned([Entry(id="g-1", name="Renamed", not_found_message=missing)], group("Other", gid="g-1")).steps[0]
    assert step.fields == {"name": "Renamed"}


def test_validate_reports_every_problem_of_the_request_together():
    entries = [Entry("A", where="groups[0]"), Entry("", where="groups[1]"), Entry("B", state="gone", where="groups[2]"),
               Entry("A", where="groups[3]"), Entry("P", state="absent", where="groups[4]"), Entry("A", where="groups[5]"),
               Entry("M", members=["f" * 32, {"alias": "x", "email": "y"}, "ok"], members_mode="all", where="groups[6]")]
    with pytest.raises(IscInputError) as info:
        validate(Request(entries, protected=["P"]))
    assert info.value.problems == [
        "groups[1]: name must be a non-empty string, got ''",
        "groups[2] \"B\": state must be present or absent, got 'gone'",
        "groups[4] \"P\": state is absent but the name is in protected; remove it from one of the two",
        "groups[6] \"M\": members_mode must be one of exact, add, remove, got 'all'",
        "\"A\" is listed 3 times (groups[0], groups[3], groups[5]); each name may appear once",
        "groups[6] \"M\" members[1]: {'alias': 'x', 'email': 'y'} must have exactly one of id, alias, email, name",
        "groups[6] \"M\" members[2]: 'ok' is not an identity id; to look it up by alias write {alias: ok} (an identity id is 32 hexadecimal characters)",
    ]
    validate(Request([Entry("A", where="groups[0]"), Entry("a", where="groups[1]")]))  # names are case-sensitive: no problem


def test_the_check_mode_placeholder_id_names_no_group_outside_check_mode():
    with pytest.raises(IscInputError, match="placeholder id"):
        validate(Request([Entry(id=PLACEHOLDER_ID, members=["f" * 32])]))
    validate(Request([Entry(id=PLACEHOLDER_ID, members=["f" * 32])]), check_mode=True)


class Tenant:
    """The reads the reader makes, answered from a list of groups. Like ISC, the name filter may answer more
    than the exact name (it ignores case); this stand-in answers every group, a superset the reader must narrow."""

    def __init__(self, groups):
        self.groups = groups

    def list_workgroups(self, filters=None):
        return [dict(listed) for listed in self.groups]

    def get_workgroup(self, workgroup_id):
        return next((dict(listed) for listed in self.groups if listed["id"] == workgroup_id), None)

    def find_workgroups_by_name(self, name):  # exact and case-sensitive, as the real client's
        return [dict(listed) for listed in self.groups if listed["name"] == name]

    def list_members(self, workgroup_id):
        return []

    concurrency = 1  # as the real client with max_concurrent_requests=1


def test_a_managed_name_carried_by_several_groups_fails_listing_their_ids():
    tenant = Tenant([group("Twin", gid="g-2"), group("Twin", gid="g-1"), group("twin", gid="g-3"), group("Other"), group("Other", gid="g-o2")])
    listed = Request([Entry("Twin", state="absent", where="groups[0]")])
    with pytest.raises(IscInputError) as info:
        check(listed, read(tenant, listed, False))
    assert info.value.problems == ['2 governance groups are named "Twin" (ids: g-1, g-2); rename or delete all but one of them first']
    single = Request([Entry("Twin", description="x")])
    with pytest.raises(IscInputError, match=r"give the id of the one you mean instead of the name"):
        check(single, read(tenant, single, False))
    # unmanaged namesakes are fine, and purge deletes all of them
    purge = Request([], purge=True)
    snap = read(tenant, purge, False)
    check(purge, snap)
    assert len(plan(purge, snap).steps) == 5


# ------------------------------------------------------------------ summary
def test_summary_lines():
    tenant = (group("Upd", description="old", members=2), group("Same"), group("Old", members=3), group("Used", connections=2))
    entries = [Entry("New", owner=ADA["id"], members=ids(ALAN, GRACE), description="Fresh"),
               Entry("Upd", description="new", owner=EDSGER["id"], members=ids(ALAN, GRACE)),
               Entry("Same")]
    lines = render_summary(planned(entries, *tenant, purge=True, members={"g-upd": [ADA, ALAN]}))
    assert lines == [
        "Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged",
        '+ create "New" (owner Ada Lovelace, 2 members, description "Fresh")',
        "    + Alan Turing (a0000000000000000000000000000002)",
        "    + Grace Hopper (a0000000000000000000000000000004)",
        '~ update "Upd": description "old" -> "new"; owner Ada Lovelace -> Edsger Dijkstra; members +1 -1',
        "    + Grace Hopper (a0000000000000000000000000000004)",
        "    - Ada Lovelace (a0000000000000000000000000000001)",
        '- delete "Old" (not in the list, purge, 3 members)',
        '! keep "Used": in use by 2 connections, cannot be deleted (purge)',
    ]


def test_summary_of_a_rename():
    lines = render_summary(planned([Entry(id="g-1", name="New")], group("Old", gid="g-1")))
    assert lines[1:] == ['~ update "Old": name "Old" -> "New"']


def test_summary_of_no_change_is_the_header_only():
    assert render_summary(planned([Entry("A")], group("A"))) == ["Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged"]


def test_summary_shortens_long_descriptions_and_long_member_lists():
    many = [{"id": "b%031d" % i, "name": "Person %03d" % i} for i in range(25)]
    known = {("id", person["id"]): dict(bare(person["id"]), name=person["name"]) for person in many}
    lines = render_summary(planned([Entry("A", owner="f" * 32, description="d" * 200, members=ids(*many))], identities=known))
    assert lines[1] == '+ create "A" (owner %s, 25 members' % ("f" * 32) + ', description "%s...")' % ("d" * 57)
    assert lines[2:] == ["    + Person %03d (b%031d)" % (i, i) for i in range(SUMMARY_MEMBER_LINES)] + ["    + ... and 15 more"]


def test_summary_of_a_state_absent_delete():
    assert render_summary(planned([Entry("A", state="absent")], group("A", members=1)))[1] == '- delete "A" (state absent, 1 member)'


# ------------------------------------------------------------------ diff
def test_diff_shows_only_groups_with_actions_keyed_by_name():
    tenant = (group("Upd", description="old", members=2), group("Same"), group("Old", description="bye", members=3), group("Old", gid="g-old-2"))
    entries = [Entry("New", owner=ADA["id"], members=[ALAN["id"], X]), Entry("Upd", members=ids(ALAN, GRACE)), Entry("Same", description="")]
    diff = build_diff(planned(entries, *tenant, purge=True, members={"g-upd": [ADA, ALAN]}))
    assert diff["after"]["New"] == {"description": "", "owner": "Ada Lovelace (a0000000000000000000000000000001)",
                                    "members": ["Alan Turing (a0000000000000000000000000000002)", X]}
    assert "New" not in diff["before"] and "Same" not in diff["before"] and "Same" not in diff["after"]
    assert diff["before"]["Upd"] == {"description": "old", "owner": "Ada Lovelace (a0000000000000000000000000000001)",
                                     "members": ["Ada Lovelace (a0000000000000000000000000000001)", "Alan Turing (a0000000000000000000000000000002)"]}
    assert diff["after"]["Upd"] == {"description": "old", "owner": "Ada Lovelace (a0000000000000000000000000000001)",
                                    "members": ["Alan Turing (a0000000000000000000000000000002)", "Grace Hopper (a0000000000000000000000000000004)"]}
    # deleted groups: before only, with the listed member count (their members are not read); namesakes keyed apart
    assert diff["before"]["Old"] == {"description": "bye", "owner": "Ada Lovelace (a0000000000000000000000000000001)", "member_count": 3}
    assert diff["before"]["Old (g-old-2)"]["member_count"] == 0
    assert set(diff["after"]) == {"New", "Upd"}


def test_diff_of_an_update_without_managed_members_has_no_member_list():
    diff = build_diff(planned([Entry("A", owner=ALAN["id"])], group("A", description="d", members=5)))
    assert diff == {"before": {"A": {"description": "d", "owner": "Ada Lovelace (a0000000000000000000000000000001)"}},
                    "after": {"A": {"description": "d", "owner": "Alan Turing (a0000000000000000000000000000002)"}}}


# ------------------------------------------------------------------ linear in members
def test_ten_thousand_members_take_a_linear_number_of_operations():
    size = 10000
    current_ids = [CountedId("c%031d" % i) for i in range(size)]
    desired_ids = [CountedId("c%031d" % i) for i in range(size // 2, size + size // 2)]  # distinct objects, half of them equal
    request = Request([Entry("Big", owner=ADA["id"], members=desired_ids)])
    snap = snapshot(request, group("Big", members=size), members={"g-big": [{"id": i, "name": None} for i in current_ids]})
    CountedId.operations = 0
    check(request, snap)
    the_plan = plan(request, snap)
    diff = build_diff(the_plan)
    render_summary(the_plan)
    plan_dict(the_plan)
    # a list scan per member would compare about size * size / 2 = 50,000,000 times
    assert CountedId.operations <= 50 * size
    item = plan_dict(the_plan)["to_update"][0]
    assert len(item["members_add"]) == size // 2 and len(item["members_remove"]) == size // 2
    assert len(diff["before"]["Big"]["members"]) == size and len(diff["after"]["Big"]["members"]) == size


def test_validate_refuses_names_longer_than_128_characters_showing_their_first_80():
    assert validate(Request([Entry("n" * 128, where="groups[0]")])) is None  # accepted: no IscInputError
    with pytest.raises(IscInputError) as info:
        validate(Request([Entry("n" * 129, where="groups[0]"), Entry("x" * 5000, where="groups[1]"), Entry(id="a" * 32, name="r" * 200)]))
    assert info.value.problems == [
        "groups[0]: name is 129 characters long, more than the 128 a governance group name may have: '%s...' (129 characters)" % ("n" * 80),
        "groups[1]: name is 5000 characters long, more than the 128 a governance group name may have: '%s...' (5000 characters)" % ("x" * 80),
        "name is 200 characters long, more than the 128 a governance group name may have: '%s...' (200 characters)" % ("r" * 80),
    ]


def test_the_update_rule_is_one_pure_function_of_group_wanted_fields_and_members():
    """_plan.converge: what the plan does to an existing group, and what the settlement does to a group another run made."""
    group = {"id": "g", "name": "G", "description": None, "owner": {"id": "a" * 32}}
    exact = Entry(name="G", members_query="q")  # members from a query only: managed all the same
    step = converge(exact, group, {"name": "G", "description": "", "owner": "a" * 32}, {"1", "2"}, {"2", "3"})
    assert (step.action, step.fields, step.add, step.remove) == (UPDATE, {}, ["1"], ["3"])
    step = converge(Entry(name="G", members=["x"], members_mode=MODE_REMOVE), group, {"description": "d"}, {"3"}, {"2", "3"})
    assert (step.fields, step.add, step.remove, step.members_after) == ({"description": "d"}, [], ["3"], {"2"})
    assert converge(Entry(name="G"), group, {"name": "G"}, None, None).action == UNCHANGED  # members not managed: not read
