# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport to one ISC tenant: the session, the tokens, pacing, concurrency, the retry policy and paging.

Private to the collection (``_`` prefix). :class:`IscTransport` sends every request of the collection
(``_send``): it authenticates (OAuth2 client credentials, or a given access token; one re-authentication
on 401, shared by every worker), paces (a sliding window per API client, :class:`RateLimiter`), spreads
requests over a pool of API clients, bounds the requests in flight, retries by policy (method-aware,
full-jitter backoff, Retry-After on 429, bounded in count and time, each retry a warning) and turns
answers into errors (``_errors.py``). ``paginate`` is the one way to page; ``parallel`` the one way to
send independent requests at the same time. Where requests go (the endpoint table) and what they mean
is ``_client.py``.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime
import email.utils
import ipaddress
import json as _json
import math
import random
import threading
import time
import traceback
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, TypeVar
from urllib.parse import quote, urlencode, urlsplit

try:
    import requests
    import requests.adapters
    import urllib3
    import urllib3.exceptions
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None  # type: Optional[str]
except ImportError:
    requests = None  # type: ignore[assignment]
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    HTTP_REASONS,
    IscApiError,
    IscAuthError,
    IscConfigError,
    IscConnectionError,
    IscError,
    ERROR_CLASSES,
    ERROR_HINTS,
    one_line,
    scrub_secrets,
)

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "sailpoint.isc-ansible-collection/" + COLLECTION_VERSION

TOKEN_PATH = "/oauth/token"
# refresh a token this long before it expires (at most a tenth of its lifetime)
TOKEN_REFRESH_MARGIN = 60.0
# ISC admits 100 requests per 10 seconds per API client and API version (SailPoint's "Rate Limiting" page of the
# API docs: https://developer.sailpoint.com/docs/api/rate-limit); the client paces itself to that by default.
DEFAULT_RATE_LIMIT = 100
RATE_WINDOW = 10.0
# requests in flight at most (Terraform applies 10 resources at a time by default: its -parallelism)
DEFAULT_CONCURRENCY = 10

_IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
_GATEWAY_STATUSES = frozenset((502, 503, 504))

# Retry policies (see _should_retry).
POLICY_IDEMPOTENT = "idempotent"  # 429, 500, 502-504, connection errors
POLICY_DEFAULT = "default"  # 429, 502-504, connection errors
POLICY_CREATE = "create"  # 429 and never-sent requests; ambiguous failures -> look up, then retry

NEVER_ANSWERED_HINT = ("nothing has answered at this address during this run, so this is taken for a wrong base_url or a network "
                       "that blocks it and is not retried: check base_url (host and port), the proxy and the firewall")


def validate_base_url(base_url: Optional[str], api_versions: Iterable[str] = ()) -> str:
    """Return the normalised tenant API root or raise IscConfigError.

    https is required; plain http is accepted only for loopback hosts (127.0.0.0/8, ::1,
    localhost), so credentials never cross a network in clear text. A root ending in one of
    ``api_versions`` is refused: the version is chosen with ``api_version``, not in the URL.
    """
    if not base_url or not str(base_url).strip():
        raise IscConfigError("base_url is required (or set SAIL_BASE_URL), e.g. https://acme.api.identitynow.com")
    url = str(base_url).strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError as exc:
        raise IscConfigError(scrub_secrets("base_url %r is not a valid URL: %s" % (url, exc)))
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise IscConfigError("base_url %r must be an http(s) URL with a host, e.g. https://acme.api.identitynow.com" % url)
    if parts.username or parts.password:
        raise IscConfigError("base_url must not contain credentials; use client_id/client_secret or access_token")
    if parts.query or parts.fragment:
        raise IscConfigError("base_url must not contain a query or fragment")
    if scheme == "http" and not is_loopback_host(host):
        raise IscConfigError(
            "base_url %r uses plain http to a non-loopback host; use https so that credentials and tokens "
            "are never sent in clear text (http is only accepted for localhost, 127.0.0.0/8 and ::1)" % url)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last in api_versions:
        raise IscConfigError(
            "base_url %r ends with the API version %r; give the tenant API root (e.g. https://acme.api.identitynow.com) "
            "and choose the version with api_version" % (url, last))
    netloc = parts.netloc
    return "%s://%s%s" % (scheme, netloc, path)


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback IP addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def backoff_delay(retry: int, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**retry)]."""
    ceiling = min(cap, base * (2 ** max(retry, 0)))
    return max(0.0, ceiling * rand())


def parse_retry_after(value: Optional[str], now: Optional[datetime.datetime] = None) -> Optional[float]:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent/invalid."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        reference = now or datetime.datetime.now(datetime.timezone.utc)
        seconds = (when - reference).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class RateLimiter:
    """A sliding window: at most ``limit`` requests in any ``window`` seconds, for one API client and API version.

    Pure arithmetic on the times it is given (``now``), so that it can be tested without sleeping; the transport
    holds the lock around it. A request takes its slot when it is sent and keeps it until ``window`` seconds after its
    answer arrived: the tenant admitted it in between, so a slot is never reused while the tenant may still count it,
    whatever the latency. A 429 answer ``pause``s the limiter until its ``Retry-After`` has passed.
    """

    def __init__(self, limit: int, window: float = RATE_WINDOW) -> None:
        if limit < 1 or window <= 0:
            raise IscConfigError("a rate limit needs at least 1 request per window and a positive window")
        self.limit = int(limit)
        self.window = float(window)
        self._answered = collections.deque()  # type: Deque[float]  # when the answers arrived, oldest first
        self._in_flight = 0
        self._paused_until = None  # type: Optional[float]

    def wait(self, now: float) -> Optional[float]:
        """Seconds until a request may be sent (0.0: now); None when only an answer of a request in flight frees a slot."""
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        if self._paused_until is not None and now < self._paused_until:
            return self._paused_until - now
        if self._in_flight + len(self._answered) < self.limit:
            return 0.0
        if self._answered:
            return self._answered[0] + self.window - now
        return None

    def reserve(self, now: float) -> Optional[float]:
        """Take a slot when one is free (and return 0.0); else what :meth:`wait` says, taking nothing."""
        wait = self.wait(now)
        if wait == 0.0:
            self._in_flight += 1
        return wait

    def release(self, now: float) -> None:
        """The answer of a reserved request arrived (or it failed) at ``now``: its slot is free ``window`` seconds later."""
        self._in_flight = max(0, self._in_flight - 1)
        self._answered.append(now)

    def pause(self, until: float) -> None:
        """Send nothing before ``until`` (a 429's Retry-After)."""
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until


class _ApiClient:
    """One API client of the pool: its credentials, its token (with a generation that counts the fetches, so that
    many workers that saw one 401 re-authenticate once) and its limiter."""

    def __init__(self, client_id: Optional[str], client_secret: Optional[str], access_token: Optional[str],
                 limiter: Optional[RateLimiter]) -> None:
        self.client_id = client_id or None
        self.client_secret = client_secret or None
        self.token = access_token or None
        self.expires_at = None  # type: Optional[float]
        self.generation = 0
        self.lock = threading.Lock()
        self.limiter = limiter

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def label(self) -> str:
        return "API client %r" % self.client_id if self.client_id else "the access token"


_Item = TypeVar("_Item")
_Answer = TypeVar("_Answer")


def parallel(work: Callable[[_Item], _Answer], items: Sequence[_Item], concurrency: int) -> List[_Answer]:
    """``[work(item) for item in items]`` with up to ``concurrency`` items at a time; answers in the order of ``items``.

    With ``concurrency`` 1 (or one item) it is exactly that loop. Otherwise every item is started unless one fails:
    then the items not yet started are cancelled and the error of the first failed item (in the order of ``items``)
    is raised once the started ones are done, so the outcome never depends on which request finished first.
    """
    items = list(items)
    if concurrency <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        futures = [pool.submit(work, item) for item in items]
        concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
        if any(future.done() and future.exception() is not None for future in futures):
            for future in futures:
                future.cancel()
        concurrent.futures.wait(futures)
    for future in futures:
        if not future.cancelled() and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]
    return [future.result() for future in futures]


class _Result:
    """A finished request: status, headers and the parsed JSON body (None when empty)."""

    def __init__(self, status: int, headers: Any, body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class _BearerAuth:
    """requests auth hook: sets the bearer token (and keeps ~/.netrc from replacing it)."""

    def __init__(self, token: Optional[str]) -> None:
        self._token = token

    def __call__(self, request: Any) -> Any:
        if self._token:
            request.headers["Authorization"] = "Bearer " + self._token
        return request


class _Attempt:
    """What one try of a request produced, for the retry decision."""

    def __init__(self, response: Any = None, exception: Optional[BaseException] = None) -> None:
        self.response = response
        self.exception = exception

    @property
    def status(self) -> Optional[int]:
        return None if self.response is None else self.response.status_code


def _request_not_sent(exc: BaseException) -> bool:
    """True when a connection error certainly happened before the request reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reasons = [exc] + list(exc.args)
    for reason in list(reasons):
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reasons.append(reason.reason)
    return any(isinstance(r, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)) for r in reasons)


def _short_reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, without the pool boilerplate."""
    reason = exc  # type: Any
    for _dummy in range(5):
        inner = getattr(reason, "reason", None)
        if inner is None and reason.args and isinstance(reason.args[0], BaseException):
            inner = reason.args[0]
        if not isinstance(inner, BaseException):
            break
        reason = inner
    text = str(reason)
    marker = "Failed to establish a new connection: "
    if marker in text:
        text = text.split(marker, 1)[1].rstrip(")\"' ")
    return text or type(reason).__name__


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out (%s)" % type(exc).__name__
    if _request_not_sent(exc):
        return "could not connect"
    return "connection error (%s)" % type(exc).__name__


class IscTransport:
    """A session with one ISC tenant: authentication, pacing, concurrency, retries and paging.

    ``base_url`` is the tenant API root as :func:`validate_base_url` returns it. ``client_id`` / ``client_secret``
    and / or ``access_token`` are the first API client; ``clients`` (``[{client_id, client_secret}, ...]``) more
    API clients of the same tenant: requests are spread over all of them, each with its own token and limiter of
    ``rate_limit`` requests per RATE_WINDOW seconds (None or 0: not paced; ISC counts per client and API version,
    and an IscClient calls one API version). At most ``max_concurrent_requests`` requests per API client are in
    flight (1 with one client: one after the other): each client of a pool adds its own share of the work.
    ``warn`` receives one line per retry (what, why, how long); ``sleep``, ``clock`` and ``rand`` are injectable
    for tests. Every message it produces is scrubbed of secrets.
    """

    def __init__(self, base_url: str, client_id: Optional[str] = None, client_secret: Optional[str] = None,
                 access_token: Optional[str] = None, validate_certs: bool = True,
                 request_timeout: float = 30.0, max_retries: int = 5, max_retry_time: float = 120.0,
                 backoff_base: float = 1.0, backoff_max: float = 30.0,
                 warn: Optional[Callable[[str], None]] = None, sleep: Optional[Callable[[float], None]] = None,
                 clock: Optional[Callable[[], float]] = None, rand: Optional[Callable[[], float]] = None,
                 session: Any = None, clients: Optional[Sequence[Dict[str, Any]]] = None, rate_limit: Optional[int] = None,
                 max_concurrent_requests: int = 1) -> None:
        if not HAS_REQUESTS:
            raise IscConfigError("the Python library 'requests' is required")
        self.base_url = base_url
        if bool(client_id) != bool(client_secret):
            raise IscConfigError("client_id and client_secret must be given together")
        if not (client_id or access_token or clients):
            raise IscConfigError(
                "no credentials: give client_id and client_secret (or SAIL_CLIENT_ID / SAIL_CLIENT_SECRET), "
                "or access_token (SAIL_ACCESS_TOKEN)")
        if max_retries < 0 or max_retry_time < 0 or request_timeout <= 0:
            raise IscConfigError("max_retries and max_retry_time must be >= 0 and request_timeout > 0")
        if max_concurrent_requests < 1:
            raise IscConfigError("max_concurrent_requests must be at least 1, got %r" % max_concurrent_requests)
        if rate_limit is not None and rate_limit < 0:
            raise IscConfigError("rate_limit must be 0 (not paced) or a number of requests per %g seconds, got %r" % (RATE_WINDOW, rate_limit))
        self.client_id = client_id or None
        self.validate_certs = bool(validate_certs)
        self.request_timeout = float(request_timeout)
        self.max_retries = int(max_retries)
        self.max_retry_time = float(max_retry_time)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.rate_limit = int(rate_limit or 0)
        self._warn = warn
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._rand = rand or random.random
        self._secrets = set()  # type: Set[str]
        self._pool = []  # type: List[_ApiClient]
        if client_id or access_token:
            self._add_client(client_id, client_secret, access_token)
        for index, extra in enumerate(clients or ()):
            extra_id, extra_secret = (extra or {}).get("client_id"), (extra or {}).get("client_secret")
            if not extra_id or not extra_secret:
                raise IscConfigError("clients[%d] needs both client_id and client_secret" % index)
            if any(member.client_id == extra_id for member in self._pool):
                raise IscConfigError("clients[%d]: the API client %r is given twice; give each API client of the pool once" % (index, extra_id))
            self._add_client(extra_id, extra_secret, None)
        self.concurrency = int(max_concurrent_requests) * len(self._pool)
        self._session = session or self._new_session()
        self._pace = threading.Condition()
        self._next_client = 0
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
        self._answered = False  # the tenant answered once: connection errors from now on are retried
        if not self.validate_certs:
            # one clear warning instead of urllib3's warning on every request
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            self.warn("validate_certs is false: the TLS certificate of %s is not verified" % self.base_url)

    def _new_session(self) -> Any:
        """A session whose connection pool holds one connection per request in flight."""
        session = requests.Session()
        if self.concurrency > 1:
            adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=self.concurrency)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        return session

    def _add_client(self, client_id: Optional[str], client_secret: Optional[str], access_token: Optional[str]) -> None:
        for secret in (client_secret, access_token):
            if secret:
                self._secrets.add(secret)
        limiter = RateLimiter(self.rate_limit) if self.rate_limit else None
        self._pool.append(_ApiClient(client_id, client_secret, access_token, limiter))

    # ---------------------------------------------------------------- small public helpers
    def scrub(self, text: Any) -> str:
        """``text`` with this client's secrets and any token-like string redacted."""
        return scrub_secrets(text, self._secrets)

    def warn(self, message: str) -> None:
        """Report a warning (scrubbed) through the callback given to the constructor."""
        if self._warn is not None:
            self._warn(self.scrub(one_line(message)))

    @property
    def client_ids(self) -> List[Optional[str]]:
        """The client id of each API client of the pool (None for an access token without one)."""
        return [member.client_id for member in self._pool]

    def parallel(self, work: Callable[[_Item], _Answer], items: Sequence[_Item]) -> List[_Answer]:
        """:func:`parallel` with this transport's concurrency (requests in flight stay bounded when calls nest)."""
        return parallel(work, items, self.concurrency)

    # ---------------------------------------------------------------- authentication
    def _token_of(self, member: _ApiClient) -> Tuple[str, int]:
        """A token of ``member`` to use now (the given one, a cached one, or a freshly fetched one) and its generation.

        Under the member's lock: when many workers need a token at once, one fetches it and the others use it.
        """
        with member.lock:
            if member.token and (member.expires_at is None or self._clock() < member.expires_at):
                return member.token, member.generation
            if not member.has_credentials:
                # only reachable with a given token; it never expires on our side
                raise IscConfigError("no usable access token and no client credentials")
            self._fetch_token(member)
            return member.token or "", member.generation

    def _fetch_token(self, member: _ApiClient) -> None:
        body = {"grant_type": "client_credentials", "client_id": member.client_id, "client_secret": member.client_secret}
        try:
            result = self._send("POST", TOKEN_PATH, form=body, authenticated=False, policy=POLICY_IDEMPOTENT)
        except IscApiError as exc:
            if exc.status in (400, 401, 403):
                raise IscAuthError(
                    exc.method, exc.path, exc.status, exc.messages, exc.detail_code, exc.tracking_id, exc.error,
                    hint="the token endpoint refused client_id %r with the given client_secret; check both" % member.client_id)
            raise
        data = result.body if isinstance(result.body, dict) else {}
        token = data.get("access_token")
        if not token or not isinstance(token, str):
            raise IscAuthError("POST", TOKEN_PATH, result.status, ["the token response has no access_token"])
        self._secrets = self._secrets | {token}  # a new set: other workers may be scrubbing with the old one
        member.token = token
        member.generation += 1
        try:
            lifetime = float(data.get("expires_in"))
        except (TypeError, ValueError):
            lifetime = None
        if lifetime is not None and lifetime > 0:
            member.expires_at = self._clock() + lifetime - min(TOKEN_REFRESH_MARGIN, lifetime / 10.0)
        else:
            member.expires_at = None

    def _handle_unauthorized(self, member: _ApiClient, generation: int) -> bool:
        """After a 401 to a request sent with the token of ``generation``: True if a new token can be fetched.

        The token is dropped only if no other worker fetched a newer one since, so one 401 seen by many workers
        costs one token request.
        """
        if not member.has_credentials:
            return False  # keep the given token: every later call reports the same clear 401
        with member.lock:
            if member.generation == generation:
                member.token = None
                member.expires_at = None
        return True

    # ---------------------------------------------------------------- pacing
    def _take_slot(self, member: Optional[_ApiClient]) -> _ApiClient:
        """An API client of the pool (``member`` when given) whose limiter has a free slot, the slot taken.

        Waits (with the injectable sleep) while every limiter is full; clients are tried in turn, so requests
        spread over the pool.
        """
        candidates = [member] if member is not None else None
        while True:
            with self._pace:
                pool = candidates or self._pool[self._next_client:] + self._pool[:self._next_client]
                now = self._clock()
                waits = []  # type: List[float]
                for candidate in pool:
                    wait = candidate.limiter.reserve(now) if candidate.limiter is not None else 0.0
                    if wait == 0.0:
                        if candidates is None:
                            self._next_client = (self._pool.index(candidate) + 1) % len(self._pool)
                        return candidate
                    if wait is not None:
                        waits.append(wait)
                if not waits:  # every slot is held by a request in flight: wait for an answer
                    self._pace.wait(1.0)
                    continue
            self._sleep(min(waits))

    def _free_slot(self, member: _ApiClient) -> None:
        if member.limiter is not None:
            with self._pace:
                member.limiter.release(self._clock())
                self._pace.notify_all()

    def _pause(self, member: _ApiClient, seconds: float) -> None:
        if member.limiter is not None:
            with self._pace:
                member.limiter.pause(self._clock() + seconds)

    # ---------------------------------------------------------------- the one place requests are sent
    def _headers(self, authenticated: bool, content_type: Optional[str]) -> Dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if authenticated:
            headers["X-SailPoint-Experimental"] = "true"
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def _should_retry(self, attempt: _Attempt, policy: str) -> Tuple[bool, bool]:
        """(retry allowed, outcome ambiguous) for one failed attempt under ``policy``."""
        if attempt.exception is not None:
            exc = attempt.exception
            if isinstance(exc, requests.exceptions.SSLError) or not isinstance(
                    exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError)):
                return False, False
            not_sent = _request_not_sent(exc)
            return True, not not_sent
        status = attempt.status
        if status == 429:
            return True, False
        if status in _GATEWAY_STATUSES:
            return True, True
        if status == 500:
            return policy in (POLICY_IDEMPOTENT, POLICY_CREATE), True
        return False, False

    def _send(self, method: str, path: str, params: Optional[Dict[str, Any]] = None, json_body: Any = None,
              form: Optional[Dict[str, Any]] = None, content_type: Optional[str] = None, authenticated: bool = True,
              policy: Optional[str] = None, recover: Optional[Callable[[], Any]] = None,
              expect_statuses: Iterable[int] = ()) -> _Result:
        """Send one logical request with auth, retries and error mapping.

        ``recover`` (create only) is called after an ambiguous failure; a non-None result means
        the write landed and is returned as the body. ``expect_statuses`` are error statuses
        returned as a result instead of raised (e.g. 404 for get_workgroup).
        """
        method = method.upper()
        if policy is None:
            policy = POLICY_IDEMPOTENT if method in _IDEMPOTENT_METHODS else POLICY_DEFAULT
        url = self.base_url + path
        if params:
            url += "?" + urlencode([(k, _param_text(v)) for k, v in params.items() if v is not None], quote_via=quote)
        if json_body is not None and content_type is None:
            content_type = "application/json"
        data = None  # type: Any
        if json_body is not None:
            data = _json_dumps(json_body).encode("utf-8")
        elif form is not None:
            data = form
        label = "%s %s" % (method, path)
        deadline = self._clock() + self.max_retry_time
        retries = 0
        reauthenticated = False
        member = None  # type: Optional[_ApiClient]  # the API client of every try of this request
        while True:
            generation = 0
            token = None  # type: Optional[str]
            if authenticated:
                member = self._take_slot(member)
                try:
                    token, generation = self._token_of(member)
                except BaseException:
                    self._free_slot(member)
                    raise
            try:
                with self._in_flight:
                    response = self._session.request(
                        method, url, data=data, headers=self._headers(authenticated, content_type), auth=_BearerAuth(token),
                        timeout=self.request_timeout, verify=self.validate_certs, allow_redirects=False)
                attempt = _Attempt(response=response)
                self._answered = True
            except requests.exceptions.RequestException as exc:
                attempt = _Attempt(exception=exc)
            finally:
                if member is not None:
                    self._free_slot(member)

            status = attempt.status
            if status is not None and status < 400 or status in expect_statuses:
                return _Result(status, response.headers, self._parse_body(method, path, response))
            if status == 401 and authenticated and member is not None:
                if not reauthenticated and self._handle_unauthorized(member, generation):
                    reauthenticated = True
                    continue
                raise self._named(member, self._api_error(method, path, response, retries + 1, hint=(
                    "the token was rejected again after fetching a new one" if reauthenticated else
                    "the access_token was rejected (expired or revoked); give a fresh access_token, "
                    "or client_id and client_secret so that the collection can fetch tokens itself")))
            if status == 429 and member is not None:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None:  # every worker of this API client waits, not only this request
                    self._pause(member, retry_after)

            if status is not None and 300 <= status < 400:
                raise IscApiError(method, path, status, ["unexpected redirect to %s" % self.scrub(response.headers.get("Location"))],
                                  hint="check base_url")
            if attempt.exception is not None and not self._answered and _request_not_sent(attempt.exception):
                # Nothing ever answered at this address: a wrong base_url (or a blocked network), not a passing fault.
                raise self._final_error(attempt, method, path, retries + 1, NEVER_ANSWERED_HINT)

            retry_allowed, ambiguous = self._should_retry(attempt, policy)
            why = self._why(attempt)
            if ambiguous and recover is not None:
                # A write may have landed although its answer was lost. Wait first (the tenant's
                # lists can lag), then look it up; send again only if it is certainly not there.
                stop_note = self._stop_note(retries, deadline)
                if stop_note is None:
                    wait, source = self._bounded_wait(attempt, retries, deadline)
                    retries += 1
                    self.warn("%s: %s; checking whether it took effect, then retry %d of %d in %.1f s (%s)"
                              % (label, why, retries, self.max_retries, wait, source))
                    self._sleep(wait)
                try:
                    found = recover()
                except IscError as exc:
                    raise IscError("%s: %s, and looking up whether it took effect failed: %s" % (label, why, exc),
                                   hint="check the tenant before running again")
                if found is not None:
                    self.warn("%s: %s, but the write did take effect; using the object it created" % (label, why))
                    return _Result(200, {}, found)
                if stop_note is not None:
                    raise self._final_error(attempt, method, path, retries + 1, stop_note)
                continue
            if not retry_allowed:
                raise self._named(member, self._final_error(attempt, method, path, retries + 1))
            stop_note = self._stop_note(retries, deadline)
            if stop_note is not None:
                raise self._named(member, self._final_error(attempt, method, path, retries + 1, stop_note))
            wait, source = self._bounded_wait(attempt, retries, deadline)
            retries += 1
            self.warn("%s: %s; retry %d of %d in %.1f s (%s)" % (label, why, retries, self.max_retries, wait, source))
            self._sleep(wait)

    def _named(self, member: Optional[_ApiClient], error: IscError) -> IscError:
        """``error``, naming the API client it was sent with when the pool has several and the answer is about the client
        (401, 403, 429): each client has its own rights and rate limit. Never its secret."""
        if member is not None and len(self._pool) > 1 and isinstance(error, IscApiError) and error.status in (401, 403, 429):
            error.client_id = member.client_id
            error.hint = one_line("sent with %s%s" % (member.label, "; " + error.hint if error.hint else ""))
        return error

    def _stop_note(self, retries: int, deadline: float) -> Optional[str]:
        """Why no further retry is allowed, or None."""
        if retries >= self.max_retries:
            return "gave up after %d %s" % (retries, "retry" if retries == 1 else "retries")
        if deadline - self._clock() <= 0:
            return "gave up after %d %s: the retry time budget of %g s is used up" % (
                retries, "retry" if retries == 1 else "retries", self.max_retry_time)
        return None

    def _bounded_wait(self, attempt: _Attempt, retries: int, deadline: float) -> Tuple[float, str]:
        wait, source = self._retry_wait(attempt, retries)
        remaining = max(0.0, deadline - self._clock())
        if wait > remaining:
            return remaining, source + ", capped by the retry time budget"
        return wait, source

    def _retry_wait(self, attempt: _Attempt, retries: int) -> Tuple[float, str]:
        if attempt.status == 429:
            retry_after = parse_retry_after(attempt.response.headers.get("Retry-After"))
            if retry_after is not None:
                return retry_after, "Retry-After"
        return backoff_delay(retries, self.backoff_base, self.backoff_max, self._rand), "backoff"

    def _why(self, attempt: _Attempt) -> str:
        if attempt.exception is not None:
            return _describe_exception(attempt.exception)
        status = attempt.status
        return "HTTP %s %s" % (status, HTTP_REASONS.get(status, "")) if status in HTTP_REASONS else "HTTP %s" % status

    def _final_error(self, attempt: _Attempt, method: str, path: str, attempts: int, note: Optional[str] = None) -> IscError:
        if attempt.exception is not None:
            exc = attempt.exception
            hint = note
            if isinstance(exc, requests.exceptions.SSLError):
                hint = "TLS certificate verification failed; fix the CA bundle or, for a test tenant only, set validate_certs=false"
            detail = self.scrub(one_line(_short_reason(exc)))[:300]
            return IscConnectionError(
                "%s %s: %s to %s: %s" % (method, path, _describe_exception(exc), self.base_url, detail),
                method=method, path=path, attempts=attempts, hint=hint)
        return self._api_error(method, path, attempt.response, attempts, hint=note)

    def _api_error(self, method: str, path: str, response: Any, attempts: int, hint: Optional[str] = None) -> IscApiError:
        status = response.status_code
        messages = []  # type: List[str]
        detail_code = tracking_id = error = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for item in body.get("messages") or []:
                text = item.get("text") if isinstance(item, dict) else item
                if text:
                    messages.append(self.scrub(one_line(str(text))))
            for key in ("message", "error_description"):
                if not messages and isinstance(body.get(key), str) and body[key].strip():
                    messages.append(self.scrub(one_line(body[key])))
            if isinstance(body.get("error"), str):
                error = self.scrub(one_line(body["error"]))
            detail_code = body.get("detailCode")
            tracking_id = body.get("trackingId")
        elif response.text and response.text.strip():
            messages.append(self.scrub(one_line(response.text))[:300])
        cls = ERROR_CLASSES.get(status, IscApiError)
        if hint is None:
            hint = ERROR_HINTS.get(status)
        return cls(method, path, status, messages,
                   detail_code=self.scrub(detail_code) if detail_code else None,
                   tracking_id=self.scrub(tracking_id) if tracking_id else None,
                   error=error, hint=self.scrub(hint) if hint else None, attempts=attempts)

    def _parse_body(self, method: str, path: str, response: Any) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise IscApiError(method, path, response.status_code,
                              ["the response is not JSON: %s" % self.scrub(one_line(response.text))[:200]])

    # ---------------------------------------------------------------- generic API
    def request(self, method: str, path: str, params: Optional[Dict[str, Any]] = None, json: Any = None,
                content_type: Optional[str] = None, idempotent: Optional[bool] = None) -> Any:
        """Send ``method path`` (path below base_url) and return the parsed JSON body (None if empty).

        ``idempotent`` (default: GET/PUT/DELETE) also retries HTTP 500.
        """
        policy = None if idempotent is None else (POLICY_IDEMPOTENT if idempotent else POLICY_DEFAULT)
        return self._send(method, path, params=params, json_body=json, content_type=content_type, policy=policy).body

    def paginate(self, path: str, params: Optional[Dict[str, Any]] = None, page_size: int = 250) -> Iterator[Dict[str, Any]]:
        """Yield every item of a list endpoint, page by page (``limit``=page_size, advancing ``offset``).

        The first page asks for ``count=true``. Paging stops once the reported total has been read
        (so a listing costs exactly ceil(total / page_size) requests, the floor), or on a short page
        when the server sent no count. A short page with a higher count goes on (a server-side cap
        lower than page_size), so nothing is truncated. Once a full first page and ``X-Total-Count``
        are known, the remaining pages are read ``parallel`` (in order of offset, whatever order they arrive in).
        """
        if page_size < 1:
            raise IscConfigError("page_size must be >= 1")
        page, total = self._page(path, params, page_size, 0)
        yield from page
        offset = len(page)
        if total is not None and len(page) == page_size and offset < total and self.concurrency > 1:
            offsets = list(range(offset, total, page_size))
            for page, _total in self.parallel(lambda start: self._page(path, params, page_size, start), offsets):
                yield from page
                offset += len(page)
                if len(page) < page_size:
                    break  # fewer items than asked: go on from here, one page at a time
        while page and (offset < total if total is not None else len(page) == page_size):
            page, _total = self._page(path, params, page_size, offset)
            yield from page
            offset += len(page)

    def _page(self, path: str, params: Optional[Dict[str, Any]], page_size: int, offset: int) -> Tuple[List[Any], Optional[int]]:
        """The items at ``offset`` (at most ``page_size``), and the total the first page (``offset`` 0) reports."""
        query = dict(params or {})
        query["limit"] = page_size
        query["offset"] = offset
        if offset == 0:
            query["count"] = "true"
        result = self._send("GET", path, params=query)
        page = result.body
        if page is None:
            page = []
        if not isinstance(page, list):
            raise IscApiError("GET", path, result.status, ["expected a JSON list, got %s" % type(page).__name__])
        if len(page) > page_size:
            raise IscApiError("GET", path, result.status, ["the server returned %d items for limit %d" % (len(page), page_size)])
        total = None  # type: Optional[int]
        if offset == 0:
            try:
                total = int(result.headers.get("X-Total-Count"))
            except (TypeError, ValueError):
                total = None
        return page, total


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_dumps(value: Any) -> str:
    return _json.dumps(value, ensure_ascii=False, separators=(",", ":"))
