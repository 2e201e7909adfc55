"""OAuth client-credentials tokens, expiry, revocation, scopes and user context."""
from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from tests.emulator import Emulator
from tests.unit.emulator.conftest import Api, error_text


def token_request(emu, **kwargs):
    return requests.post(emu.base_url + "/oauth/token", timeout=10, **kwargs)


def creds(emu):
    return {"grant_type": "client_credentials", "client_id": emu.client_id, "client_secret": emu.client_secret}


@pytest.mark.parametrize("how", ["form", "query", "multipart", "basic"])
def test_token_from_form_query_multipart_or_basic(emulator, how):
    data = creds(emulator)
    if how == "form":
        response = token_request(emulator, data=data)
    elif how == "query":
        response = token_request(emulator, params=data)
    elif how == "multipart":
        response = token_request(emulator, files={k: (None, v) for k, v in data.items()})
    else:
        response = token_request(emulator, data={"grant_type": "client_credentials"}, auth=(emulator.client_id, emulator.client_secret))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 749 and body["scope"] == "sp:scopes:all"
    assert {"access_token", "tenant_id", "pod", "org", "jti", "identity_id"} <= set(body)
    # JWT-shaped, with the client id among its claims
    payload = body["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["client_id"] == emulator.client_id and claims["exp"] > time.time()
    api = Api(emulator)
    api._token = body["access_token"]  # pylint: disable=protected-access
    assert api.get("/workgroups").status_code == 200


@pytest.mark.parametrize("data,status,error", [
    ({"grant_type": "client_credentials", "client_id": "demo-client-id", "client_secret": "wrong"}, 401, "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}, 401, "invalid_client"),
    ({"grant_type": "client_credentials"}, 401, "invalid_client"),
    ({"grant_type": "password", "client_id": "demo-client-id", "client_secret": "demo-client-secret"}, 400, "unsupported_grant_type"),
    ({"grant_type": "CLIENT_CREDENTIALS", "client_id": "demo-client-id", "client_secret": "demo-client-secret"}, 400, "unsupported_grant_type"),
    ({"client_id": "demo-client-id", "client_secret": "demo-client-secret"}, 400, "invalid_request"),
])
def test_bad_token_requests(emulator, data, status, error):
    response = token_request(emulator, data=data)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_token_endpoint_is_post_only(emulator):
    response = requests.get(emulator.base_url + "/oauth/token", params=creds(emulator), timeout=10)
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize("header,message", [
    (None, "JWT is missing"),
    ("Bearer not-a-token", "JWT is invalid"),
    ("Basic abc", "Bearer"),
])
def test_missing_or_bad_bearer_is_401(api, header, message):
    headers = {"Authorization": header} if header else {}
    response = api.get("/workgroups", auth=False, headers=headers)
    assert response.status_code == 401
    assert message in response.json()["error"]


def test_token_expiry(contract):
    with Emulator(token_ttl=1, faults={"rate_limit": None}) as emu:
        api = Api(emu, contract=contract)
        token = api.fetch_token().json()
        assert token["expires_in"] == 1
        assert api.get("/workgroups").status_code == 200
        time.sleep(1.2)
        expired = api.get("/workgroups")
        assert expired.status_code == 401 and expired.json() == {"error": "JWT validation failed: JWT is expired"}
        api._token = None  # pylint: disable=protected-access
        assert api.get("/workgroups").status_code == 200  # a new token works


def test_revoke_tokens(api, emulator):
    assert api.get("/workgroups").status_code == 200
    assert emulator.revoke_tokens() == 1
    assert api.get("/workgroups").status_code == 401
    api._token = None  # pylint: disable=protected-access
    assert api.get("/workgroups").status_code == 200
    response = requests.post(emulator.base_url + "/__emulator/revoke-tokens", timeout=10)
    assert response.status_code == 200 and response.json() == {"revoked": 1}
    assert api.get("/workgroups").status_code == 401


def add_client(emulator, client_id, scopes, user_context=True):
    emulator.seed({"clients": [{"client_id": client_id, "client_secret": "s", "scopes": scopes, "user_context": user_context}]})


@pytest.mark.parametrize("scopes,allowed", [
    (["idn:workgroup:read"], {"list", "get", "members", "connections"}),
    (["idn:workgroup:manage"], {"list", "get", "members", "connections", "create", "patch", "delete", "bulk-delete"}),
    (["idn:workgroup:write"], {"bulk-add", "bulk-remove"}),
    (["sp:scopes:all"], {"list", "get", "members", "connections", "create", "patch", "delete", "bulk-delete", "bulk-add", "bulk-remove"}),
    (["sp:scopes:default"], set()),
])
def test_scopes_per_operation(emulator, make_api, people, scopes, allowed):
    admin = make_api()
    gid = admin.create_group("G", people[0])["id"]
    add_client(emulator, "scoped", scopes)
    api = make_api(client_id="scoped", client_secret="s")
    calls = {
        "list": lambda: api.get("/workgroups"),
        "get": lambda: api.get("/workgroups/" + gid),
        "members": lambda: api.get("/workgroups/%s/members" % gid),
        "connections": lambda: api.get("/workgroups/%s/connections" % gid),
        "create": lambda: api.post("/workgroups", json={"name": "N", "owner": {"id": people[0]}}),
        "patch": lambda: api.patch("/workgroups/" + gid, [{"op": "replace", "path": "/description", "value": "x"}]),
        "bulk-add": lambda: api.post("/workgroups/%s/members/bulk-add" % gid, json=[{"type": "IDENTITY", "id": people[1]}]),
        "bulk-remove": lambda: api.post("/workgroups/%s/members/bulk-delete" % gid, json=[{"type": "IDENTITY", "id": people[1]}]),
        "bulk-delete": lambda: api.post("/workgroups/bulk-delete", json={"ids": ["0" * 32]}),
        "delete": lambda: api.delete("/workgroups/" + gid),
    }
    for name, call in calls.items():
        response = call()
        if name in allowed:
            assert response.status_code < 300, (name, response.text)
        else:
            assert response.status_code == 403, (name, response.text)
            assert response.json()["detailCode"] == "403 Forbidden"
            assert "requires one of the scopes" in error_text(response)


def test_identities_need_user_context(emulator, make_api):
    emulator.seed({"generate": {"identities": 3}})
    add_client(emulator, "app", ["sp:scopes:all"], user_context=False)
    app = make_api(client_id="app", client_secret="s")
    for path in ("/identities", "/public-identities"):
        response = app.get(path)
        assert response.status_code == 403 and "user context" in error_text(response)
    assert app.get("/workgroups").status_code == 200  # applicationAuth is fine for workgroups
    v1 = make_api("v1", client_id="app", client_secret="s")
    assert v1.get("/identities").status_code == 403

    add_client(emulator, "reader", ["idn:identity:read"])
    reader = make_api(client_id="reader", client_secret="s")
    assert len(reader.get("/identities").json()) == 3
    assert reader.get("/public-identities").status_code == 403  # needs sp:scopes:default
    assert reader.get("/workgroups").status_code == 403


def test_beta_member_bulk_delete_is_user_auth_only(emulator, make_api, people):
    gid = make_api().create_group("G", people[0])["id"]
    add_client(emulator, "app", ["sp:scopes:all"], user_context=False)
    body = [{"type": "IDENTITY", "id": people[0]}]
    assert make_api("beta", "app", "s").post("/workgroups/%s/members/bulk-delete" % gid, json=body).status_code == 403
    assert make_api("v2024", "app", "s").post("/workgroups/%s/members/bulk-delete" % gid, json=body).status_code == 207
