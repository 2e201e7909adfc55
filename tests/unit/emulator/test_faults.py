"""Rate limiting and fault injection (error_rate, latency, drop_after_write), at run time and at start."""
from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.emulator import Emulator
from tests.emulator.faults import DEFAULT_FAULTS, RateLimiter
from tests.unit.emulator.conftest import Api


def test_rate_limit_per_client_and_per_version(emulator, make_api):
    emulator.seed({"clients": [{"client_id": "other", "client_secret": "s"}]})
    v2024, v2025, v1 = make_api("v2024"), make_api("v2025"), make_api("v1")
    for client in (v2024, v2025, v1):
        client.token  # pylint: disable=pointless-statement  # the token endpoint is not rate limited, fetch first
    emulator.set_faults({"rate_limit": {"requests": 3, "per_seconds": 1}})
    assert [v2024.get("/workgroups").status_code for _attempt in range(3)] == [200, 200, 200]
    limited = v2024.get("/workgroups")
    assert limited.status_code == 429
    assert limited.json() == {"message": " Rate Limit Exceeded "}
    assert limited.headers["Retry-After"] == "1"  # whole seconds until the window frees
    # Other API versions and other clients have their own windows.
    assert v2025.get("/workgroups").status_code == 200
    assert v1.get("/workgroups").status_code == 200
    other = make_api("v2024", "other", "s")
    assert other.fetch_token().status_code == 200  # never limited
    assert other.get("/workgroups").status_code == 200
    time.sleep(int(limited.headers["Retry-After"]) + 0.05)
    assert v2024.get("/workgroups").status_code == 200
    log = [e for e in emulator.requests() if e["status"] == 429]
    assert len(log) == 1 and log[0]["fault"] == "rate_limit" and log[0]["client_id"] == emulator.client_id


def test_the_rate_limit_is_a_sliding_window():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limiter.configure({"requests": 2, "per_seconds": 10})
    key = ("client", "v2024")

    def at(when):
        now[0] = when
        return limiter.check(key)

    assert [at(0.0), at(5.0)] == [None, None]
    assert at(9.0) == 1  # Retry-After: the request of t=0 leaves the window at t=10
    assert at(10.0) is None  # it left: one slot
    # a fixed window starting at t=10 would admit this one; the sliding window still holds t=5 and t=10
    assert at(11.0) == 4
    assert at(15.0) is None
    assert limiter.check(("client", "v2025")) is None and limiter.check(("other", "v2024")) is None  # own windows


def test_simultaneous_requests_never_pass_the_limit(api, emulator):
    api.token  # pylint: disable=pointless-statement
    emulator.set_faults({"rate_limit": {"requests": 10, "per_seconds": 60}, "latency_ms": 50})
    barrier = threading.Barrier(25)
    statuses = []

    def one():
        barrier.wait()
        statuses.append(requests.get(emulator.base_url + "/v2024/workgroups", headers={"Authorization": "Bearer " + api.token},
                                     timeout=30).status_code)

    threads = [threading.Thread(target=one) for _index in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 10 + [429] * 15


def test_requests_are_served_at_the_same_time_and_logged_in_the_order_they_arrived(api, emulator):
    api.token  # pylint: disable=pointless-statement
    emulator.set_faults({"latency_ms": 300, "rate_limit": None})
    headers = {"Authorization": "Bearer " + api.token}
    slow = threading.Thread(target=requests.get, args=(emulator.base_url + "/v2024/workgroups?limit=1",), kwargs={"headers": headers, "timeout": 30})
    slow.start()
    while not [entry for entry in emulator.requests() if entry["version"]]:  # the slow one arrived and is waiting
        time.sleep(0.01)
    emulator.set_faults({"rate_limit": None})  # no latency for the next one
    assert requests.get(emulator.base_url + "/v2024/workgroups?limit=2", headers=headers, timeout=30).status_code == 200
    in_flight = emulator.requests()
    slow.join()
    log = emulator.requests()
    assert [entry["raw_query"] for entry in log[-2:]] == ["limit=1", "limit=2"]  # arrival order, not the order of the answers
    assert [entry["status"] for entry in in_flight[-2:]] == [0, 200]  # the fast one was answered while the slow one waited
    assert [entry["status"] for entry in log[-2:]] == [200, 200]


def test_default_rate_limit_is_100_per_10s(api, emulator):
    emulator.set_faults({})
    assert emulator.faults["rate_limit"] == {"requests": 100, "per_seconds": 10}
    statuses = [api.get("/workgroups").status_code for _attempt in range(101)]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429
    emulator.set_faults({"rate_limit": None})
    assert api.get("/workgroups").status_code == 200


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_error_rate_one_with_each_status(api, emulator, people, status):
    api.token  # pylint: disable=pointless-statement  # faults never hit the token endpoint
    emulator.set_faults({"error_rate": 1, "error_statuses": [status], "retry_after": 7, "rate_limit": None})
    response = api.get("/workgroups")
    assert response.status_code == status
    if status == 429:
        assert response.headers["Retry-After"] == "7"
    assert api.fetch_token().status_code == 200
    assert requests.get(emulator.base_url + "/__emulator/state", timeout=10).status_code == 200
    create = api.post("/workgroups", json={"name": "never", "owner": {"id": people[0]}})
    assert create.status_code == status
    assert emulator.state.groups == {}  # an injected error happens before the operation
    assert emulator.requests()[-1]["fault"] == "error_rate"


def test_error_rate_is_seeded_and_partial(api, emulator):
    api.token  # pylint: disable=pointless-statement
    runs = []
    for _run in range(2):
        emulator.set_faults({"error_rate": 0.5, "error_statuses": [503], "random_seed": 42, "rate_limit": None})
        runs.append([api.get("/workgroups").status_code for _attempt in range(40)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}


def test_latency(api, emulator):
    api.token  # pylint: disable=pointless-statement
    emulator.set_faults({"latency_ms": 150, "rate_limit": None})
    started = time.monotonic()
    assert api.get("/workgroups").status_code == 200
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    assert api.fetch_token().status_code == 200
    assert time.monotonic() - started < 0.15


def test_drop_after_write_applies_the_change(api, emulator, people):
    gid = api.create_group("G", people[0])["id"]
    emulator.set_faults({"drop_after_write_rate": 1, "rate_limit": None})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("/workgroups/%s/members/bulk-add" % gid, json=[{"type": "IDENTITY", "id": people[1]}])
    assert set(emulator.state.groups[gid]["members"]) == {people[1]}
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("/workgroups", json={"name": "Dropped", "owner": {"id": people[0]}})
    assert sorted(g["name"] for g in emulator.state.groups.values()) == ["Dropped", "G"]
    # Reads are never dropped; failed writes are answered normally.
    assert api.get("/workgroups").status_code == 200
    assert api.post("/workgroups", json={"name": "no owner"}).status_code == 400
    entry = [e for e in emulator.requests() if e["dropped"]][0]
    assert entry["status"] == 207 and entry["fault"] == "drop_after_write"


@pytest.mark.parametrize("faults,message", [
    ({"nope": 1}, "unknown fault keys: nope"),
    ({"error_rate": 2}, "error_rate"),
    ({"error_statuses": [200]}, "error_statuses"),
    ({"rate_limit": {"requests": 0, "per_seconds": 1}}, "rate_limit"),
    ({"rate_limit": "fast"}, "rate_limit"),
    ({"retry_after": -1}, "retry_after"),
])
def test_invalid_faults(emulator, faults, message):
    with pytest.raises(ValueError, match=message):
        emulator.set_faults(faults)
    response = requests.post(emulator.base_url + "/__emulator/faults", json=faults, timeout=10)
    assert response.status_code == 400 and message in response.json()["error"]


def test_faults_control_api_replaces_whole_config(emulator):
    url = emulator.base_url + "/__emulator/faults"
    response = requests.post(url, json={"latency_ms": 5, "rate_limit": "50/5"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["latency_ms"] == 5 and response.json()["rate_limit"] == {"requests": 50, "per_seconds": 5.0}
    assert requests.post(url, json={}, timeout=10).json() == DEFAULT_FAULTS
    assert requests.get(url, timeout=10).json() == DEFAULT_FAULTS
    assert requests.post(url, json={"rate_limit": None}, timeout=10).json()["rate_limit"] is None


def test_faults_at_start(contract):
    with Emulator(faults={"error_rate": 1, "error_statuses": [502]}) as emu:
        api = Api(emu, contract=contract)
        assert api.get("/workgroups").status_code == 502
        emu.reset()
        assert emu.faults == DEFAULT_FAULTS
        assert api.get("/workgroups").status_code == 401  # reset drops tokens
