# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport to one ISC tenant: :meth:`IscTransport.send` sends every request of the collection.

Private to the collection (``_`` prefix). It composes the concerns, each in its own file: the API clients and their
tokens (``_auth``), pacing (``_pacing``), the retry policy (``_retry``), what an answer or a failed try means
(``_answers``, ``_http``), paging (``_paging``) and ``parallel`` (``_parallel``). The options are checked before
(``_connection``). Where requests go and what they mean is ``_client.py``.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Sequence, Tuple
from urllib.parse import quote, urlencode

from ansible_collections.sailpoint.isc.plugins.module_utils._answers import (
    Attempt, Result, api_error, final_error, parse_body)
from ansible_collections.sailpoint.isc.plugins.module_utils._auth import TOKEN_PATH, Authenticator, build_pool, named
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    IscApiError, IscError, one_line, scrub_secrets)
from ansible_collections.sailpoint.isc.plugins.module_utils._http import (
    BearerAuth, environment_proxy, new_session, proxy_unreachable, request_not_sent, requests)
from ansible_collections.sailpoint.isc.plugins.module_utils._pacing import Pacer
from ansible_collections.sailpoint.isc.plugins.module_utils._paging import page_of, page_query, paginate
from ansible_collections.sailpoint.isc.plugins.module_utils._retry import (
    POLICY_DEFAULT, POLICY_IDEMPOTENT, RetryBudget, default_policy, parse_retry_after, retry_decision)

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "sailpoint.isc-ansible-collection/" + COLLECTION_VERSION
# requests in flight at most (Terraform applies 10 resources at a time by default: its -parallelism)
DEFAULT_CONCURRENCY = 10

NEVER_ANSWERED_HINT = ("nothing has answered at this address during this run, so this is taken for a wrong base_url or "
                       "a network that blocks it and is not retried: check base_url (host and port), the proxy and the "
                       "firewall")
PROXY_HINT = ("nothing has answered through this proxy during this run, so it is not retried: start the proxy or "
              "correct %s; hosts listed in NO_PROXY are reached without it")


class _Request:  # pylint: disable=too-few-public-methods
    """One logical request, ready to be tried as often as the policy allows."""

    def __init__(self, base_url: str, method: str, path: str, params: Optional[Dict[str, Any]], json_body: Any,
                 form: Optional[Dict[str, Any]], content_type: Optional[str], policy: Optional[str],
                 authenticated: bool) -> None:
        self.method = method.upper()
        self.path = path
        self.label = "%s %s" % (self.method, path)
        self.policy = policy or default_policy(self.method)
        self.url = base_url + path
        if params:
            pairs = [(key, _param_text(value)) for key, value in params.items() if value is not None]
            self.url += "?" + urlencode(pairs, quote_via=quote)
        self.data = form  # type: Any
        if json_body is not None:
            self.data = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            content_type = content_type or "application/json"
        self.headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if authenticated:
            self.headers["X-SailPoint-Experimental"] = "true"
        if content_type:
            self.headers["Content-Type"] = content_type
        self.authenticated = authenticated


class _Tries:  # pylint: disable=too-few-public-methods
    """Where a request stands: its API client (the same for every try), retries made, the token's generation."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.member = None  # type: Any
        self.generation = 0
        self.retries = 0
        self.reauthenticated = False


class IscTransport:
    """A session with one ISC tenant: authentication, pacing, concurrency, retries and paging.

    ``base_url`` is the tenant API root as ``_connection.validate_base_url`` returns it. ``client_id`` /
    ``client_secret`` and / or ``access_token`` are the first API client; ``clients`` (``[{client_id, client_secret},
    ...]``) more API clients of the same tenant: requests are spread over all of them, each with its own token and
    limiter of ``rate_limit`` requests per 10 s (None or 0: not paced). At most ``max_concurrent_requests`` requests
    per API client are in flight. ``warn`` receives one line per retry; ``sleep``, ``clock`` and ``rand`` are
    injectable for tests. Every message it produces is scrubbed of secrets.
    """

    def __init__(self, base_url: str, client_id: Optional[str] = None, client_secret: Optional[str] = None,
                 access_token: Optional[str] = None, validate_certs: bool = True,
                 request_timeout: float = 30.0, max_retries: int = 5, max_retry_time: float = 120.0,
                 backoff_base: float = 1.0, backoff_max: float = 30.0,
                 warn: Optional[Callable[[str], None]] = None, sleep: Optional[Callable[[float], None]] = None,
                 clock: Optional[Callable[[], float]] = None, rand: Optional[Callable[[], float]] = None,
                 session: Any = None, clients: Optional[Sequence[Dict[str, Any]]] = None,
                 rate_limit: Optional[int] = None, max_concurrent_requests: int = 1) -> None:
        self.base_url = base_url
        self.client_id = client_id or None
        self.validate_certs = bool(validate_certs)
        self.request_timeout = float(request_timeout)
        self.retry = RetryBudget(max_retries, max_retry_time, backoff_base, backoff_max, rand)
        self._warn = warn
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        secrets = [client_secret, access_token] + [extra.get("client_secret") for extra in clients or ()]
        self._secrets = {secret for secret in secrets if secret}
        self._pool = build_pool(client_id, client_secret, access_token, clients, int(rate_limit or 0))
        self.concurrency = int(max_concurrent_requests) * len(self._pool)
        self._session = session or new_session(self.concurrency, self.validate_certs)
        self._pacer = Pacer(self._pool, self._clock, self._sleep)
        self._auth = Authenticator(self._pool, self._fetch_token, self._clock, self._remember)
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
        self._answered = False  # the tenant answered once: connection errors from now on are retried
        if not self.validate_certs:
            self.warn("validate_certs is false: the TLS certificate of %s is not verified" % self.base_url)

    def scrub(self, text: Any) -> str:
        """``text`` with this client's secrets and any token-like string redacted."""
        return scrub_secrets(text, self._secrets)

    def warn(self, message: str) -> None:
        """Report a warning (scrubbed) through the callback given to the constructor."""
        if self._warn is not None:
            self._warn(self.scrub(one_line(message)))

    def _remember(self, token: str) -> None:
        self._secrets = self._secrets | {token}  # a new set: other workers may be scrubbing with the old one

    def _fetch_token(self, form: Dict[str, Any]) -> Result:
        return self.send("POST", TOKEN_PATH, form=form, authenticated=False, policy=POLICY_IDEMPOTENT)

    # ---------------------------------------------------------------- the one place requests are sent
    def send(self, method: str, path: str, params: Optional[Dict[str, Any]] = None, json_body: Any = None,
             form: Optional[Dict[str, Any]] = None, content_type: Optional[str] = None, authenticated: bool = True,
             policy: Optional[str] = None, recover: Optional[Callable[[], Any]] = None,
             expect_statuses: Iterable[int] = ()) -> Result:
        """Send one logical request: tries until an answer is final, by the retry policy (``_retry``).

        ``recover`` (create only) is called after an ambiguous failure; a non-None result means the write landed and
        is returned as the body. ``expect_statuses`` are error statuses returned instead of raised (404 of a GET).
        """
        request = _Request(self.base_url, method, path, params, json_body, form, content_type, policy, authenticated)
        if authenticated:
            self._auth.prefetch()  # every API client of the pool has its token before the first request
        tries = _Tries(self._clock() + self.retry.max_retry_time)
        while True:
            attempt = self._try(request, tries)
            status = attempt.status
            if status is not None and (status < 400 or status in expect_statuses):
                body = parse_body(attempt.response, request.method, path, self.scrub)
                return Result(status, attempt.response.headers, body)
            if self._reauthenticate(attempt, request, tries):
                continue
            self._refuse_at_once(attempt, request, tries)
            retry_allowed, ambiguous = retry_decision(status, attempt.failure, request.policy)
            if ambiguous and recover is not None:
                found = self._recover(attempt, request, tries, recover)
                if found is not None:
                    return Result(200, {}, found)
                continue
            if not retry_allowed:
                raise named(self._error(attempt, request, tries), tries.member, len(self._pool))
            self._wait_for_retry(attempt, request, tries)

    def _try(self, request: _Request, tries: _Tries) -> Attempt:
        """One try: an API client's slot and token (authenticated requests), a place among the requests in flight."""
        token = None  # type: Optional[str]
        if request.authenticated:
            tries.member = self._pacer.take_slot(tries.member)
            try:
                token, tries.generation = self._auth.token_of(tries.member)
            except BaseException:
                self._pacer.free_slot(tries.member)
                raise
        try:
            with self._in_flight:
                response = self._session.request(
                    request.method, request.url, data=request.data, headers=request.headers, auth=BearerAuth(token),
                    timeout=self.request_timeout, verify=self.validate_certs, allow_redirects=False)
            attempt = Attempt(response=response)
            self._answered = True
        except requests.exceptions.RequestException as exc:
            attempt = Attempt(exception=exc)
        finally:
            if request.authenticated:
                self._pacer.free_slot(tries.member)
        retry_after = parse_retry_after(attempt.header("Retry-After")) if attempt.status == 429 else None
        if retry_after is not None and tries.member is not None:  # every worker of this API client waits
            self._pacer.pause(tries.member, retry_after)
        return attempt

    def _reauthenticate(self, attempt: Attempt, request: _Request, tries: _Tries) -> bool:
        """After a 401: True to try again with a new token (once per request), else raise."""
        if attempt.status != 401 or tries.member is None:
            return False
        if not tries.reauthenticated and self._auth.drop_token(tries.member, tries.generation):
            tries.reauthenticated = True
            return True
        hint = ("the token was rejected again after fetching a new one" if tries.reauthenticated else
                "the access_token was rejected (expired or revoked); give a fresh access_token, "
                "or client_id and client_secret so that the collection can fetch tokens itself")
        error = api_error(attempt.response, request.method, request.path, tries.retries + 1, self.scrub, hint=hint)
        raise named(error, tries.member, len(self._pool))

    def _refuse_at_once(self, attempt: Attempt, request: _Request, tries: _Tries) -> None:
        """Raise for what no retry can fix: a redirect, or no answer yet in this run (a wrong address or proxy)."""
        status = attempt.status
        if status is not None and 300 <= status < 400:
            location = self.scrub(attempt.header("Location"))
            raise IscApiError(request.method, request.path, status, ["unexpected redirect to %s" % location],
                              hint="check base_url")
        if attempt.exception is not None and not self._answered and request_not_sent(attempt.exception):
            proxy = environment_proxy(self.base_url) if proxy_unreachable(attempt.exception) else None
            note = PROXY_HINT % proxy[0] if proxy else NEVER_ANSWERED_HINT
            raise self._error(attempt, request, tries, note, proxy)

    def _recover(self, attempt: Attempt, request: _Request, tries: _Tries, recover: Callable[[], Any]) -> Any:
        """After an ambiguous failure of a write: wait (lists can lag), then look it up; None: send it again."""
        why = attempt.why()
        stop_note = self.retry.stop_note(tries.retries, tries.deadline - self._clock())
        if stop_note is None:
            wait, source = self._wait(attempt, tries)
            tries.retries += 1
            self.warn("%s: %s; checking whether it took effect, then retry %d of %d in %.1f s (%s)"
                      % (request.label, why, tries.retries, self.retry.max_retries, wait, source))
            self._sleep(wait)
        try:
            found = recover()
        except IscError as exc:
            raise IscError("%s: %s, and looking up whether it took effect failed: %s" % (request.label, why, exc),
                           hint="check the tenant before running again")
        if found is not None:
            # Found is what the lookup shows now (a simultaneous run may have written it), so it is not sent again.
            self.warn("%s: %s, but the lookup finds it now; not sending it again" % (request.label, why))
            return found
        if stop_note is not None:
            raise self._error(attempt, request, tries, stop_note)
        return None

    def _wait_for_retry(self, attempt: Attempt, request: _Request, tries: _Tries) -> None:
        """Wait before the next try, or raise when the retry budget (count or time) is used up."""
        stop_note = self.retry.stop_note(tries.retries, tries.deadline - self._clock())
        if stop_note is not None:
            raise named(self._error(attempt, request, tries, stop_note), tries.member, len(self._pool))
        wait, source = self._wait(attempt, tries)
        tries.retries += 1
        self.warn("%s: %s; retry %d of %d in %.1f s (%s)"
                  % (request.label, attempt.why(), tries.retries, self.retry.max_retries, wait, source))
        self._sleep(wait)

    def _wait(self, attempt: Attempt, tries: _Tries) -> Tuple[float, str]:
        retry_after = parse_retry_after(attempt.header("Retry-After")) if attempt.status == 429 else None
        return self.retry.wait(tries.retries, retry_after, tries.deadline - self._clock())

    def _error(self, attempt: Attempt, request: _Request, tries: _Tries, note: Optional[str] = None,
               proxy: Optional[Tuple[str, str]] = None) -> IscError:
        target = self.base_url
        if proxy:
            target = "the proxy %s (environment variable %s) for %s" % (proxy[1], proxy[0], self.base_url)
        return final_error(attempt, request.method, request.path, tries.retries + 1, self.scrub, note,
                           self.scrub(target))

    # ---------------------------------------------------------------- generic API
    def request(self, method: str, path: str, params: Optional[Dict[str, Any]] = None, json: Any = None,
                content_type: Optional[str] = None, idempotent: Optional[bool] = None) -> Any:
        """Send ``method path`` (path below base_url) and return the parsed JSON body (None if empty).

        ``idempotent`` (default: GET/PUT/DELETE) also retries HTTP 500.
        """
        policy = None if idempotent is None else (POLICY_IDEMPOTENT if idempotent else POLICY_DEFAULT)
        return self.send(method, path, params=params, json_body=json, content_type=content_type, policy=policy).body

    def paginate(self, path: str, params: Optional[Dict[str, Any]] = None,
                 page_size: int = 250) -> Iterator[Dict[str, Any]]:
        """Every item of the list endpoint ``path`` (``_paging.paginate``), pages of ``page_size``."""
        def read(offset: int) -> Any:
            result = self.send("GET", path, params=page_query(params, page_size, offset))
            return page_of(result, path, page_size, offset)

        return paginate(read, page_size, self.concurrency)


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
