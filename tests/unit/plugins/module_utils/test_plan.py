# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The converge plan of sailpoint.isc.workgroups: a pure function of (desired, current), no HTTP."""

from __future__ import annotations

import json

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._plan import (
    REASON_ABSENT,
    REASON_PURGE,
    SUMMARY_MEMBER_LINES,
    PlanError,
    ambiguous_names,
    build_diff,
    check_desired,
    index_by_name,
    label,
    plan_groups,
    render_summary,
)

ADA = {"id": "id-ada", "name": "Ada Lovelace"}
ALAN = {"id": "id-alan", "name": "Alan Turing"}
GRACE = {"id": "id-grace", "name": "Grace Hopper"}
EDSGER = {"id": "id-edsger", "name": "Edsger Dijkstra"}


def group(name, gid=None, description=None, owner=None, members=0, connections=0):
    """A group as GET /workgroups lists it (description left out when unset, as ISC does); owned by Ada by default."""
    owner = owner or ADA
    listed = {"id": gid or "g-" + name.lower().replace(" ", "-"), "name": name, "memberCount": members, "connectionCount": connections,
              "owner": {"type": "IDENTITY", "id": owner["id"], "name": owner["name"], "displayName": owner["name"]}}
    if description is not None:
        listed["description"] = description
    return listed


def entry(name, state="present", description=None, owner=None, members=None, exclusive=True):
    return {"name": name, "state": state, "description": description, "owner": owner, "members": members, "members_exclusive": exclusive}


def current(*groups, members=None):
    return {"groups": list(groups), "members": members or {}}


def records(*identities):
    """A member listing as the module keeps it: id -> member record."""
    return {identity["id"]: dict(identity, type="IDENTITY", email=None) for identity in identities}


# ------------------------------------------------------------------ actions
def test_create_with_owner_members_and_description():
    plan = plan_groups([entry("Finance", description="Approves", owner=ADA, members=[GRACE, ALAN, "id-plain", ALAN])], current())
    assert plan.actions == 1 and plan.update == [] and plan.delete == [] and plan.unchanged == []
    assert plan.create == [{"name": "Finance", "description": "Approves", "owner": ADA, "member_count": 3,
                            "members": [ALAN, GRACE, {"id": "id-plain", "name": None}]}]  # by name, unnamed ids last


def test_create_needs_an_owner_and_every_problem_is_reported_together():
    with pytest.raises(PlanError) as info:
        plan_groups([entry("A", members=[ADA]), entry("B"), entry("C", owner=ADA)], current())
    assert len(info.value.problems) == 2
    assert 'owner is required to create governance group "A"' in info.value.problems[0]
    assert '"B"' in info.value.problems[1]


def test_existing_group_without_owner_entry_is_not_a_problem():
    plan = plan_groups([entry("A", description="x")], current(group("A", description="x")))
    assert plan.unchanged == ["A"] and plan.actions == 0


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
    plan = plan_groups([entry("A", description=desired)], current(group("A", description=listed)))
    if change is None:
        assert plan.unchanged == ["A"] and plan.update == []
    else:
        assert plan.update[0]["changes"] == {"description": change}


def test_owner_is_compared_by_id_only():
    listed = group("A", owner=ADA)
    listed["owner"].update(name="stale name", emailAddress="x@example.com")
    assert plan_groups([entry("A", owner={"id": ADA["id"], "name": None})], current(listed)).unchanged == ["A"]
    plan = plan_groups([entry("A", owner=ALAN)], current(group("A", owner=ADA)))
    assert plan.update == [{"name": "A", "id": "g-a", "changes": {"owner": {"before": ADA, "after": ALAN}}, "members_add": [], "members_remove": []}]


def test_members_exclusive_adds_and_removes():
    plan = plan_groups([entry("A", members=[ALAN, GRACE])], current(group("A", members=2), members={"g-a": records(ADA, ALAN)}))
    item = plan.update[0]
    assert item["changes"] == {} and item["members_add"] == [GRACE] and item["members_remove"] == [ADA]


def test_members_additive_never_removes():
    plan = plan_groups([entry("A", members=[GRACE, ALAN], exclusive=False)], current(group("A", members=2), members={"g-a": records(ADA, ALAN)}))
    assert plan.update[0]["members_add"] == [GRACE] and plan.update[0]["members_remove"] == []
    plan = plan_groups([entry("A", members=[ALAN], exclusive=False)], current(group("A", members=2), members={"g-a": records(ADA, ALAN)}))
    assert plan.unchanged == ["A"]


def test_members_exclusive_defaults_to_true():
    desired = [dict(entry("A", members=[ALAN]), members_exclusive=None)]
    plan = plan_groups(desired, current(group("A", members=1), members={"g-a": records(ADA)}))
    assert plan.update[0]["members_remove"] == [ADA]


def test_empty_exclusive_list_empties_the_group_and_omitted_members_are_not_managed():
    full = current(group("A", members=2), members={"g-a": records(ADA, ALAN)})
    plan = plan_groups([entry("A", members=[])], full)
    assert plan.update[0]["members_remove"] == [ADA, ALAN] and plan.update[0]["members_add"] == []
    assert plan_groups([entry("A", members=None)], full).unchanged == ["A"]
    # memberCount 0: the module skips the read, so no listing is the same as no members
    assert plan_groups([entry("A", members=[])], current(group("A"))).unchanged == ["A"]
    assert plan_groups([entry("A", members=[ADA])], current(group("A"))).update[0]["members_add"] == [ADA]


def test_members_may_be_plain_ids_and_names_come_from_the_listing():
    plan = plan_groups([entry("A", members=["id-ada", "id-new"])], current(group("A", members=1), members={"g-a": ["id-alan"]}))
    # id-ada is the listed owner, so its name is known
    assert plan.update[0]["members_add"] == [ADA, {"id": "id-new", "name": None}]
    assert plan.update[0]["members_remove"] == [{"id": "id-alan", "name": None}]


def test_state_absent_deletes_an_existing_group_and_ignores_a_missing_one():
    plan = plan_groups([entry("A", state="absent"), entry("Gone", state="absent")], current(group("A", description="d", members=7)))
    assert plan.delete == [{"name": "A", "id": "g-a", "reason": REASON_ABSENT, "description": "d", "owner": ADA, "member_count": 7}]
    assert plan.unchanged == ["Gone"] and plan.actions == 1


def test_purge_deletes_unlisted_groups_except_protected_ones():
    tenant = current(group("Keep"), group("Listed"), group("Old"), group("Old", gid="g-old-2"), group("Admins"))
    plan = plan_groups([entry("Listed")], tenant, purge=True, protected=["Admins", "Keep"])
    assert [(item["name"], item["id"], item["reason"]) for item in plan.delete] == [("Old", "g-old", REASON_PURGE), ("Old", "g-old-2", REASON_PURGE)]
    assert plan.unchanged == ["Listed"]
    assert plan_groups([entry("Listed")], tenant, purge=False).delete == []


def test_groups_in_use_are_kept_not_deleted():
    tenant = current(group("Used", connections=2), group("Also used", connections=1), group("Free"))
    plan = plan_groups([entry("Also used", state="absent")], tenant, purge=True)
    assert [item["name"] for item in plan.delete] == ["Free"]
    assert plan.in_use == [{"name": "Also used", "id": "g-also-used", "reason": REASON_ABSENT, "connection_count": 1},
                           {"name": "Used", "id": "g-used", "reason": REASON_PURGE, "connection_count": 2}]
    assert plan.actions == 1


def test_an_unchanged_tenant_has_no_actions():
    tenant = current(group("A", description="d", members=1), members={"g-a": records(ALAN)})
    plan = plan_groups([entry("A", description="d", owner=ADA, members=[ALAN])], tenant, purge=True)
    assert plan.actions == 0 and plan.unchanged == ["A"] and plan.in_use == []
    assert json.loads(json.dumps(plan.to_dict())) == {"to_create": [], "to_update": [], "to_delete": [], "in_use": [], "unchanged": ["A"]}


# ------------------------------------------------------------------ problems found before any request or write
def test_check_desired_reports_duplicates_empty_names_bad_states_and_protected_absent():
    problems = check_desired([entry("A"), entry(""), entry("B", state="gone"), entry("A"), entry("P", state="absent"), entry("A")], ["P"])
    assert problems == [
        "groups[1]: name must be a non-empty string, got ''",
        "groups[2] \"B\": state must be present or absent, got 'gone'",
        "groups[4] \"P\": state is absent but the name is in protected; remove it from one of the two",
        "\"A\" is listed 3 times (groups[0], groups[3], groups[5]); each name may appear once",
    ]
    assert check_desired([entry("A"), entry("a")]) == []  # names are case-sensitive


def test_duplicates_fail_the_plan():
    with pytest.raises(PlanError, match='"A" is listed 2 times'):
        plan_groups([entry("A", owner=ADA), entry("A", owner=ADA)], current())


def test_a_managed_name_carried_by_several_groups_fails_listing_their_ids():
    tenant = current(group("Twin", gid="g-2"), group("Twin", gid="g-1"), group("Other"), group("Other", gid="g-o2"))
    assert ambiguous_names([entry("Twin")], index_by_name(tenant["groups"])) == [
        '2 governance groups are named "Twin" (ids: g-1, g-2); rename or delete all but one of them first']
    with pytest.raises(PlanError, match="ids: g-1, g-2"):
        plan_groups([entry("Twin", state="absent")], tenant)
    # unmanaged namesakes are fine (and purge deletes both)
    assert len(plan_groups([], tenant, purge=True).delete) == 4


# ------------------------------------------------------------------ summary
def test_summary_lines():
    tenant = current(group("Upd", description="old", members=2), group("Same"), group("Old", members=3), group("Used", connections=2),
                     members={"g-upd": records(ADA, ALAN)})
    desired = [entry("New", owner=ADA, members=[ALAN, GRACE], description="Fresh"),
               entry("Upd", description="new", owner=EDSGER, members=[ALAN, GRACE]),
               entry("Same")]
    lines = render_summary(plan_groups(desired, tenant, purge=True))
    assert lines == [
        "Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged",
        '+ create "New" (owner Ada Lovelace, 2 members, description "Fresh")',
        "    + Alan Turing (id-alan)",
        "    + Grace Hopper (id-grace)",
        '~ update "Upd": description "old" -> "new"; owner Ada Lovelace -> Edsger Dijkstra; members +1 -1',
        "    + Grace Hopper (id-grace)",
        "    - Ada Lovelace (id-ada)",
        '- delete "Old" (not in the list, purge, 3 members)',
        '! keep "Used": in use by 2 connections, cannot be deleted (purge)',
    ]


def test_summary_of_no_change_is_the_header_only():
    assert render_summary(plan_groups([entry("A")], current(group("A")))) == ["Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged"]


def test_summary_shortens_long_descriptions_and_long_member_lists():
    many = [{"id": "id-%03d" % i, "name": "Person %03d" % i} for i in range(25)]
    lines = render_summary(plan_groups([entry("A", owner={"id": "x", "name": None}, description="d" * 200, members=many)], current()))
    assert lines[1] == '+ create "A" (owner x, 25 members, description "%s...")' % ("d" * 57)
    assert lines[2:] == ["    + Person %03d (id-%03d)" % (i, i) for i in range(SUMMARY_MEMBER_LINES)] + ["    + ... and 15 more"]


def test_summary_of_a_state_absent_delete():
    assert render_summary(plan_groups([entry("A", state="absent")], current(group("A", members=1))))[1] == '- delete "A" (state absent, 1 member)'


# ------------------------------------------------------------------ diff
def test_diff_shows_only_groups_with_actions_keyed_by_name():
    tenant = current(group("Upd", description="old", members=2), group("Same"), group("Old", description="bye", members=3),
                     group("Old", gid="g-old-2"), members={"g-upd": records(ADA, ALAN)})
    desired = [entry("New", owner=ADA, members=[ALAN, "id-x"]), entry("Upd", members=[ALAN, GRACE]), entry("Same", description="")]
    diff = build_diff(plan_groups(desired, tenant, purge=True))
    assert diff["after"]["New"] == {"description": "", "owner": "Ada Lovelace (id-ada)", "members": ["Alan Turing (id-alan)", "id-x"]}
    assert "New" not in diff["before"] and "Same" not in diff["before"] and "Same" not in diff["after"]
    assert diff["before"]["Upd"] == {"description": "old", "owner": "Ada Lovelace (id-ada)",
                                     "members": ["Ada Lovelace (id-ada)", "Alan Turing (id-alan)"]}
    assert diff["after"]["Upd"] == {"description": "old", "owner": "Ada Lovelace (id-ada)",
                                    "members": ["Alan Turing (id-alan)", "Grace Hopper (id-grace)"]}
    # deleted groups: before only, with the listed member count (their members are not read); namesakes keyed apart
    assert diff["before"]["Old"] == {"description": "bye", "owner": "Ada Lovelace (id-ada)", "member_count": 3}
    assert diff["before"]["Old (g-old-2)"]["member_count"] == 0
    assert set(diff["after"]) == {"New", "Upd"}


def test_diff_of_an_update_without_managed_members_has_no_member_list():
    diff = build_diff(plan_groups([entry("A", owner=ALAN)], current(group("A", description="d", members=5))))
    assert diff == {"before": {"A": {"description": "d", "owner": "Ada Lovelace (id-ada)"}},
                    "after": {"A": {"description": "d", "owner": "Alan Turing (id-alan)"}}}


def test_label():
    assert label({"id": "i", "name": "N"}) == "N (i)" and label({"id": "i", "name": None}) == "i"


# ------------------------------------------------------------------ linear in members
class CountedId(str):
    """An identity id that counts how often it is compared for equality (set and dict lookups compare once per hit)."""

    comparisons = 0

    def __eq__(self, other):
        CountedId.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_ten_thousand_members_take_a_linear_number_of_comparisons():
    size = 10000
    current_ids = [CountedId("m%05d" % i) for i in range(size)]
    desired_ids = [CountedId("m%05d" % i) for i in range(size // 2, size + size // 2)]  # distinct objects, half of them equal
    tenant = current(group("Big", members=size), members={"g-big": {i: {"id": i, "name": None} for i in current_ids}})
    CountedId.comparisons = 0
    plan = plan_groups([entry("Big", owner=ADA, members=desired_ids)], tenant)
    diff = build_diff(plan)
    render_summary(plan)
    # a list scan per member would compare about size * size / 2 = 50,000,000 times
    assert CountedId.comparisons <= 20 * size
    item = plan.update[0]
    assert len(item["members_add"]) == size // 2 and len(item["members_remove"]) == size // 2
    assert len(diff["before"]["Big"]["members"]) == size and len(diff["after"]["Big"]["members"]) == size
