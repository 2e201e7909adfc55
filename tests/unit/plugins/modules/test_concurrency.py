# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Concurrent requests and the pool of API clients, through sailpoint.isc.workgroups against the emulator.

The emulator adds a random latency to every request (latency_jitter_ms, fixed seeds), so that requests sent
together finish in a shuffled order. A converge must then come out exactly as one request at a time would make
it (result, diff, failures), and each group's writes must stay in order.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _client
from ansible_collections.sailpoint.isc.plugins.modules import workgroups
from tests.emulator.seed import generated_identity

from ._run import mutations, run_module

IDS = [generated_identity(i)["id"] for i in range(400)]
OWNER = IDS[399]
UNKNOWN = "ffffffffffffffffffffffffffffffff"
SEEDS = (11, 12)
SECOND = {"client_id": "second-client", "client_secret": "second-client-s3cret"}


def _tenant(emulator):
    """12 existing groups (4 members each) and the second API client."""
    groups = [{"id": "%032x" % (0xA000 + index), "name": "Old %02d" % index, "owner": OWNER, "members": IDS[index * 4:index * 4 + 4]}
              for index in range(12)]
    emulator.seed({"generate": {"identities": 400}, "groups": groups, "clients": [dict(SECOND, user_context=True)]})


def _desired():
    """Creates (one with an unknown member: its add fails), updates that add and remove, and deletes."""
    groups = [{"name": "New %02d" % index, "owner": OWNER, "members": IDS[100 + index * 5:105 + index * 5]} for index in range(8)]
    groups[3]["members"] = groups[3]["members"] + [UNKNOWN]
    for index in range(8):  # swap two members of Old 00 .. Old 07; Old 05 also gets the unknown id: no removal there
        members = IDS[index * 4 + 2:index * 4 + 4] + IDS[300 + index * 2:302 + index * 2]
        groups.append({"name": "Old %02d" % index, "owner": OWNER, "description": "changed", "members": members + ([UNKNOWN] if index == 5 else [])})
    groups.extend({"name": "Old %02d" % index, "state": "absent"} for index in range(8, 12))
    return groups


def _converge(emulator, capsys, seed, concurrency, **args):
    emulator.reset()
    _tenant(emulator)
    emulator.set_faults({"latency_ms": 1, "latency_jitter_ms": 25, "random_seed": seed, "rate_limit": None})
    emulator.clear_requests()
    # ids unchecked: the unknown id reaches ISC, whose per-identity refusal is part of the result compared
    return run_module(workgroups.main, emulator, capsys, diff=True, groups=_desired(), max_deletes=4, max_concurrent_requests=concurrency,
                      **dict({"verify_identity_ids": False}, **args))


def _stable(result, emulator):
    """The parts of a result that must not depend on the order the answers arrived in, as JSON; the ids of the
    groups the run created (new in every run) written as their names."""
    text = json.dumps({key: result.get(key) for key in ("failed", "changed", "msg", "summary", "plan", "counts", "failures", "diff", "in_use")},
                      sort_keys=True)
    for group in emulator.state.dump()["groups"]:
        if group["name"].startswith("New"):
            text = text.replace(group["id"], group["name"])
    return text


def _members(emulator):
    return {group["name"]: sorted(group["members"]) for group in emulator.state.dump()["groups"]}


@pytest.mark.parametrize("seed", SEEDS)
def test_the_result_is_the_same_one_at_a_time_and_ten_at_a_time(emulator, capsys, seed):
    one = _converge(emulator, capsys, seed, 1)
    one_stable, one_members = _stable(one, emulator), _members(emulator)
    ten = _converge(emulator, capsys, seed, 10)
    assert one.failed and [(f["name"], f["action"]) for f in one["failures"]] == [("New 03", "add members"), ("Old 05", "add members")]
    assert _stable(ten, emulator) == one_stable
    assert _members(emulator) == one_members


@pytest.mark.parametrize("seed", SEEDS)
def test_each_group_is_written_in_order_and_a_failure_stops_only_its_group(emulator, capsys, seed):
    result = _converge(emulator, capsys, seed, 10)
    names = {group["id"]: group["name"] for group in emulator.state.dump()["groups"]}
    names.update({"%032x" % (0xA000 + index): "Old %02d" % index for index in range(12)})
    writes = {}  # group name -> its writes, in the order they arrived
    overlapped = False
    for entry in mutations(result.requests):
        path = entry["path"]
        if entry["operation"] == "createWorkgroup":
            continue  # the create's answer names the group; its members follow (below)
        group_id = path.split("/")[3]
        writes.setdefault(names.get(group_id, group_id), []).append(entry["operation"])
    for name, operations in writes.items():
        if name.startswith("Old") and name < "Old 08":
            expected = ["patchWorkgroup", "updateWorkgroupMembers"] + ([] if name == "Old 05" else ["deleteWorkgroupMembers"])
            assert operations == expected, name  # patch, then adds, then removes; none after the failed add of Old 05
    assert sorted(name for name in writes if name.startswith("New")) == ["New %02d" % index for index in range(8)]
    # the other groups were converged although New 03 and Old 05 failed
    assert _members(emulator)["Old 04"] == sorted(IDS[18:20] + IDS[308:310])
    assert _members(emulator)["New 07"] == sorted(IDS[135:140])
    # requests really were in flight together: one arrived before an earlier one was answered
    log = result.requests
    for earlier, later in zip(log, log[1:]):
        if later["time"] < earlier["time"] + earlier["duration_ms"] / 1000.0:
            overlapped = True
    assert overlapped


def test_a_pool_of_two_api_clients_shares_the_requests(emulator, capsys):
    result = _converge(emulator, capsys, SEEDS[0], 10, clients=[SECOND])
    assert result.failed and len(result["failures"]) == 2  # the same two failures as with one client
    used = {entry["client_id"] for entry in result.requests if entry["path"] != "/oauth/token"}
    assert used == {emulator.client_id, SECOND["client_id"]}
    assert [entry["client_id"] for entry in result.requests if entry["path"] == "/oauth/token"].count(SECOND["client_id"]) == 1
    assert SECOND["client_secret"] not in json.dumps(result)


def test_a_wrong_secret_in_the_pool_is_named_by_its_client_id_never_its_secret(emulator, capsys):
    bad = {"client_id": "second-client", "client_secret": "not-the-s3cret-of-it"}
    result = _converge(emulator, capsys, SEEDS[0], 10, clients=[bad])
    assert result.failed
    assert "client_id 'second-client'" in result["msg"]
    assert bad["client_secret"] not in json.dumps(result) and emulator.client_secret not in json.dumps(result)


def test_an_api_client_of_the_pool_without_the_rights_is_named(emulator, capsys):
    emulator.seed({"clients": [{"client_id": "read-only", "client_secret": "read-only-s3cret", "scopes": ["idn:workgroup:read"]}]})
    emulator.seed({"generate": {"identities": 400}})
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "New %d" % index, "owner": OWNER} for index in range(6)],
                        clients=[{"client_id": "read-only", "client_secret": "read-only-s3cret"}], max_concurrent_requests=1)
    assert result.failed and "HTTP 403" in result["msg"]
    assert "the token of API client 'read-only' lacks the rights" in result["msg"]
    assert "read-only-s3cret" not in json.dumps(result)


def test_the_pool_from_the_environment(emulator, capsys, monkeypatch):
    _tenant(emulator)
    monkeypatch.setenv("SAIL_CLIENTS", json.dumps([SECOND]))
    unchanged = [{"name": "Old %02d" % index, "members": IDS[index * 4:index * 4 + 4]} for index in range(12)]
    result = run_module(workgroups.main, emulator, capsys, groups=unchanged)
    assert not result.failed and not result["changed"]
    assert {entry["client_id"] for entry in result.requests} == {emulator.client_id, SECOND["client_id"]}
    monkeypatch.setenv("SAIL_CLIENTS", '[{"client_id": "x", "client_secret": "env-s3cret"')
    result = run_module(workgroups.main, emulator, capsys, groups=[])
    assert result.failed and result.requests == []
    assert result["msg"] == ("Cannot connect to SailPoint ISC, nothing was sent: the environment variable SAIL_CLIENTS is not valid JSON; "
                             'write it as [{"client_id": "...", "client_secret": "..."}, ...].')


def test_a_token_refused_during_the_writes_names_the_client_and_the_token_endpoint(emulator, capsys, monkeypatch):
    # the second client's secret is rotated and every token revoked while the run writes: its next request gets a
    # 401, the one re-authentication is refused by the token endpoint, and that stops the run
    _tenant(emulator)
    real_create = _client.IscClient.create_workgroup
    rotated = []

    def create_after_a_rotation(client, body):
        if not rotated:
            rotated.append(True)
            emulator.state.add_client(SECOND["client_id"], "rotated-s3cret", user_context=True)
            emulator.revoke_tokens()
        return real_create(client, body)

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create_after_a_rotation)
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "New %02d" % index, "owner": OWNER} for index in range(6)],
                        clients=[SECOND], max_concurrent_requests=1)
    assert result.failed and rotated
    assert "the token endpoint refused API client 'second-client' (HTTP 401); check its client_secret." in result["msg"]
    assert "even after fetching a new one" not in result["msg"]
    assert 401 in [entry["status"] for entry in result.requests if entry["path"] == "/oauth/token"]  # the refused fetch
    assert SECOND["client_secret"] not in json.dumps(result)
