# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each concern of the transport alone: the retry decision and budget, the pool's slots, paging, the connection
checks (pure, with injected clocks and environments), and the tokens of a pool and an unreachable proxy (real HTTP
against the emulator, a real closed port)."""

from __future__ import annotations

import json
import socket

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._client import API_VERSIONS, IscClient
from ansible_collections.sailpoint.isc.plugins.module_utils._connection import connection_problems
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    IscApiError,
    IscAuthError,
    IscConfigError,
    IscConnectionError,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._http import environment_proxy
from ansible_collections.sailpoint.isc.plugins.module_utils._pacing import Pacer, RateLimiter
from ansible_collections.sailpoint.isc.plugins.module_utils._paging import page_query, paginate
from ansible_collections.sailpoint.isc.plugins.module_utils._retry import (
    FINAL,
    MAYBE_SENT,
    NOT_SENT,
    POLICY_CREATE,
    POLICY_DEFAULT,
    POLICY_IDEMPOTENT,
    RetryBudget,
    default_policy,
    retry_decision,
)

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")


# ------------------------------------------------------------------ the retry decision (pure)
@pytest.mark.parametrize("status, failure, policy, expected", [
    (429, None, POLICY_DEFAULT, (True, False)),  # the tenant refused it unprocessed
    (502, None, POLICY_DEFAULT, (True, True)),  # a gateway error: it may have been processed
    (503, None, POLICY_CREATE, (True, True)),
    (500, None, POLICY_DEFAULT, (False, True)),  # a PATCH that is not known to be safe to repeat
    (500, None, POLICY_IDEMPOTENT, (True, True)),
    (500, None, POLICY_CREATE, (True, True)),  # a create looks itself up first (ambiguous)
    (400, None, POLICY_IDEMPOTENT, (False, False)),
    (404, None, POLICY_IDEMPOTENT, (False, False)),
    (None, NOT_SENT, POLICY_CREATE, (True, False)),  # never reached the tenant: send again, nothing to look up
    (None, MAYBE_SENT, POLICY_DEFAULT, (True, True)),
    (None, FINAL, POLICY_IDEMPOTENT, (False, False)),  # TLS verification: a retry fails the same way
])
def test_the_retry_decision(status, failure, policy, expected):
    assert retry_decision(status, failure, policy) == expected


def test_methods_without_a_policy_retry_500_only_when_idempotent():
    assert [default_policy(method) for method in ("get", "PUT", "DELETE", "POST", "PATCH")] == [
        POLICY_IDEMPOTENT, POLICY_IDEMPOTENT, POLICY_IDEMPOTENT, POLICY_DEFAULT, POLICY_DEFAULT]


def test_the_retry_budget_in_count_and_time():
    budget = RetryBudget(max_retries=3, max_retry_time=60.0, backoff_base=1.0, backoff_max=30.0, rand=lambda: 1.0)
    assert budget.stop_note(2, remaining=10.0) is None
    assert budget.stop_note(3, remaining=10.0) == "gave up after 3 retries"
    assert budget.stop_note(1, remaining=0.0) == "gave up after 1 retry: the retry time budget of 60 s is used up"
    assert budget.wait(2, retry_after=None, remaining=10.0) == (4.0, "backoff")
    assert budget.wait(2, retry_after=7.0, remaining=10.0) == (7.0, "Retry-After")  # the tenant's word wins
    assert budget.wait(2, retry_after=70.0, remaining=10.0) == (10.0, "Retry-After, capped by the retry time budget")


# ------------------------------------------------------------------ the pool's slots (an injected clock: no sleeping)
class _Member:
    def __init__(self, limit):
        self.limiter = RateLimiter(limit, window=10.0) if limit else None


class _Clock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_slots_go_to_the_clients_in_turn_and_wait_when_every_window_is_full():
    first, second = _Member(2), _Member(2)
    clock = _Clock()
    pacer = Pacer([first, second], lambda: clock.now, clock.sleep)
    taken = []
    for _request in range(4):
        member = pacer.take_slot()
        taken.append(member)
        clock.now += 1.0
        pacer.free_slot(member)  # answered at 1, 2, 3, 4
    assert taken == [first, second, first, second] and clock.slept == []
    assert pacer.take_slot() is first  # the answer of t=1 left first's window at t=11
    assert clock.slept == [pytest.approx(7.0)]
    pacer.free_slot(first)


def test_a_pause_holds_only_its_client_and_a_retry_keeps_its_client():
    first, second = _Member(100), _Member(100)
    clock = _Clock()
    pacer = Pacer([first, second], lambda: clock.now, clock.sleep)
    pacer.pause(first, 5.0)  # a 429 answered to a request of first
    assert pacer.take_slot() is second and clock.slept == []  # the other client goes on at once
    assert pacer.take_slot(first) is first  # a retry of first's request waits for first
    assert clock.slept == [5.0]


def test_clients_without_a_limit_are_never_held():
    member = _Member(0)
    clock = _Clock()
    pacer = Pacer([member], lambda: clock.now, clock.sleep)
    assert all(pacer.take_slot() is member for _request in range(500)) and clock.slept == []


# ------------------------------------------------------------------ paging (a fake reader)
def _reader(total, cap, count=True):
    offsets = []

    def read(offset):
        offsets.append(offset)
        return [{"id": index} for index in range(offset, min(total, offset + cap))], (total if count and offset == 0 else None)
    return read, offsets


@pytest.mark.parametrize("concurrency", [1, 4])
def test_paging_reads_the_floor_of_pages_in_order(concurrency):
    read, offsets = _reader(total=1001, cap=250)
    assert [item["id"] for item in paginate(read, 250, concurrency)] == list(range(1001))
    assert sorted(offsets) == [0, 250, 500, 750, 1000]  # ceil(1001 / 250) requests


def test_paging_without_a_count_stops_on_the_first_short_page():
    read, offsets = _reader(total=300, cap=250, count=False)
    assert len(list(paginate(read, 250, 4))) == 300 and offsets == [0, 250]


def test_the_first_page_asks_for_the_total():
    assert page_query({"filters": "x"}, 50, 0) == {"filters": "x", "limit": 50, "offset": 0, "count": "true"}
    assert page_query(None, 50, 100) == {"limit": 50, "offset": 100}


# ------------------------------------------------------------------ the connection checks (an injected environment)
def _settings(**extra):
    settings = {"base_url": "https://acme.api.identitynow.com", "client_id": "cid", "client_secret": "s3cret-value"}
    settings.update(extra)
    return settings


def test_a_usable_connection_has_no_problem(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    assert connection_problems(_settings(), API_VERSIONS, environ={"REQUESTS_CA_BUNDLE": str(bundle)}) == []


def test_a_missing_ca_bundle_names_the_variable_the_path_and_the_fix():
    problems = connection_problems(_settings(), API_VERSIONS, environ={"CURL_CA_BUNDLE": "/nonexistent.pem"})
    assert problems == ["the environment variable CURL_CA_BUNDLE names the CA bundle '/nonexistent.pem', which does not "
                        "exist: point CURL_CA_BUNDLE at the PEM file of the CA that signed the tenant's certificate (or the "
                        "TLS-inspecting proxy's), or unset it to use the default CA bundle"]
    # requests reads REQUESTS_CA_BUNDLE first, and reads no bundle without verification or for plain http
    assert "REQUESTS_CA_BUNDLE" in connection_problems(_settings(), API_VERSIONS, environ={
        "REQUESTS_CA_BUNDLE": "/missing.pem", "CURL_CA_BUNDLE": "/nonexistent.pem"})[0]
    assert connection_problems(_settings(validate_certs=False), API_VERSIONS, environ={"REQUESTS_CA_BUNDLE": "/x.pem"}) == []
    assert connection_problems(_settings(base_url="http://127.0.0.1:8080"), API_VERSIONS,
                               environ={"REQUESTS_CA_BUNDLE": "/x.pem"}) == []


def test_every_problem_at_once_each_naming_where_to_set_it():
    where = "%s (from the test)".__mod__
    problems = connection_problems({"client_secret": "s3cret-value", "api_version": "v3", "rate_limit": -1,
                                    "max_concurrent_requests": 0, "max_retries": -2, "request_timeout": 0},
                                   API_VERSIONS, where, environ={})
    assert problems == [
        "no tenant URL: set the option base_url (from the test) to the tenant's API root, e.g. https://acme.api.identitynow.com",
        "client_secret is set but client_id is not: set the option client_id (from the test), as the two must be given together",
        "api_version must be one of v2024, v2025, v2026, beta, v1, got 'v3': set the option api_version (from the test) to one of them",
        "rate_limit must be 0 (no pacing) or the requests per 10 seconds per API client, got -1",
        "max_concurrent_requests must be 1 (one request at a time) or more, got 0",
        "max_retries must be 0 (no retry) or more, got -2",
        "request_timeout must be more than 0 seconds, got 0",
    ]
    assert "s3cret-value" not in "".join(problems)


def test_the_pool_is_checked_with_the_other_options():
    pool = [{"client_id": "second", "client_secret": "x-secret"}, {"client_id": "cid", "client_secret": "y-secret"},
            {"client_id": "third"}]
    assert connection_problems(_settings(clients=pool), API_VERSIONS, environ={}) == [
        "clients[1]: the API client 'cid' is given twice; give each API client of the pool once",
        "clients[2] needs both client_id and client_secret"]
    with pytest.raises(IscConfigError, match=r"clients\[1\]: the API client 'cid' is given twice"):
        IscClient("https://acme.example", client_id="cid", client_secret="s3cret-value", clients=pool)


# ------------------------------------------------------------------ the tokens of a pool (real HTTP)
SECOND = {"client_id": "second", "client_secret": "second-s3cret"}


def test_every_client_of_the_pool_gets_its_token_before_the_first_request(emulator):
    emulator.seed({"clients": [SECOND]})
    client = IscClient(emulator.base_url, client_id=emulator.client_id, client_secret=emulator.client_secret,
                       clients=[SECOND], max_concurrent_requests=2)
    assert client.get_workgroup("%032x" % 1) is None  # one request, which one client would have sent alone
    log = [(entry["path"], entry["client_id"]) for entry in emulator.requests()]
    assert sorted(log[:2]) == sorted([("/oauth/token", emulator.client_id), ("/oauth/token", "second")])
    assert log[2:] == [("/v2024/workgroups/%032x" % 1, emulator.client_id)]
    client.get_workgroup("%032x" % 2)
    assert len(emulator.requests()) == 4  # the tokens are fetched once


def test_a_wrong_secret_of_any_client_of_the_pool_fails_naming_it_before_anything_else_is_sent(emulator):
    emulator.seed({"clients": [SECOND]})
    wrong = dict(SECOND, client_secret="not-the-second-s3cret")
    client = IscClient(emulator.base_url, client_id=emulator.client_id, client_secret=emulator.client_secret,
                       clients=[wrong], max_concurrent_requests=2)
    with pytest.raises(IscAuthError) as info:
        client.get_workgroup("%032x" % 1)
    assert info.value.client_id == "second" and info.value.to_dict()["client_id"] == "second"
    assert "POST /oauth/token: HTTP 401" in str(info.value) and "refused client_id 'second'" in str(info.value)
    assert wrong["client_secret"] not in str(info.value)
    assert sorted(entry["path"] for entry in emulator.requests()) == ["/oauth/token", "/oauth/token"]  # no API request


class _Answer:
    def __init__(self, status, body):
        self.status_code = status
        self.headers = {}
        self.content = json.dumps(body).encode("utf-8")
        self.text = self.content.decode("utf-8")
        self._body = body

    def json(self):
        return self._body


class _TokenEndpointDownFor:
    """A tenant whose token endpoint answers 503 for one client id (the emulator's faults spare the token endpoint)."""

    def __init__(self, client_id):
        self.client_id = client_id

    def request(self, method, url, data=None, **kwargs):
        if url.endswith("/oauth/token") and data["client_id"] == self.client_id:
            return _Answer(503, {"messages": [{"text": "Service unavailable"}], "trackingId": "t-1"})
        if url.endswith("/oauth/token"):
            return _Answer(200, {"access_token": "t0ken-of-%s" % data["client_id"], "expires_in": 749})
        return _Answer(200, [])


def test_a_token_endpoint_failure_names_the_client_whose_token_it_was():
    client = IscClient("https://acme.example", client_id="cid", client_secret="s3cret-value", clients=[SECOND],
                       max_retries=0, session=_TokenEndpointDownFor("second"))
    with pytest.raises(IscApiError) as info:
        list(client.list_workgroups())
    assert str(info.value) == ("POST /oauth/token: HTTP 503 Service Unavailable: Service unavailable [trackingId: t-1] "
                               "(fetching the token of API client 'second'; gave up after 0 retries)")
    assert info.value.client_id == "second"


# ------------------------------------------------------------------ the proxy from the environment
def test_the_proxy_of_a_url_and_its_variable_without_its_credentials(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert environment_proxy("https://acme.api.identitynow.com") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pa55word@proxy.example:3128")
    assert environment_proxy("https://acme.api.identitynow.com") == ("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "acme.api.identitynow.com")
    assert environment_proxy("https://acme.api.identitynow.com") is None


def test_an_unreachable_proxy_fails_at_once_naming_it(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://someone:pa55word@127.0.0.1:%d" % port)
    warnings, waits = [], []
    client = IscClient("http://127.0.0.1:8080", client_id="cid", client_secret="Secret-Value-79", max_retries=3,
                       warn=warnings.append, sleep=waits.append)
    with pytest.raises(IscConnectionError) as info:
        client.get_workgroup("x")
    assert info.value.attempts == 1 and warnings == [] and waits == []
    assert str(info.value).startswith("POST /oauth/token: could not connect to the proxy http://127.0.0.1:%d (environment "
                                      "variable HTTP_PROXY) for http://127.0.0.1:8080: " % port)
    assert "start the proxy or correct HTTP_PROXY" in str(info.value)
    assert "pa55word" not in str(info.value) and "Secret-Value-79" not in str(info.value)
