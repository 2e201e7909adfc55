# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/_executor.py with the real client against the ISC emulator: order of the writes,
per-chunk accounting, stop rules, deletes and groups in use. What was sent is read from the emulator's request log."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _pipeline as pipeline
from ansible_collections.sailpoint.isc.plugins.module_utils._client import MEMBER_CHUNK, WORKGROUP_DELETE_CHUNK
from ansible_collections.sailpoint.isc.plugins.module_utils._desired import Entry, Request
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscApiError, IscConnectionError
from ansible_collections.sailpoint.isc.plugins.module_utils._executor import Executor
from ansible_collections.sailpoint.isc.plugins.module_utils._members import ADD_MEMBERS, REMOVE_MEMBERS
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import DELETE, Plan, Step

OWNER = "%032x" % 0xA11CE
TOKEN_PATH = "/oauth/token"


def _ident(number):
    return "%032x" % (0x1000 + number)


def _gid(number):
    return "%032x" % (0x6000 + number)


def _seed(emulator, people=0, groups=()):
    identities = [{"id": OWNER, "name": "Alice Owner", "alias": "alice.owner", "email": "alice@example.com", "firstName": "Alice",
                   "lastName": "Owner"}]
    identities += [{"id": _ident(i), "name": "Person %04d" % i, "alias": "person.%04d" % i, "email": "person.%04d@example.com" % i,
                    "firstName": "Person", "lastName": "%04d" % i} for i in range(people)]
    emulator.seed({"identities": identities, "groups": [dict({"owner": OWNER}, **g) for g in groups]})


def _plan(client, request):
    """The plan the real pipeline makes of ``request`` (run in check mode: nothing is written)."""
    return pipeline.run(request, lambda: client, check_mode=True).plan


def _writes(emulator):
    """(operation, path) of every write the tenant received, in order."""
    return [(r["operation"], r["path"]) for r in emulator.requests() if r["method"] in ("POST", "PATCH", "DELETE") and r["path"] != TOKEN_PATH]


def _api(emulator):
    """The API requests (the token requests left out)."""
    return [r for r in emulator.requests() if r["path"] != TOKEN_PATH]


def _operations(emulator):
    return [op for op, _path in _writes(emulator)]


def _run(emulator, client, request):
    the_plan = _plan(client, request)
    emulator.clear_requests()
    return Executor(client, the_plan, check_mode=False).run()


# ------------------------------------------------------------------ members: chunks, order
def test_a_failed_later_chunk_keeps_the_counts_of_the_earlier_ones(emulator, monkeypatch, make_client):
    _seed(emulator, people=250, groups=[{"id": _gid(1), "name": "G"}])
    client = make_client()
    the_plan = _plan(client, Request([Entry("G", members=[_ident(i) for i in range(250)])]))
    emulator.clear_requests()
    real_add = client.add_members
    chunks = []

    def add_members(workgroup_id, identity_ids):
        chunks.append(list(identity_ids))
        if len(chunks) == 2:
            raise IscApiError("POST", "/v2024/workgroups/%s/members/bulk-add" % workgroup_id, 400, ["second chunk refused"], tracking_id="t-2")
        return real_add(workgroup_id, identity_ids)

    monkeypatch.setattr(client, "add_members", add_members)
    outcome = Executor(client, the_plan, check_mode=False).run()
    result = the_plan.steps[0].result
    assert [len(chunk) for chunk in chunks] == [MEMBER_CHUNK, MEMBER_CHUNK]  # the third chunk is not attempted
    assert result.done[ADD_MEMBERS] == [_ident(i) for i in range(MEMBER_CHUNK)]
    assert outcome.counts()["members_added"] == MEMBER_CHUNK and outcome.changed
    assert [(action, error.messages) for action, error in result.errors] == [(ADD_MEMBERS, ["second chunk refused"])]
    assert outcome.failures == [{"name": "G", "id": _gid(1), "action": "add members", "status": 400, "message": "second chunk refused",
                                 "tracking_id": "t-2"}]
    assert _operations(emulator) == ["updateWorkgroupMembers"]
    assert sorted(m["id"] for m in client.list_members(_gid(1))) == [_ident(i) for i in range(MEMBER_CHUNK)]


def test_adds_go_before_removes(emulator, make_client):
    _seed(emulator, people=8, groups=[{"id": _gid(1), "name": "G", "members": [_ident(i) for i in range(5)]}])
    client = make_client()
    outcome = _run(emulator, client, Request([Entry("G", members=[_ident(i) for i in range(3, 8)])]))
    assert _operations(emulator) == ["updateWorkgroupMembers", "deleteWorkgroupMembers"]
    result = outcome.plan.steps[0].result
    assert result.done[ADD_MEMBERS] == [_ident(i) for i in (5, 6, 7)] and result.done[REMOVE_MEMBERS] == [_ident(i) for i in (0, 1, 2)]
    assert outcome.counts() == {"created": 0, "updated": 1, "deleted": 0, "unchanged": 0, "members_added": 3, "members_removed": 3}
    assert outcome.failures == []


def test_nobody_is_removed_after_a_failed_add(emulator, make_client):
    _seed(emulator, people=3, groups=[{"id": _gid(1), "name": "G", "members": [_ident(0), _ident(1)]}])
    client = make_client()
    unknown = "%032x" % 0xDEAD  # a plain id not looked up (verify_ids off): ISC refuses it per item (404)
    outcome = _run(emulator, client, Request([Entry("G", members=[_ident(2), unknown])], verify_ids=False))
    assert _operations(emulator) == ["updateWorkgroupMembers"]  # no bulk-delete
    result = outcome.plan.steps[0].result
    assert result.done[ADD_MEMBERS] == [_ident(2)] and result.done[REMOVE_MEMBERS] == []
    assert [item["id"] for item in result.rejected[ADD_MEMBERS]] == [unknown]
    assert len(outcome.failures) == 1
    failure = outcome.failures[0]
    assert failure["action"] == "add members" and failure["status"] == 404 and [i["id"] for i in failure["identities"]] == [unknown]
    assert sorted(m["id"] for m in client.list_members(_gid(1))) == [_ident(0), _ident(1), _ident(2)]


# ------------------------------------------------------------------ one group failing, or every write stopping
def test_a_failure_of_one_group_does_not_stop_the_others(emulator, make_client):
    _seed(emulator, people=1)
    client = make_client()
    nobody = "%032x" % 0xDEAD  # unverified owner id (verify_ids off): ISC refuses the create
    outcome = _run(emulator, client, Request([Entry("A", owner=nobody, where="groups[0]"),
                                              Entry("B", owner=OWNER, members=[_ident(0)], where="groups[1]")],
                                             verify_ids=False))
    assert _operations(emulator) == ["createWorkgroup", "createWorkgroup", "updateWorkgroupMembers"]
    assert [(f["name"], f["action"], f["status"]) for f in outcome.failures] == [("A", "create", 400)]
    assert outcome.stopped is None
    assert outcome.counts()["created"] == 1 and outcome.counts()["members_added"] == 1
    assert [g["name"] for g in client.list_workgroups()] == ["B"]


def test_a_rate_limit_stops_the_remaining_writes(emulator, make_client):
    _seed(emulator, groups=[{"id": _gid(1), "name": "Old"}])
    client = make_client(max_retries=0)
    the_plan = _plan(client, Request([Entry("A", owner=OWNER), Entry("B", owner=OWNER), Entry("Old", state="absent")]))
    emulator.clear_requests()
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [429], "retry_after": 0, "rate_limit": None})
    outcome = Executor(client, the_plan, check_mode=False).run()
    assert [(r["operation"], r["status"]) for r in _api(emulator)] == [("createWorkgroup", 429)]  # B and the delete are not attempted
    assert outcome.stopped is not None and outcome.stopped.status == 429
    assert [(f["name"], f["action"]) for f in outcome.failures] == [("A", "create")]
    assert not outcome.changed


def test_a_connection_error_stops_the_remaining_writes(emulator, monkeypatch, make_client):
    _seed(emulator, people=2, groups=[{"id": _gid(1), "name": "G1"}, {"id": _gid(2), "name": "G2"}])
    client = make_client()
    the_plan = _plan(client, Request([Entry("G1", description="one", members=[_ident(0)]), Entry("G2", description="two")]))
    emulator.clear_requests()

    def lost(workgroup_id, operations):
        raise IscConnectionError("connection reset", method="PATCH", path="/v2024/workgroups/%s" % workgroup_id)

    monkeypatch.setattr(client, "patch_workgroup", lost)
    outcome = Executor(client, the_plan, check_mode=False).run()
    assert _writes(emulator) == []  # neither G1's members nor G2 were attempted
    assert isinstance(outcome.stopped, IscConnectionError)
    assert [(f["name"], f["action"], f["message"]) for f in outcome.failures] == [("G1", "update", "connection reset")]


# ------------------------------------------------------------------ deletes
def test_a_single_delete_is_one_delete_request(emulator, make_client):
    _seed(emulator, groups=[{"id": _gid(1), "name": "A"}, {"id": _gid(2), "name": "B"}])
    client = make_client()
    outcome = _run(emulator, client, Request([Entry("A", state="absent")]))
    assert _writes(emulator) == [("deleteWorkgroup", "/v2024/workgroups/" + _gid(1))]
    assert outcome.plan.steps[0].result.deleted and outcome.counts()["deleted"] == 1
    assert [g["name"] for g in client.list_workgroups()] == ["B"]


def test_several_deletes_go_in_bulk_chunks_of_100(emulator, monkeypatch, make_client):
    _seed(emulator, groups=[{"id": _gid(i), "name": "G%03d" % i} for i in range(150)] + [{"id": _gid(999), "name": "Kept"}])
    client = make_client()
    the_plan = _plan(client, Request([Entry("Kept")], purge=True))
    emulator.clear_requests()
    sizes = []
    real_bulk_delete = client.bulk_delete_workgroups

    def bulk_delete(workgroup_ids):
        sizes.append(len(workgroup_ids))
        return real_bulk_delete(workgroup_ids)

    monkeypatch.setattr(client, "bulk_delete_workgroups", bulk_delete)
    outcome = Executor(client, the_plan, check_mode=False).run()
    assert sizes == [WORKGROUP_DELETE_CHUNK, 50]
    assert _operations(emulator) == ["deleteWorkgroupsInBulk", "deleteWorkgroupsInBulk"]
    assert outcome.counts()["deleted"] == 150 and outcome.failures == []
    assert [g["name"] for g in client.list_workgroups()] == ["Kept"]


CONNECTIONS = [{"object": {"type": "ROLE", "id": "%032x" % 0x9001, "name": "Auditor role"}, "connectionType": "Owner"},
               {"object": {"type": "SOURCE", "id": "%032x" % 0x9002, "name": "HR"}, "connectionType": "ManagementWorkgroup"}]


def _stale_delete(gid, name):
    """A delete planned from a listing that did not show the group's connections (connectionCount 0)."""
    return Step(DELETE, name, {"id": gid, "name": name, "connectionCount": 0, "memberCount": 0}, reason="purge")


def _plan_of(*steps):
    the_plan = Plan()
    the_plan.steps.extend(steps)
    return the_plan


def test_a_single_delete_refused_with_400_is_in_use_with_its_connections(emulator, make_client):
    _seed(emulator, groups=[{"id": _gid(1), "name": "Used", "connections": CONNECTIONS}])
    client = make_client()
    emulator.clear_requests()
    outcome = Executor(client, _plan_of(_stale_delete(_gid(1), "Used")), check_mode=False).run()
    assert [(r["operation"], r["status"]) for r in _api(emulator)] == [("deleteWorkgroup", 400), ("listConnections", 200)]
    result = outcome.plan.steps[0].result
    assert result.in_use and not result.deleted and outcome.failures == []
    assert [c["object"]["name"] for c in result.connections] == ["Auditor role", "HR"]
    assert [step.name for step in outcome.in_use] == ["Used"]


def test_bulk_delete_answers_are_accounted_per_group(emulator, make_client):
    _seed(emulator, groups=[{"id": _gid(1), "name": "Used", "connections": CONNECTIONS}, {"id": _gid(2), "name": "Free"}])
    client = make_client()
    emulator.clear_requests()
    steps = [_stale_delete(_gid(1), "Used"), _stale_delete(_gid(2), "Free"), _stale_delete(_gid(3), "Gone")]
    outcome = Executor(client, _plan_of(*steps), check_mode=False).run()
    assert [(r["operation"], r["status"]) for r in _api(emulator)] == [("deleteWorkgroupsInBulk", 207), ("listConnections", 200)]
    used, free, gone = (step.result for step in steps)
    assert used.in_use and [c["connectionType"] for c in used.connections] == ["Owner", "ManagementWorkgroup"]
    assert free.deleted and gone.gone and not gone.deleted  # 404: someone else deleted it first
    assert outcome.failures == [] and outcome.counts()["deleted"] == 1


def test_a_delete_refused_for_another_reason_is_a_failure(emulator, make_client):
    # a 400 although the group has no connection: not "in use", a plain failure
    _seed(emulator, groups=[{"id": _gid(1), "name": "Free"}])
    client = make_client()
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [400], "rate_limit": None})
    outcome = Executor(client, _plan_of(_stale_delete(_gid(1), "Free")), check_mode=False).run()
    emulator.set_faults({"rate_limit": None})
    result = outcome.plan.steps[0].result
    assert not result.in_use and not result.deleted
    assert [(f["name"], f["action"], f["status"]) for f in outcome.failures] == [("Free", "delete", 400)]


@pytest.mark.parametrize("check_mode", [True, False])
def test_groups_planned_in_use_get_their_connections_read_and_are_never_deleted(emulator, check_mode, make_client):
    _seed(emulator, groups=[{"id": _gid(1), "name": "Used", "connections": CONNECTIONS}])
    client = make_client()
    the_plan = _plan(client, Request([Entry("Used", state="absent")]))
    emulator.clear_requests()
    outcome = Executor(client, the_plan, check_mode=check_mode).run()
    assert [r["operation"] for r in _api(emulator)] == ["listConnections"]
    assert [step.name for step in outcome.in_use] == ["Used"]
    assert len(outcome.in_use[0].result.connections) == 2
    assert not outcome.changed and outcome.failures == []
