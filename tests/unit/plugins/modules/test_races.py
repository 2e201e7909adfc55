# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Simultaneous runs never leave a duplicate: 2 and 3 converges of the same groups at the same time, under faults.

Each run is the real module (its file run by Python, as Ansible runs it) in a process of its own, all started
together from threads behind a barrier, against the emulator with latency and jitter so that their reads, creates
and member writes overlap, and with issue 20's faults: write answers lost after the write landed, 500/502 before
it. Every run must succeed and the tenant must end exact: one group per name, the requested description, owner and
members. Each case is repeated with fixed seeds; across the repetitions the runs must really have raced (more
creates than names) and lost answers, else the test would prove nothing. One race test per entry point: the role
is one call of `workgroups` (tests/unit/test_role_races.py runs it under the same faults).
"""

from __future__ import annotations

import functools
import json
import signal
import time
from typing import Any, Dict, List

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _client
from ansible_collections.sailpoint.isc.plugins.modules import workgroup, workgroups
from tests.emulator.seed import generated_identity
from tests.utils.playbook import run_module_process, start_module_process, together

from ._run import creates, lost_write_answers, run_module

IDS = [generated_identity(i)["id"] for i in range(200)]
OWNER = IDS[190]
OTHER_OWNER = IDS[191]


def _run_all(module_file: str, argument_sets: List[Dict[str, Any]], tmp_path: Any) -> List[Dict[str, Any]]:
    """Run the module once per argument set, all at the same time; their JSON results, in order."""
    return together(*[functools.partial(run_module_process, module_file, arguments, tmp_path / ("run-%d" % index))
                      for index, arguments in enumerate(argument_sets)])


def _connection(emulator: Any) -> Dict[str, Any]:
    # the emulator's rate limit is off in these tests, so the client does not pace itself either
    return {"base_url": emulator.base_url, "client_id": emulator.client_id, "client_secret": emulator.client_secret, "rate_limit": 0}


def _state(emulator: Any) -> Dict[str, List[Dict[str, Any]]]:
    """name -> every group of that name: {description, owner, members (sorted)}."""
    groups = {}  # type: Dict[str, List[Dict[str, Any]]]
    for group in emulator.state.dump()["groups"]:
        groups.setdefault(group["name"], []).append({"description": group.get("description") or "", "owner": group["owner"],
                                                     "members": sorted(group["members"])})
    return groups


def _reset(emulator: Any, faults: Dict[str, Any], groups: List[Dict[str, Any]] = ()) -> None:
    emulator.reset({"generate": {"identities": 200, "groups": 0}, "groups": list(groups)})
    emulator.set_faults(faults)


def test_a_run_that_lost_the_race_converges_the_winner_to_its_own_entry(emulator, capsys, monkeypatch):
    """The settle step alone, deterministic: an older namesake appears between this run's read and its create (as
    another run's group would). The run deletes its own group and converges the older one to its entry, in few requests."""
    _reset(emulator, {"rate_limit": None})
    real_create = _client.IscClient.create_workgroup

    def create_after_a_rival(self, body):
        if not any(group["name"] == body["name"] for group in emulator.state.dump()["groups"]):
            # another run's group: the same owner (a run of the same list), created a moment before this run's
            emulator.seed({"groups": [{"id": "0" * 31 + "2", "name": body["name"], "owner": OWNER, "members": [IDS[5], IDS[6]],
                                       "description": "Rival"}]})
        return real_create(self, body)

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create_after_a_rival)
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "Contested", "description": "Mine", "owner": OWNER,
                                                                   "members": [IDS[1], IDS[5]]}])
    assert not result.failed, result["msg"]
    assert _state(emulator)["Contested"] == [{"description": "Mine", "owner": OWNER, "members": sorted([IDS[1], IDS[5]])}]
    assert [group["id"] for group in emulator.state.dump()["groups"] if group["name"] == "Contested"] == ["0" * 31 + "2"]
    assert "created more than once by simultaneous runs: kept the oldest (id %s)" % ("0" * 31 + "2") in json.dumps(result["warnings"])
    assert result["counts"]["created"] == 0 and result["counts"]["updated"] == 1  # its own group did not stay
    operations = [entry.get("operation") for entry in result.requests if entry["path"] != "/oauth/token"]
    # the oldest's members are read before the delete: they decide whether this run's group is a copy (foreign_members)
    assert operations == ["listWorkgroups", "listIdentities", "createWorkgroup", "updateWorkgroupMembers", "listWorkgroups",
                          "listWorkgroupMembers", "deleteWorkgroup", "patchWorkgroup", "updateWorkgroupMembers",
                          "deleteWorkgroupMembers"], operations


def test_a_run_that_lost_the_race_fills_the_winner_from_its_members_query(emulator, capsys, monkeypatch):
    """Issue 20 item 4: a group whose members come only from members_query. The settlement converges the winner by the
    plan's own update rule, so the query's matches are added to it (it once re-derived the rule, counted only listed
    members and left the winner empty while reporting success)."""
    _reset(emulator, {"rate_limit": None})
    query = 'attributes.department:"Finance"'
    finance = sorted(generated_identity(i)["id"] for i in range(200) if generated_identity(i)["attributes"]["department"] == "Finance")
    assert len(finance) > 5
    real_create = _client.IscClient.create_workgroup

    def create_after_a_rival(self, body):
        if not any(group["name"] == body["name"] for group in emulator.state.dump()["groups"]):
            emulator.seed({"groups": [{"id": "0" * 31 + "3", "name": body["name"], "owner": OWNER, "members": []}]})
        return real_create(self, body)

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create_after_a_rival)
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "Finance Race", "owner": OWNER, "members_query": query}])
    assert not result.failed, result["msg"]
    assert _state(emulator)["Finance Race"] == [{"description": "", "owner": OWNER, "members": finance}]
    assert result["counts"]["members_added"] == len(finance)


# Issue 20's faults: a lost answer for 40% of the writes that landed, injected 500/502 before anything happened (a create
# that never landed), latency with jitter so that the runs interleave differently; retries raised so that every run ends
# green (a write lost 11 times in a row is a chance of 0.4 ** 11).
FAULTS = {"latency_ms": 20, "latency_jitter_ms": 40, "drop_after_write_rate": 0.4, "error_rate": 0.05, "error_statuses": [500, 502],
          "rate_limit": None}
FAULT_SEEDS = (21, 22)
QUERIES = ('attributes.department:"Finance"', 'attributes.department:"Sales"')


def _matching(query: str) -> List[str]:
    department = query.split('"')[1]
    return sorted(i["id"] for i in map(generated_identity, range(200)) if i.get("attributes", {}).get("department") == department)


@pytest.mark.processes
@pytest.mark.parametrize("runs", [2, 3])
def test_simultaneous_workgroups_converges_under_lost_answers_and_errors(emulator, tmp_path, runs):
    # 4 new listed groups, 2 new query groups, and one existing group that every run updates (description, owner, members)
    existing = {"id": "e" * 32, "name": "Faulty Existing", "owner": OWNER, "members": [IDS[100], IDS[101]]}
    desired = [{"name": "Faulty %d" % index, "description": "Group %d" % index, "owner": OWNER, "members": IDS[index * 10:index * 10 + 4]}
               for index in range(4)]
    desired += [{"name": "Faulty Query %d" % index, "owner": OWNER, "members_query": query} for index, query in enumerate(QUERIES)]
    desired.append({"name": "Faulty Existing", "description": "Updated", "owner": OTHER_OWNER, "members": [IDS[101], IDS[102]]})
    expected = {group["name"]: [{"description": group.get("description", ""), "owner": group["owner"],
                                 "members": _matching(group["members_query"]) if "members_query" in group else sorted(group["members"])}]
                for group in desired}
    # 10 requests at a time (the default); tests/unit/test_role_races.py races one request at a time
    arguments = dict(_connection(emulator), groups=desired, max_retries=10)
    raced = lost = 0
    for seed in FAULT_SEEDS:
        _reset(emulator, dict(FAULTS, random_seed=seed), [existing])
        results = _run_all(workgroups.__file__, [arguments] * runs, tmp_path)
        assert [result.get("failed", False) for result in results] == [False] * runs, [result.get("msg") for result in results]
        assert _state(emulator) == expected, "seed %d" % seed
        requests = emulator.requests()
        raced += creates(requests) - (len(desired) - 1)
        lost += lost_write_answers(requests)
        # one more run, under the same faults, finds nothing to do
        again = _run_all(workgroups.__file__, [arguments], tmp_path)[0]
        assert not again.get("failed") and not again["changed"], again.get("msg")
    print("workgroups under faults, %d runs: %d extra creates, %d lost write answers" % (runs, raced, lost))
    assert raced > 0 and lost > 0, "no race (%d) or no lost answer (%d): the test proved nothing" % (raced, lost)


@pytest.mark.processes
@pytest.mark.parametrize("runs", [2, 3])
def test_simultaneous_workgroup_creates_under_lost_answers_and_errors(emulator, tmp_path, runs):
    raced = lost = 0
    # one create per run: a longer latency widens the window the runs race in; two fixed seeds, and up to four more
    # until a race and a lost answer did happen (whether two processes overlap depends on how fast each one starts)
    for seed in FAULT_SEEDS + (23, 24, 25, 26):
        if seed not in FAULT_SEEDS and raced and lost:
            break
        _reset(emulator, dict(FAULTS, latency_ms=250, random_seed=seed))
        argument_sets = [dict(_connection(emulator), name="Faulty One", description="The one", owner=OWNER, max_retries=10)] * runs
        results = _run_all(workgroup.__file__, argument_sets, tmp_path)
        assert [result.get("failed", False) for result in results] == [False] * runs, [result.get("msg") for result in results]
        assert _state(emulator) == {"Faulty One": [{"description": "The one", "owner": OWNER, "members": []}]}, "seed %d" % seed
        survivor = emulator.state.dump()["groups"][0]["id"]
        assert {result["workgroup"]["id"] for result in results} == {survivor}  # every run reports the group that stayed
        # only a run that got the answer to its own create, and whose group stayed, says it created it; a run whose
        # answer was lost cannot know and says that a simultaneous run created it first
        created = [result["msg"] for result in results if result["msg"].startswith("Created")]
        assert len(created) <= 1, created
        requests = emulator.requests()
        raced += creates(requests) - 1
        lost += lost_write_answers(requests)
    assert raced > 0 and lost > 0, "no race (%d) or no lost answer (%d): the test proved nothing" % (raced, lost)


@pytest.mark.processes
def test_copies_of_a_run_killed_between_its_creates_and_its_settlement_are_removed_by_the_next_run(emulator, tmp_path):
    """SIGKILL of the module process after its creates landed, before its settlement: the groups a simultaneous run made
    first (seeded the moment the killed run's first create arrives, so they are older) and the killed run's copies are
    both in the tenant; one more run keeps the oldest of each name, converges it and deletes the copies."""
    desired = [{"name": "Killed %d" % index, "owner": OWNER, "members": IDS[index * 10:index * 10 + 5]} for index in range(3)]
    _reset(emulator, {"latency_ms": 150, "rate_limit": None})  # the settlement comes at least 150 ms after the last create
    proc = start_module_process(workgroups.__file__, dict(_connection(emulator), groups=desired), tmp_path / "killed")
    seeded, deadline = False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            create_requests = [entry for entry in emulator.requests() if entry.get("operation") == "createWorkgroup"]
            if create_requests and not seeded:  # the simultaneous run's groups: older than the killed run's, one member each
                emulator.seed({"groups": [{"name": entry["name"], "owner": OWNER, "members": entry["members"][:1]} for entry in desired]})
                seeded = True
            if len(create_requests) == len(desired) and all(entry["status"] == 200 for entry in create_requests):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        proc.kill()
        proc.wait()
    operations = [entry.get("operation") for entry in emulator.requests()]
    assert operations.count("listWorkgroups") == 1 and "deleteWorkgroup" not in operations, operations  # killed before settling
    assert sorted(group["name"] for group in emulator.state.dump()["groups"]) == sorted([entry["name"] for entry in desired] * 2)
    again = _run_all(workgroups.__file__, [dict(_connection(emulator), groups=desired)], tmp_path)[0]
    assert not again.get("failed"), again.get("msg")
    assert _state(emulator) == {entry["name"]: [{"description": "", "owner": OWNER, "members": sorted(entry["members"])}] for entry in desired}
