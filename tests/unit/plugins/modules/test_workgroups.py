# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sailpoint.isc.workgroups end to end: main() over real HTTP to the emulator, request counts from its log."""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Dict, List, Tuple


from ansible_collections.sailpoint.isc.plugins.module_utils import _client, _errors, _retry
from ansible_collections.sailpoint.isc.plugins.modules import workgroups
from tests.emulator.seed import generated_identity

from ._run import diff_sides, mutations, ops, run_module

IDS = [generated_identity(i)["id"] for i in range(1000)]
NAMES = [generated_identity(i)["name"] for i in range(1000)]
OWNER, OTHER_OWNER = IDS[900], IDS[901]
UNKNOWN = "ffffffffffffffffffffffffffffffff"
CONNECTION = {"object": {"type": "ROLE", "id": "b" * 32, "name": "Security Analyst", "description": None}, "connectionType": "Owner"}


def run(emulator, capsys, **args) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Run the module; returns (result, every request it sent, the token request included)."""
    emulator.clear_requests()
    result = run_module(workgroups.main, emulator, capsys, **args)
    return result, result.requests


def read_from(emulator, client_id: str = "") -> str:
    """The end of the plan's first line: the tenant's host and port, and the API client that read it."""
    return " (tenant 127.0.0.1:%d, API client %s)" % (emulator.port, client_id or emulator.client_id)


def floor(group_reads: int, member_counts: List[int], writes: int, new_ids: int = 0) -> int:
    """The fewest requests a converge can make: 1 token, the group reads, the member pages (none for 0), the check that
    the ids the tenant does not show yet exist (``new_ids``: ceil(n / 400) search requests, cheaper than ceil(n / 50)
    from /identities), the writes.

    The group reads are one ``name in (...)`` request for the names of a short list (up to 50 that fit in one
    filter), else the listing: ceil(groups in the tenant / 250) pages.
    """
    return 1 + group_reads + sum(math.ceil(m / 50) for m in member_counts) + math.ceil(new_ids / 400) + writes


def tenant_groups(emulator) -> Dict[str, Dict[str, Any]]:
    """name -> {id, description, owner, members (set)}; fails on duplicate names."""
    result = {}
    for group in emulator.state.dump()["groups"]:
        assert group["name"] not in result, "duplicate group %s" % group["name"]
        result[group["name"]] = {"id": group["id"], "description": group.get("description") or "", "owner": group["owner"],
                                 "members": set(group["members"])}
    return result


def seed(emulator, groups=(), generated_groups=0):
    emulator.seed({"generate": {"identities": 1000, "groups": generated_groups}, "groups": list(groups)})


def desired_groups(count=20, size=30, big=120):
    """``count`` groups of ``size`` members (the first one has ``big``), members as plain ids."""
    groups = []
    for index in range(count):
        members = IDS[index * 30:index * 30 + (big if index == 0 else size)]
        groups.append({"name": "Team %02d" % index, "description": "Team %d" % index, "owner": OWNER, "members": members})
    return groups


# ------------------------------------------------------------------ request counts against the floor
def test_create_no_change_and_changed_runs_stay_at_the_floor(emulator, capsys):
    seed(emulator, generated_groups=300)  # 300 unrelated groups: 2 pages of 250
    desired = desired_groups()
    sizes = [len(group["members"]) for group in desired]

    # create: 20 POSTs + one bulk-add each (all <= 100 members, except the 120 one: 2 chunks)
    result, requests = run(emulator, capsys, groups=desired)
    assert not result.get("failed") and result["changed"]
    writes = 20 + sum(math.ceil(size / 100) for size in sizes)
    # 20 names: one targeted read, not the 2 pages of the 300 other groups; the ids, all new to the tenant, checked to
    # exist through search (400 per request); after the creates, one listing of the 20 created names checks that no
    # simultaneous run created them too (1 request per 50 created names)
    new_ids = len({OWNER} | {member for group in desired for member in group["members"]})
    assert len(requests) == floor(1, [], writes, new_ids) + 1 == 46 and len(requests) <= 1.05 * floor(1, [], writes, new_ids)
    assert ops(requests) == {"/oauth/token": 1, "listWorkgroups": 2, "searchPost": 2, "createWorkgroup": 20, "updateWorkgroupMembers": 21}
    assert result["counts"] == {"created": 20, "updated": 0, "deleted": 0, "unchanged": 0, "members_added": sum(sizes), "members_removed": 0}
    state = tenant_groups(emulator)
    for group in desired:
        assert state[group["name"]]["members"] == set(group["members"])
        assert state[group["name"]]["owner"] == OWNER and state[group["name"]]["description"] == group["description"]

    # no change: only reads, one member page per 50 (120 members: 3 pages)
    again, requests = run(emulator, capsys, groups=desired)
    assert not again.get("failed") and not again["changed"] and mutations(requests) == []
    assert len(requests) == floor(1, sizes, 0) == 1 + 1 + 3 + 19
    # the result is what a user reads: no per-group detail for the unchanged groups unless full_result asks for it
    assert "unchanged" not in again["plan"] and again["counts"]["unchanged"] == 20 and again["plan"]["to_update"] == []
    full, requests = run(emulator, capsys, groups=desired, full_result=True)
    assert not full["changed"] and len(requests) == floor(1, sizes, 0)
    assert full["plan"]["unchanged"] == [group["name"] for group in desired] and len(json.dumps(full)) > len(json.dumps(again))
    # the invocation Ansible echoes (always before 2.19, with -vvv since) leaves the list out unless full_result asks for it
    echoed, _requests = run(emulator, capsys, groups=desired, _ansible_inject_invocation=True)
    assert echoed["invocation"]["module_args"]["groups"] == "(20 groups, returned with full_result: true)"
    assert echoed["invocation"]["module_args"]["client_secret"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    echoed, _requests = run(emulator, capsys, groups=desired, full_result=True, _ansible_inject_invocation=True)
    assert echoed["invocation"]["module_args"]["groups"][0]["name"] == desired[0]["name"]
    assert again["summary"][0] == "Plan: 0 to create, 0 to update, 0 to delete, 20 unchanged" + read_from(emulator)

    # changed: 5 descriptions and owners (one PATCH each), 10 groups swap 5 members (one bulk-add + one bulk-remove each)
    changed = copy.deepcopy(desired)
    for group in changed[:5]:
        group.update(description=group["description"] + " (renamed)", owner=OTHER_OWNER)
    for index, group in enumerate(changed[10:], start=10):
        group["members"] = group["members"][5:] + IDS[700 + index * 5:705 + index * 5]
    result, requests = run(emulator, capsys, groups=changed)
    assert not result.get("failed") and result["changed"]
    assert len(requests) == floor(1, sizes, 5 + 10 + 10, new_ids=50)  # OTHER_OWNER owns nothing yet, but is a member
    assert ops(requests) == {"/oauth/token": 1, "listWorkgroups": 1, "listWorkgroupMembers": 22, "searchPost": 1, "patchWorkgroup": 5,
                             "updateWorkgroupMembers": 10, "deleteWorkgroupMembers": 10}
    assert result["counts"] == {"created": 0, "updated": 15, "deleted": 0, "unchanged": 5, "members_added": 50, "members_removed": 50}
    state = tenant_groups(emulator)
    for group in changed:
        assert state[group["name"]]["members"] == set(group["members"])
        assert state[group["name"]]["owner"] == group["owner"] and state[group["name"]]["description"] == group["description"]
    patches = [r for r in requests if r.get("operation") == "patchWorkgroup"]
    assert all(r["status"] == 200 for r in patches)


def test_check_mode_sends_no_write_and_reports_what_the_apply_then_does(emulator, capsys):
    seed(emulator, groups=[
        {"id": "a" * 32, "name": "Upd", "description": "old", "owner": OWNER, "members": IDS[:3]},
        {"id": "b" * 32, "name": "Old", "owner": OWNER, "members": IDS[:2]},
        {"id": "c" * 32, "name": "Kept", "owner": OWNER, "members": []},
    ])
    groups = [{"name": "New", "owner": {"alias": generated_identity(900)["alias"]}, "members": [IDS[5], {"email": generated_identity(6)["email"]}]},
              {"name": "Upd", "description": "new", "members": [IDS[1], IDS[2], IDS[3]]}]
    args = dict(groups=groups, purge=True, protected=["Kept"])
    plan, requests = run(emulator, capsys, check_mode=True, diff=True, **args)
    assert not plan.get("failed") and plan["changed"]
    assert mutations(requests) == []
    assert set(tenant_groups(emulator)) == {"Upd", "Old", "Kept"}
    assert plan["summary"] == [
        "Plan: 1 to create, 1 to update, 1 to delete, 0 unchanged" + read_from(emulator),
        '+ create "New" (owner %s, 2 members)' % NAMES[900],
        "    + %s (%s)" % (NAMES[5], IDS[5]),  # a plain id: checked to exist, so its name is known too
        "    + %s (%s)" % (NAMES[6], IDS[6]),  # resolved by email
        '~ update "Upd": description "old" -> "new"; members +1 -1',
        "    + %s (%s)" % (NAMES[3], IDS[3]),
        "    - %s (%s)" % (NAMES[0], IDS[0]),  # a member: named by the member listing
        '- delete "Old" (not in the list, purge, 2 members)',
        "Check mode: nothing was changed.",
    ]
    assert plan["counts"] == {"created": 1, "updated": 1, "deleted": 1, "unchanged": 0, "members_added": 3, "members_removed": 1}
    assert plan["msg"].startswith("Would create 1, update 1 and delete 1 governance groups")
    assert diff_sides(plan)["before"]["Upd"]["members"] == sorted("%s (%s)" % (NAMES[i], IDS[i]) for i in range(3))
    assert diff_sides(plan)["after"]["New"]["owner"] == "%s (%s)" % (NAMES[900], OWNER)
    assert "New" not in diff_sides(plan)["before"] and "Old" not in diff_sides(plan)["after"]

    applied, requests = run(emulator, capsys, diff=True, **args)
    assert not applied.get("failed") and applied["changed"]
    assert applied["plan"] == plan["plan"] and applied["diff"] == plan["diff"] and applied["summary"][:-1] == plan["summary"][:-1]
    assert applied["summary"][-1] == "Done: 1 created, 1 updated, 1 deleted, 0 unchanged; members +3 -1"
    assert [r["operation"] for r in mutations(requests)] == [
        "createWorkgroup", "updateWorkgroupMembers", "patchWorkgroup", "updateWorkgroupMembers", "deleteWorkgroupMembers", "deleteWorkgroup"]
    state = tenant_groups(emulator)
    assert set(state) == {"New", "Upd", "Kept"}
    assert state["New"]["members"] == {IDS[5], IDS[6]} and state["Upd"]["members"] == {IDS[1], IDS[2], IDS[3]}

    for check_mode in (True, False):
        again, requests = run(emulator, capsys, check_mode=check_mode, diff=True, **args)
        assert not again["changed"] and mutations(requests) == []
        assert diff_sides(again) == {"before": {}, "after": {}}


# ------------------------------------------------------------------ semantics
def test_omitted_fields_are_not_managed_and_additive_members_never_remove(emulator, capsys):
    seed(emulator, groups=[{"id": "a" * 32, "name": "A", "description": "keep me", "owner": OWNER, "members": IDS[:3]},
                           {"id": "b" * 32, "name": "B", "owner": OWNER, "members": IDS[:3]}])
    result, requests = run(emulator, capsys, groups=[{"name": "A"}, {"name": "B", "members": [IDS[0], IDS[9]], "members_exclusive": False}])
    assert result["changed"] and [r["operation"] for r in mutations(requests)] == ["updateWorkgroupMembers"]
    assert "listWorkgroupMembers" in ops(requests) and ops(requests)["listWorkgroupMembers"] == 1  # only B's members are managed
    state = tenant_groups(emulator)
    assert state["A"] == {"id": "a" * 32, "description": "keep me", "owner": OWNER, "members": set(IDS[:3])}
    assert state["B"]["members"] == set(IDS[:3]) | {IDS[9]}

    # the module default members_exclusive=false makes every entry additive
    result, requests = run(emulator, capsys, members_exclusive=False, groups=[{"name": "A", "members": [IDS[5]]}])
    assert result["changed"] and tenant_groups(emulator)["A"]["members"] == set(IDS[:3]) | {IDS[5]}


def test_empty_exclusive_members_empty_the_group_and_empty_groups_are_not_read(emulator, capsys):
    seed(emulator, groups=[{"id": "a" * 32, "name": "A", "owner": OWNER, "members": IDS[:60]}])
    result, requests = run(emulator, capsys, groups=[{"name": "A", "members": []}])
    assert result["changed"] and result["counts"]["members_removed"] == 60
    assert ops(requests)["listWorkgroupMembers"] == 2 and ops(requests)["deleteWorkgroupMembers"] == 1
    assert tenant_groups(emulator)["A"]["members"] == set()
    again, requests = run(emulator, capsys, groups=[{"name": "A", "members": []}])
    assert not again["changed"] and "listWorkgroupMembers" not in ops(requests) and len(requests) == floor(1, [0], 0)


def test_state_absent_and_description_equivalence(emulator, capsys):
    seed(emulator, groups=[{"id": "a" * 32, "name": "A", "owner": OWNER, "members": []},
                           {"id": "b" * 32, "name": "B", "owner": OWNER, "members": []}])
    result, requests = run(emulator, capsys, groups=[{"name": "A", "description": ""}, {"name": "B", "state": "absent"}, {"name": "C", "state": "absent"}],
                           full_result=True)
    assert result["changed"] and result["plan"]["unchanged"] == ["A", "C"]
    assert result["summary"][-2:] == ['= absent "C" (not found)', "Done: 0 created, 0 updated, 1 deleted, 2 unchanged; members +0 -0"]
    assert [r["operation"] for r in mutations(requests)] == ["deleteWorkgroup"]  # one group: a plain DELETE
    assert set(tenant_groups(emulator)) == {"A"}


def test_purge_deletes_in_chunks_of_100_and_keeps_protected_and_in_use_groups(emulator, capsys):
    seed(emulator, generated_groups=150, groups=[
        {"id": "a" * 32, "name": "Protected", "owner": OWNER, "members": []},
        {"id": "b" * 32, "name": "In use", "owner": OWNER, "members": [], "connections": [CONNECTION]},
        {"id": "c" * 32, "name": "Listed", "owner": OWNER, "members": []},
    ])
    result, requests = run(emulator, capsys, groups=[{"name": "Listed"}], purge=True, protected=["Protected"], max_deletes=150)
    assert not result.get("failed") and result["changed"]
    assert ops(requests)["deleteWorkgroupsInBulk"] == 2 and ops(requests)["listConnections"] == 1
    assert result["counts"]["deleted"] == 150
    assert set(tenant_groups(emulator)) == {"Protected", "In use", "Listed"}
    assert result["in_use"] == [{"name": "In use", "id": "b" * 32, "reason": "purge", "connection_count": 1, "connections": [CONNECTION]}]
    warnings = json.dumps(result["warnings"], ensure_ascii=False)
    assert "in use by 1 connection: ROLE 'Security Analyst' (Owner). Remove it from these objects first, or add it to protected" in warnings
    assert '! keep "In use": in use by 1 connection, cannot be deleted (purge)' in result["summary"]

    # re-run: the group in use is reported again but costs no write, so the run is unchanged
    again, requests = run(emulator, capsys, groups=[{"name": "Listed"}], purge=True, protected=["Protected"], max_deletes=150)
    assert not again["changed"] and mutations(requests) == [] and again["in_use"][0]["name"] == "In use"
    assert len(requests) == floor(1, [], 0) + 1  # purge: the listing (153 groups, one page) + the one connections read


def test_a_409_from_bulk_delete_is_reported_as_in_use_without_failing(emulator, capsys, monkeypatch):
    # A listing without connectionCount: the plan cannot know, so ISC's 409 item tells
    seed(emulator, groups=[{"id": "b" * 32, "name": "In use", "owner": OWNER, "members": [], "connections": [CONNECTION]},
                           {"id": "c" * 32, "name": "Free", "owner": OWNER, "members": []}])
    original = _client.IscClient.list_workgroups

    def without_counts(self, *args, **kwargs):
        for group in original(self, *args, **kwargs):
            group.pop("connectionCount", None)
            yield group

    monkeypatch.setattr(_client.IscClient, "list_workgroups", without_counts)
    result, requests = run(emulator, capsys, groups=[{"name": "In use", "state": "absent"}, {"name": "Free", "state": "absent"}])
    assert not result.get("failed") and result["changed"] and result["counts"]["deleted"] == 1
    assert result["plan"]["to_delete"][0]["name"] == "In use" and result["in_use"][0]["connection_count"] == 1
    assert result["in_use"][0]["connections"][0]["object"]["name"] == "Security Analyst"
    assert set(tenant_groups(emulator)) == {"In use"}


# ------------------------------------------------------------------ failures
def test_per_identity_207_failures_name_the_group_and_do_not_stop_the_others(emulator, capsys):
    seed(emulator, groups=[{"id": "a" * 32, "name": "Upd", "owner": OWNER, "members": IDS[:2]}])
    groups = [{"name": "New", "owner": OWNER, "members": [IDS[3], UNKNOWN]},
              {"name": "Upd", "members": [IDS[4], UNKNOWN]},  # an addition fails: nobody is removed
              {"name": "Fine", "owner": OWNER, "members": [IDS[5]]}]
    result, requests = run(emulator, capsys, groups=groups, verify_identity_ids=False)  # ISC itself refuses the unknown id
    assert result["failed"] and result["changed"]
    assert [(f["name"], f["action"], f["status"]) for f in result["failures"]] == [("New", "add members", 404), ("Upd", "add members", 404)]
    assert result["failures"][0]["identities"] == [{"id": UNKNOWN, "name": None, "status": 404,
                                                    "description": 'Referenced Identity "%s" was not found.' % UNKNOWN}]
    assert "deleteWorkgroupMembers" not in ops(requests)
    state = tenant_groups(emulator)
    assert state["New"]["members"] == {IDS[3]} and state["Fine"]["members"] == {IDS[5]} and state["Upd"]["members"] == set(IDS[:2]) | {IDS[4]}
    assert result["counts"]["created"] == 2 and result["counts"]["members_added"] == 3
    assert ('Failed to converge the governance groups (2 failures): "New" add members: ISC refused 1 identity: %s: HTTP 404 Referenced Identity "%s" '
            'was not found; "Upd" add members: ' % (UNKNOWN, UNKNOWN)) in result["msg"]
    assert "What succeeded: Created 2, updated 1" in result["msg"] and "Run the task again" in result["msg"]
    assert result["summary"][-1] == "Done: 2 created, 1 updated, 0 deleted, 0 unchanged; members +3 -0; 2 failures (see failures)"


def test_create_refused_by_isc_reports_status_message_and_tracking_id(emulator, capsys):
    seed(emulator)
    groups = [{"name": "Bad", "owner": UNKNOWN}, {"name": "Good", "owner": OWNER}]
    result, requests = run(emulator, capsys, groups=groups, verify_identity_ids=False)  # ISC itself refuses the unknown id
    assert result["failed"] and result["changed"] and set(tenant_groups(emulator)) == {"Good"}
    failure = result["failures"][0]
    assert failure["name"] == "Bad" and failure["action"] == "create" and failure["status"] == 400 and failure["id"] is None
    assert failure["message"] == 'Referenced owner identity "%s" was not found.' % UNKNOWN
    assert failure["tracking_id"] and failure["tracking_id"] in result["msg"]


def test_verify_identity_ids_fails_before_any_write_and_skips_known_ids(emulator, capsys):
    seed(emulator, groups=[{"id": "a" * 32, "name": "A", "owner": OWNER, "members": IDS[:60]}])
    groups = [{"name": "A", "members": IDS[:60] + [UNKNOWN]}, {"name": "B", "owner": OWNER, "members": [IDS[70]]}]
    for check_mode in (True, False):  # the default, check mode too: nothing is half-applied
        result, requests = run(emulator, capsys, check_mode=check_mode, groups=groups)
        assert result["failed"] and mutations(requests) == [] and set(tenant_groups(emulator)) == {"A"}
        assert "id '%s': no identity has this id (in groups[0] \"A\" members[60])" % UNKNOWN in result["msg"]
    assert ops(requests)["listIdentities"] == 1  # UNKNOWN and IDS[70]; members and the owner are known

    groups[0]["members"] = IDS[:60]
    result, requests = run(emulator, capsys, groups=groups)
    assert result["changed"] and ops(requests)["listIdentities"] == 1

    groups[1]["members"] = [UNKNOWN]  # the risk of verify_identity_ids=false: ISC refuses the id after the group was created
    result, requests = run(emulator, capsys, groups=[dict(groups[1], name="C")], verify_identity_ids=False)
    assert result["failed"] and "ISC refused 1 identity" in result["msg"] and "C" in tenant_groups(emulator)


def test_bad_references_and_duplicate_names_fail_before_any_request(emulator, capsys):
    seed(emulator)
    result, requests = run(emulator, capsys, groups=[{"name": "A", "owner": {"alias": "x", "email": "y"}, "members": [{"nick": "z"}]},
                                                     {"name": "B", "owner": OWNER}, {"name": "B", "owner": OWNER}])
    assert result["failed"] and requests == []
    assert result["problems"][0] == '"B" is listed 2 times (groups[1], groups[2]); each name may appear once'
    assert result["problems"][1].startswith('groups[0] "A" owner: ') and "exactly one of" in result["problems"][1]
    assert result["problems"][2].startswith('groups[0] "A" members[0]: ') and "unknown keys nick" in result["problems"][2]

    # a wrapper names the list the way its users know it (the role: isc_governance_groups)
    result, requests = run(emulator, capsys, groups_label="isc_governance_groups",
                           groups=[{"name": "A", "owner": {"alias": "x", "email": "y"}}, {"name": "A", "owner": OWNER}])
    assert result["failed"] and requests == []
    assert result["problems"] == ['"A" is listed 2 times (isc_governance_groups[0], isc_governance_groups[1]); each name may appear once',
                                  'isc_governance_groups[0] "A" owner: %r must have exactly one of id, alias, email, name' % {"alias": "x", "email": "y"}]

    result, requests = run(emulator, capsys, groups=[{"name": "P", "state": "absent"}], protected=["P"])
    assert result["failed"] and requests == [] and "state is absent but the name is in protected" in result["msg"]


def test_malformed_entries_are_named_before_any_request(emulator, capsys):
    """The module checks each entry itself (no suboptions for AnsibleModule): the entry, the key, the closest valid key."""
    seed(emulator)
    groups = [{"name": "Finance Approvers", "owner": OWNER, "member": [OWNER]}, {"name": "B", "members_exclusive": "sometimes"},
              {"description": "no name", "state": "gone"}]
    result, requests = run(emulator, capsys, groups_label="isc_governance_groups", groups=groups)
    assert result["failed"] and requests == []  # not even a token
    assert result["problems"] == [
        "isc_governance_groups[0] \"Finance Approvers\": unknown key 'member' (did you mean 'members'?); the keys are name, description, "
        "owner, members, members_exclusive, members_query, allow_empty_query, max_removed_percent, max_added_percent, max_matched_percent, state",
        "isc_governance_groups[1] \"B\": members_exclusive must be a boolean (true or false), got 'sometimes' (a string)",
        "isc_governance_groups[2]: state must be one of present, absent, got 'gone' (a string)",
        "isc_governance_groups[2]: name is required"]
    assert result["msg"] == "Invalid groups, nothing was read or changed: " + "; ".join(result["problems"])
    assert "argument_spec_data" not in result and len(result["msg"]) < 800  # not Ansible's message with the whole spec


def test_unresolvable_references_are_reported_together_before_any_write(emulator, capsys):
    seed(emulator)
    result, requests = run(emulator, capsys, groups=[{"name": "A", "owner": {"alias": "nobody"}, "members": [{"email": "none@example.com"}]},
                                                     {"name": "B", "owner": OWNER, "members": [{"alias": "nobody"}]}])
    assert result["failed"] and mutations(requests) == []
    assert result["problems"] == ["alias 'nobody': no identity has this alias (in groups[0] \"A\" owner, groups[1] \"B\" members[0])",
                                  "email 'none@example.com': no identity has this email (in groups[0] \"A\" members[0])"]


def test_alias_and_name_references_refused_for_lack_of_user_context_are_named_with_their_groups(emulator, capsys):
    """An API client has no user context: ISC refuses GET /identities (403). The message starts with the references (the
    first five) and the groups that use each (the first three), before the HTTP details; nothing else is sent."""
    seed(emulator)
    emulator.seed({"clients": [{"client_id": "app", "client_secret": "app-secret", "user_context": False, "scopes": ["sp:scopes:all"]}]})
    aliases = [generated_identity(index)["alias"] for index in range(6)]
    groups = [{"name": "G%d" % index, "owner": OWNER, "members": [{"alias": alias} for alias in aliases]
               + [{"name": NAMES[7]}, {"email": generated_identity(8)["email"]}]} for index in range(5)]
    result, requests = run(emulator, capsys, client_id="app", client_secret="app-secret", groups=groups)
    assert result.failed and mutations(requests) == []
    places = [' (in %s and 2 more)' % ", ".join('groups[%d] "G%d" members[%d]' % (group, group, index) for group in range(3))
              for index in range(5)]
    assert result["msg"].startswith(
        "Could not resolve the identities (references and members queries), nothing was changed: "
        + ", ".join("alias %r%s" % (alias, place) for alias, place in zip(aliases, places)) + " and 2 more need a personal access token: "
        "GET /v2024/identities: HTTP 403 Forbidden: "), result["msg"]
    assert result["msg"].endswith("give these identities by email or id (sailpoint.isc.identity_info finds them), or use a "
                                  "personal access token)")
    assert result["status"] == 403 and result["tracking_id"] in result["msg"]
    # the owner's plain id is checked first (/identities refuses it, search finds it); then one refused request for the
    # aliases: the name is not looked up (it would be refused the same way), nor the email
    assert ops(requests) == {"/oauth/token": 1, "listWorkgroups": 1, "listIdentities": 2, "searchPost": 1}


def test_an_ambiguous_name_fails_before_any_write_listing_the_ids(emulator, capsys):
    seed(emulator, groups=[{"id": "a" * 32, "name": "Twin", "owner": OWNER, "members": [], "created": "2024-01-01T08:00:00.000Z"},
                           {"id": "b" * 32, "name": "Twin", "owner": OWNER, "members": []}])  # months apart: not a race of runs
    result, requests = run(emulator, capsys, groups=[{"name": "New", "owner": OWNER}, {"name": "Twin", "description": "x"}])
    assert result["failed"] and mutations(requests) == []
    assert "2 governance groups are named \"Twin\" (ids: %s, %s)" % ("a" * 32, "b" * 32) in result["msg"]


def test_owner_is_required_to_create(emulator, capsys):
    seed(emulator)
    result, requests = run(emulator, capsys, groups=[{"name": "Ownerless", "members": [IDS[0]]}, {"name": "Fine", "owner": OWNER}])
    assert result["failed"] and mutations(requests) == []
    assert 'owner is required to create governance group "Ownerless"' in result["msg"]


def test_a_connection_error_stops_the_remaining_writes(emulator, capsys, monkeypatch):
    seed(emulator)

    def unreachable(self, body):
        raise _errors.IscConnectionError("POST /v2024/workgroups: could not connect", method="POST", path="/v2024/workgroups")

    monkeypatch.setattr(_client.IscClient, "create_workgroup", unreachable)
    result, requests = run(emulator, capsys, groups=[{"name": "A", "owner": OWNER}, {"name": "B", "owner": OWNER}])
    assert result["failed"] and not result["changed"]
    assert [f["name"] for f in result["failures"]] == ["A"]
    assert 'The remaining writes (1 group: "B") were not attempted after this error.' in result["msg"]


def test_a_token_without_the_rights_stops_at_the_first_403_naming_what_is_missing(emulator, capsys):
    """403 (a missing scope): one failure with ISC's message, the other writes not attempted, the tenant unchanged."""
    groups, before = _read_only_client(emulator)
    result, requests = run(emulator, capsys, client_id="read-only", client_secret="s3cret-read-only", groups=groups, max_concurrent_requests=1)
    assert result.failed and not result["changed"]
    assert [(f["name"], f["action"], f["status"]) for f in result["failures"]] == [("New 1", "create", 403)]
    assert "idn:workgroup:manage" in result["failures"][0]["message"]
    assert result["msg"].startswith('Failed to converge the governance groups (1 failure): "New 1" create: HTTP 403 ')
    assert ('The remaining writes (3 groups: "New 2", "Existing", "Old") were not attempted: the token lacks the rights for them '
            "(HTTP 403; ISC's message above names the missing scope or user level).") in result["msg"]
    assert result["msg"].endswith("Give the token the rights ISC names above, then run the task again.")
    assert [(r["method"], r["status"]) for r in mutations(requests)] == [("POST", 403)]  # one write, then none
    assert tenant_groups(emulator) == before


def test_with_concurrent_writes_a_403_still_stops_every_later_write(emulator, capsys):
    """The two creates go out together (the second, unless the first failed before it started); no update or delete
    starts after them, and every group not attempted is named."""
    groups, before = _read_only_client(emulator)
    result, requests = run(emulator, capsys, client_id="read-only", client_secret="s3cret-read-only", groups=groups, max_concurrent_requests=10)
    assert result.failed and not result["changed"]
    failed = [f["name"] for f in result["failures"]]
    assert failed in (["New 1"], ["New 2"], ["New 1", "New 2"])
    assert {(f["action"], f["status"]) for f in result["failures"]} == {("create", 403)}
    skipped = [name for name in ("New 1", "New 2") if name not in failed] + ["Existing", "Old"]
    assert 'The remaining writes (%d groups: %s) were not attempted' % (len(skipped), ", ".join('"%s"' % name for name in skipped)) in result["msg"]
    assert [(r["method"], r["path"], r["status"]) for r in mutations(requests)] == [("POST", "/v2024/workgroups", 403)] * len(failed)
    assert tenant_groups(emulator) == before


def _read_only_client(emulator):
    """A tenant with two groups and an API client that may only read; the groups of a run that needs every kind of write."""
    seed(emulator, groups=[{"id": "c" * 32, "name": "Existing", "owner": OWNER, "members": []},
                           {"id": "d" * 32, "name": "Old", "owner": OWNER, "members": []}])
    emulator.seed({"clients": [{"client_id": "read-only", "client_secret": "s3cret-read-only", "user_context": True,
                                "scopes": ["idn:workgroup:read", "idn:identity:read", "sp:scopes:default"]}]})
    groups = [{"name": "New 1", "owner": OWNER}, {"name": "New 2", "owner": OWNER}, {"name": "Existing", "members": [IDS[1]]},
              {"name": "Old", "state": "absent"}]
    return groups, tenant_groups(emulator)


def test_a_lost_create_response_still_makes_exactly_one_group(emulator, capsys, monkeypatch):
    seed(emulator)
    monkeypatch.setattr(_retry, "backoff_delay", lambda *args, **kwargs: 0.0)
    emulator.set_faults({"rate_limit": None, "drop_after_write_rate": 1.0, "random_seed": 1})
    result, requests = run(emulator, capsys, groups=[{"name": "Once", "owner": OWNER, "description": "d"}])
    assert not result.get("failed") and result["changed"] and result["counts"]["created"] == 1
    assert [r for r in requests if r.get("operation") == "createWorkgroup"][0]["dropped"]
    assert ops(requests)["createWorkgroup"] == 1  # found by the lookup, not sent again
    assert "the lookup finds it now" in json.dumps(result["warnings"])  # structured warnings on ansible-core >= 2.19
    emulator.set_faults({"rate_limit": None})
    assert list(tenant_groups(emulator)) == ["Once"]
    again, requests = run(emulator, capsys, groups=[{"name": "Once", "owner": OWNER, "description": "d"}])
    assert not again["changed"]


def test_a_stop_after_a_patch_still_counts_what_was_done(emulator, capsys, monkeypatch):
    seed(emulator, groups=[{"id": "a" * 32, "name": "A", "description": "old", "owner": OWNER, "members": []},
                           {"id": "b" * 32, "name": "B", "description": "old", "owner": OWNER, "members": []}])

    def rate_limited(self, workgroup_id, identity_ids):
        raise _errors.IscRateLimitError("POST", "/v2024/workgroups/%s/members/bulk-add" % workgroup_id, 429, ["Rate Limit Exceeded"])

    monkeypatch.setattr(_client.IscClient, "add_members", rate_limited)
    # one request at a time, so that B certainly starts after A's 429 (with more, B's patch may already be under way)
    result, requests = run(emulator, capsys, groups=[{"name": "A", "description": "new", "members": [IDS[0]]},
                                                     {"name": "B", "description": "new"}], max_concurrent_requests=1)
    assert result["failed"] and result["changed"] and result["counts"]["updated"] == 1
    assert [(f["name"], f["action"], f["status"]) for f in result["failures"]] == [("A", "add members", 429)]
    assert [r["operation"] for r in mutations(requests)] == ["patchWorkgroup"]  # B is not attempted after the 429
    assert tenant_groups(emulator)["A"]["description"] == "new" and tenant_groups(emulator)["B"]["description"] == "old"


# ------------------------------------------------------------------ guards against deleting too much
def test_a_purge_above_max_deletes_fails_before_any_write_showing_the_plan(emulator, capsys):
    seed(emulator, generated_groups=11, groups=[{"id": "c" * 32, "name": "Listed", "owner": OWNER, "members": []}])
    before = tenant_groups(emulator)
    for check_mode in (True, False):
        result, requests = run(emulator, capsys, check_mode=check_mode, diff=True, groups=[{"name": "Listed"}], purge=True)
        assert result.failed and not result["changed"]
        assert result["msg"] == (
            "Refused to run the plan, nothing was changed: the plan deletes 11 governance groups (11 not in the list, purge; 0 listed "
            "as absent), more than the limit of 10 per run. Review the plan (summary, plan.to_delete); if these deletions are "
            "intended, set max_deletes to 11 or more (role variable isc_governance_groups_max_deletes).")
        assert result["summary"][0] == "Plan: 0 to create, 0 to update, 11 to delete, 1 unchanged" + read_from(emulator)
        assert result["summary"][-1] == "Refused: nothing was changed (see msg)."
        assert len(result["plan"]["to_delete"]) == 11 and len(diff_sides(result)["before"]) == 11
        assert mutations(requests) == [] and ops(requests) == {"/oauth/token": 1, "listWorkgroups": 1}
        assert tenant_groups(emulator) == before

    # state: absent counts too; raising the limit lets the same plan run
    absent = [{"name": "Listed", "state": "absent"}]
    result, requests = run(emulator, capsys, groups=absent, purge=True, max_deletes=11)
    assert result.failed and "(11 not in the list, purge; 1 listed as absent), more than the limit of 11" in result["msg"]
    assert "set max_deletes to 12 or more" in result["msg"] and mutations(requests) == []
    result, requests = run(emulator, capsys, groups=absent, purge=True, max_deletes=12)
    assert not result.failed and result["counts"]["deleted"] == 12 and tenant_groups(emulator) == {}
    assert ops(mutations(requests)) == {"deleteWorkgroupsInBulk": 1}


def test_an_empty_list_with_purge_is_refused_before_any_request_unless_allowed(emulator, capsys):
    seed(emulator, groups=[{"id": "a" * 32, "name": "Protected", "owner": OWNER, "members": []},
                           {"id": "c" * 32, "name": "Other", "owner": OWNER, "members": []}])
    for check_mode in (True, False):
        result, requests = run(emulator, capsys, check_mode=check_mode, groups=[], purge=True, protected=["Protected"])
        assert result.failed and requests == []
        assert result["msg"] == (
            "Invalid groups, nothing was read or changed: the list of groups is empty and purge is on, which would delete every "
            "governance group of the tenant that is not protected; if that is intended, also set allow_empty_purge to true (role "
            "variable isc_governance_groups_allow_empty_purge)")
    result, requests = run(emulator, capsys, groups=[], purge=False)
    assert not result.failed and not result["changed"] and mutations(requests) == []
    result, requests = run(emulator, capsys, groups=[], purge=True, protected=["Protected"], allow_empty_purge=True)
    assert not result.failed and result["counts"]["deleted"] == 1 and set(tenant_groups(emulator)) == {"Protected"}


# ------------------------------------------------------------------ identity references must look like ids
def test_an_alias_written_as_a_plain_string_fails_before_any_request(emulator, capsys):
    seed(emulator, groups=[{"id": "c" * 32, "name": "Finance", "owner": OWNER, "members": [IDS[1]]}])
    before = tenant_groups(emulator)
    for check_mode in (True, False):
        result, requests = run(emulator, capsys, check_mode=check_mode, groups=[
            {"name": "Finance", "owner": "demo.admin", "members": ["alan.clark", {"alias": NAMES[2]}, IDS[3], {"id": "x" * 300}]}])
        assert result.failed and requests == []
        assert result["msg"] == (
            "Invalid groups, nothing was read or changed: groups[0] \"Finance\" owner: 'demo.admin' is not an identity id; to look it up "
            "by alias write {alias: demo.admin} (an identity id is 32 hexadecimal characters); groups[0] \"Finance\" members[0]: "
            "'alan.clark' is not an identity id; to look it up by alias write {alias: alan.clark} (an identity id is 32 hexadecimal "
            "characters); groups[0] \"Finance\" members[3]: {id: ...}: '%s... (300 characters)' is not an identity id; to look it up "
            "by alias write {alias: %s... (300 characters)} (an identity id is 32 hexadecimal characters)" % ("x" * 80, "x" * 80))
        assert tenant_groups(emulator) == before


def test_an_over_long_name_fails_before_any_request_without_echoing_it(emulator, capsys):
    seed(emulator)
    long_name = "L" * 70000
    result, requests = run(emulator, capsys, groups=[{"name": "Fine", "owner": OWNER}, {"name": long_name, "owner": OWNER}])
    assert result.failed and requests == []
    assert result["msg"] == ("Invalid groups, nothing was read or changed: groups[1]: name is 70000 characters long, more than the 128 a "
                             "governance group name may have: '%s...' (70000 characters)" % ("L" * 80))
    assert tenant_groups(emulator) == {}


def test_protected_names_with_spaces_fail_before_any_request(emulator, capsys):
    """Issue 20: a comma-separated string is split by Ansible without trimming, and " Empty Group" protects nothing."""
    seed(emulator, groups=[{"name": name, "owner": OWNER} for name in ("All Engineering", "Empty Group", "Retired Reviewers")])
    result, requests = run(emulator, capsys, groups=[], purge=True, allow_empty_purge=True,
                           protected="All Engineering, Empty Group, Retired Reviewers")
    assert result["failed"] and requests == [] and len(tenant_groups(emulator)) == 3
    assert result["problems"][0].startswith("protected[1] ' Empty Group' has spaces before or after the name")
    assert 'give a list instead, e.g. protected: ["All Engineering", "Empty Group", "Retired Reviewers"]' in result["problems"][0]


def test_a_protected_name_no_group_carries_is_a_warning_of_the_plan(emulator, capsys):
    seed(emulator, groups=[{"name": "Kept", "owner": OWNER}, {"name": "Gone", "owner": OWNER}])
    result, requests = run(emulator, capsys, check_mode=True, groups=[], purge=True, allow_empty_purge=True, protected=["Kept", "kept", "Typo"])
    assert not result.get("failed") and mutations(requests) == []
    assert [step["name"] for step in result["plan"]["to_delete"]] == ["Gone"]
    assert any('protected names no governance group of the tenant carries (names match exactly, case included): "Typo", "kept"' in str(w)
               for w in result["warnings"]), result["warnings"]


def test_a_protected_name_that_differs_in_case_names_the_group_it_leaves_unprotected(emulator, capsys):
    """The red team's case: protected "retired reviewers" warned "no group carries" while "Retired Reviewers" was
    purged in the same plan; the warning names the near match."""
    seed(emulator, groups=[{"name": "Retired Reviewers", "owner": OWNER}])
    result, requests = run(emulator, capsys, check_mode=True, groups=[], purge=True, allow_empty_purge=True,
                           protected=["retired reviewers"])
    assert [step["name"] for step in result["plan"]["to_delete"]] == ["Retired Reviewers"] and mutations(requests) == []
    assert any('"retired reviewers" ("Retired Reviewers" differs only in case, so it is not protected)' in str(w)
               for w in result["warnings"]), result["warnings"]


def test_an_upper_case_id_is_the_member_it_names(emulator, capsys):
    """Issue 20: upper-case ids passed the check and showed a member swapped for itself."""
    seed(emulator, groups=[{"id": "a" * 32, "name": "A", "owner": OWNER, "members": IDS[:2]}])
    result, requests = run(emulator, capsys, groups=[{"name": "A", "owner": OWNER.upper(), "members": [IDS[0].upper(), IDS[1]]}])
    assert not result.get("failed") and not result["changed"] and mutations(requests) == []
    result, requests = run(emulator, capsys, groups=[{"name": "B", "owner": OWNER.upper(), "members": [IDS[2].upper()]}])
    assert not result.get("failed") and tenant_groups(emulator)["B"]["members"] == {IDS[2]} and tenant_groups(emulator)["B"]["owner"] == OWNER
