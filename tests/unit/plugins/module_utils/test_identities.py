# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/_identities.py: reference parsing (pure) and resolution against the emulator."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils import _identities
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscForbiddenError
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import (
    IscIdentityResolutionError,
    parse_reference,
    resolve_identities,
    resolve_identity,
    resolve_references,
)

ADA = "%032x" % 0xADA
JOHN1 = "%032x" % 0x101
JOHN2 = "%032x" % 0x102
ZOE = "%032x" % 0x2E
UMA = "%032x" % 0x0A


def _person(ident, name, alias, email, correlated=True):
    first, dummy, last = name.partition(" ")
    return {"id": ident, "name": name, "alias": alias, "email": email, "firstName": first, "lastName": last or "X",
            "correlated": correlated}


PEOPLE = [
    _person(ADA, "Ada Lovelace", "ada.lovelace", "Ada.Lovelace@Example.com"),
    _person(JOHN1, "John Smith", "john.smith", "john.smith@example.com"),
    _person(JOHN2, "John Smith", "John.Smith2", "john.smith2@example.com"),
    _person(ZOE, 'Zoë "Z" O\'Brien #1 & 100%', "zoe.o&b#1", "zoe+gov@example.com"),
    _person(UMA, "Uma Uncorrelated", "uma.u", "uma@example.com", correlated=False),
]


@pytest.fixture
def people(emulator):
    emulator.seed({"identities": PEOPLE})
    return emulator


def _identity_calls(emu):
    return [r for r in emu.requests() if r["path"] == "/v2024/identities"]


# ------------------------------------------------------------------ pure
@pytest.mark.parametrize("reference, parsed", [
    ("2c9180835d2e5168015d32f890ca1581", ("id", "2c9180835d2e5168015d32f890ca1581")),
    ("2C9180835D2E5168015D32F890CA1581", ("id", "2c9180835d2e5168015d32f890ca1581")),  # any case, compared and sent lower case
    ({"id": "2c9180835d2e5168015d32f890ca1581"}, ("id", "2c9180835d2e5168015d32f890ca1581")),
    ({"alias": "a"}, ("alias", "a")),
    ({"email": "e@x"}, ("email", "e@x")),
    ({"name": "N"}, ("name", "N")),
    ({"name": "N", "alias": None, "email": ""}, ("name", "N")),  # unset suboptions of a module's dict option
])
def test_parse_reference(reference, parsed):
    assert parse_reference(reference) == parsed


@pytest.mark.parametrize("reference, fragment", [
    ("", "must not be empty"),
    (42, "neither an identity id nor a dict"),
    ({}, "exactly one of id, alias, email, name"),
    ({"alias": "a", "email": "b"}, "exactly one of"),
    ({"login": "a"}, "unknown keys login"),
    ({"alias": 5}, "must be a non-empty string"),
    ("demo.admin", "'demo.admin' is not an identity id; to look it up by alias write {alias: demo.admin}"),
    ("ada@example.com", "'ada@example.com' is not an identity id; to look it up by email write {email: ada@example.com}"),
    ({"id": "demo.admin"}, "{id: ...}: 'demo.admin' is not an identity id; to look it up by alias write {alias: demo.admin}"),
    ("2c9180835d2e5168015d32f890ca158", "is not an identity id"),  # 31 characters
    ("2c9180835d2e5168015d32f890ca15810", "is not an identity id"),  # 33
    ("2c9180835d2e5168015d32f890ca158g", "is not an identity id"),  # not hexadecimal
    ("2c9180835d2e5168015d32f890ca1581\n", "is not an identity id"),
    ("x" * 5000, "'%s... (5000 characters)' is not an identity id" % ("x" * 80)),  # a huge value is not echoed whole
])
def test_parse_reference_errors(reference, fragment):
    with pytest.raises(ValueError) as info:
        parse_reference(reference)
    assert fragment in str(info.value)


def test_filter_chunks_respect_count_and_length():
    values = ["user%03d" % i for i in range(120)]
    chunks = _identities._filter_chunks("alias", values)  # pylint: disable=protected-access
    assert len(chunks) == 3
    assert chunks[0].count(" or ") == 49 and chunks[2].count(" or ") == 19
    long_values = ["x" * 200 + str(i) for i in range(40)]
    chunks = _identities._filter_chunks("name", long_values)  # pylint: disable=protected-access
    assert len(chunks) > 1
    assert all(len(quote(c, safe="")) <= _identities.MAX_FILTER_LENGTH for c in chunks)
    assert sum(c.count(" eq ") for c in chunks) == 40
    assert _identities._filter_chunks("id", ["a", "b"]) == ['id in ("a","b")']  # pylint: disable=protected-access
    assert _identities._filter_chunks("id", []) == []  # pylint: disable=protected-access


def test_plain_ids_need_no_request(emulator, make_client):
    client = make_client()
    one, two = "1" * 32, "2" * 32
    assert resolve_identities(client, [one, {"id": two}]) == [
        {"id": one, "name": None, "alias": None, "email": None}, {"id": two, "name": None, "alias": None, "email": None}]
    assert resolve_identities(client, []) == []
    assert emulator.requests() == []


# ------------------------------------------------------------------ against the emulator
def test_resolve_every_kind_in_input_order(people, make_client):
    client = make_client()
    refs = [{"email": "ada.lovelace@example.com"}, JOHN2, {"alias": "john.smith"}, {"name": "Uma Uncorrelated"},
            {"alias": 'zoe.o&b#1'}, {"name": 'Zoë "Z" O\'Brien #1 & 100%'}, {"id": ADA}, {"alias": "john.smith"}]
    resolved = resolve_identities(client, refs, verify_ids=True)
    assert [r["id"] for r in resolved] == [ADA, JOHN2, JOHN1, UMA, ZOE, ZOE, ADA, JOHN1]
    assert resolved[0] == {"id": ADA, "name": "Ada Lovelace", "alias": "ada.lovelace", "email": "Ada.Lovelace@Example.com"}
    assert resolved[1]["name"] == "John Smith"  # verified ids come back with their names
    calls = _identity_calls(people)
    assert len(calls) == 4  # one per key: id, alias, email, name
    assert {c["query"]["defaultFilter"] for c in calls} == {"NONE"}


def test_resolution_errors_are_reported_together(people, make_client):
    client = make_client()
    refs = [{"name": "John Smith"}, {"alias": "ada.lovelace"}, {"alias": "nobody"}, {"alias": "ADA.LOVELACE"},
            {"email": "x", "alias": "y"}, {"name": "John Smith"}, {"id": "%032x" % 0xFFFF}]
    with pytest.raises(IscIdentityResolutionError) as info:
        resolve_identities(client, refs, verify_ids=True)
    assert info.value.problems == [
        "name 'John Smith': 2 identities match (ids %s, %s); use id, alias or email instead" % (JOHN1, JOHN2),
        "alias 'nobody': no identity has this alias",
        "alias 'ADA.LOVELACE': no identity has this alias (differs only in case from 'ada.lovelace')",
        "{'email': 'x', 'alias': 'y'} must have exactly one of id, alias, email, name",
        "id '%032x': no identity has this id" % 0xFFFF,
    ]
    assert str(info.value).startswith("could not resolve 5 identity references: name 'John Smith': 2 identities match")
    assert "\n" not in str(info.value)


def test_resolve_one(people, make_client):
    client = make_client()
    assert resolve_identity(client, {"alias": "John.Smith2"})["id"] == JOHN2
    with pytest.raises(IscIdentityResolutionError) as info:
        resolve_identity(client, {"email": "nobody@example.com"})
    assert str(info.value) == "could not resolve 1 identity reference: email 'nobody@example.com': no identity has this email"


def test_many_references_take_few_requests(emulator, make_client):
    emulator.seed({"generate": {"identities": 130}})
    client = make_client()
    everyone = list(client.list_identities())
    emulator.clear_requests()
    refs = [{"alias": i["alias"]} for i in everyone] + [{"email": i["emailAddress"]} for i in everyone[:10]]
    resolved = resolve_identities(client, refs)
    assert [r["id"] for r in resolved] == [i["id"] for i in everyone] + [i["id"] for i in everyone[:10]]
    assert len(_identity_calls(emulator)) == 3 + 1  # 130 aliases in chunks of 50, 10 emails in one


APP = {"client_id": "app-client", "client_secret": "App-Secret-Value-5", "user_context": False, "scopes": ["sp:scopes:all"]}


def _app(emulator, make_client, **client):
    emulator.seed({"identities": PEOPLE, "clients": [dict(APP, **client)]})
    return make_client(client_id=APP["client_id"], client_secret=APP["client_secret"])


def test_no_user_context_resolves_ids_and_emails_through_search(emulator, make_client):
    client = _app(emulator, make_client)
    resolved = resolve_identities(client, [{"email": "ada.lovelace@example.com"}, {"id": JOHN1}, ZOE], verify_ids=True)
    assert [identity["id"] for identity in resolved] == [ADA, JOHN1, ZOE]
    assert resolved[0]["name"] == "Ada Lovelace" and resolved[0]["alias"] is None  # search has no confirmed alias field
    paths = [r["path"] for r in emulator.requests() if r["path"] != "/oauth/token"]
    # /identities refuses the token once (403); every later lookup of the run goes to search directly
    assert paths == ["/v2024/identities", "/v2024/search", "/v2024/search"]
    assert client.identities_refused


def test_no_user_context_cannot_resolve_aliases_and_says_what_to_use(emulator, make_client):
    client = _app(emulator, make_client)
    assert resolve_identities(client, [ADA]) == [{"id": ADA, "name": None, "alias": None, "email": None}]
    with pytest.raises(IscForbiddenError) as info:
        resolve_identities(client, [ADA, {"alias": "ada.lovelace"}])
    message = str(info.value)
    assert info.value.status == 403
    assert message.startswith("alias 'ada.lovelace' needs a personal access token: GET /v2024/identities: HTTP 403 Forbidden")
    assert "no search field is confirmed to hold an alias" in message and "give these identities by email or id" in message
    assert "App-Secret-Value-5" not in message


def test_a_token_that_may_neither_read_identities_nor_search_is_told_both(emulator, make_client):
    client = _app(emulator, make_client, scopes=["idn:workgroup:read"])
    with pytest.raises(IscForbiddenError) as info:
        resolve_identities(client, [{"email": "ada.lovelace@example.com"}])
    assert info.value.path == "/v2024/search" and "sp:search:read" in str(info.value) and "user context" in str(info.value)


def test_search_misses_name_eventual_consistency(emulator, make_client):
    client = _app(emulator, make_client)
    with pytest.raises(IscIdentityResolutionError) as info:
        resolve_identities(client, [{"email": "new.hire@example.com"}, {"email": "ADA.LOVELACE@example.com"}])
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith("email 'new.hire@example.com': no identity has this email (looked up through search;")
    assert "a few seconds to a few minutes" in info.value.problems[0]


def test_the_cheaper_endpoint_goes_first(people, make_client):
    client = make_client()
    emails = [person["email"] for person in PEOPLE]
    # 5 values: one request either way, and /identities is current, so it wins the tie
    resolve_identities(client, [{"email": email} for email in emails])
    assert [r["path"] for r in people.requests() if r["path"] != "/oauth/token"] == ["/v2024/identities"]
    short = ["p%d@example.com" % n for n in range(51)]
    assert not _identities.search_first(client, "email", short[:50]) and _identities.search_first(client, "email", short)
    # 10 long emails do not fit one /identities filter of 3,000 URL-encoded characters, but one search
    assert _identities.search_first(client, "email", ["%s%d@example.com" % ("x" * 300, n) for n in range(10)])
    assert not _identities.search_first(client, "alias", ["a%d" % n for n in range(10000)])  # no confirmed search field
    # beta has no search path the spec confirms: 51 emails take two /identities requests there
    beta = make_client(api_version="beta")
    people.clear_requests()
    found = _identities.look_up_references(beta, [("email", email) for email in short] + [("email", emails[0])])
    assert [item["reference"] for item in found if item["identities"]] == [{"email": emails[0]}] and found[-1]["identities"][0]["id"] == ADA
    assert [r["path"] for r in people.requests() if r["path"] != "/oauth/token"] == ["/beta/identities", "/beta/identities"]


# ------------------------------------------------------------------ resolve_references (the pipeline's batch)
def test_known_and_plain_ids_need_no_request(people, make_client):
    client = make_client()
    known = {JOHN1: {"id": JOHN1, "name": "John Smith", "email": "john.smith@example.com"}}
    resolved = resolve_references(client, [("id", JOHN1), ("id", "unverified"), ("id", JOHN1)], False, known)
    assert resolved == {("id", JOHN1): {"id": JOHN1, "name": "John Smith", "alias": None, "email": "john.smith@example.com"},
                        ("id", "unverified"): {"id": "unverified", "name": None, "alias": None, "email": None}}
    assert people.requests() == []


def test_references_are_looked_up_in_one_batch_and_plain_ids_verified_on_request(people, make_client):
    client = make_client()
    refs = [("alias", "ada.lovelace"), ("id", JOHN2), ("alias", "john.smith"), ("alias", "ada.lovelace")]
    resolved = resolve_references(client, refs, True, {})
    assert {ref: identity["id"] for ref, identity in resolved.items()} == {
        ("alias", "ada.lovelace"): ADA, ("id", JOHN2): JOHN2, ("alias", "john.smith"): JOHN1}
    assert resolved[("id", JOHN2)]["name"] == "John Smith"  # verified, so its name is known
    assert len(_identity_calls(people)) == 2  # one per key (alias, id), each reference once
    people.clear_requests()
    with pytest.raises(IscIdentityResolutionError) as info:
        resolve_references(client, [("id", "%032x" % 0xFFFF), ("alias", "nobody")], True, {})
    assert len(info.value.problems) == 2


def test_unverifiable_ids_are_trusted_only_when_allowed(emulator, make_client):
    client = _app(emulator, make_client)
    unknown = "%032x" % 0xFFFF
    assert resolve_references(client, [("id", ADA)], True, {})[("id", ADA)]["name"] == "Ada Lovelace"  # verified through search
    with pytest.raises(IscIdentityResolutionError):  # search did not find it, and the request does not trust ids
        resolve_references(client, [("id", unknown)], True, {})
    warnings = []
    resolved = resolve_references(client, [("id", ADA), ("id", unknown)], True, {}, trust_unverifiable_ids=True, warn=warnings.append)
    assert resolved[("id", unknown)] == {"id": unknown, "name": None, "alias": None, "email": None}
    assert resolved[("id", ADA)]["name"] == "Ada Lovelace"
    assert len(warnings) == 1 and "Search did not find 1 identity id (%s)" % unknown in warnings[0]
    # a token that may neither read /identities nor search: ids are trusted with a warning, an alias never is
    emulator.seed({"clients": [dict(APP, client_id="blind", scopes=["idn:workgroup:read"])]})
    blind = make_client(client_id="blind", client_secret=APP["client_secret"])
    warnings = []
    resolved = resolve_references(blind, [("id", ADA), ("id", JOHN1)], True, {}, trust_unverifiable_ids=True, warn=warnings.append)
    assert resolved == {("id", ADA): {"id": ADA, "name": None, "alias": None, "email": None},
                        ("id", JOHN1): {"id": JOHN1, "name": None, "alias": None, "email": None}}
    assert len(warnings) == 1 and "2 identity ids" in warnings[0]
    with pytest.raises(IscForbiddenError):  # an alias cannot be trusted: it names nobody without a lookup
        resolve_references(client, [("id", ADA), ("alias", "ada.lovelace")], True, {}, trust_unverifiable_ids=True)
