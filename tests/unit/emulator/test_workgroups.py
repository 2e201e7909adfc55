"""Workgroups (governance groups) operations: success and error paths, contract-checked against the specs."""
from __future__ import annotations

import time

import pytest

from tests.unit.emulator.conftest import assert_error_dto, error_text

VERSIONS = ("v2024", "v2025", "v2026", "beta", "v1")
CONNECTIONS = [
    {"object": {"type": "ACCESS_PROFILE", "id": "a" * 32, "name": "Prod DB", "description": "db"}, "connectionType": "AccessRequestReviewer"},
    {"object": {"type": "ROLE", "id": "b" * 32, "name": "Analyst", "description": None}, "connectionType": "Owner"},
]


@pytest.mark.parametrize("version", VERSIONS)
def test_full_lifecycle_on_every_version(make_api, people, version):
    """All ten operations, each answer validated against the v2024 subset or the v1 spec."""
    api = make_api(version)
    created = api.post("/workgroups", json={"name": "Lifecycle", "description": "d", "owner": {"type": "IDENTITY", "id": people[0]}})
    assert created.status_code == 200
    group = created.json()
    gid = group["id"]
    assert len(gid) == 32 and group["memberCount"] == 0 and group["connectionCount"] == 0
    assert group["owner"]["id"] == people[0] and group["owner"]["type"] == "IDENTITY"

    assert api.get("/workgroups", params={"filters": 'id eq "%s"' % gid}).json()[0]["id"] == gid
    assert api.get("/workgroups/" + gid).json()["name"] == "Lifecycle"

    patched = api.patch("/workgroups/" + gid, [{"op": "replace", "path": "/description", "value": "new"}])
    assert patched.status_code == 200 and patched.json()["description"] == "new"

    added = api.post("/workgroups/%s/members/bulk-add" % gid, json=[{"type": "IDENTITY", "id": people[1]}, {"type": "IDENTITY", "id": people[2]}])
    assert added.status_code == 207 and [i["status"] for i in added.json()] == [201, 201]
    members = api.get("/workgroups/%s/members" % gid)
    assert members.status_code == 200 and {m["id"] for m in members.json()} == {people[1], people[2]}
    removed = api.post("/workgroups/%s/members/bulk-delete" % gid, json=[{"type": "IDENTITY", "id": people[1]}])
    assert removed.status_code == 207 and removed.json()[0]["status"] == 204

    connections = api.get("/workgroups/%s/connections" % gid)
    assert connections.status_code == 200 and connections.json() == []

    deleted = api.delete("/workgroups/" + gid)
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.get("/workgroups/" + gid).status_code == 404

    other = api.create_group("Other", people[0])
    bulk = api.post("/workgroups/bulk-delete", json={"ids": [other["id"]]})
    assert bulk.status_code == 207 and bulk.json() == [{"id": other["id"], "status": 204, "description": "Governance Group deleted successfully."}]


def test_create_returns_200_with_back_filled_owner(api, emulator, people):
    response = api.post("/workgroups", json={"name": "G", "owner": {"id": people[3]}})
    assert response.status_code == 200
    owner = response.json()["owner"]
    ident = emulator.state.identities[people[3]]
    assert owner == {"type": "IDENTITY", "id": people[3], "name": ident["name"], "displayName": ident["displayName"], "emailAddress": ident["email"]}
    body = response.json()
    assert body["created"].endswith("Z") and body["modified"] == body["created"]
    assert "description" not in body  # unset description is omitted (the spec's string is not nullable)


@pytest.mark.parametrize("body", [{"name": "G"}, {"name": "G", "owner": None}, {"name": "G", "owner": {}}, {"name": "G", "owner": {"type": "IDENTITY"}}])
def test_create_without_owner_is_400(api, body):
    response = api.post("/workgroups", json=body)
    assert response.status_code == 400
    assert error_text(response) == 'Required field "owner" was missing or empty.'
    assert response.json()["detailCode"] == "400.1 Bad Request Content"


def test_create_with_unknown_owner_or_without_name_is_400(api, people):
    response = api.post("/workgroups", json={"name": "G", "owner": {"id": "f" * 32}})
    assert response.status_code == 400 and "f" * 32 in error_text(response) and "not found" in error_text(response)
    for body in ({"owner": {"id": people[0]}}, {"name": "", "owner": {"id": people[0]}}):
        response = api.post("/workgroups", json=body)
        assert response.status_code == 400 and error_text(response) == 'Required field "name" was missing or empty.'


@pytest.mark.parametrize("data,headers,status", [
    ("not json", {"Content-Type": "application/json"}, 400),
    ("[]", {"Content-Type": "application/json"}, 400),
    ("", {"Content-Type": "application/json"}, 400),
    ('{"name": "G"}', {"Content-Type": "text/plain"}, 415),
])
def test_create_bad_bodies(api, data, headers, status):
    response = api.post("/workgroups", data=data, headers=headers)
    assert response.status_code == status
    assert_error_dto(response.json())


def test_duplicate_names_are_allowed(api, people):
    first = api.create_group("Same", people[0])
    second = api.create_group("Same", people[0])
    assert first["id"] != second["id"]
    listed = api.get("/workgroups", params={"filters": 'name eq "same"'}).json()
    assert sorted(g["id"] for g in listed) == sorted([first["id"], second["id"]])


@pytest.mark.parametrize("method,path", [
    ("GET", "/workgroups/%s"), ("DELETE", "/workgroups/%s"), ("GET", "/workgroups/%s/members"), ("GET", "/workgroups/%s/connections"),
    ("POST", "/workgroups/%s/members/bulk-add"), ("POST", "/workgroups/%s/members/bulk-delete"),
])
def test_unknown_group_is_404(api, method, path):
    kwargs = {"json": [{"type": "IDENTITY", "id": "1" * 32}]} if method == "POST" else {}
    response = api.request(method, path % ("0" * 32), **kwargs)
    assert response.status_code == 404
    assert response.json()["detailCode"] == "404 Not found"
    assert "0" * 32 in error_text(response)


def test_patch_unknown_group_is_404(api):
    response = api.patch("/workgroups/" + "0" * 32, [{"op": "replace", "path": "/name", "value": "x"}])
    assert response.status_code == 404 and response.json()["detailCode"] == "404 Not found"


def test_patch_each_path_and_op(api, emulator, people):
    group = api.create_group("Before", people[0], description="old")
    gid = group["id"]
    time.sleep(0.002)
    ops = [
        {"op": "replace", "path": "/name", "value": "After"},
        {"op": "add", "path": "/description", "value": "added"},
        {"op": "replace", "path": "/owner", "value": {"type": "IDENTITY", "id": people[1]}},
    ]
    body = api.patch("/workgroups/" + gid, ops).json()
    assert (body["name"], body["description"], body["owner"]["id"]) == ("After", "added", people[1])
    assert body["owner"]["name"] == emulator.state.identities[people[1]]["name"]
    assert body["modified"] > group["modified"] and body["created"] == group["created"]
    body = api.patch("/workgroups/" + gid, [{"op": "replace", "path": "/owner/id", "value": people[2]},
                                            {"op": "remove", "path": "/description"}]).json()
    assert body["owner"]["id"] == people[2] and "description" not in body
    assert api.get("/workgroups/" + gid).json() == body


@pytest.mark.parametrize("ops,text", [
    ([{"op": "replace", "path": "/memberCount", "value": 3}], 'Patching "/memberCount" is not supported'),
    ([{"op": "replace", "path": "/id", "value": "x"}], 'Patching "/id" is not supported'),
    ([{"op": "move", "from": "/name", "path": "/description"}], 'Unsupported patch operation "move"'),
    ([{"op": "remove", "path": "/owner"}], 'Required field "owner" cannot be removed'),
    ([{"op": "remove", "path": "/name"}], 'Required field "name" cannot be removed'),
    ([{"op": "replace", "path": "/name"}], 'requires a "value"'),
    ([{"op": "replace", "path": "/owner/id", "value": "9" * 32}], "not found"),
    ({"op": "replace", "path": "/name", "value": "x"}, "JSON array"),
])
def test_patch_errors_are_400_and_atomic(api, people, ops, text):
    group = api.create_group("Keep", people[0])
    # The first operation is valid: nothing may be applied when a later one fails.
    body = [{"op": "replace", "path": "/description", "value": "changed"}] + ops if isinstance(ops, list) else ops
    response = api.patch("/workgroups/" + group["id"], body, validate_request=False)
    assert response.status_code == 400
    assert text in error_text(response)
    assert api.get("/workgroups/" + group["id"]).json() == group


def test_patch_requires_json_patch_content_type(api, people):
    group = api.create_group("G", people[0])
    response = api.patch("/workgroups/" + group["id"], [{"op": "replace", "path": "/name", "value": "x"}], headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    assert response.json()["detailCode"] == "415 Unsupported Media Type"
    assert "application/json-patch+json" in error_text(response)
    assert api.get("/workgroups/" + group["id"]).json()["name"] == "G"


def test_members_bulk_add_mixed_207(api, emulator, people):
    group = api.create_group("G", people[0])
    gid = group["id"]
    api.post("/workgroups/%s/members/bulk-add" % gid, json=[{"type": "IDENTITY", "id": people[1]}])
    unknown = "e" * 32
    response = api.post("/workgroups/%s/members/bulk-add" % gid,
                        json=[{"type": "IDENTITY", "id": people[2], "name": "x"}, {"type": "IDENTITY", "id": people[1]}, {"type": "IDENTITY", "id": unknown}])
    assert response.status_code == 207
    assert response.json() == [
        {"id": people[2], "status": 201, "description": "Identity added to Governance Group members list."},
        {"id": people[1], "status": 409, "description": 'Unable to set Membership of Identity "%s" to Governance Group "%s"; '
                                                        "the relationship already exists." % (people[1], gid)},
        {"id": unknown, "status": 404, "description": 'Referenced Identity "%s" was not found.' % unknown},
    ]
    assert set(emulator.state.groups[gid]["members"]) == {people[1], people[2]}
    assert api.get("/workgroups/" + gid).json()["memberCount"] == 2


def test_members_bulk_delete_mixed_207_and_modified(api, people):
    group = api.create_group("G", people[0])
    gid = group["id"]
    time.sleep(0.002)
    api.post("/workgroups/%s/members/bulk-add" % gid, json=[{"type": "IDENTITY", "id": people[1]}])
    after_add = api.get("/workgroups/" + gid).json()
    assert after_add["modified"] > group["modified"]
    response = api.post("/workgroups/%s/members/bulk-delete" % gid, json=[{"type": "IDENTITY", "id": people[1]}, {"type": "IDENTITY", "id": people[2]}])
    assert response.status_code == 207
    assert response.json() == [
        {"id": people[1], "status": 204, "description": "Identity deleted from Governance Group members list."},
        {"id": people[2], "status": 404, "description": 'Referenced Governance Group Member with Identity Id "%s" was not found.' % people[2]},
    ]
    after_delete = api.get("/workgroups/" + gid).json()
    assert after_delete["memberCount"] == 0 and after_delete["modified"] > after_add["modified"]
    # Nothing changed: modified stays.
    api.post("/workgroups/%s/members/bulk-delete" % gid, json=[{"type": "IDENTITY", "id": people[2]}])
    assert api.get("/workgroups/" + gid).json()["modified"] == after_delete["modified"]


@pytest.mark.parametrize("operation", ["bulk-add", "bulk-delete"])
@pytest.mark.parametrize("body", [{"type": "IDENTITY", "id": "x"}, [{"type": "IDENTITY"}], [{"type": "ROLE", "id": "x"}], ["abc"]])
def test_members_bulk_body_must_be_array_of_identities(api, people, operation, body):
    group = api.create_group("G", people[0])
    response = api.post("/workgroups/%s/members/%s" % (group["id"], operation), json=body, validate_request=False)
    assert response.status_code == 400
    assert_error_dto(response.json())


def test_group_bulk_delete_mixed_207(api, emulator, people):
    free = api.create_group("Free", people[0])
    used = api.create_group("Used", people[0])
    emulator.state.groups[used["id"]]["connections"] = [dict(c, created="2024-01-01T00:00:00.000Z", modified="2024-01-01T00:00:00.000Z")
                                                        for c in CONNECTIONS]
    missing = "d" * 32
    response = api.post("/workgroups/bulk-delete", json={"ids": [free["id"], used["id"], missing]})
    assert response.status_code == 207
    assert response.json() == [
        {"id": free["id"], "status": 204, "description": "Governance Group deleted successfully."},
        {"id": used["id"], "status": 409, "description": "Unable to delete Governance Group %s because it is in use." % used["id"]},
        {"id": missing, "status": 404, "description": "Referenced Governance Group %s was not found." % missing},
    ]
    assert set(emulator.state.groups) == {used["id"]}


def test_group_bulk_delete_limit_is_100(api, people):
    groups = [api.create_group("G%d" % i, people[0])["id"] for i in range(3)]
    too_many = api.post("/workgroups/bulk-delete", json={"ids": groups + ["x%031d" % i for i in range(98)]})
    assert too_many.status_code == 400 and "100" in error_text(too_many)
    assert len(api.get("/workgroups").json()) == 3
    exactly = api.post("/workgroups/bulk-delete", json={"ids": groups + ["x%031d" % i for i in range(97)]})
    assert exactly.status_code == 207 and len(exactly.json()) == 100
    assert api.get("/workgroups").json() == []


@pytest.mark.parametrize("body", [{}, {"ids": "abc"}, ["a"], {"ids": [1]}])
def test_group_bulk_delete_bad_body_is_400(api, body):
    response = api.post("/workgroups/bulk-delete", json=body, validate_request=False)
    assert response.status_code == 400
    assert_error_dto(response.json())


def test_delete_group_in_use_is_400_and_connections_listed(api, emulator, people):
    emulator.seed({"groups": [{"name": "Connected", "owner": people[0], "connections": CONNECTIONS}]})
    gid = next(iter(emulator.state.groups))
    response = api.delete("/workgroups/" + gid)
    assert response.status_code == 400 and "in use" in error_text(response)
    assert gid in emulator.state.groups
    group = api.get("/workgroups/" + gid).json()
    assert group["connectionCount"] == 2
    listed = api.get("/workgroups/%s/connections" % gid).json()
    assert listed == [{"object": c["object"], "connectionType": c["connectionType"]} for c in CONNECTIONS]
    by_name = api.get("/workgroups/%s/connections" % gid, params={"sorters": "name"}).json()
    assert [c["object"]["name"] for c in by_name] == ["Analyst", "Prod DB"]


def test_unknown_route_and_method(api):
    assert api.get("/nothing-here").status_code == 404
    response = api.request("PUT", "/workgroups")
    assert response.status_code == 405 and response.json()["detailCode"] == "405 Method Not Allowed"
