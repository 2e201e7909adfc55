"""Contract tests against the official specs (openapi-core): coverage of every operation, error bodies, request rules.

Every response in the other test modules is also validated (see conftest.Api); this module adds the checks that need
the spec itself: that each spec operation is routed, that the validator is live, and that the emulator rejects what the
spec declares invalid.
"""
from __future__ import annotations

import json

import pytest
import requests
import yaml
from openapi_core.exceptions import OpenAPIError

from tests.unit.emulator.conftest import SEARCH_SPEC, V1_SPEC, V2024_SPEC, Api


def spec_operations(path):
    with open(path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    for route, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "patch", "delete"):
                yield route, method.upper(), operation


def test_every_spec_operation_is_served(require_contract, emulator, people):
    """Each operation of both specs answers (and validates) on the emulator, through its documented success status."""
    api = Api(emulator, contract=require_contract)
    v1 = Api(emulator, version="v1", contract=require_contract)
    seen = []
    for spec_path, prefix in ((V2024_SPEC, "/v2024"), (V1_SPEC, "")):
        for route, method, operation in spec_operations(spec_path):
            gid = api.create_group("For " + operation["operationId"], people[0])["id"]
            url = emulator.base_url + prefix + route.replace("{id}", gid).replace("{workgroupId}", gid)
            kwargs = {}
            if method == "PATCH":
                kwargs = {"data": json.dumps([{"op": "replace", "path": "/name", "value": "x"}]),
                          "headers": {"Content-Type": "application/json-patch+json"}}
            elif operation["operationId"].startswith("deleteWorkgroupsInBulk"):
                kwargs = {"json": {"ids": [gid]}}
            elif method == "POST" and "members" in route:
                kwargs = {"json": [{"type": "IDENTITY", "id": people[1]}]}
            elif method == "POST":
                kwargs = {"json": {"name": "New", "owner": {"type": "IDENTITY", "id": people[0]}}}
            headers = dict(kwargs.pop("headers", {}), Authorization="Bearer " + api.token)
            response = api.session.request(method, url, headers=headers, timeout=10, **kwargs)
            success = [int(code) for code in operation["responses"] if code.startswith("2")]
            assert response.status_code in success, (operation["operationId"], response.status_code, response.text)
            require_contract.check(response, emulator.base_url)
            seen.append(operation["operationId"])
    assert len(seen) == 12 + 11  # v2024 subset: 10 workgroups + identities + public-identities; v1: 10 + identities
    assert v1.get("/workgroups").status_code == 200


def test_validator_is_live(require_contract, api, people):
    """A response that breaks the spec must fail validation (guards against a silently permissive checker)."""
    good = api.get("/workgroups/" + api.create_group("G", people[0])["id"])
    bad = requests.Response()
    bad.status_code = 200
    bad.headers["Content-Type"] = "application/json"
    bad._content = json.dumps(dict(good.json(), memberCount="many")).encode()  # pylint: disable=protected-access
    bad.request = good.request
    require_contract.check(good, api.emu.base_url)
    with pytest.raises(OpenAPIError):
        require_contract.check(bad, api.emu.base_url)


SPEC_INVALID = [
    ("/workgroups", {"limit": 251}),
    ("/workgroups", {"offset": -1}),
    ("/workgroups", {"count": "maybe"}),
    ("/workgroups/%s/members", {"limit": 51}),
    ("/workgroups/%s/connections", {"limit": 51}),
    ("/identities", {"defaultFilter": "ALL"}),
    ("/identities", {"limit": 300}),
]


@pytest.mark.parametrize("version,path,params", [("v2024", p, q) for p, q in SPEC_INVALID] + [("v1", p, q) for p, q in SPEC_INVALID]
                         + [("v2024", "/public-identities", {"add-core-filters": "perhaps"})])
def test_requests_the_spec_rejects_are_400(require_contract, make_api, people, path, params, version):
    api = make_api(version)
    gid = api.create_group("G", people[0])["id"]
    response = api.get(path.replace("%s", gid), params=params)  # the response is validated by Api (400 ErrorResponseDto)
    assert not require_contract.request_is_valid(response, api.emu.base_url)
    assert response.status_code == 400


@pytest.mark.usefixtures("require_contract")
@pytest.mark.parametrize("version", ["v2024", "v2025", "beta", "v1"])
def test_error_paths_of_every_operation_validate(emulator, make_api, people, version):
    """A 400 (or 404) from each operation, and 401/403/429/500, all validated by Api against the right spec."""
    api = make_api(version)
    gid = api.create_group("G", people[0])["id"]
    members = "/workgroups/%s/members" % gid
    answers = [
        api.get("/workgroups", params={"filters": 'name co "x"'}),
        api.post("/workgroups", json={"name": "no owner"}),
        api.get("/workgroups/" + "0" * 32),
        api.patch("/workgroups/" + gid, [{"op": "replace", "path": "/id", "value": "x"}]),
        api.delete("/workgroups/" + "0" * 32),
        api.post("/workgroups/bulk-delete", json={"ids": ["x"] * 101}),
        api.get(members, params={"limit": 51}),
        api.post(members + "/bulk-add", json={"type": "IDENTITY", "id": people[1]}, validate_request=False),
        api.post(members + "/bulk-delete", json={"type": "IDENTITY", "id": people[1]}, validate_request=False),
        api.get("/workgroups/%s/connections" % gid, params={"sorters": "id"}),
        api.get("/identities", params={"filters": 'nickname eq "x"'}),
    ]
    assert [r.status_code for r in answers] == [400, 400, 404, 400, 404, 400, 400, 400, 400, 400, 400]

    assert api.get("/workgroups", auth=False).status_code == 401
    emulator.seed({"clients": [{"client_id": "ro", "client_secret": "s", "scopes": ["idn:workgroup:read"]}]})
    readonly = make_api(version, client_id="ro", client_secret="s")
    assert readonly.post("/workgroups", json={"name": "x", "owner": {"id": people[0]}}).status_code == 403
    assert readonly.get("/identities").status_code == 403
    for status in (429, 500):
        emulator.set_faults({"error_statuses": [status], "error_rate": 1, "rate_limit": None})
        for path in ("/workgroups", "/identities"):
            assert api.get(path).status_code == status


def test_every_search_request_example_is_served(require_contract, emulator, make_api):
    """Each request example of the search subset (the spec's own bodies) answers with the documented success status
    on every version that has search, and validates against isc-v2024-search.yaml."""
    with open(SEARCH_SPEC, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    emulator.seed({"generate": {"identities": 20}})
    served = []
    for version in ("v2024", "v2026", "v1"):
        api = make_api(version)
        for route, method, operation in spec_operations(SEARCH_SPEC):
            content = operation["requestBody"]["content"]["application/json"]
            for name, ref in content["examples"].items():
                body = spec["components"]["examples"][ref["$ref"].rsplit("/", 1)[1]]["value"]
                # the query-fields example sends fields as a list although Query.fields is a string (FACTS.md section 12)
                response = api.request(method, route, json=body, validate_request=not isinstance(body["query"].get("fields"), list))
                success = [int(code) for code in operation["responses"] if code.startswith("2")]
                assert response.status_code in success, (version, operation["operationId"], name, response.text)
                served.append((version, operation["operationId"], name))
    assert len(served) == 3 * (6 + 1)  # searchPost: 6 identities examples; searchCount: 1


def test_search_errors_validate(require_contract, emulator, make_api):
    """400, 401, 403 and 429 from both search operations validate against the search subset."""
    api = make_api()
    emulator.seed({"clients": [{"client_id": "ro", "client_secret": "s", "user_context": False, "scopes": ["idn:identity:read"]}]})
    readonly = make_api(client_id="ro", client_secret="s")
    body = {"indices": ["identities"], "query": {"query": "*"}}
    for path in ("/search", "/search/count"):
        assert api.post(path, json={"indices": ["identities"], "query": {"query": "name:("}}).status_code == 400
        assert api.post(path, json=body, auth=False).status_code == 401
        assert readonly.post(path, json=body).status_code == 403
    assert api.post("/search", json=body, params={"limit": 10001}).status_code == 400
    emulator.set_faults({"error_statuses": [429], "error_rate": 1, "rate_limit": None})
    assert api.post("/search", json=body).status_code == 429
