# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sailpoint.isc.workgroup end to end: the module's main() over real HTTP to the emulator."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.sailpoint.isc.plugins.module_utils import _client
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import PLACEHOLDER_ID
from ansible_collections.sailpoint.isc.plugins.modules import workgroup

from ._run import diff_sides, mutations, run_module

ADA = "2c9180835d2e5168015d32f890ca1581"
ALAN = "2c9180835d2e5168015d32f890ca1582"
IDENTITIES = [
    {"id": ADA, "name": "ada.lovelace", "alias": "ada", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"},
    {"id": ALAN, "name": "alan.turing", "alias": "alan", "email": "alan@example.com", "firstName": "Alan", "lastName": "Turing"},
]
CONNECTIONS = [
    {"object": {"type": "ROLE", "id": "b" * 32, "name": "Security Analyst", "description": None}, "connectionType": "Owner"},
    {"object": {"type": "ACCESS_PROFILE", "id": "a" * 32, "name": "Prod DB Admin", "description": "db"}, "connectionType": "AccessRequestReviewer"},
]


@pytest.fixture
def tenant(emulator):
    emulator.seed({"identities": IDENTITIES})
    return emulator


def seed_group(emulator, **group) -> str:
    group.setdefault("id", "%032x" % (len(emulator.state.groups) + 1))
    group.setdefault("owner", ADA)
    emulator.seed({"groups": [group]})
    return group["id"]


def group_state(emulator, gid) -> Dict[str, Any]:
    return next(group for group in emulator.state.dump()["groups"] if group["id"] == gid)


# ------------------------------------------------------------------ create
def test_create_in_check_mode_writes_nothing_and_reports_the_would_be_group(tenant, capsys):
    result = run_module(workgroup.main, tenant, capsys, check_mode=True, diff=True, name="Auditors", owner={"alias": "ada"})
    assert result["changed"] is True
    assert result["workgroup"]["id"] == PLACEHOLDER_ID
    assert result["workgroup"]["owner"]["id"] == ADA
    assert diff_sides(result) == {"before": {}, "after": {"name": "Auditors", "description": "", "owner": {"id": ADA, "name": "ada.lovelace"}}}
    assert not mutations(tenant.requests())
    assert not tenant.state.groups


def test_create_then_rerun_is_idempotent(tenant, capsys):
    first = run_module(workgroup.main, tenant, capsys, name="Auditors", description="Reviews", owner=ADA)
    assert first["changed"] is True
    gid = first["workgroup"]["id"]
    assert gid != PLACEHOLDER_ID and first["workgroup"]["owner"]["name"] == "ada.lovelace"
    assert group_state(tenant, gid)["description"] == "Reviews"
    tenant.clear_requests()
    second = run_module(workgroup.main, tenant, capsys, name="Auditors", description="Reviews", owner={"email": "ADA@example.com"})
    assert second["changed"] is False
    assert second["workgroup"]["id"] == gid
    assert not mutations(tenant.requests())


def test_create_without_owner_fails_before_any_write(tenant, capsys):
    result = run_module(workgroup.main, tenant, capsys, name="Auditors")
    assert result["failed"] is True
    assert "owner is required to create governance group 'Auditors'" in result["msg"]
    assert not mutations(tenant.requests())


def test_create_with_unknown_owner_alias_fails_naming_it(tenant, capsys):
    result = run_module(workgroup.main, tenant, capsys, name="Auditors", owner={"alias": "nobody"})
    assert result["failed"] is True
    assert "resolve the owner of governance group 'Auditors'" in result["msg"]
    assert "alias 'nobody': no identity has this alias" in result["msg"]
    assert not mutations(tenant.requests())


@pytest.mark.parametrize("check_mode", [True, False])
def test_an_unknown_owner_id_fails_before_any_write_in_check_mode_too(tenant, capsys, check_mode):
    """The red team's case: check mode said "Would create" and the apply got HTTP 400; workgroups refused the same id."""
    result = run_module(workgroup.main, tenant, capsys, check_mode=check_mode, name="NN", owner={"id": "0123456789ABCDEF" * 2})
    assert result["failed"] is True and "0123456789abcdef" * 2 in result["msg"], result["msg"]
    assert "Failed to resolve the owner of governance group 'NN'" in result["msg"], result["msg"]
    assert not mutations(result.requests) and not tenant.state.groups


def test_an_upper_case_group_id_names_the_group(tenant, capsys):
    """The red team's case: id=E4522AED... said "No governance group with id"; ISC's ids are lower case."""
    group_id = seed_group(tenant, id="e4522aed" + "0b" * 12, name="Upper", owner=ADA)
    result = run_module(workgroup.main, tenant, capsys, id=group_id.upper(), description="Found")
    assert not result.get("failed") and result["changed"] and result["workgroup"]["id"] == group_id, result["msg"]
    assert [g["description"] for g in tenant.state.dump()["groups"] if g["id"] == group_id] == ["Found"]


def test_create_with_unknown_owner_id_reports_isc_message_and_tracking_id(tenant, capsys):
    """With verify_identity_ids false (its documented risk) ISC is the one that refuses the id."""
    result = run_module(workgroup.main, tenant, capsys, name="Auditors", owner="f" * 32, verify_identity_ids=False)
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to create governance group 'Auditors': POST /v2024/workgroups: HTTP 400")
    assert 'Referenced owner identity "%s" was not found.' % ("f" * 32) in result["msg"]
    assert "trackingId: " + result["tracking_id"] in result["msg"]
    assert result["status"] == 400
    assert not tenant.state.groups


def test_unknown_id_cannot_be_created(tenant, capsys):
    result = run_module(workgroup.main, tenant, capsys, id="0" * 32, name="Auditors", owner=ADA)
    assert result["failed"] is True
    assert "No governance group with id '%s' exists" % ("0" * 32) in result["msg"]
    assert not mutations(tenant.requests())


def test_empty_name_is_refused(tenant, capsys):
    result = run_module(workgroup.main, tenant, capsys, name=" ", owner=ADA)
    assert result["failed"] is True and result["msg"] == "Invalid options for governance group ' ': name must be a non-empty string, got ' '"


# ------------------------------------------------------------------ update
def test_update_patches_only_the_changed_fields(tenant, capsys):
    gid = seed_group(tenant, name="Auditors", description="old")
    result = run_module(workgroup.main, tenant, capsys, diff=True, name="Auditors", description="new", owner={"alias": "ada"})
    assert result["changed"] is True
    assert diff_sides(result) == {"before": {"description": "old"}, "after": {"description": "new"}}
    patches = [r for r in mutations(tenant.requests()) if r["method"] == "PATCH"]
    assert len(patches) == 1 and len(mutations(tenant.requests())) == 1
    assert result["workgroup"]["description"] == "new"
    assert group_state(tenant, gid)["description"] == "new"


def test_update_in_check_mode_reports_without_writing(tenant, capsys):
    gid = seed_group(tenant, name="Auditors", description="old")
    result = run_module(workgroup.main, tenant, capsys, check_mode=True, diff=True, name="Auditors", owner={"alias": "alan"})
    assert result["changed"] is True
    assert result["workgroup"]["owner"]["id"] == ALAN
    assert diff_sides(result)["before"] == {"owner": {"id": ADA, "name": "ada.lovelace"}}
    assert diff_sides(result)["after"] == {"owner": {"id": ALAN, "name": "alan.turing"}}
    assert not mutations(tenant.requests())
    assert group_state(tenant, gid)["owner"] == ADA


@pytest.mark.parametrize("seeded", [None, ""])
def test_empty_description_does_not_flap(tenant, capsys, seeded):
    seed_group(tenant, name="Auditors", description=seeded)
    result = run_module(workgroup.main, tenant, capsys, name="Auditors", description="")
    assert result["changed"] is False
    assert not mutations(tenant.requests())


def test_removing_a_description(tenant, capsys):
    gid = seed_group(tenant, name="Auditors", description="old")
    result = run_module(workgroup.main, tenant, capsys, name="Auditors", description="")
    assert result["changed"] is True
    assert not group_state(tenant, gid)["description"]
    again = run_module(workgroup.main, tenant, capsys, name="Auditors", description="")
    assert again["changed"] is False


def test_rename_by_id_warns_about_a_name_clash(tenant, capsys):
    gid = seed_group(tenant, name="Auditors")
    other = seed_group(tenant, name="Reviewers")
    result = run_module(workgroup.main, tenant, capsys, id=gid, name="Reviewers")
    assert result["changed"] is True
    assert group_state(tenant, gid)["name"] == "Reviewers"
    assert other in json.dumps(result["warnings"])  # ansible-core >= 2.19 returns structured warnings


def test_duplicate_names_fail_listing_both_ids(tenant, capsys):
    first = seed_group(tenant, name="Twins", created="2024-01-01T08:00:00.000Z")  # months apart: not a race of runs
    second = seed_group(tenant, name="Twins")
    result = run_module(workgroup.main, tenant, capsys, name="Twins", description="x")
    assert result["failed"] is True
    assert "2 governance groups are named 'Twins'" in result["msg"]
    assert first in result["msg"] and second in result["msg"]
    assert not mutations(tenant.requests())


def test_name_lookup_is_case_sensitive(tenant, capsys):
    seed_group(tenant, name="Auditors")
    result = run_module(workgroup.main, tenant, capsys, check_mode=True, name="auditors", owner=ADA)
    assert result["changed"] is True and result["workgroup"]["id"] == PLACEHOLDER_ID


# ------------------------------------------------------------------ delete
def test_delete_then_delete_again(tenant, capsys):
    gid = seed_group(tenant, name="Auditors")
    checked = run_module(workgroup.main, tenant, capsys, check_mode=True, diff=True, name="Auditors", state="absent")
    assert checked["changed"] is True and diff_sides(checked)["after"] == {}
    assert diff_sides(checked)["before"]["name"] == "Auditors"
    assert not mutations(tenant.requests())
    deleted = run_module(workgroup.main, tenant, capsys, name="Auditors", state="absent")
    assert deleted["changed"] is True and deleted["workgroup"] == {}
    assert gid not in tenant.state.groups
    again = run_module(workgroup.main, tenant, capsys, id=gid, state="absent")
    assert again["changed"] is False
    assert "does not exist" in again["msg"]


def test_delete_of_a_group_in_use_fails_listing_its_connections(tenant, capsys):
    gid = seed_group(tenant, name="Reviewers", connections=CONNECTIONS)
    for check_mode in (True, False):
        result = run_module(workgroup.main, tenant, capsys, check_mode=check_mode, name="Reviewers", state="absent")
        assert result["failed"] is True
        assert "still used by 2 connection(s): ROLE 'Security Analyst' (Owner), ACCESS_PROFILE 'Prod DB Admin' (AccessRequestReviewer)" in result["msg"]
        assert len(result["connections"]) == 2
    assert not mutations(tenant.requests())
    assert gid in tenant.state.groups


def test_delete_answered_with_in_use_400_lists_the_connections(tenant, capsys, monkeypatch):
    """A connection added between our read and the DELETE: the emulator's 400 is turned into the same message."""
    gid = seed_group(tenant, name="Reviewers", connections=CONNECTIONS)
    real = _client.IscClient.list_workgroups

    def read_before_the_connections(self, *args, **kwargs):
        for group in real(self, *args, **kwargs):
            yield dict(group, connectionCount=0)

    monkeypatch.setattr(_client.IscClient, "list_workgroups", read_before_the_connections)
    result = run_module(workgroup.main, tenant, capsys, name="Reviewers", state="absent")
    assert result["failed"] is True
    assert "still used by 2 connection(s)" in result["msg"]
    assert [r["method"] for r in mutations(tenant.requests())] == ["DELETE"]
    assert gid in tenant.state.groups


# ------------------------------------------------------------------ connection errors
def test_bad_credentials_fail_clearly_without_the_secret(tenant, capsys):
    args = dict(base_url=tenant.base_url, client_id=tenant.client_id, client_secret="wrong-secret-value", name="Auditors",
                _ansible_check_mode=False, _ansible_diff=False)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            workgroup.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True
    assert "POST /oauth/token: HTTP 401" in result["msg"]
    assert "wrong-secret-value" not in json.dumps(result)


# ------------------------------------------------------------------ names ISC cannot take
def test_an_over_long_name_fails_before_any_request_without_echoing_it(tenant, capsys):
    gid = seed_group(tenant, name="Auditors")
    long_name = "L" * 70000
    for args in ({"name": long_name, "owner": ADA}, {"id": gid, "name": "M" * 129}):
        tenant.clear_requests()
        result = run_module(workgroup.main, tenant, capsys, **args)
        name = args["name"]
        assert result.failed and result.requests == []
        assert ("name is %d characters long, more than the 128 a governance group name may have: '%s...' (%d characters)"
                % (len(name), name[:80], len(name))) in result["msg"]
        assert len(result["msg"]) < 600 and name[:81] not in result["msg"]
    assert group_state(tenant, gid)["name"] == "Auditors"
    # 128 characters is within the limit: the rename is sent
    result = run_module(workgroup.main, tenant, capsys, id=gid, name="N" * 128)
    assert not result.failed and group_state(tenant, gid)["name"] == "N" * 128
