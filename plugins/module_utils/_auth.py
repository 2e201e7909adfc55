# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authentication: the API clients of the pool, their tokens, and one re-authentication per 401 seen by many workers.

Private to the collection (``_`` prefix). Tokens come from ISC's OAuth2 client credentials grant
(https://developer.sailpoint.com/docs/api/authentication); the transport sends the token request (``fetch``, neither
paced nor authenticated) and asks :class:`Authenticator` for the token of each try.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    IscApiError, IscAuthError, IscConfigError, IscError, one_line)
from ansible_collections.sailpoint.isc.plugins.module_utils._pacing import RateLimiter
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel

TOKEN_PATH = "/oauth/token"
# refresh a token this long before it expires (at most a tenth of its lifetime)
TOKEN_REFRESH_MARGIN = 60.0


class ApiClient:
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


def build_pool(client_id: Optional[str], client_secret: Optional[str], access_token: Optional[str],
               clients: Optional[Sequence[Dict[str, Any]]], rate_limit: int) -> List[ApiClient]:
    """The pool: the first API client (``client_id`` / ``access_token``) and the ``clients``, each with its limiter.

    The options are checked before (``_connection.connection_problems``).
    """
    pairs = [(client_id, client_secret, access_token)] if client_id or access_token else []
    pairs.extend((extra["client_id"], extra["client_secret"], None) for extra in clients or ())
    return [ApiClient(*pair, limiter=RateLimiter(rate_limit) if rate_limit else None) for pair in pairs]


def named(error: IscError, member: Optional[ApiClient], pool_size: int) -> IscError:
    """``error``, naming the API client it was sent with when the pool has several and the answer is about the client
    (401, 403, 429): each client has its own rights and rate limit. Never its secret."""
    if member is not None and pool_size > 1 and isinstance(error, IscApiError) and error.status in (401, 403, 429):
        error.client_id = member.client_id
        error.hint = one_line("sent with %s%s" % (member.label, "; " + error.hint if error.hint else ""))
    return error


class Authenticator:
    """The tokens of the pool. ``fetch(form)`` sends a token request and returns its ``_answers.Result``;
    ``remember(token)`` adds a fetched token to the secrets every message is scrubbed of."""

    def __init__(self, pool: Sequence[ApiClient], fetch: Callable[[Dict[str, Any]], Any], clock: Callable[[], float],
                 remember: Callable[[str], None]) -> None:
        self._pool = list(pool)
        self._fetch = fetch
        self._clock = clock
        self._remember = remember
        self._ready = False
        self._ready_lock = threading.Lock()

    def prefetch(self) -> None:
        """Fetch the token of every API client of the pool that has none, together, once: before the run's first
        request, so that a wrong secret of any client fails the run before anything is sent with the others."""
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                missing = [member for member in self._pool if member.has_credentials and not member.token]
                parallel(self.token_of, missing, len(missing))
                self._ready = True

    def token_of(self, member: ApiClient) -> Tuple[str, int]:
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

    def _fetch_token(self, member: ApiClient) -> None:
        form = {"grant_type": "client_credentials", "client_id": member.client_id,
                "client_secret": member.client_secret}
        try:
            result = self._fetch(form)
        except IscApiError as exc:
            raise _token_error(exc, member)
        data = result.body if isinstance(result.body, dict) else {}
        token = data.get("access_token")
        if not token or not isinstance(token, str):
            error = IscAuthError("POST", TOKEN_PATH, result.status, ["the token response has no access_token"])
            raise _token_error(error, member)
        self._remember(token)
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

    def drop_token(self, member: ApiClient, generation: int) -> bool:
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


def _token_error(error: IscApiError, member: ApiClient) -> IscApiError:
    """The error of a token request, naming the API client whose token it was (never its secret)."""
    if error.status in (400, 401, 403):
        error = IscAuthError(
            error.method, error.path, error.status, error.messages, error.detail_code, error.tracking_id, error.error,
            hint="the token endpoint refused client_id %r with the given client_secret; check both" % member.client_id)
    else:
        error.hint = one_line("fetching the token of %s%s" % (member.label, "; " + error.hint if error.hint else ""))
    error.client_id = member.client_id
    return error
