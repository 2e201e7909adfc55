"""Regressions for what clients we did not write found in the emulator (the SailPoint SDK, schemathesis).

Each test names the finding. These run with the main dev dependencies only (the SDK and schemathesis suites skip
without their extra pins), so the fixes stay covered everywhere.
"""
from __future__ import annotations

import http.client
import json

import pytest

from tests.unit.emulator.conftest import assert_error_dto, error_text

CONNECTION = {"object": {"type": "ROLE", "id": "b" * 32, "name": "Analyst", "description": None}, "connectionType": "Owner"}


def _raw(emulator, method, path, headers=None):
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# ------------------------------------------------------------------------------- HTTP methods (schemathesis ST204/ST101)

@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "QUERY", "PUT"])
@pytest.mark.parametrize("path,allow", [
    ("/v2024/workgroups", "GET, HEAD, POST"),
    ("/workgroups/v1/%s" % ("a" * 32), "DELETE, GET, HEAD, PATCH"),
    ("/v2024/workgroups/%s/members/bulk-add" % ("a" * 32), "POST"),
    # /workgroups/bulk-delete is also /workgroups/{id} with id "bulk-delete": both are declared paths
    ("/v2024/workgroups/bulk-delete", "DELETE, GET, HEAD, PATCH, POST"),
])
def test_undeclared_method_is_405_with_allow(emulator, method, path, allow):
    """Was 501 (no do_ handler) for OPTIONS/TRACE/QUERY, and 405 without Allow for PUT; RFC 9110 wants Allow on 405."""
    status, headers, body = _raw(emulator, method, path)
    assert status == 405 and headers["Allow"] == allow
    assert_error_dto(json.loads(body))


def test_undeclared_method_on_unknown_path_is_404(emulator):
    status, _headers, body = _raw(emulator, "TRACE", "/v2024/nowhere")
    assert status == 404 and json.loads(body)["detailCode"] == "404 Not found"


def test_token_endpoint_405_has_allow(emulator):
    status, headers, _body = _raw(emulator, "GET", "/oauth/token")
    assert status == 405 and headers["Allow"] == "POST"


def test_head_is_get_without_body(api, emulator, people):
    api.create_group("G", people[0])
    status, headers, body = _raw(emulator, "HEAD", "/v2024/workgroups?count=true", {"Authorization": "Bearer " + api.token})
    assert status == 200 and body == b"" and headers["X-Total-Count"] == "1"
    assert int(headers["Content-Length"]) == len(api.get("/workgroups").content)


# ------------------------------------------------------------------------- query parameters (schemathesis ST201)

@pytest.mark.parametrize("path,params", [
    ("/workgroups", {"offset": "2147483648"}),  # offset is int32
    ("/workgroups", {"offset": ""}),  # an empty value is no integer
    ("/workgroups", {"limit": ""}),
    ("/workgroups", {"count": ""}),  # nor a boolean
    ("/identities", {"defaultFilter": ""}),  # nor an enum value
    ("/public-identities", {"add-core-filters": ""}),
])
def test_malformed_query_values_are_400(api, people, path, params):
    response = api.get(path, params=params)
    assert response.status_code == 400, (path, params, response.text)
    assert_error_dto(response.json())


def test_largest_int32_offset_is_fine(api, people):
    assert api.get("/workgroups", params={"offset": str(2 ** 31 - 1)}).json() == []


# ------------------------------------------------------------------------------ request bodies (schemathesis ST201)

@pytest.mark.parametrize("extra,text", [
    ({"modified": ""}, 'Field "modified" must be an ISO-8601 date-time string'),
    ({"created": "2024-13-01T00:00:00Z"}, 'Field "created" must be an ISO-8601 date-time string'),
    ({"memberCount": "many"}, 'Field "memberCount" must be a 64-bit integer'),
    ({"connectionCount": True}, 'Field "connectionCount" must be a 64-bit integer'),
    ({"id": 7}, 'Field "id" must be a string'),
    ({"description": None}, 'Field "description" must be a string, got null'),
])
def test_create_rejects_badly_typed_fields(api, people, extra, text):
    """The spec types every WorkgroupDto property (none nullable); read-only ones are ignored but must still be valid."""
    body = dict({"name": "G", "owner": {"type": "IDENTITY", "id": people[0]}}, **extra)
    response = api.post("/workgroups", json=body)
    assert response.status_code == 400 and text in error_text(response)


@pytest.mark.parametrize("owner,text", [
    ({"type": None, "id": "P0"}, "Invalid owner type null"),
    ({"id": "P0", "name": 5}, 'Field "owner.name" must be a string'),
    ({"id": "P0", "emailAddress": None}, 'Field "owner.emailAddress" must be a string, got null'),
])
def test_create_rejects_badly_typed_owner(api, people, owner, text):
    owner = {k: (people[0] if v == "P0" else v) for k, v in owner.items()}
    response = api.post("/workgroups", json={"name": "G", "owner": owner})
    assert response.status_code == 400 and text in error_text(response)


def test_create_accepts_valid_read_only_fields(api, people):
    body = {"name": "G", "owner": {"type": "IDENTITY", "id": people[0], "name": "x", "displayName": "y", "emailAddress": "z"},
            "id": "ignored", "memberCount": 3, "connectionCount": 0, "created": "2022-01-06T19:51:13Z", "modified": "2022-01-06T19:51:13.5+01:00"}
    # validate_request=False: openapi-core rejects read-only properties in requests (OpenAPI: they "SHOULD NOT be
    # sent"); the emulator ignores them (README) as long as they are well typed.
    response = api.post("/workgroups", json=body, validate_request=False)
    assert response.status_code == 200
    group = response.json()
    assert group["id"] != "ignored" and group["memberCount"] == 0 and group["created"] != "2022-01-06T19:51:13Z"


@pytest.mark.parametrize("op", ["add", "replace"])
def test_patch_null_value_is_400(api, emulator, people, op):
    """JsonPatchOperation.value is a non-nullable oneOf: `{"value": null}` was taken as "clear the description"."""
    group = api.create_group("G", people[0], description="keep")
    response = api.patch("/workgroups/" + group["id"], [{"op": op, "path": "/description", "value": None}])
    assert response.status_code == 400 and '"value" must not be null; use "remove"' in error_text(response)
    assert emulator.state.groups[group["id"]]["description"] == "keep"


@pytest.mark.parametrize("item,text", [
    ({"type": None, "id": "P1"}, "Item 0: invalid type null"),
    ({"type": "IDENTITY", "id": 5}, 'Field "[0].id" must be a string'),
    ({"type": "IDENTITY", "id": "P1", "name": None}, 'Field "[0].name" must be a string, got null'),
])
@pytest.mark.parametrize("action", ["bulk-add", "bulk-delete"])
def test_member_items_are_typed(api, people, item, text, action):
    gid = api.create_group("G", people[0])["id"]
    item = {k: (people[1] if v == "P1" else v) for k, v in item.items()}
    response = api.post("/workgroups/%s/members/%s" % (gid, action), json=[item])
    assert response.status_code == 400 and text in error_text(response)


# --------------------------------------------------------------------------------- response shapes (SDK, openapi)

def test_beta_connection_without_description_leaves_it_out(make_api, emulator, people):
    """FACTS section 7: beta's ConnectedObject.description is not nullable (v2024/v1: nullable, sent as null)."""
    emulator.seed({"groups": [{"id": "c" * 32, "name": "Busy", "owner": people[0], "connections": [CONNECTION]}]})
    beta = make_api("beta").get("/workgroups/%s/connections" % ("c" * 32)).json()
    assert beta == [{"object": {"type": "ROLE", "id": "b" * 32, "name": "Analyst"}, "connectionType": "Owner"}]
    v2024 = make_api("v2024").get("/workgroups/%s/connections" % ("c" * 32)).json()
    assert v2024[0]["object"]["description"] is None
