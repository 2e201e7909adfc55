# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/_search.py and the client's search call, against the emulator's POST /search."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _search
from ansible_collections.sailpoint.isc.plugins.module_utils._client import api_path
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscConfigError, IscForbiddenError
from ansible_collections.sailpoint.isc.plugins.module_utils._reader import Snapshot, run_queries
from ansible_collections.sailpoint.isc.plugins.module_utils._desired import Entry, Request
from tests.emulator.seed import generated_identity

ODD = [  # values that need escaping inside a quoted phrase, or that are reserved outside one
    {"id": "%032x" % 1, "name": 'Zoë "Z" O\'Brien', "email": 'z"q@example.com'},
    {"id": "%032x" % 2, "name": "Back\\slash Person", "email": "back\\slash@example.com"},
    {"id": "%032x" % 3, "name": "A: (B) [C] {D} +E -F !G ~H *I ?J /K", "email": "a+b&c#d%e@example.com"},
]


def _searches(emu):
    return [r for r in emu.requests() if r.get("operation") == "searchPost"]


@pytest.fixture
def odd(emulator):
    emulator.seed({"identities": [dict(person, alias="odd%d" % n, firstName="O", lastName="D") for n, person in enumerate(ODD)],
                   "generate": {"identities": 20}})
    return emulator


@pytest.mark.parametrize("person", ODD, ids=["quotes", "backslash", "reserved"])
def test_every_value_is_quoted_so_that_search_matches_it_literally(odd, person, make_client):
    client = make_client()
    by_name = _search.lookup_query(client, "displayName.exact:%s" % _search.quote_term(person["name"]))
    assert [found["id"] for found in by_name] == [person["id"]]
    by_email = _search.lookup_values(client, "email", [person["email"], "nobody@example.com"])
    assert [found["id"] for found in by_email] == [person["id"]] and by_email[0]["email"] == person["email"]


def test_values_go_400_to_a_request(emulator, make_client):
    emulator.seed({"generate": {"identities": 820}})
    client = make_client()
    emails = [generated_identity(i)["email"] for i in range(801)]
    emulator.clear_requests()
    found = _search.lookup_values(client, "email", emails)
    assert {identity["email"] for identity in found} == set(emails)
    assert len(_searches(emulator)) == _search.requests_for_values(801) == 3  # 400 + 400 + 1


def test_the_search_endpoint_of_each_api_version(emulator, make_client):
    emulator.seed({"generate": {"identities": 3}})
    for version, path in (("v2024", "/v2024/search"), ("v2026", "/v2026/search"), ("v1", "/search/v1")):
        emulator.clear_requests()
        assert len(_search.lookup_query(make_client(api_version=version), "_exists_:email")) == 3
        assert [r["path"] for r in _searches(emulator)] == [path]
    with pytest.raises(IscConfigError) as info:  # the spec does not confirm search in beta: no guessed path
        api_path("beta", "search")
    assert str(info.value) == "the search API of ISC is not available in api_version beta; use one of v2024, v2025, v2026, v1"


def test_a_token_without_the_search_scope_is_told_what_it_lacks(emulator, make_client):
    emulator.seed({"generate": {"identities": 3}, "clients": [
        {"client_id": "groups-only", "client_secret": "groups-only-secret", "user_context": False, "scopes": ["idn:workgroup:read"]}]})
    client = make_client(client_id="groups-only", client_secret="groups-only-secret")
    request = Request([Entry("G", members_query="_exists_:email")])
    with pytest.raises(IscForbiddenError) as info:
        run_queries(client, request, Snapshot())
    assert info.value.status == 403 and "needs the scope sp:search:read" in str(info.value)
