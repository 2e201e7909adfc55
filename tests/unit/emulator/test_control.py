"""Control API (/__emulator/*), the Python API around it, the demo tenant, robustness and concurrency."""
from __future__ import annotations

import socket
import threading

import pytest
import requests

from tests.emulator import Emulator
from tests.emulator.seed import DEMO_CLIENT_IDENTITY, demo_seed
from tests.emulator.state import hex_id
from tests.unit.emulator.conftest import Api, assert_error_dto


def control(emulator, method, action, **kwargs):
    return requests.request(method, emulator.base_url + "/__emulator/" + action, timeout=10, **kwargs)


def test_seed_state_and_reset(emulator):
    seed = {"identities": [{"id": "1" * 32, "name": "Ada", "alias": "ada", "email": "ada@example.com"}],
            "groups": [{"id": "2" * 32, "name": "G", "description": "d", "owner": "1" * 32, "members": ["1" * 32]}],
            "clients": [{"client_id": "c2", "client_secret": "s2", "user_context": False, "scopes": ["idn:workgroup:read"]}]}
    response = control(emulator, "POST", "seed", json=seed)
    assert response.status_code == 200 and response.json() == {"counts": {"identities": 1, "groups": 1, "clients": 2}}
    state = control(emulator, "GET", "state").json()
    assert state["groups"][0]["members"] == {"1" * 32: state["groups"][0]["created"]}
    assert {c["client_id"] for c in state["clients"]} == {"demo-client-id", "c2"}
    assert emulator.state.groups["2" * 32]["owner"] == "1" * 32
    response = control(emulator, "POST", "reset")
    assert response.status_code == 200 and response.json()["counts"] == {"identities": 0, "groups": 0, "clients": 1}
    assert control(emulator, "POST", "reset", json={"seed": "demo"}).json()["counts"]["groups"] == 5


@pytest.mark.parametrize("seed,message", [
    ({"users": []}, "unknown seed keys: users"),
    ({"groups": [{"name": "G", "owner": "nobody"}]}, "owner"),
    ({"identities": [{"alias": "no name"}]}, "name"),
    ({"generate": {"identities": -1}}, "generate.identities"),
    ({"identities": [{"id": "1" * 32, "name": "O"}], "groups": [{"name": "G", "owner": "1" * 32, "connections": [{"object": {"type": "X"}}]}]},
     "connection object type"),
])
def test_bad_seed_is_400(emulator, seed, message):
    response = control(emulator, "POST", "seed", json=seed)
    assert response.status_code == 400 and message in response.json()["error"]
    with pytest.raises(ValueError):
        emulator.seed(seed)


def test_request_log(api, emulator):
    api.get("/workgroups", params={"limit": 5, "filters": 'name eq "a b"'})
    api.get("/workgroups/" + "0" * 32)
    control(emulator, "GET", "state")  # control calls are not logged
    log = control(emulator, "GET", "requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/oauth/token", 200), ("GET", "/v2024/workgroups", 200), ("GET", "/v2024/workgroups/" + "0" * 32, 404)]
    assert log[1]["query"] == {"limit": "5", "filters": 'name eq "a b"'}
    assert log[1]["client_id"] == emulator.client_id and log[1]["version"] == "v2024" and log[1]["operation"] == "listWorkgroups"
    assert emulator.requests() == log
    requests.post(emulator.base_url + "/oauth/token", params={"grant_type": "client_credentials", "client_id": "demo-client-id",
                                                              "client_secret": "demo-client-secret"}, timeout=10)
    token_entry = emulator.requests()[-1]
    assert token_entry["query"]["client_secret"] == "***" and "demo-client-secret" not in token_entry["raw_query"]
    assert control(emulator, "DELETE", "requests").status_code == 204
    assert emulator.requests() == []
    api.get("/workgroups")
    emulator.clear_requests()
    assert control(emulator, "GET", "requests").json() == []


def test_unknown_control_endpoint_and_bad_json(emulator):
    assert control(emulator, "GET", "nothing").status_code == 404
    response = control(emulator, "POST", "seed", data="{not json")
    assert response.status_code == 400 and "Malformed JSON" in response.json()["error"]


def test_demo_tenant_is_deterministic():
    first, second = Emulator(seed="demo"), Emulator(seed="demo")
    assert first.state.dump()["identities"] == second.state.dump()["identities"]
    assert list(first.state.groups) == list(second.state.groups)
    identities = first.state.identities
    assert len(identities) >= 500 and sum(1 for i in identities.values() if not i["correlated"]) >= 3
    assert all(len(i) == 32 for i in identities)
    connected = [g for g in first.state.groups.values() if g["connections"]]
    assert len(connected) == 1 and hex_id("isc-emulator", "group", "it-security-reviewers") == connected[0]["id"]
    assert {c["client_id"] for c in demo_seed()["clients"]} == {"demo-app-client-id", "demo-readonly-client-id"}


def test_demo_tenant_over_http(contract):
    with Emulator(seed="demo", client_id="cid", client_secret="csecret", faults={"rate_limit": None}) as emu:
        api = Api(emu, contract=contract)
        groups = api.get("/workgroups", params={"sorters": "name"}).json()
        names = ["All Engineering", "Empty Group", "Finance Approvers", "IT Security Reviewers", "Retired Reviewers"]
        assert [g["name"] for g in groups] == names
        big = [g for g in groups if g["name"] == "All Engineering"][0]
        assert big["memberCount"] == 120
        app = Api(emu, client_id="demo-app-client-id", client_secret="demo-app-client-secret", contract=contract)
        assert app.get("/identities").status_code == 403
        assert api.fetch_token().json()["identity_id"] == DEMO_CLIENT_IDENTITY


def test_server_errors_never_leak_tracebacks(api, emulator, monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(emulator.state, "list_groups", boom)
    response = api.get("/workgroups")
    assert response.status_code == 500
    assert_error_dto(response.json())
    assert "secret" not in response.text and "Traceback" not in response.text
    monkeypatch.undo()
    assert api.get("/workgroups").status_code == 200


@pytest.mark.parametrize("raw,status", [
    # Any method without an operation is a 405 (with Allow) on a known path, as Spring answers; was 501 (schemathesis).
    (b"FETCH /v2024/workgroups HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"405"),
    (b"QUERY /v2024/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"404"),
    (b"POST /v2024/workgroups HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", b"400")])
def test_protocol_errors_get_json_errors(emulator, raw, status):
    with socket.create_connection((emulator.host, emulator.port), timeout=5) as sock:
        sock.sendall(raw)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 " + status)
    assert b'"detailCode"' in data and b"<html" not in data.lower()


def test_concurrent_member_adds_are_consistent(emulator, api, people):
    gid = api.create_group("Busy", people[0])["id"]
    api.token  # pylint: disable=pointless-statement
    results = []
    lock = threading.Lock()

    def worker(offset):
        session = requests.Session()
        headers = {"Authorization": "Bearer " + api.token}
        for index in range(50):
            # Threads overlap: each identity is added by two threads, so exactly one of them gets 201.
            ident = people[(offset * 25 + index) % 200]
            response = session.post(emulator.base_url + "/v2024/workgroups/%s/members/bulk-add" % gid, timeout=30, headers=headers,
                                    json=[{"type": "IDENTITY", "id": ident}])
            with lock:
                results.append(response.json()[0]["status"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 400
    assert results.count(201) == 200 and results.count(409) == 200
    assert api.get("/workgroups/" + gid).json()["memberCount"] == 200
    assert len(emulator.state.groups[gid]["members"]) == 200


def test_stop_closes_kept_alive_connections(contract):
    emu = Emulator(faults={"rate_limit": None}).start()
    api = Api(emu, contract=contract)
    assert api.get("/workgroups").status_code == 200
    emu.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get("/workgroups")
