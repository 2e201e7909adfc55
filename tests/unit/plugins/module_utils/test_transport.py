# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The transport's pure parts and _errors.py without HTTP: URL rules, backoff, Retry-After, paging, retries, errors."""

from __future__ import annotations

import datetime
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from ansible_collections.sailpoint.isc.plugins.module_utils._client import API_VERSIONS, IscClient
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    IscApiError,
    IscAuthError,
    IscConfigError,
    IscConnectionError,
    scrub_secrets,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._connection import is_loopback_host, validate_base_url
from ansible_collections.sailpoint.isc.plugins.module_utils._pacing import RateLimiter
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel
from ansible_collections.sailpoint.isc.plugins.module_utils._retry import backoff_delay, parse_retry_after


# ------------------------------------------------------------------ base_url
@pytest.mark.parametrize("url, expected", [
    ("https://acme.api.identitynow.com", "https://acme.api.identitynow.com"),
    ("https://acme.api.identitynow.com/", "https://acme.api.identitynow.com"),
    (" HTTPS://acme.api.identitynow.com:8443/proxy/ ", "https://acme.api.identitynow.com:8443/proxy"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("http://127.0.0.1:1234/", "http://127.0.0.1:1234"),
    ("http://127.9.8.7", "http://127.9.8.7"),
    ("http://[::1]:9000", "http://[::1]:9000"),
])
def test_base_url_accepted(url, expected):
    assert validate_base_url(url, API_VERSIONS) == expected


@pytest.mark.parametrize("url, fragment", [
    ("http://acme.api.identitynow.com", "plain http to a non-loopback host"),
    ("http://10.0.0.1:8080", "plain http to a non-loopback host"),
    ("http://128.0.0.1", "plain http to a non-loopback host"),
    ("http://localhost.evil.example", "plain http to a non-loopback host"),
    ("ftp://acme.example", "must be an http(s) URL"),
    ("acme.api.identitynow.com", "must be an http(s) URL"),
    ("https://", "must be an http(s) URL"),
    ("", "base_url is required"),
    (None, "base_url is required"),
    ("https://user:pw@acme.example", "must not contain credentials"),
    ("https://acme.example/?a=b", "must not contain a query"),
    ("https://acme.example/v2024", "ends with the API version"),
    ("https://acme.example:99999", "not a valid URL"),
])
def test_base_url_refused(url, fragment):
    with pytest.raises(IscConfigError) as info:
        validate_base_url(url, API_VERSIONS)
    assert fragment in str(info.value)
    if url and "pw@" in url:
        assert "pw" not in str(info.value)


@pytest.mark.parametrize("host, loopback", [
    ("localhost", True), ("LOCALHOST", True), ("127.0.0.1", True), ("127.255.255.254", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("10.1.2.3", False), ("example.com", False), ("::2", False),
])
def test_is_loopback_host(host, loopback):
    assert is_loopback_host(host) is loopback


def test_base_url_version_rule_only_knows_the_versions_it_is_given():
    # the transport knows no API versions: only the client's table makes /v2024 a mistake
    assert validate_base_url("https://acme.example/v2024") == "https://acme.example/v2024"
    with pytest.raises(IscConfigError, match="ends with the API version 'v1'"):
        validate_base_url("https://acme.example/workgroups/v1/", API_VERSIONS)


# ------------------------------------------------------------------ backoff / Retry-After
def test_backoff_full_jitter_bounds():
    assert backoff_delay(0, 1.0, 30.0, rand=lambda: 1.0) == 1.0
    assert backoff_delay(3, 1.0, 30.0, rand=lambda: 1.0) == 8.0
    assert backoff_delay(10, 1.0, 30.0, rand=lambda: 1.0) == 30.0  # capped
    assert backoff_delay(4, 0.5, 30.0, rand=lambda: 0.5) == 4.0
    assert backoff_delay(5, 1.0, 30.0, rand=lambda: 0.0) == 0.0
    # real randomness stays within [0, ceiling]
    for retry in range(8):
        for dummy in range(50):
            assert 0.0 <= backoff_delay(retry, 1.0, 30.0) <= min(30.0, 2 ** retry)


def test_parse_retry_after():
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after("Fri, 02 Jan 2026 03:04:15 GMT", now=now) == 10.0
    assert parse_retry_after("Fri, 02 Jan 2026 03:04:00 GMT", now=now) == 0.0


# ------------------------------------------------------------------ scrubbing
def test_scrub_secrets():
    text = ("secret=hunter22 Authorization: Bearer abc.def-ghi client_secret=xyz789&grant=1 "
            '{"access_token": "tok123"} eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl')
    scrubbed = scrub_secrets(text, ["hunter22", None, ""])
    for secret in ("hunter22", "abc.def-ghi", "xyz789", "tok123", "eyJhbGciOi"):
        assert secret not in scrubbed
    assert "grant=1" in scrubbed
    # a longer secret containing a shorter one is removed whole
    assert scrub_secrets("value abcdef", ["abc", "abcdef"]) == "value ********"
    assert scrub_secrets(None) == ""


# ------------------------------------------------------------------ error classes
# ------------------------------------------------------------------ errors
def test_api_error_is_one_clear_line():
    err = IscApiError("POST", "/v2024/workgroups", 400, ["Required field \"owner\"\nwas missing.", "second"],
                      detail_code="400.1 Bad Request Content", tracking_id="abc123", attempts=3)
    assert str(err) == ('POST /v2024/workgroups: HTTP 400 Bad Request: Required field "owner" was missing.; second '
                        "[detailCode: 400.1 Bad Request Content, trackingId: abc123, after 3 attempts]")
    assert err.to_dict() == {"method": "POST", "path": "/v2024/workgroups", "status": 400,
                             "messages": ['Required field "owner" was missing.', "second"],
                             "detail_code": "400.1 Bad Request Content", "tracking_id": "abc123"}
    auth = IscAuthError("GET", "/v2024/workgroups", 401, error="JWT validation failed: JWT is expired", hint="renew it")
    assert str(auth) == "GET /v2024/workgroups: HTTP 401 Unauthorized: JWT validation failed: JWT is expired (renew it)"
    assert "\n" not in str(IscConnectionError("a\nb", hint="c\nd"))


# ------------------------------------------------------------------ paging rules (stub session: the emulator never caps below its maximum)
class _StubResponse:
    def __init__(self, body, headers=None):
        self.status_code = 200
        self.headers = headers or {}
        self.content = json.dumps(body).encode("utf-8")
        self.text = self.content.decode("utf-8")
        self._body = body

    def json(self):
        return self._body


class _CappedServer:
    """Serves ``total`` items but never more than ``cap`` per page; X-Total-Count only if ``count``."""

    def __init__(self, total, cap, count=True, ignore_limit=False):
        self.items = [{"id": str(i)} for i in range(total)]
        self.cap = cap
        self.count = count
        self.ignore_limit = ignore_limit
        self.queries = []

    def request(self, method, url, **kwargs):
        query = dict(parse_qsl(urlsplit(url).query))
        self.queries.append(query)
        offset, limit = int(query["offset"]), int(query["limit"])
        headers = {"X-Total-Count": str(len(self.items))} if self.count and query.get("count") == "true" else {}
        size = self.cap if self.ignore_limit else min(limit, self.cap)
        return _StubResponse(self.items[offset:offset + size], headers)


def test_paging_goes_on_past_a_short_page_when_the_count_says_so():
    server = _CappedServer(total=120, cap=50)
    client = IscClient("https://acme.example", access_token="t0ken-value", session=server)
    items = list(client.transport.paginate("/v2024/workgroups", page_size=100))
    assert [i["id"] for i in items] == [str(i) for i in range(120)]
    assert [q["offset"] for q in server.queries] == ["0", "50", "100"]
    assert server.queries[0]["count"] == "true" and "count" not in server.queries[1]


def test_paging_stops_on_a_short_page_without_a_count():
    server = _CappedServer(total=120, cap=50, count=False)
    client = IscClient("https://acme.example", access_token="t0ken-value", session=server)
    assert len(list(client.transport.paginate("/v2024/workgroups", page_size=100))) == 50
    assert len(server.queries) == 1


def test_paging_never_stops_early_on_a_low_count():
    server = _CappedServer(total=100, cap=100, count=False)
    client = IscClient("https://acme.example", access_token="t0ken-value", session=server)
    assert len(list(client.transport.paginate("/v2024/workgroups", page_size=50))) == 100
    assert [q["offset"] for q in server.queries] == ["0", "50", "100"]  # the empty page proves the end


def test_paging_refuses_an_oversized_page():
    server = _CappedServer(total=10, cap=10, ignore_limit=True)
    client = IscClient("https://acme.example", access_token="t0ken-value", session=server)
    with pytest.raises(IscApiError, match="returned 10 items for limit 5"):
        list(client.transport.paginate("/v2024/workgroups", page_size=5))


class _FlakySession:
    """Raises each exception in ``failures`` once, then answers with ``body``."""

    def __init__(self, failures, body):
        self.failures = list(failures)
        self.body = body
        self.calls = 0

    def request(self, method, url, **kwargs):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return _StubResponse(self.body)


def test_truncated_and_dropped_responses_are_retried():
    session = _FlakySession([requests.exceptions.ChunkedEncodingError("truncated"), requests.exceptions.ConnectionError("reset")],
                            {"id": "g1"})
    warnings = []
    client = IscClient("https://acme.example", access_token="t0ken-value", session=session, warn=warnings.append,
                       sleep=lambda seconds: None)
    assert client.get_workgroup("g1") == {"id": "g1"}
    assert session.calls == 3 and len(warnings) == 2


def test_tls_errors_and_other_request_errors_are_not_retried():
    for failure in (requests.exceptions.SSLError("certificate verify failed"), requests.exceptions.InvalidURL("bad")):
        session = _FlakySession([failure], {})
        client = IscClient("https://acme.example", access_token="t0ken-value", session=session, sleep=lambda seconds: None)
        with pytest.raises(IscConnectionError) as info:
            client.get_workgroup("g1")
        assert session.calls == 1
    assert "validate_certs=false" not in str(info.value)


def test_tls_error_hint():
    session = _FlakySession([requests.exceptions.SSLError("certificate verify failed")], {})
    client = IscClient("https://acme.example", access_token="t0ken-value", session=session)
    with pytest.raises(IscConnectionError, match="TLS certificate verification failed"):
        client.get_workgroup("g1")


def test_disabled_certificate_validation_warns_once():
    warnings = []
    IscClient("https://acme.example", access_token="t0ken-value", validate_certs=False, warn=warnings.append)
    assert warnings == ["validate_certs is false: the TLS certificate of https://acme.example is not verified"]


# ------------------------------------------------------------------ the limiter's arithmetic (an injected clock: no sleeping)
def test_the_limiter_admits_a_full_window_then_waits_for_the_oldest_answer():
    limiter = RateLimiter(3, window=10.0)
    assert [limiter.reserve(0.0) for _request in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve(0.0) is None  # full, and only requests in flight: no answer yet frees a slot
    for answered in (0.5, 1.0, 4.0):
        limiter.release(answered)
    # a slot is free 10 s after the answer that took it, not 10 s after the request was sent
    assert limiter.reserve(2.0) == 8.5
    assert limiter.wait(10.4) == pytest.approx(0.1)
    assert limiter.reserve(10.5) == 0.0  # the answer of t=0.5 left the window
    assert limiter.reserve(10.5) == pytest.approx(0.5)  # the next one leaves at t=11
    limiter.release(10.6)
    assert limiter.reserve(11.0) == 0.0 and limiter.reserve(13.9) == pytest.approx(0.1)


def test_the_limiter_is_a_sliding_window_not_a_fixed_one():
    limiter = RateLimiter(2, window=10.0)
    for now in (0.0, 9.0):
        assert limiter.reserve(now) == 0.0
        limiter.release(now)
    # a fixed window starting at t=10 would admit two more at once; the sliding window still holds the answer of t=9
    assert limiter.reserve(10.0) == 0.0
    assert limiter.reserve(10.0) == pytest.approx(9.0)


def test_a_pause_holds_every_request_until_it_ends():
    limiter = RateLimiter(100, window=10.0)
    limiter.pause(7.0)  # a 429 said Retry-After: 7 at t=0
    assert limiter.reserve(1.0) == 6.0
    limiter.pause(3.0)  # a shorter pause does not shorten it
    assert limiter.reserve(6.5) == 0.5 and limiter.reserve(7.0) == 0.0


def test_a_limiter_needs_a_positive_limit():
    with pytest.raises(IscConfigError):
        RateLimiter(0)


# ------------------------------------------------------------------ parallel: answers in order, errors deterministic
def test_parallel_answers_in_the_order_of_the_items_whatever_order_they_finish_in():
    import threading  # pylint: disable=import-outside-toplevel
    finished = []
    gate = threading.Event()

    def work(item):
        if item == 0:
            gate.wait(5)  # the first item finishes last
        finished.append(item)
        if item == 3:
            gate.set()
        return item * item

    assert parallel(work, [0, 1, 2, 3], 4) == [0, 1, 4, 9]
    assert finished[-1] == 0


def test_parallel_raises_the_error_of_the_first_failed_item():
    def work(item):
        if item in (2, 5):
            raise IscConfigError("item %d failed" % item)
        return item

    for concurrency in (1, 3, 10):
        with pytest.raises(IscConfigError, match="item 2 failed"):
            parallel(work, list(range(8)), concurrency)
