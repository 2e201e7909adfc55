# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A connection that breaks during any write of any writing module ends in a clean failure, never a traceback.

The emulator cannot break a connection on one chosen request, so the session below the client does: the one
write a case names raises requests' ConnectionError (the client's real retry and error path then runs, with
max_retries 0). Everything else is real HTTP to the emulator. Each case checks the message, the absence of a
traceback, and that the tenant is as the result says (the broken write never reached it).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests

from ansible_collections.sailpoint.isc.plugins.modules import workgroup, workgroup_members, workgroups

from ._run import mutations, run_module

ADA = "2c9180835d2e5168015d32f890ca1581"
ALAN = "2c9180835d2e5168015d32f890ca1582"
GRACE = "2c9180835d2e5168015d32f890ca1583"
GROUP = "0" * 31 + "1"
OTHER = "0" * 31 + "2"
IDENTITIES = [{"id": ADA, "name": "ada.lovelace"}, {"id": ALAN, "name": "alan.turing"}, {"id": GRACE, "name": "grace.hopper"}]

# (module, its args, the write that breaks as "METHOD path-regex")
CASES = {
    "workgroup create": (workgroup.main, {"name": "New", "owner": ADA}, r"POST /v2024/workgroups$"),
    "workgroup update": (workgroup.main, {"name": "Reviewers", "description": "new"}, r"PATCH /v2024/workgroups/"),
    "workgroup delete": (workgroup.main, {"name": "Reviewers", "state": "absent"}, r"DELETE /v2024/workgroups/"),
    "workgroup_members add": (workgroup_members.main, {"workgroup_name": "Reviewers", "members": [GRACE]}, r"POST .*/members/bulk-add$"),
    "workgroup_members remove": (workgroup_members.main, {"workgroup_name": "Reviewers", "members": [ADA], "state": "absent"},
                                 r"POST .*/members/bulk-delete$"),
    "workgroups create": (workgroups.main, {"groups": [{"name": "New", "owner": ADA, "members": [ALAN]}]}, r"POST /v2024/workgroups$"),
    "workgroups add members": (workgroups.main, {"groups": [{"name": "New", "owner": ADA, "members": [ALAN]}]}, r"POST .*/members/bulk-add$"),
    "workgroups update": (workgroups.main, {"groups": [{"name": "Reviewers", "owner": GRACE}]}, r"PATCH /v2024/workgroups/"),
    "workgroups remove members": (workgroups.main, {"groups": [{"name": "Reviewers", "members": []}]}, r"POST .*/members/bulk-delete$"),
    "workgroups delete one": (workgroups.main, {"groups": [{"name": "Reviewers", "state": "absent"}]}, r"DELETE /v2024/workgroups/"),
    "workgroups delete several": (workgroups.main, {"groups": [{"name": "Reviewers", "state": "absent"}, {"name": "Other", "state": "absent"}]},
                                  r"POST /v2024/workgroups/bulk-delete$"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_connection_during_a_write_fails_cleanly(emulator, capsys, monkeypatch, case):
    main, args, broken = CASES[case]
    groups = [{"id": GROUP, "name": "Reviewers", "owner": ADA, "members": [ADA, ALAN]}, {"id": OTHER, "name": "Other", "owner": ADA, "members": []}]
    emulator.seed({"identities": IDENTITIES, "groups": groups})
    before = emulator.state.dump()["groups"]
    real = requests.Session.request
    broke = []

    def request(self, method, url, *more, **kwargs):
        if re.search(broken, "%s %s" % (method, urlsplit(url).path)):
            broke.append(url)
            raise requests.exceptions.ConnectionError("Connection reset by peer")
        return real(self, method, url, *more, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)
    result = run_module(main, emulator, capsys, max_retries=0, **args)

    assert broke, "the case never reached the write it breaks"
    assert result.failed
    assert "connection error (ConnectionError)" in result["msg"] and "Connection reset by peer" in result["msg"]
    assert "exception" not in result and "Traceback" not in str(result)
    assert emulator.client_secret not in str(result)
    # the broken write never reached the tenant; writes before it did, and the result says so
    after = emulator.state.dump()["groups"]
    if case == "workgroups add members":  # the create before the broken bulk-add landed and is reported
        assert result["counts"]["created"] == 1 and result["failures"][0]["action"] == "add members"
        assert [g["name"] for g in after if g["name"] == "New"] == ["New"] and not next(g for g in after if g["name"] == "New")["members"]
    else:
        assert after == before
        assert [r for r in mutations(result.requests) if re.search(broken, "%s %s" % (r["method"], r["path"]))] == []
