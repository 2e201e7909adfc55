# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/_client.py and _transport.py over real HTTP against the ISC emulator (tests/emulator).

Faults are switched off again from inside the client's injected ``sleep`` where a test needs
"fail once, then succeed": the first retry's wait is the moment the fault has been observed.
The client never really sleeps here: ``sleep`` records the wait and advances the injected ``clock``.
"""

from __future__ import annotations

import socket
import time

import pytest
import requests

from ansible_collections.sailpoint.isc.plugins.module_utils._client import MEMBER_CHUNK, WORKGROUP_DELETE_CHUNK, IscClient
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    IscApiError,
    IscAuthError,
    IscConfigError,
    IscConnectionError,
    IscForbiddenError,
    IscNotFoundError,
    IscRateLimitError,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._transport import USER_AGENT
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import eq, literal
from tests.emulator import Emulator

OWNER = "%032x" % 0xA11CE
OTHER = "%032x" % 0xB0B


def _ident(number):
    return "%032x" % (0x1000 + number)


def _identities(count):
    return [{"id": _ident(i), "name": "Person %04d" % i, "alias": "person.%04d" % i, "email": "person.%04d@example.com" % i,
             "firstName": "Person", "lastName": "%04d" % i} for i in range(count)]


def _base_seed():
    return {"identities": [
        {"id": OWNER, "name": "Alice Owner", "alias": "alice.owner", "email": "alice@example.com", "firstName": "Alice", "lastName": "Owner"},
        {"id": OTHER, "name": "Bob Other", "alias": "bob.other", "email": "bob@example.com", "firstName": "Bob", "lastName": "Other"},
    ]}


class Recorder:
    """Collects warnings and waits; a fake clock that each wait advances; optionally runs an action on the
    first wait (e.g. faults off) or on every wait."""

    def __init__(self, on_first_sleep=None, on_sleep=None):
        self.warnings = []
        self.waits = []
        self.now = 1000.0
        self._on_first_sleep = on_first_sleep
        self._on_sleep = on_sleep

    def warn(self, message):
        self.warnings.append(message)

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds
        if len(self.waits) == 1 and self._on_first_sleep is not None:
            self._on_first_sleep()
        if self._on_sleep is not None:
            self._on_sleep(seconds)


@pytest.fixture(name="make_client")
def make_client_fixture(make_client):
    """The shared factory (conftest.py) on a fake clock: ``make_client(recorder=None, **options)``; the client's
    warnings, waits and time go to ``recorder`` (a new Recorder if none is given)."""

    def make(recorder=None, **options):
        recorder = recorder or Recorder()
        return make_client(**dict({"warn": recorder.warn, "sleep": recorder.sleep, "clock": recorder.clock}, **options))

    return make


def api_calls(emu, method=None, path=None):
    return [r for r in emu.requests() if (method is None or r["method"] == method) and (path is None or r["path"] == path)]


def faults_off(emu):
    return lambda: emu.set_faults({"rate_limit": None})


def _create(client, name, owner=OWNER, description=None):
    body = {"name": name, "owner": {"type": "IDENTITY", "id": owner}}
    if description is not None:
        body["description"] = description
    return client.create_workgroup(body)


# ------------------------------------------------------------------ paging
@pytest.mark.parametrize("count, pages", [(0, 1), (1, 1), (50, 1), (51, 1), (250, 1), (251, 2)])
def test_paging_groups(emulator, make_client, count, pages):
    seed = _base_seed()
    seed["groups"] = [{"name": "Group %04d" % i, "owner": OWNER} for i in range(count)]
    emulator.seed(seed)
    client = make_client()
    groups = list(client.list_workgroups())
    assert sorted(g["name"] for g in groups) == ["Group %04d" % i for i in range(count)]
    calls = api_calls(emulator, "GET", "/v2024/workgroups")
    assert len(calls) == pages
    assert [c["query"]["limit"] for c in calls] == ["250"] * pages
    assert [c["query"]["offset"] for c in calls] == [str(250 * p) for p in range(pages)]


@pytest.mark.parametrize("count, pages", [(0, 1), (1, 1), (50, 1), (51, 2), (250, 5), (251, 6)])
def test_paging_members(emulator, make_client, count, pages):
    seed = _base_seed()
    seed["identities"] += _identities(count)
    seed["groups"] = [{"id": "%032x" % 0x6, "name": "Big", "owner": OWNER, "members": [_ident(i) for i in range(count)]}]
    emulator.seed(seed)
    client = make_client()
    members = list(client.list_members("%032x" % 0x6))
    assert sorted(m["id"] for m in members) == [_ident(i) for i in range(count)]
    calls = api_calls(emulator, "GET", "/v2024/workgroups/%032x/members" % 0x6)
    assert len(calls) == pages
    assert {c["query"]["limit"] for c in calls} == {"50"}
    assert [c["query"]["offset"] for c in calls] == [str(50 * p) for p in range(pages)]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_paging_members_concurrently_keeps_their_order_and_the_request_floor(emulator, make_client, concurrency):
    seed = _base_seed()
    seed["identities"] += _identities(420)
    seed["groups"] = [{"id": "%032x" % 0x6, "name": "Big", "owner": OWNER, "members": [_ident(i) for i in range(420)]}]
    emulator.seed(seed)
    emulator.set_faults({"latency_jitter_ms": 20, "random_seed": 5, "rate_limit": None})  # pages answered in a shuffled order
    client = make_client(max_concurrent_requests=concurrency)
    members = [m["id"] for m in client.list_members("%032x" % 0x6)]
    assert members == [_ident(i) for i in range(420)]  # the order of the members, whatever order the pages arrived in
    calls = api_calls(emulator, "GET", "/v2024/workgroups/%032x/members" % 0x6)
    assert sorted(int(c["query"]["offset"]) for c in calls) == [50 * p for p in range(9)]
    assert calls[0]["query"]["offset"] == "0" and calls[0]["query"]["count"] == "true"  # the total first, then the rest


def test_paging_connections_and_identities(emulator, make_client):
    seed = _base_seed()
    seed["identities"] += _identities(300)
    seed["groups"] = [{"id": "%032x" % 0x7, "name": "Connected", "owner": OWNER, "connections": [
        {"object": {"type": "ROLE", "id": "%032x" % (0x9000 + i), "name": "Role %d" % i, "description": None},
         "connectionType": "Owner"} for i in range(51)]}]
    emulator.seed(seed)
    client = make_client()
    assert len(list(client.list_connections("%032x" % 0x7))) == 51
    assert len(api_calls(emulator, "GET", "/v2024/workgroups/%032x/connections" % 0x7)) == 2
    assert len(list(client.list_identities())) == 302
    identity_calls = api_calls(emulator, "GET", "/v2024/identities")
    assert len(identity_calls) == 2 and {c["query"]["defaultFilter"] for c in identity_calls} == {"NONE"}


# ------------------------------------------------------------------ authentication
def test_token_fetched_once_and_reused(emulator, make_client):
    emulator.seed(_base_seed())
    client = make_client()
    for dummy in range(3):
        list(client.list_workgroups())
    assert [r["path"] for r in emulator.requests()] == ["/oauth/token"] + ["/v2024/workgroups"] * 3


def test_token_refreshed_shortly_before_expiry(emulator, make_client):
    emulator.seed(_base_seed())
    now = [1000.0]
    client = make_client(clock=lambda: now[0])
    list(client.list_workgroups())
    now[0] += 749 - 61  # emulator tokens live 749 s; refresh margin is 60 s
    list(client.list_workgroups())
    assert len(api_calls(emulator, "POST", "/oauth/token")) == 1
    now[0] += 2  # now inside the margin
    list(client.list_workgroups())
    assert len(api_calls(emulator, "POST", "/oauth/token")) == 2
    assert all(r["status"] == 200 for r in emulator.requests())


def test_401_triggers_one_reauthentication(emulator, make_client):
    emulator.seed(_base_seed())
    client = make_client()
    list(client.list_workgroups())
    emulator.revoke_tokens()
    assert list(client.list_workgroups()) == []
    assert [(r["path"], r["status"]) for r in emulator.requests()] == [
        ("/oauth/token", 200), ("/v2024/workgroups", 200), ("/v2024/workgroups", 401), ("/oauth/token", 200), ("/v2024/workgroups", 200)]


def test_one_new_token_for_every_worker_that_saw_the_401(emulator, make_client):
    seed = _base_seed()
    seed["groups"] = [{"id": "%032x" % (0x100 + i), "name": "G%d" % i, "owner": OWNER} for i in range(30)]
    emulator.seed(seed)
    client = make_client(max_concurrent_requests=10, clock=time.monotonic)
    assert client.get_workgroup("%032x" % 0x100)["name"] == "G0"
    emulator.revoke_tokens()
    emulator.set_faults({"latency_ms": 20, "rate_limit": None})  # ten requests in flight when the token stops working
    names = parallel(lambda i: client.get_workgroup("%032x" % (0x100 + i))["name"], list(range(30)), client.concurrency)
    assert names == ["G%d" % i for i in range(30)]
    assert len(api_calls(emulator, "POST", "/oauth/token")) == 2  # the first token, then one more for all workers
    assert [r["status"] for r in api_calls(emulator, "GET")].count(401) >= 2  # several workers did see the 401


def test_pacing_waits_for_the_window_instead_of_sending_into_it(emulator, make_client):
    emulator.seed(_base_seed())
    recorder = Recorder()
    client = make_client(recorder, rate_limit=3)
    for _request in range(7):
        client.get_workgroup(MISSING)
    # 3 answers at t=1000: the 4th request waits until they leave the 10 s window, and so does the 7th
    assert recorder.waits == [10.0, 10.0]
    assert [r["status"] for r in api_calls(emulator, "GET")] == [404] * 7


def test_a_429_tells_the_limiter_to_wait_as_long_as_retry_after_says(emulator, make_client):
    emulator.seed(_base_seed())
    recorder = Recorder()
    client = make_client(recorder, rate_limit=100, max_retries=0)
    client.get_workgroup(MISSING)  # the token and one answer
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [429], "retry_after": 7, "rate_limit": None})
    with pytest.raises(IscRateLimitError):
        client.get_workgroup(MISSING)
    emulator.set_faults({"rate_limit": None})
    client.get_workgroup(MISSING)  # not sent before the 7 s of the 429 have passed
    assert recorder.waits == [7.0]
    assert [r["status"] for r in api_calls(emulator, "GET")] == [404, 429, 404]


def test_requests_spread_over_a_pool_of_api_clients_each_paced_on_its_own(emulator, make_client):
    emulator.seed(_base_seed())
    emulator.seed({"clients": [{"client_id": "second", "client_secret": "second-s3cret"}]})
    recorder = Recorder()
    client = make_client(recorder, rate_limit=3, clients=[{"client_id": "second", "client_secret": "second-s3cret"}])
    for _request in range(7):
        client.get_workgroup(MISSING)
    assert recorder.waits == [10.0]  # 6 requests fit the two windows; the 7th waits
    assert [r["client_id"] for r in api_calls(emulator, "GET")] == [emulator.client_id, "second"] * 3 + [emulator.client_id]
    with pytest.raises(IscConfigError, match=r"clients\[1\]: the API client 'second' is given twice"):
        make_client(clients=[{"client_id": "second", "client_secret": "x"}, {"client_id": "second", "client_secret": "x"}])


def test_access_token_first_then_credentials_on_401(emulator, make_client):
    emulator.seed(_base_seed())
    client = make_client(access_token="not-a-valid-token-1234")
    assert list(client.list_workgroups()) == []
    assert [(r["path"], r["status"]) for r in emulator.requests()] == [
        ("/v2024/workgroups", 401), ("/oauth/token", 200), ("/v2024/workgroups", 200)]


def test_given_access_token_alone(emulator):
    emulator.seed(_base_seed())
    token = requests.post(emulator.base_url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": emulator.client_id, "client_secret": emulator.client_secret},
        timeout=10).json()["access_token"]
    emulator.clear_requests()
    client = IscClient(emulator.base_url, access_token=token)
    assert list(client.list_workgroups()) == []
    emulator.revoke_tokens()
    with pytest.raises(IscAuthError) as info:
        list(client.list_workgroups())
    message = str(info.value)
    assert message.startswith("GET /v2024/workgroups: HTTP 401 Unauthorized: JWT validation failed")
    assert "give a fresh access_token, or client_id and client_secret" in message
    assert token not in message and token[:20] not in message
    assert info.value.status == 401 and info.value.error.startswith("JWT validation failed")
    assert not api_calls(emulator, "POST", "/oauth/token")  # no credentials: no token request
    with pytest.raises(IscAuthError):  # and the same clear error again, not a confusing one
        client.get_workgroup("x")


def test_bad_credentials_are_a_clear_auth_error(emulator, make_client):
    recorder = Recorder()
    client = make_client(recorder, client_secret="Wrong-Secret-Value-99")
    with pytest.raises(IscAuthError) as info:
        list(client.list_workgroups())
    message = str(info.value)
    assert "POST /oauth/token: HTTP 401 Unauthorized" in message
    assert "refused client_id %r" % emulator.client_id in message
    assert "Wrong-Secret-Value-99" not in message
    assert len(api_calls(emulator, "POST", "/oauth/token")) == 1  # a 401 is not retried
    assert recorder.warnings == []


def test_headers_on_every_request(emulator):
    emulator.seed(_base_seed())
    session = requests.Session()
    sent = []
    session.hooks["response"].append(lambda response, *args, **kwargs: sent.append(response.request))
    client = IscClient(emulator.base_url, client_id=emulator.client_id, client_secret=emulator.client_secret, session=session)
    group = _create(client, "Headers")
    client.patch_workgroup(group["id"], [{"op": "replace", "path": "/description", "value": "x"}])
    assert len(sent) == 3
    token_request, create_request, patch_request = sent
    assert token_request.headers["User-Agent"] == USER_AGENT
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "grant_type=client_credentials" in token_request.body and "Authorization" not in token_request.headers
    for request in (create_request, patch_request):
        assert request.headers["User-Agent"] == USER_AGENT
        assert request.headers["Accept"] == "application/json"
        assert request.headers["X-SailPoint-Experimental"] == "true"
        assert request.headers["Authorization"].startswith("Bearer ey")
    assert create_request.headers["Content-Type"] == "application/json"
    assert patch_request.headers["Content-Type"] == "application/json-patch+json"


# ------------------------------------------------------------------ retries
def test_429_honours_retry_after(emulator, make_client):
    emulator.seed(_base_seed())
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [429], "retry_after": 7, "rate_limit": None})
    recorder = Recorder(on_first_sleep=faults_off(emulator))
    client = make_client(recorder)
    assert list(client.list_workgroups()) == []
    assert recorder.waits == [7.0]  # the header wins over the (smaller) backoff
    assert recorder.warnings == ["GET /v2024/workgroups: HTTP 429 Too Many Requests; retry 1 of 5 in 7.0 s (Retry-After)"]
    assert [r["status"] for r in api_calls(emulator, "GET")] == [429, 200]


def test_rate_limit_is_honoured(emulator, make_client):
    # the emulator's own rate limiter (3 requests per second): the 4th request gets a 429 with its Retry-After;
    # the wait is recorded instead of slept, and the limiter is switched off in its place
    emulator.seed(_base_seed())
    emulator.set_faults({"rate_limit": {"requests": 3, "per_seconds": 1}})
    recorder = Recorder(on_first_sleep=faults_off(emulator))
    client = make_client(recorder)
    for dummy in range(5):
        assert list(client.list_workgroups()) == []
    assert recorder.waits == [1.0]
    assert len(recorder.warnings) == 1 and "HTTP 429 Too Many Requests" in recorder.warnings[0] and "(Retry-After)" in recorder.warnings[0]
    assert [r["status"] for r in api_calls(emulator, "GET")] == [200, 200, 200, 429, 200, 200]  # the 4th is retried once


@pytest.mark.parametrize("status", [502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_gateway_errors_are_retried_for_every_method(emulator, make_client, status, method):
    emulator.seed(dict(_base_seed(), groups=[{"id": "%032x" % 0x5, "name": "G", "owner": OWNER}]))
    gid = "%032x" % 0x5
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [status], "rate_limit": None})
    recorder = Recorder(on_first_sleep=faults_off(emulator))
    client = make_client(recorder, rand=lambda: 0.5)
    if method == "GET":
        assert client.get_workgroup(gid)["name"] == "G"
    else:
        assert client.patch_workgroup(gid, [{"op": "replace", "path": "/name", "value": "H"}])["name"] == "H"
    assert [r["status"] for r in api_calls(emulator, method)] == [status, 200]
    assert recorder.waits == [0.5]  # backoff: base 1 s * 2**0 * jitter 0.5
    assert len(recorder.warnings) == 1 and "HTTP %d" % status in recorder.warnings[0] and "(backoff)" in recorder.warnings[0]


def test_500_retried_for_bulk_add_and_patch(emulator, make_client):
    seed = _base_seed()
    seed["groups"] = [{"id": "%032x" % 0x5, "name": "G", "owner": OWNER}]
    emulator.seed(seed)
    gid = "%032x" % 0x5
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [500], "rate_limit": None})
    recorder = Recorder(on_first_sleep=faults_off(emulator))
    client = make_client(recorder)
    items = client.add_members(gid, [OWNER, OTHER])
    assert sorted((i["id"], i["status"]) for i in items) == sorted([(OWNER, 201), (OTHER, 201)])
    assert [r["status"] for r in api_calls(emulator, "POST", "/v2024/workgroups/%s/members/bulk-add" % gid)] == [500, 207]

    # add/replace with absolute values: a repeated patch changes nothing more, so a 500 is retried
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [500], "rate_limit": None})
    recorder = Recorder(on_first_sleep=faults_off(emulator))
    client = make_client(recorder)
    patched = client.patch_workgroup(gid, [{"op": "replace", "path": "/name", "value": "H"}])
    assert patched["name"] == "H"
    assert [r["status"] for r in api_calls(emulator, "PATCH")] == [500, 200]
    assert len(recorder.warnings) == 1 and "HTTP 500" in recorder.warnings[0]


def test_500_on_create_is_looked_up_before_it_is_sent_again(emulator, make_client):
    emulator.seed(_base_seed())
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [500], "rate_limit": None})
    recorder = Recorder(on_first_sleep=faults_off(emulator))
    client = make_client(recorder)
    group = _create(client, "Created After 500")
    assert group["name"] == "Created After 500"
    assert [(r["method"], r["path"], r["status"]) for r in emulator.requests() if r["path"] != "/oauth/token"] == [
        ("POST", "/v2024/workgroups", 500), ("GET", "/v2024/workgroups", 200), ("POST", "/v2024/workgroups", 200)]
    assert [g["name"] for g in client.list_workgroups()] == ["Created After 500"]
    assert "checking whether it took effect" in recorder.warnings[0]


def test_a_lost_create_answer_is_looked_up_by_name_and_not_sent_again(emulator, make_client):
    """The client does not guess which namesake a lost answer made (a simultaneous run may have made it): the answer
    has the name and no id, and the run's settlement converges the group every run keeps (test_executor, test_races)."""
    seed = _base_seed()
    seed["groups"] = [{"name": "Twin", "owner": OTHER, "created": "2020-01-01T00:00:00.000Z"}]  # any namesake counts
    emulator.seed(seed)
    emulator.set_faults({"drop_after_write_rate": 1.0, "rate_limit": None})
    recorder = Recorder()
    client = make_client(recorder)
    assert _create(client, "Lost Answer", description="made once") == {"name": "Lost Answer"}
    assert _create(client, "Twin") == {"name": "Twin"}
    emulator.set_faults({"rate_limit": None})
    assert sorted(g["name"] for g in client.list_workgroups()) == ["Lost Answer", "Twin", "Twin"]
    assert [r["status"] for r in api_calls(emulator, "POST", "/v2024/workgroups")] == [200, 200]  # each sent once
    assert "checking whether it took effect" in recorder.warnings[0]


def test_429_on_create_is_retried_without_a_lookup(emulator, make_client):
    emulator.seed(_base_seed())
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [429], "retry_after": 0, "rate_limit": None})
    client = make_client(Recorder(on_first_sleep=faults_off(emulator)))
    assert _create(client, "Rate Limited")["name"] == "Rate Limited"
    assert [(r["method"], r["status"]) for r in emulator.requests() if r["path"] == "/v2024/workgroups"] == [("POST", 429), ("POST", 200)]


def test_create_timeout_after_sending_makes_no_duplicate(emulator, make_client):
    emulator.seed(_base_seed())

    def later():
        emulator.set_faults({"rate_limit": None})
        # the server finishes the slow create meanwhile: wait until its log entry has a status (set before it answers)
        deadline = time.monotonic() + 30
        while not [r for r in api_calls(emulator, "POST", "/v2024/workgroups") if r["status"]] and time.monotonic() < deadline:
            time.sleep(0.05)

    recorder = Recorder(on_first_sleep=later)
    client = make_client(recorder, request_timeout=0.5)
    list(client.list_workgroups(filters=eq("name", "none")))  # token first, so that only the create is slow
    emulator.set_faults({"latency_ms": 1000, "rate_limit": None})
    assert _create(client, "Slow Create") == {"name": "Slow Create"}  # no id: the settlement of the run converges the group
    assert [g["name"] for g in client.list_workgroups()] == ["Slow Create"]
    assert len(api_calls(emulator, "POST", "/v2024/workgroups")) == 1
    assert recorder.warnings[0].startswith("POST /v2024/workgroups: timed out (ReadTimeout); checking whether it took effect")


def test_lost_bulk_add_response_is_repeated_safely(emulator, make_client):
    seed = _base_seed()
    seed["groups"] = [{"id": "%032x" % 0x5, "name": "G", "owner": OWNER}]
    emulator.seed(seed)
    gid = "%032x" % 0x5
    emulator.set_faults({"drop_after_write_rate": 1.0, "rate_limit": None})
    recorder = Recorder(on_first_sleep=faults_off(emulator))
    client = make_client(recorder)
    items = client.add_members(gid, [OWNER])
    assert items == [{"id": OWNER, "status": 409, "description": items[0]["description"]}]  # already added by the lost call
    assert [m["id"] for m in client.list_members(gid)] == [OWNER]
    assert "connection error" in recorder.warnings[0]


def test_retry_count_exhausted(emulator, make_client):
    emulator.seed(_base_seed())
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [503], "rate_limit": None})
    recorder = Recorder()
    client = make_client(recorder, max_retries=2)
    with pytest.raises(IscApiError) as info:
        list(client.list_workgroups())
    assert info.value.status == 503 and info.value.attempts == 3
    assert str(info.value).startswith("GET /v2024/workgroups: HTTP 503 Service Unavailable")
    assert "after 3 attempts" in str(info.value) and "gave up after 2 retries" in str(info.value)
    assert len(recorder.warnings) == 2 and "retry 2 of 2" in recorder.warnings[1]
    assert len(api_calls(emulator, "GET")) == 3


def test_retry_time_budget_exhausted(emulator, make_client):
    emulator.seed(_base_seed())
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [429], "retry_after": 1, "rate_limit": None})
    recorder = Recorder()
    client = make_client(recorder, max_retry_time=1.5)
    with pytest.raises(IscRateLimitError) as info:
        list(client.list_workgroups())
    assert "retry time budget of 1.5 s is used up" in str(info.value) and info.value.attempts == 3
    # the clock only moves with the waits: 1 s (Retry-After), then the 0.5 s left of the budget, then no more
    assert recorder.waits == [1.0, 0.5]
    assert "capped by the retry time budget" in recorder.warnings[1]
    assert [r["status"] for r in api_calls(emulator, "GET")] == [429, 429, 429]


MISSING = "%032x" % 0xDEAD


def test_a_refused_port_fails_at_once_as_a_wrong_address():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = Recorder()
    client = IscClient("http://127.0.0.1:%d" % port, client_id="cid", client_secret="Secret-Value-77", max_retries=3,
                       warn=recorder.warn, sleep=recorder.sleep)
    with pytest.raises(IscConnectionError) as info:
        client.get_workgroup("x")
    # nothing ever answered there: a configuration error, not retried (it used to cost five retries, 12.9 s)
    assert info.value.attempts == 1 and recorder.warnings == [] and recorder.waits == []
    assert str(info.value).startswith("POST /oauth/token: could not connect to http://127.0.0.1:%d" % port)
    assert "check base_url (host and port)" in str(info.value)
    assert "Secret-Value-77" not in str(info.value)


def test_an_unresolvable_host_fails_at_once_as_a_wrong_address(monkeypatch):
    # .invalid never resolves (RFC 6761); before fail-fast an unknown host cost five retries, 17.6 s
    for proxy in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    recorder = Recorder()
    client = IscClient("https://acme.invalid", client_id="cid", client_secret="Secret-Value-78", max_retries=3,
                       warn=recorder.warn, sleep=recorder.sleep)
    with pytest.raises(IscConnectionError) as info:
        client.get_workgroup("x")
    assert info.value.attempts == 1 and recorder.warnings == [] and recorder.waits == []
    assert str(info.value).startswith("POST /oauth/token: could not connect to https://acme.invalid")
    assert "check base_url (host and port)" in str(info.value) and "Secret-Value-78" not in str(info.value)


def test_connection_errors_after_the_tenant_answered_are_retried_then_reported():
    emu = Emulator(faults={"rate_limit": None}).start()
    try:
        recorder = Recorder()
        client = IscClient(emu.base_url, client_id=emu.client_id, client_secret=emu.client_secret, max_retries=3,
                           warn=recorder.warn, sleep=recorder.sleep)
        assert client.get_workgroup(MISSING) is None  # the tenant answered once
    finally:
        emu.stop()
    with pytest.raises(IscConnectionError) as info:
        client.get_workgroup(MISSING)
    assert info.value.attempts == 4 and len(recorder.warnings) == 3
    assert str(info.value).startswith("GET /v2024/workgroups/%s: could not connect to %s" % (MISSING, emu.base_url))
    assert "gave up after 3 retries" in str(info.value)
    assert emu.client_secret not in str(info.value) + "".join(recorder.warnings)


def test_plain_http_to_remote_host_is_refused_before_any_request():
    with pytest.raises(IscConfigError) as info:
        IscClient("http://acme.api.identitynow.com", client_id="cid", client_secret="Secret-Value-77")
    assert "use https" in str(info.value) and "Secret-Value-77" not in str(info.value)


# ------------------------------------------------------------------ filters through the emulator
@pytest.mark.parametrize("name", [
    'Say "hello"', "back\\slash", "Hash #1", "100% sure", "R&D", "a%23b (literal)", "%25%26%23", 'all: \\"#%&',
    "Zoë Ærø – 東京 ✓", "x or name eq \"y\"", "  spaced  ",
])
def test_exact_name_lookup_round_trips_special_characters(emulator, make_client, name):
    seed = _base_seed()
    seed["groups"] = [{"name": name, "owner": OWNER}, {"name": name.upper() + "!", "owner": OWNER},
                      {"name": "prefix " + name, "owner": OWNER}]
    if name.upper() != name:
        seed["groups"].append({"name": name.upper(), "owner": OWNER})
    emulator.seed(seed)
    client = make_client()
    found = client.find_workgroups_by_name(name)
    assert [g["name"] for g in found] == [name]
    assert name in [g["name"] for g in client.list_workgroups(filters="name sw " + literal(name))]


# ------------------------------------------------------------------ domain calls and errors
def test_workgroup_lifecycle(emulator, make_client):
    emulator.seed(dict(_base_seed(), identities=_base_seed()["identities"] + _identities(150)))
    client = make_client()
    group = _create(client, "Lifecycle", description="first")
    assert client.get_workgroup(group["id"])["description"] == "first"
    patched = client.patch_workgroup(group["id"], [{"op": "replace", "path": "/description", "value": "second"},
                                                   {"op": "replace", "path": "/owner", "value": {"type": "IDENTITY", "id": OTHER}}])
    assert patched["description"] == "second" and patched["owner"]["id"] == OTHER

    ids = [_ident(i) for i in range(150)]
    added = client.add_members(group["id"], ids[:MEMBER_CHUNK]) + client.add_members(group["id"], ids[MEMBER_CHUNK:])
    assert len(added) == 150 and {i["status"] for i in added} == {201}
    assert len(api_calls(emulator, "POST", "/v2024/workgroups/%s/members/bulk-add" % group["id"])) == 2  # one request per call
    assert sorted(m["id"] for m in client.list_members(group["id"])) == sorted(ids)
    again = client.add_members(group["id"], ids[:3])
    assert [i["status"] for i in again] == [409, 409, 409]  # already members
    removed = client.remove_members(group["id"], ids[:99] + [OWNER])
    assert len(removed) == 100
    assert {i["id"]: i["status"] for i in removed}[OWNER] == 404 and sum(i["status"] == 204 for i in removed) == 99
    assert len(api_calls(emulator, "POST", "/v2024/workgroups/%s/members/bulk-delete" % group["id"])) == 1
    assert sorted(m["id"] for m in client.list_members(group["id"])) == sorted(ids[99:])
    assert list(client.list_connections(group["id"])) == []

    client.delete_workgroup(group["id"])
    assert client.get_workgroup(group["id"]) is None
    with pytest.raises(IscNotFoundError) as info:
        client.delete_workgroup(group["id"])
    assert info.value.status == 404 and str(info.value).startswith("DELETE /v2024/workgroups/%s: HTTP 404 Not Found" % group["id"])


def test_bulk_delete_is_one_request_of_at_most_100(emulator, make_client):
    seed = _base_seed()
    seed["groups"] = [{"id": "%032x" % (0x100 + i), "name": "Bulk %03d" % i, "owner": OWNER} for i in range(150)]
    emulator.seed(seed)
    client = make_client()
    ids = ["%032x" % (0x100 + i) for i in range(150)]
    list(client.list_workgroups(filters=eq("name", "none")))  # token first
    emulator.clear_requests()
    with pytest.raises(ValueError):
        client.bulk_delete_workgroups(ids)  # more than one request's worth: the executor chunks, not the client
    with pytest.raises(ValueError):
        client.add_members(ids[0], [_ident(i) for i in range(MEMBER_CHUNK + 1)])
    assert emulator.requests() == []  # nothing was sent
    items = client.bulk_delete_workgroups(ids[:WORKGROUP_DELETE_CHUNK - 1] + ["%032x" % 0xDEAD])
    assert len(items) == WORKGROUP_DELETE_CHUNK
    assert {i["id"]: i["status"] for i in items}["%032x" % 0xDEAD] == 404
    assert sum(i["status"] == 204 for i in items) == WORKGROUP_DELETE_CHUNK - 1
    assert len(api_calls(emulator, "POST", "/v2024/workgroups/bulk-delete")) == 1
    assert sorted(g["id"] for g in client.list_workgroups()) == ids[WORKGROUP_DELETE_CHUNK - 1:]


def test_api_error_carries_isc_fields(emulator, make_client):
    emulator.seed(_base_seed())
    client = make_client()
    with pytest.raises(IscApiError) as info:
        client.create_workgroup({"name": "No Owner"})
    err = info.value
    assert err.status == 400 and err.messages == ['Required field "owner" was missing or empty.']
    assert err.detail_code and err.tracking_id
    assert str(err) == ('POST /v2024/workgroups: HTTP 400 Bad Request: Required field "owner" was missing or empty. '
                        "[detailCode: %s, trackingId: %s]" % (err.detail_code, err.tracking_id))
    assert len(api_calls(emulator, "POST", "/v2024/workgroups")) == 1
    with pytest.raises(IscApiError) as info:
        client.transport.request("GET", "/v2024/workgroups", params={"filters": 'name EQ "x"'})
    assert info.value.status == 400 and info.value.messages


def test_forbidden_is_typed(emulator):
    seed = _base_seed()
    seed["clients"] = [{"client_id": "reader", "client_secret": "Reader-Secret-1", "user_context": True,
                        "scopes": ["idn:workgroup:read"]}]
    emulator.seed(seed)
    client = IscClient(emulator.base_url, client_id="reader", client_secret="Reader-Secret-1")
    assert list(client.list_workgroups()) == []
    with pytest.raises(IscForbiddenError) as info:
        _create(client, "Not allowed")
    assert info.value.status == 403 and "lacks the rights" in str(info.value)


@pytest.mark.parametrize("version, prefix", [("v2025", "/v2025/workgroups"), ("v2026", "/v2026/workgroups"),
                                             ("beta", "/beta/workgroups"), ("v1", "/workgroups/v1")])
def test_api_versions_reach_their_paths(emulator, make_client, version, prefix):
    emulator.seed(_base_seed())
    client = make_client(api_version=version)
    group = _create(client, "Versioned")
    assert client.get_workgroup(group["id"])["name"] == "Versioned"
    assert [m["id"] for m in client.list_members(group["id"])] == []
    assert {r["path"] for r in emulator.requests() if r["path"] != "/oauth/token"} == {
        prefix, prefix + "/" + group["id"], prefix + "/" + group["id"] + "/members"}


def test_no_secret_in_any_warning_or_error(emulator):
    emulator.seed(_base_seed())
    session = requests.Session()
    tokens = []
    session.hooks["response"].append(
        lambda response, *args, **kwargs: tokens.append(response.json().get("access_token")) if response.request.path_url == "/oauth/token" else None)
    recorder = Recorder(on_first_sleep=None)
    client = IscClient(emulator.base_url, client_id=emulator.client_id, client_secret=emulator.client_secret, access_token="Given-Token-Value-123",
                       warn=recorder.warn, sleep=recorder.sleep, session=session, max_retries=1)
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [502], "rate_limit": None})
    texts = []
    with pytest.raises(IscApiError) as info:
        list(client.list_workgroups())
    texts.append(str(info.value))
    emulator.set_faults({"rate_limit": None})
    with pytest.raises(IscApiError) as info:
        client.transport.request("GET", "/v2024/workgroups", params={"filters": "name eq %s" % emulator.client_secret})
    texts.append(str(info.value))
    texts.extend(recorder.warnings)
    secrets = [emulator.client_secret, "Given-Token-Value-123"] + [t for t in tokens if t]
    assert len(secrets) == 3  # a token was fetched after the given one was refused
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert "********" in texts[1]  # the echoed secret in the 400 message was redacted
