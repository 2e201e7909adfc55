# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""workgroup_members against the emulator: real HTTP, request counts read from the emulator's log."""

from __future__ import annotations

import json

import pytest


from ansible_collections.sailpoint.isc.plugins.module_utils import _client, _errors
from ansible_collections.sailpoint.isc.plugins.modules import workgroup_members
from tests.emulator.seed import generated_identity

from ._run import api_requests, mutations, run_module
from ._run import ops as counts

ADA = "2c9180835d2e5168015d32f890ca1581"
ALAN = "2c9180835d2e5168015d32f890ca1582"
GRACE = "2c9180835d2e5168015d32f890ca1583"
EDSGER = "2c9180835d2e5168015d32f890ca1584"
TWIN1 = "2c9180835d2e5168015d32f890ca1586"
GROUP = "00000000000000000000000000000a01"
UNKNOWN = "ffffffffffffffffffffffffffffffff"

IDENTITIES = [
    {"id": ADA, "name": "ada.lovelace", "alias": "ada", "email": "ada@example.com"},
    {"id": ALAN, "name": "alan.turing", "alias": "alan", "email": "alan@example.com"},
    {"id": GRACE, "name": "grace.hopper", "alias": "grace", "email": "grace@example.com"},
    {"id": EDSGER, "name": "edsger.dijkstra", "alias": "edsger", "email": "edsger@example.com"},
    {"id": TWIN1, "name": "twin.name", "alias": "twin1", "email": "twin1@example.com"},
    {"id": "2c9180835d2e5168015d32f890ca1587", "name": "twin.name", "alias": "twin2", "email": "twin2@example.com"},
]
GENERATED = [generated_identity(i)["id"] for i in range(10300)]


def seed(emulator, members, identities=0):
    emulator.seed({"generate": {"identities": identities}, "identities": IDENTITIES,
                   "groups": [{"id": GROUP, "name": "Reviewers", "owner": ADA, "members": members}]})
    emulator.clear_requests()


def run(emulator, capsys, **args):
    """Run the module; returns (result, failed, the API requests it sent)."""
    emulator.clear_requests()
    result = run_module(workgroup_members.main, emulator, capsys, **args)
    return result, result.failed, api_requests(result.requests)


def members_of(emulator):
    with emulator.state.lock:
        return set(emulator.state.groups[GROUP]["members"])


def pages(members):
    """Member pages the client reads: the floor, ceil(members / 50), and one (empty) page for an empty group."""
    return max(1, -(-members // 50))


def test_add_by_every_reference_kind_then_idempotent(emulator, capsys):
    seed(emulator, [ADA])
    members = [ADA, {"alias": "alan"}, {"email": "GRACE@example.com"}, {"name": "edsger.dijkstra"}, {"id": TWIN1}]
    result, failed, requests = run(emulator, capsys, workgroup_name="Reviewers", members=members)
    assert not failed and result["changed"]
    assert members_of(emulator) == {ADA, ALAN, GRACE, EDSGER, TWIN1}
    assert [m["id"] for m in result["added"]] == [ALAN, EDSGER, GRACE, TWIN1]  # sorted by name
    assert result["added"][0] == {"id": ALAN, "name": "alan.turing", "email": "alan@example.com"}
    assert result["removed"] == [] and result["added_count"] == 4 and result["removed_count"] == 0
    assert result["member_count"] == 5 and {m["id"] for m in result["members"]} == members_of(emulator)
    assert result["workgroup"] == {"id": GROUP, "name": "Reviewers"}
    assert "Added 4 and removed 0 members" in result["msg"]
    # one bulk-add; ADA is a member given by id, so it needs no lookup
    assert counts(requests)["updateWorkgroupMembers"] == 1 and len(mutations(requests)) == 1

    again, failed, requests = run(emulator, capsys, workgroup_name="Reviewers", members=members)
    assert not failed and not again["changed"] and mutations(requests) == []
    assert again["members"] == result["members"]
    assert "already has the requested membership (5 members)" in again["msg"]


def test_additive_keeps_others_and_absent_removes_only_listed(emulator, capsys):
    seed(emulator, [ADA, ALAN, GRACE])
    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, members=[EDSGER])
    assert not failed and result["changed"] and members_of(emulator) == {ADA, ALAN, GRACE, EDSGER}
    assert counts(requests) == {"getWorkgroup": 1, "listWorkgroupMembers": 1, "listIdentities": 1, "updateWorkgroupMembers": 1}

    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, state="absent", members=[ALAN, {"alias": "grace"}, TWIN1])
    assert not failed and result["changed"]
    assert [m["id"] for m in result["removed"]] == [ALAN, GRACE] and result["added"] == []
    assert members_of(emulator) == {ADA, EDSGER}
    assert counts(requests)["deleteWorkgroupMembers"] == 1

    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, state="absent", members=[ALAN, {"alias": "grace"}, TWIN1])
    assert not failed and not result["changed"] and mutations(requests) == []


def test_exclusive_and_empty_exclusive(emulator, capsys):
    seed(emulator, [ADA, ALAN, GRACE])
    result, failed, requests = run(emulator, capsys, workgroup_name="Reviewers", exclusive=True, members=[GRACE, {"alias": "edsger"}, GRACE])
    assert [r["operation"] for r in mutations(requests)] == ["updateWorkgroupMembers", "deleteWorkgroupMembers"]  # additions first
    assert not failed and result["changed"]
    assert members_of(emulator) == {GRACE, EDSGER}
    assert [m["id"] for m in result["added"]] == [EDSGER]
    assert [m["id"] for m in result["removed"]] == [ADA, ALAN]

    result, failed, requests = run(emulator, capsys, workgroup_name="Reviewers", exclusive=True, members=[EDSGER, GRACE])
    assert not failed and not result["changed"] and requests and mutations(requests) == []

    planned, failed, requests = run(emulator, capsys, check_mode=True, workgroup_name="Reviewers", exclusive=True, members=[])
    assert not failed and planned["changed"] and mutations(requests) == []
    assert planned["member_count"] == 0 and planned["members"] == [] and planned["removed_count"] == 2  # the group it would leave

    result, failed, requests = run(emulator, capsys, workgroup_name="Reviewers", exclusive=True, members=[])
    assert [r["operation"] for r in mutations(requests)] == ["deleteWorkgroupMembers"]
    assert not failed and result["changed"] and members_of(emulator) == set()
    assert result["member_count"] == 0 and result["removed_count"] == 2

    result, failed, requests = run(emulator, capsys, workgroup_name="Reviewers", exclusive=True, members=[])
    assert not failed and not result["changed"] and mutations(requests) == []


def test_members_is_required_and_exclusive_absent_is_refused(emulator, capsys):
    seed(emulator, [ADA])
    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, exclusive=True)
    assert failed and "members" in result["msg"] and requests == []
    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, exclusive=True, state="absent", members=[ADA])
    assert failed and "exclusive=true only works with state=present" in result["msg"] and requests == []
    assert members_of(emulator) == {ADA}


@pytest.mark.parametrize("check_mode", [True, False])
def test_large_group_request_counts(emulator, capsys, check_mode):
    # 300 members -> 120 after an exclusive update that keeps 100, adds 20 and removes 200
    seed(emulator, GENERATED[:300], identities=400)
    desired = GENERATED[200:320]
    result, failed, requests = run(emulator, capsys, check_mode=check_mode, diff=True, workgroup_id=GROUP, exclusive=True, members=desired)
    assert not failed and result["changed"]
    assert result["added_count"] == 20 and result["removed_count"] == 200 and result["member_count"] == 120
    ops = counts(requests)
    assert ops["listWorkgroupMembers"] == pages(300)
    assert ops["listIdentities"] == 1  # the 20 ids that are not members yet, verified with one id in (...) request
    if check_mode:
        assert mutations(requests) == [] and len(members_of(emulator)) == 300
    else:
        assert ops["updateWorkgroupMembers"] == 1 and ops["deleteWorkgroupMembers"] == 2
        assert members_of(emulator) == set(desired)
    before, after = result["diff"]["before"].splitlines(), result["diff"]["after"].splitlines()
    assert len(before) == 300 and len(after) == 120 and after == sorted(after, key=lambda line: (line.lower(), line))
    name = generated_identity(300)["name"]
    assert "%s (%s)" % (name, GENERATED[300]) in after


def test_ten_thousand_members_converge_with_minimum_requests(emulator, capsys):
    seed(emulator, GENERATED[:10000], identities=10300)
    desired = GENERATED[300:10300]  # remove 300, add 300
    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, exclusive=True, members=desired)
    assert not failed and result["added_count"] == 300 and result["removed_count"] == 300 and result["member_count"] == 10000
    ops = counts(requests)
    # the 300 new ids are verified with one search request (up to 400 values each) instead of 6 /identities pages of 50
    assert ops == {"getWorkgroup": 1, "listWorkgroupMembers": pages(10000), "searchPost": 1,
                   "updateWorkgroupMembers": 3, "deleteWorkgroupMembers": 3}
    assert members_of(emulator) == set(desired)
    again, failed, requests = run(emulator, capsys, workgroup_id=GROUP, exclusive=True, members=desired)
    assert not failed and not again["changed"]
    assert counts(requests) == {"getWorkgroup": 1, "listWorkgroupMembers": pages(10000)}


def test_unknown_or_ambiguous_reference_fails_before_any_write(emulator, capsys):
    seed(emulator, [ADA])
    for bad, fragment in ((UNKNOWN, "no identity has this id"), ({"alias": "nobody"}, "no identity has this alias"),
                          ({"name": "twin.name"}, "2 identities match"), ({"alias": "ada", "email": "x"}, "exactly one of")):
        result, failed, requests = run(emulator, capsys, workgroup_name="Reviewers", exclusive=True, members=[ALAN, bad])
        assert failed and fragment in result["msg"], result["msg"]
        assert "governance group 'Reviewers'" in result["msg"]
        assert mutations(requests) == []
        assert members_of(emulator) == {ADA}


def test_missing_group(emulator, capsys):
    seed(emulator, [ADA])
    result, failed, requests = run(emulator, capsys, workgroup_name="Nope", members=[ADA])
    assert failed and result["msg"] == "Cannot manage members: governance group 'Nope' was not found."
    # in check mode the group may be one an earlier task would create: the message says how to chain the two
    result, failed, requests = run(emulator, capsys, check_mode=True, workgroup_name="Nope", members=[ADA])
    assert failed and result["msg"].startswith("Cannot manage members: governance group 'Nope' was not found. In check mode")
    assert 'workgroup_id: "{{ <registered result>.workgroup.id }}"' in result["msg"] and mutations(requests) == []
    result, failed, requests = run(emulator, capsys, workgroup_id=UNKNOWN, members=[ADA])
    assert failed and UNKNOWN in result["msg"] and "not found" in result["msg"]
    assert counts(requests) == {"getWorkgroup": 1}


def test_item_failure_reports_what_was_done(emulator, capsys):
    # An API client without user context verifies ids through search, which cannot tell an unknown id from one it has
    # not indexed yet; the unknown id is then used, with a warning, and bulk-add answers it with item status 404.
    seed(emulator, [ADA, ALAN])
    emulator.seed({"clients": [{"client_id": "app", "client_secret": "app-secret", "user_context": False}]})
    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, exclusive=True, client_id="app", client_secret="app-secret",
                                   members=[ADA, GRACE, UNKNOWN])
    assert failed and result["changed"]
    assert [m["id"] for m in result["added"]] == [GRACE] and result["removed"] == []
    assert result["failed_members"] == [{"id": UNKNOWN, "name": None, "action": "add", "status": 404,
                                         "description": 'Referenced Identity "%s" was not found.' % UNKNOWN}]
    assert "adding 1 member failed: %s: HTTP 404" % UNKNOWN in result["msg"]
    assert "nobody was removed because an addition failed" in result["msg"]
    assert "Search did not find 1 identity id (%s)" % UNKNOWN in json.dumps(result["warnings"])  # structured warnings on ansible-core >= 2.19
    # ALAN was not removed: a failed addition stops the removals
    assert members_of(emulator) == {ADA, ALAN, GRACE}
    assert counts(requests).get("listIdentities", 0) == 1 and counts(requests).get("searchPost", 0) == 1  # 403, then search
    assert "deleteWorkgroupMembers" not in counts(requests)


def test_app_client_cannot_resolve_aliases(emulator, capsys):
    seed(emulator, [ADA])
    emulator.seed({"clients": [{"client_id": "app", "client_secret": "app-secret", "user_context": False}]})
    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, client_id="app", client_secret="app-secret", members=[{"alias": "alan"}])
    assert failed and "HTTP 403" in result["msg"] and "personal access token" in result["msg"]
    assert mutations(requests) == []


def test_request_error_midway_reports_added_chunks(emulator, capsys, monkeypatch):
    # 250 additions are 3 bulk-add requests (chunks of 100); the third one fails with HTTP 400
    seed(emulator, GENERATED[:10], identities=260)
    real_add = _client.IscClient.add_members
    calls = []

    def add_members(self, workgroup_id, ids):
        calls.append(len(ids))
        if len(calls) == 3:
            raise _errors.IscApiError("POST", "/v2024/workgroups/%s/members/bulk-add" % workgroup_id, 400, ["Bad things"],
                                      detail_code="400.1 Bad Request Content", tracking_id="abc123")
        return real_add(self, workgroup_id, ids)

    monkeypatch.setattr(_client.IscClient, "add_members", add_members)
    result, failed, requests = run(emulator, capsys, workgroup_id=GROUP, exclusive=True, members=GENERATED[10:260])
    assert failed and result["changed"] and calls == [100, 100, 50]
    assert result["added_count"] == 200 and len(members_of(emulator)) == 210
    assert result["removed_count"] == 0 and "deleteWorkgroupMembers" not in counts(requests)
    assert "HTTP 400" in result["msg"] and "Bad things" in result["msg"] and "trackingId: abc123" in result["msg"]
    assert "added 200 and removed 0 before the failure" in result["msg"] and result["tracking_id"] == "abc123"
    assert {m["id"] for m in result["added"]} <= members_of(emulator)

    monkeypatch.setattr(_client.IscClient, "add_members", real_add)
    again, failed, requests = run(emulator, capsys, workgroup_id=GROUP, exclusive=True, members=GENERATED[10:260])
    assert not failed and again["added_count"] == 50 and again["removed_count"] == 10
    assert counts(requests)["updateWorkgroupMembers"] == 1 and counts(requests)["deleteWorkgroupMembers"] == 1
    assert members_of(emulator) == set(GENERATED[10:260])


def test_check_mode_placeholder_of_a_group_that_would_be_created(emulator, capsys):
    seed(emulator, [ADA])
    result, failed, requests = run(emulator, capsys, check_mode=True, diff=True, workgroup_id="(would be created)",
                                   members=[{"alias": "alan"}, ADA])
    assert not failed and result["changed"] and result["member_count"] == 2
    assert [m["id"] for m in result["added"]] == [ADA, ALAN]
    assert result["diff"]["before"] == "" and result["diff"]["after"].splitlines()[1] == "alan.turing (%s)" % ALAN
    assert counts(requests) == {"listIdentities": 2}  # one lookup per reference kind (id, alias); no group read
    result, failed, requests = run(emulator, capsys, workgroup_id="(would be created)", members=[ADA])
    assert failed and "placeholder" in result["msg"] and requests == []
