# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The settlement of copies that simultaneous runs made, and the first write of a run: sailpoint.isc.workgroups' main()
over real HTTP to the emulator, each scenario made deterministic (the simultaneous run's writes are seeded at the
moment they would land). The scenarios with real simultaneous processes are in test_races.py."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _client
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscRateLimitError
from ansible_collections.sailpoint.isc.plugins.modules import workgroups
from tests.emulator.seed import generated_identity

from ._run import mutations, run_module

IDS = [generated_identity(i)["id"] for i in range(40)]
OWNER = IDS[30]
OTHER_OWNER = IDS[31]
READ_ONLY = {"client_id": "read-only", "client_secret": "read-only-secret", "user_context": True,
             "scopes": ["idn:workgroup:read", "idn:identity:read"]}


def _stamp(seconds_ago: float) -> str:
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _groups(emulator, name):
    return sorted((group for group in emulator.state.dump()["groups"] if group["name"] == name), key=lambda group: group["created"])


def _seed(emulator, groups=()):
    emulator.reset({"generate": {"identities": 40, "groups": 0}, "groups": list(groups), "clients": [READ_ONLY]})
    emulator.set_faults({"rate_limit": None})


def test_a_read_only_token_costs_one_failing_write(emulator, capsys):
    """Issue 20: with concurrency, every create of the first batch used to be in flight before the first 403 came back."""
    _seed(emulator)
    groups = [{"name": "New %d" % index, "owner": OWNER, "members": [IDS[index]]} for index in range(5)]
    result = run_module(workgroups.main, emulator, capsys, groups=groups, max_concurrent_requests=10,
                        client_id=READ_ONLY["client_id"], client_secret=READ_ONLY["client_secret"])
    assert result.failed
    assert [(r["operation"], r["status"]) for r in mutations(result.requests)] == [("createWorkgroup", 403)]
    assert "lacks the rights" in result["msg"] and "4 groups" in result["msg"], result["msg"]  # the others: not attempted
    assert emulator.state.dump()["groups"] == []


def test_copies_left_by_an_earlier_crash_are_removed_by_one_run(emulator, capsys):
    """A run killed between its creates and its settlement leaves copies; the next run that manages the name keeps the
    oldest, converges it and deletes the copies, whichever run made them. Check mode shows it first and writes nothing."""
    # made 20 s apart, ten minutes ago; the copies hold some members of the oldest or of the entry, as runs write them
    crashed = [{"id": "c%031d" % index, "name": "Crashed", "owner": OWNER, "members": members,
                "created": _stamp(600 - index * 20)} for index, members in enumerate([IDS[0:3], IDS[1:3], [IDS[10]]])]
    _seed(emulator, crashed + [{"name": "Other", "owner": OWNER}])
    wanted = [{"name": "Crashed", "owner": OWNER, "description": "Kept", "members": [IDS[10], IDS[11]]}]
    preview = run_module(workgroups.main, emulator, capsys, check_mode=True, groups=wanted)
    assert not preview.failed and preview["changed"] and mutations(preview.requests) == []
    assert [(step["id"], step["reason"]) for step in preview["plan"]["to_delete"]] == [("c%031d" % 1, "race copy"), ("c%031d" % 2, "race copy")]
    assert preview["plan"]["to_update"][0]["id"] == "c%031d" % 0
    result = run_module(workgroups.main, emulator, capsys, groups=wanted, max_deletes=0)  # copies are not counted as deletions
    assert not result.failed, result["msg"]
    assert [(g["id"], g["description"], sorted(g["members"])) for g in _groups(emulator, "Crashed")] == [
        ("c%031d" % 0, "Kept", sorted([IDS[10], IDS[11]]))]
    assert [g["name"] for g in emulator.state.dump()["groups"] if g["name"] != "Crashed"] == ["Other"]
    again = run_module(workgroups.main, emulator, capsys, groups=wanted)
    assert not again.failed and not again["changed"] and mutations(again.requests) == []


def test_a_namesake_outside_the_rule_of_copies_stays_ambiguous(emulator, capsys):
    """A person's group of the same name is told apart from a race copy: another owner, or made long after."""
    for other in ({"owner": OTHER_OWNER, "created": _stamp(50)}, {"owner": OWNER, "created": _stamp(10)}):
        _seed(emulator, [{"id": "a" * 32, "name": "Twin", "owner": OWNER, "created": _stamp(60 if other["owner"] != OWNER else 3600)},
                         dict(other, id="b" * 32, name="Twin")])
        result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "Twin", "owner": OWNER}])
        assert result.failed and "2 governance groups are named \"Twin\"" in result["msg"], result["msg"]
        assert mutations(result.requests) == [] and len(_groups(emulator, "Twin")) == 2


HAND_MADE = [{"id": "a" * 32, "name": "Finance Approvers", "owner": OWNER, "members": [IDS[1]], "created": _stamp(120)},
             {"id": "b" * 32, "name": "Finance Approvers", "owner": OWNER,
              "description": "Hand-made copy with real approvers", "members": [IDS[2]], "created": _stamp(60)}]


@pytest.mark.parametrize("differs", ["description", "members"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_namesake_a_person_made_within_the_window_stays_ambiguous(emulator, capsys, differs, check_mode):
    """The red team's case (issue 20): a person's copy, one minute after the group, same owner, no connection. It
    carries a description neither the oldest nor the entry has, or a member neither has: no run writes that, so it is no race
    copy, not even with protected or max_deletes 0, in check mode or not: the ambiguity error and zero writes."""
    groups = [dict(group, description="") for group in HAND_MADE] if differs == "members" else HAND_MADE
    _seed(emulator, groups)
    for options in ({}, {"protected": ["Finance Approvers"], "max_deletes": 0}):
        wanted = [{"name": "Finance Approvers", "owner": {"id": OWNER}, "members": [IDS[3]]}]
        result = run_module(workgroups.main, emulator, capsys, check_mode=check_mode, members_exclusive=False,
                            groups=wanted, **options)
        assert result.failed and "2 governance groups are named \"Finance Approvers\"" in result["msg"], result["msg"]
        assert mutations(result.requests) == [] and len(_groups(emulator, "Finance Approvers")) == 2


def test_a_protected_name_keeps_its_race_copies_ambiguous(emulator, capsys):
    """A protected name's groups are never deleted, not even copies that follow the rule: a person mends the name."""
    _seed(emulator, [dict(group, description="", members=[]) for group in HAND_MADE])
    wanted = [{"name": "Finance Approvers", "owner": OWNER}]
    result = run_module(workgroups.main, emulator, capsys, groups=wanted, protected=["Finance Approvers"])
    assert result.failed and "2 governance groups are named" in result["msg"] and mutations(result.requests) == []
    settled = run_module(workgroups.main, emulator, capsys, groups=wanted)  # the same copies, unprotected: settled
    assert not settled.failed and [g["id"] for g in _groups(emulator, "Finance Approvers")] == ["a" * 32]


def _rival_before_each_create(emulator, monkeypatch, fail_after=None):
    """Between this run's read and each of its creates a simultaneous run creates the same group (older, its owner, one
    member); with ``fail_after``, the create after that many creates ends the run with a rate limit (a stop error)."""
    real_create = _client.IscClient.create_workgroup
    calls = []

    def create(self, body):
        calls.append(body["name"])
        if fail_after is not None and len(calls) > fail_after:
            raise IscRateLimitError("POST", "/v2024/workgroups", 429, ["Too Many Requests"])
        emulator.seed({"groups": [{"name": body["name"], "owner": body["owner"]["id"], "members": [IDS[20]], "created": _stamp(1)}]})
        return real_create(self, body)

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create)


def test_a_run_that_stops_after_its_creates_settles_them_first(emulator, capsys, monkeypatch):
    """Issue 20: a stop error (here a rate limit after retries) used to skip the settlement and leave a copy."""
    _seed(emulator)
    _rival_before_each_create(emulator, monkeypatch, fail_after=1)
    wanted = [{"name": "Stop %d" % index, "owner": OWNER, "members": [IDS[index]]} for index in range(2)]
    result = run_module(workgroups.main, emulator, capsys, groups=wanted, max_concurrent_requests=1)
    assert result.failed and "HTTP 429" in result["msg"] and '"Stop 1"' in result["msg"], result["msg"]
    survivors = _groups(emulator, "Stop 0")
    assert [sorted(group["members"]) for group in survivors] == [[IDS[0]]]  # the rival's, converged; this run's copy deleted
    assert _groups(emulator, "Stop 1") == []
    assert result["counts"]["created"] == 0 and result["counts"]["updated"] == 1


def test_a_member_write_on_a_copy_another_run_removed_converges_the_survivor(emulator, capsys, monkeypatch):
    """Issue 20: another run's settlement deletes this run's younger copy before its members are written (HTTP 404)."""
    _seed(emulator)
    real_create = _client.IscClient.create_workgroup

    def create_then_lose_it(self, body):
        group = real_create(self, body)
        emulator.seed({"groups": [{"id": "0" * 32, "name": body["name"], "owner": OWNER, "created": _stamp(5)}]})
        self.delete_workgroup(group["id"])  # what the other run's settlement does
        return group

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create_then_lose_it)
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "Removed", "owner": OWNER, "members": [IDS[1], IDS[2]]}])
    assert not result.failed, result["msg"]
    assert [(g["id"], sorted(g["members"])) for g in _groups(emulator, "Removed")] == [("0" * 32, sorted([IDS[1], IDS[2]]))]
    assert result["counts"] == dict(result["counts"], created=0, updated=1, members_added=2)


def test_the_membership_module_uses_the_oldest_copy_and_leaves_the_deletes_to_a_module_that_creates(emulator, capsys):
    from ansible_collections.sailpoint.isc.plugins.modules import workgroup_members

    copies = [{"id": "c%031d" % index, "name": "Copied", "owner": OWNER, "created": _stamp(30 - index)} for index in range(2)]
    _seed(emulator, copies)
    result = run_module(workgroup_members.main, emulator, capsys, workgroup_name="Copied", members=[IDS[1]])
    assert not result.failed and result["workgroup"]["id"] == "c%031d" % 0, result.get("msg")
    assert [r["operation"] for r in mutations(result.requests)] == ["updateWorkgroupMembers"]
    assert "the next run of a module that creates groups deletes the copies" in str(result["warnings"])
    assert [(g["id"], list(g["members"])) for g in _groups(emulator, "Copied")] == [("c%031d" % 0, [IDS[1]]), ("c%031d" % 1, [])]


@pytest.mark.parametrize("description", [None, "Changed"])
def test_the_workgroup_module_reports_the_copies_it_deletes(emulator, capsys, monkeypatch, description):
    """The red team's case: sailpoint.isc.workgroup deleted a race copy and said "Nothing to change", changed=false, and
    check mode showed nothing. Its message and diff now name the copies, in check mode too; a failed delete fails."""
    from ansible_collections.sailpoint.isc.plugins.modules import workgroup

    copies = [{"id": "c%031d" % index, "name": "Copied", "owner": OWNER, "created": _stamp(30 - index)} for index in range(2)]
    wanted = dict(name="Copied", owner=OWNER, description=description)
    _seed(emulator, copies)
    preview = run_module(workgroup.main, emulator, capsys, check_mode=True, diff=True, **wanted)
    assert not preview.failed and preview["changed"] and mutations(preview.requests) == [], preview["msg"]
    assert "Would delete 1 younger copy that simultaneous runs made (ids %s)" % ("c%031d" % 1) in preview["msg"], preview["msg"]
    assert '"race copies": [\n        "c%031d"' % 1 in preview["diff"]["before"] and "race copies" in preview["diff"]["after"]
    real_delete = _client.IscClient.delete_workgroup

    def rate_limited(self, group_id):
        raise IscRateLimitError("DELETE", "/v2024/workgroups/" + group_id, 429, ["Too Many Requests"])

    monkeypatch.setattr(_client.IscClient, "delete_workgroup", rate_limited)
    failed = run_module(workgroup.main, emulator, capsys, **wanted)
    assert failed.failed and "Failed to delete the younger copy (id %s)" % ("c%031d" % 1) in failed["msg"], failed["msg"]
    monkeypatch.setattr(_client.IscClient, "delete_workgroup", real_delete)
    result = run_module(workgroup.main, emulator, capsys, **wanted)
    assert not result.failed and result["changed"], result["msg"]
    assert "Deleted 1 younger copy that simultaneous runs made (ids %s)" % ("c%031d" % 1) in result["msg"], result["msg"]
    assert result["workgroup"]["id"] == "c%031d" % 0 and [g["id"] for g in _groups(emulator, "Copied")] == ["c%031d" % 0]
    again = run_module(workgroup.main, emulator, capsys, **wanted)
    assert not again["changed"] and again["msg"].startswith("Nothing to change"), again["msg"]


def test_a_workgroup_run_whose_create_lost_the_race_says_so(emulator, capsys, monkeypatch):
    """Three simultaneous workgroup runs each said "Created governance group 'W1' (id X)" with the same X: a run whose
    create lost says that another run created the group and what this run did to it."""
    from ansible_collections.sailpoint.isc.plugins.modules import workgroup

    _seed(emulator)
    real_create = _client.IscClient.create_workgroup

    def create_after_a_rival(self, body):
        emulator.seed({"groups": [{"id": "0" * 32, "name": body["name"], "owner": OWNER, "created": _stamp(1)}]})
        return real_create(self, body)

    monkeypatch.setattr(_client.IscClient, "create_workgroup", create_after_a_rival)
    result = run_module(workgroup.main, emulator, capsys, name="W1", owner=OWNER, description="Mine")
    assert not result.failed and result["changed"] and result["workgroup"]["id"] == "0" * 32, result["msg"]
    mine = next(r["path"].rsplit("/", 1)[1] for r in mutations(result.requests) if r["operation"] == "deleteWorkgroup")
    assert result["msg"] == ("A simultaneous run created governance group 'W1' (id %s) first: this run brought it to the "
                             "requested state; the copy this run created (id %s) was deleted." % ("0" * 32, mine))
    assert [(g["id"], g["description"]) for g in _groups(emulator, "W1")] == [("0" * 32, "Mine")]


def test_a_copy_another_run_deletes_while_this_run_reads_it_is_settled(emulator, capsys, monkeypatch):
    """Between this run's listing and its read of a copy's members, another run's settlement deletes the copy: the
    read's 404 means the copy has no member left, and the plan's delete of it counts as done (404: gone)."""
    _seed(emulator, [{"id": "c%031d" % index, "name": "Vanishing", "owner": OWNER, "created": _stamp(30 - index)}
                     for index in range(2)])
    real_list_members = _client.IscClient.list_members

    def list_members(self, group_id):
        if group_id == "c%031d" % 1:
            emulator.state.groups.pop(group_id, None)  # what the other run's settlement does
        return real_list_members(self, group_id)

    monkeypatch.setattr(_client.IscClient, "list_members", list_members)
    result = run_module(workgroups.main, emulator, capsys, groups=[{"name": "Vanishing", "owner": OWNER, "members": [IDS[1]]}])
    assert not result.failed, result["msg"]
    assert [(g["id"], list(g["members"])) for g in _groups(emulator, "Vanishing")] == [("c%031d" % 0, [IDS[1]])]
