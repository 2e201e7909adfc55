# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Simultaneous runs never leave a duplicate: 2 and 3 converges of the same groups at the same time.

Each run is the real module (its file run by Python, as Ansible runs it) in a process of its own, all started
together from threads behind a barrier, against the emulator with 100 ms latency per request so that their reads,
creates and member writes overlap. Every run must succeed and the tenant must end exact: one group per name, the
requested description, owner and members. Each case is repeated with fixed seeds; across the repetitions the
runs must really have raced (more creates than names), else the test would prove nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any, Dict, List

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _client
from ansible_collections.sailpoint.isc.plugins.modules import workgroup, workgroups
from tests.emulator.seed import generated_identity
from tests.utils.playbook import collections_path

from ._run import run_module

IDS = [generated_identity(i)["id"] for i in range(200)]
OWNER = IDS[190]
OTHER_OWNER = IDS[191]
SEEDS = (1, 2, 3, 4)  # the emulator's random seed of each repetition
LATENCY = {"latency_ms": 100, "rate_limit": None}


def _run_all(module_file: str, argument_sets: List[Dict[str, Any]], tmp_path: Any) -> List[Dict[str, Any]]:
    """Run the module once per argument set, all at the same time; their JSON results, in order."""
    env = dict(os.environ, PYTHONPATH=collections_path() + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env = {key: value for key, value in env.items() if not key.startswith("SAIL_")}
    barrier = threading.Barrier(len(argument_sets))
    results = [None] * len(argument_sets)  # type: List[Any]

    def one(index: int) -> None:
        path = tmp_path / ("args-%d.json" % index)
        path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": argument_sets[index]}))
        barrier.wait()
        proc = subprocess.run([sys.executable, module_file, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, env=env, timeout=120, check=False)
        try:
            results[index] = json.loads(proc.stdout[proc.stdout.index("{"):])
        except ValueError:
            results[index] = {"failed": True, "msg": "no JSON: %s %s" % (proc.stdout[-2000:], proc.stderr[-2000:])}

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(argument_sets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _connection(emulator: Any) -> Dict[str, Any]:
    # the emulator's rate limit is off here (LATENCY), so the client does not pace itself either
    return {"base_url": emulator.base_url, "client_id": emulator.client_id, "client_secret": emulator.client_secret, "rate_limit": 0}


def _state(emulator: Any) -> Dict[str, List[Dict[str, Any]]]:
    """name -> every group of that name: {description, owner, members (sorted)}."""
    groups = {}  # type: Dict[str, List[Dict[str, Any]]]
    for group in emulator.state.dump()["groups"]:
        groups.setdefault(group["name"], []).append({"description": group.get("description") or "", "owner": group["owner"],
                                                     "members": sorted(group["members"])})
    return groups


def _creates(emulator: Any) -> int:
    return sum(1 for entry in emulator.requests() if entry.get("operation") == "createWorkgroup" and entry.get("status") == 200)


def _reset(emulator: Any, seed: int, groups: List[Dict[str, Any]] = ()) -> None:
    emulator.reset({"generate": {"identities": 200, "groups": 0}, "groups": list(groups)})
    emulator.set_faults(dict(LATENCY, random_seed=seed))


@pytest.mark.parametrize("runs", [2, 3])
def test_simultaneous_workgroups_converges_leave_one_group_per_name(emulator, tmp_path, runs):
    # 6 new groups (exclusive members) and one existing group that every run updates
    existing = {"id": "e" * 32, "name": "Race Existing", "owner": OWNER, "members": [IDS[100], IDS[101]]}
    desired = [{"name": "Race %d" % index, "description": "Group %d" % index, "owner": OWNER, "members": IDS[index * 10:index * 10 + 7]}
               for index in range(6)]
    desired.append({"name": "Race Existing", "description": "Updated", "owner": OTHER_OWNER, "members": [IDS[101], IDS[102]]})
    expected = {group["name"]: [{"description": group["description"], "owner": group["owner"], "members": sorted(group["members"])}]
                for group in desired}
    raced = 0
    for seed in SEEDS:
        _reset(emulator, seed, [existing])
        results = _run_all(workgroups.__file__, [dict(_connection(emulator), groups=desired)] * runs, tmp_path)
        assert [result.get("failed", False) for result in results] == [False] * runs, [result.get("msg") for result in results]
        assert _state(emulator) == expected, "seed %d" % seed
        raced += _creates(emulator) - 6
        # a second run finds nothing to do
        again = _run_all(workgroups.__file__, [dict(_connection(emulator), groups=desired)], tmp_path)[0]
        assert not again.get("failed") and not again["changed"], again.get("msg")
    print("workgroups, %d runs: %d extra creates settled over %d repetitions" % (runs, raced, len(SEEDS)))
    assert raced > 0, "the runs never created the same group twice: the test did not race"


@pytest.mark.parametrize("runs", [2, 3])
def test_simultaneous_workgroup_creates_leave_one_group(emulator, tmp_path, runs):
    raced = 0
    for seed in SEEDS:
        _reset(emulator, seed)
        argument_sets = [dict(_connection(emulator), name="Race One", description="The one", owner=OWNER) for _run in range(runs)]
        results = _run_all(workgroup.__file__, argument_sets, tmp_path)
        assert [result.get("failed", False) for result in results] == [False] * runs, [result.get("msg") for result in results]
        assert _state(emulator) == {"Race One": [{"description": "The one", "owner": OWNER, "members": []}]}, "seed %d" % seed
        survivor = emulator.state.dump()["groups"][0]["id"]
        assert {result["workgroup"]["id"] for result in results} == {survivor}  # every run reports the group that stayed
        raced += _creates(emulator) - 1
    print("workgroup, %d runs: %d extra creates settled over %d repetitions" % (runs, raced, len(SEEDS)))
    assert raced > 0, "the runs never created the group twice: the test did not race"


def test_a_run_that_lost_the_race_converges_the_winner_to_its_own_entry(emulator, capsys, monkeypatch):
    """The settle step alone, deterministic: an older namesake appears between this run's read and its create (as
    another run's group would). The run deletes its own group and converges the older one to its entry, in few requests."""
    _reset(emulator, 1)
    emulator.set_faults({"rate_limit": None})
    real_create = _client.IscClient.create_workgroup

    def create_after_a_rival(self, body):
        if not any(group["name"] == body["name"] for group in emulator.state.dump()["groups"]):
            emulator.seed({"groups": [{"id": "0" * 31 + "2", "name": body["name"], "owner": OTHER_OWNER, "members": [IDS[5], IDS[6]],
                                       "description": "Rival", "created": "2020-01-01T00:00:00.000Z"}]})
        return real_create(self, body)

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create_after_a_rival)
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "Contested", "description": "Mine", "owner": OWNER,
                                                                   "members": [IDS[1], IDS[5]]}])
    assert not result.failed, result["msg"]
    assert _state(emulator)["Contested"] == [{"description": "Mine", "owner": OWNER, "members": sorted([IDS[1], IDS[5]])}]
    assert [group["id"] for group in emulator.state.dump()["groups"] if group["name"] == "Contested"] == ["0" * 31 + "2"]
    assert "created by a simultaneous run too: kept the older group (id %s)" % ("0" * 31 + "2") in json.dumps(result["warnings"])
    operations = [entry.get("operation") for entry in result.requests if entry["path"] != "/oauth/token"]
    assert operations == ["listWorkgroups", "createWorkgroup", "updateWorkgroupMembers", "listWorkgroups", "deleteWorkgroup",
                          "listWorkgroupMembers", "patchWorkgroup", "updateWorkgroupMembers", "deleteWorkgroupMembers"], operations


def test_a_run_that_lost_the_race_fills_the_winner_from_its_members_query(emulator, capsys, monkeypatch):
    """Issue 20 item 4: a group whose members come only from members_query. The settlement converges the winner by the
    plan's own update rule, so the query's matches are added to it (it once re-derived the rule, counted only listed
    members and left the winner empty while reporting success)."""
    _reset(emulator, 1)
    emulator.set_faults({"rate_limit": None})
    query = 'attributes.department:"Finance"'
    finance = sorted(generated_identity(i)["id"] for i in range(200) if generated_identity(i)["attributes"]["department"] == "Finance")
    assert len(finance) > 5
    real_create = _client.IscClient.create_workgroup

    def create_after_a_rival(self, body):
        if not any(group["name"] == body["name"] for group in emulator.state.dump()["groups"]):
            emulator.seed({"groups": [{"id": "0" * 31 + "3", "name": body["name"], "owner": OWNER, "members": [],
                                       "created": "2020-01-01T00:00:00.000Z"}]})
        return real_create(self, body)

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create_after_a_rival)
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "Finance Race", "owner": OWNER, "members_query": query}])
    assert not result.failed, result["msg"]
    assert _state(emulator)["Finance Race"] == [{"description": "", "owner": OWNER, "members": finance}]
    assert result["counts"]["members_added"] == len(finance)
