# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sailpoint.isc.workgroup_info end to end: the module's main() over real HTTP to the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint.isc.plugins.modules import workgroup_info

from ._run import mutations, run_module
from .test_workgroup import ADA, ALAN, CONNECTIONS, seed_group


@pytest.fixture
def tenant(emulator):
    # 120 generated identities (members over three pages of 50) + 260 groups (two pages of 250)
    emulator.seed({"generate": {"identities": 120, "groups": 258, "members_per_group": 1}})
    emulator.seed({"identities": [{"id": ADA, "name": "ada.lovelace", "alias": "ada", "email": "ada@example.com"},
                                  {"id": ALAN, "name": "alan.turing", "alias": "alan", "email": "alan@example.com"}]})
    members = sorted(set(emulator.state.identities) - {ADA, ALAN})[:60] + [ADA]
    seed_group(emulator, id="c" * 32, name="Big", members=members, connections=CONNECTIONS)
    seed_group(emulator, id="d" * 32, name="big", members=[ALAN])
    return emulator


def test_no_selector_reads_every_page(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, sorters="-name")
    assert result["changed"] is False
    ids = [g["id"] for g in result["workgroups"]]
    assert len(ids) == len(set(ids)) == 260
    assert result["workgroups"][0]["name"] == "Generated Group 0257"  # the sorters reached ISC
    assert not mutations(tenant.requests())


def test_by_id_with_members_and_connections_over_several_pages(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, id="c" * 32, include_members=True, include_connections=True)
    [group] = result["workgroups"]
    assert group["memberCount"] == 61
    assert len(group["members"]) == 61 and len({m["id"] for m in group["members"]}) == 61
    assert [c["object"]["name"] for c in group["connections"]] == ["Security Analyst", "Prod DB Admin"]


def test_unknown_id_is_an_empty_list(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, id="0" * 32)
    assert result["changed"] is False and result["workgroups"] == []
    assert "failed" not in result


def test_by_exact_name(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, name="big")
    assert [g["id"] for g in result["workgroups"]] == ["d" * 32]
    assert "members" not in result["workgroups"][0]


def test_by_raw_filter(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, filters='name sw "big"', sorters="id")
    assert [g["id"] for g in result["workgroups"]] == ["c" * 32, "d" * 32]


def test_by_member(tenant, capsys):
    by_alias = run_module(workgroup_info.main, tenant, capsys, member={"alias": "alan"})
    assert [g["id"] for g in by_alias["workgroups"]] == ["d" * 32]
    by_id = run_module(workgroup_info.main, tenant, capsys, member=ADA)
    assert [g["id"] for g in by_id["workgroups"]] == ["c" * 32]


def test_bad_filter_fails_with_isc_message(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, filters='name EQ "x"')
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to list governance groups with filters 'name EQ \"x\"': GET /v2024/workgroups: HTTP 400")
    assert "trackingId" in result["msg"]


def test_selectors_are_mutually_exclusive(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, id="x", name="y")
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]


def test_unknown_member_fails(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, member={"email": "nobody@example.com"})
    assert result["failed"] is True
    assert "email 'nobody@example.com': no identity has this email" in result["msg"]


def test_works_in_check_mode(tenant, capsys):
    result = run_module(workgroup_info.main, tenant, capsys, check_mode=True, name="Big")
    assert result["changed"] is False and len(result["workgroups"]) == 1
