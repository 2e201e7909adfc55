# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/_client.py without HTTP: where each call goes, constructor rules, chunking."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._client import MEMBER_CHUNK, WORKGROUP_DELETE_CHUNK, IscClient, api_path, chunked
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscConfigError


# ------------------------------------------------------------------ paths
def test_path_ids_are_quoted_and_required():
    assert api_path("v2024", "workgroup", workgroup_id="../x y/?") == "/v2024/workgroups/..%2Fx%20y%2F%3F"
    with pytest.raises(IscConfigError):
        api_path("v2024", "workgroup", workgroup_id="")
    with pytest.raises(IscConfigError, match="api_version must be one of"):
        api_path("v3", "workgroups")


def test_client_paths_follow_api_version():
    # v1 is the per-service layout: the version follows the service name
    client = IscClient("https://acme.example", access_token="t0ken-value", api_version="v1")
    assert client.path("members", workgroup_id="abc") == "/workgroups/v1/abc/members"
    assert IscClient("https://acme.example", access_token="t0ken-value").path("members", workgroup_id="abc") == "/v2024/workgroups/abc/members"


def test_client_refuses_a_base_url_ending_with_an_api_version():
    with pytest.raises(IscConfigError, match="ends with the API version 'v2025'"):
        IscClient("https://acme.example/v2025", access_token="t0ken-value")


# ------------------------------------------------------------------ constructor
@pytest.mark.parametrize("kwargs, fragment", [
    ({"client_id": "a"}, "must be given together"),
    ({"client_secret": "s3cr3t-value"}, "must be given together"),
    ({}, "no credentials"),
    ({"access_token": "t0ken-value", "api_version": "v3"}, "api_version must be one of"),
    ({"access_token": "t0ken-value", "max_retries": -1}, "max_retries"),
])
def test_constructor_refuses_bad_options(kwargs, fragment):
    with pytest.raises(IscConfigError) as info:
        IscClient("https://acme.example", **kwargs)
    assert fragment in str(info.value)
    assert "s3cr3t-value" not in str(info.value)


# ------------------------------------------------------------------ chunks
def test_chunked():
    assert list(chunked([], 3)) == []
    assert list(chunked([1, 2, 3, 4, 5, 6, 7], 3)) == [[1, 2, 3], [4, 5, 6], [7]]
    assert [len(c) for c in chunked(list(range(201)), 100)] == [100, 100, 1]


class _NoSession:
    """A session that must never be used: a bulk call it reaches has sent a request."""

    def __init__(self):
        self.calls = 0

    def request(self, method, url, **kwargs):
        self.calls += 1
        raise AssertionError("no request may be sent")


@pytest.mark.parametrize("call, limit", [("add_members", MEMBER_CHUNK), ("remove_members", MEMBER_CHUNK),
                                         ("bulk_delete_workgroups", WORKGROUP_DELETE_CHUNK)])
@pytest.mark.parametrize("ids", ["over", "empty", "duplicate"])
def test_bulk_calls_take_one_chunk_and_send_nothing_otherwise(call, limit, ids):
    session = _NoSession()
    client = IscClient("https://acme.example", access_token="t0ken-value", session=session)
    values = {"over": ["i%03d" % i for i in range(limit + 1)], "empty": [], "duplicate": ["a", "b", "a"]}[ids]
    args = (values,) if call == "bulk_delete_workgroups" else ("g1", values)
    with pytest.raises(ValueError, match="a bulk request takes 1 to %d distinct ids" % limit):
        getattr(client, call)(*args)
    assert session.calls == 0
