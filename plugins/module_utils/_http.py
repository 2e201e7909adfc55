# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the collection needs of ``requests``: the session, the bearer token hook, and what a failed try means.

Private to the collection (``_`` prefix). The only module that imports ``requests`` (``HAS_REQUESTS`` is checked
once, by ``_module.client_from_module``). ``requests`` reads the proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) and the
CA bundle (REQUESTS_CA_BUNDLE) from the environment:
https://requests.readthedocs.io/en/latest/user/advanced/#proxies
"""

from __future__ import annotations

import os
import traceback
from typing import Any, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from ansible_collections.sailpoint.isc.plugins.module_utils._retry import FINAL, MAYBE_SENT, NOT_SENT

try:
    import requests
    import requests.adapters
    import requests.utils
    import urllib3
    import urllib3.exceptions
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None  # type: Optional[str]
except ImportError:
    requests = None  # type: ignore[assignment]
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


def new_session(connections: int, validate_certs: bool) -> Any:
    """A session whose connection pool holds ``connections`` connections (one per request in flight)."""
    session = requests.Session()
    if connections > 1:
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=connections)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    if not validate_certs:
        # one clear warning from the transport instead of urllib3's warning on every request
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return session


class BearerAuth:  # pylint: disable=too-few-public-methods
    """requests auth hook: sets the bearer token (and keeps ~/.netrc from replacing it)."""

    def __init__(self, token: Optional[str]) -> None:
        self._token = token

    def __call__(self, request: Any) -> Any:
        if self._token:
            request.headers["Authorization"] = "Bearer " + self._token
        return request


def environment_proxy(url: str, environ: Optional[Mapping[str, str]] = None) -> Optional[Tuple[str, str]]:
    """(environment variable, proxy URL without credentials) that requests sends ``url`` through; None: direct."""
    environ = os.environ if environ is None else environ
    proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    if not proxy:
        return None
    names = [name for name in ("%s_proxy" % urlsplit(url).scheme, "all_proxy") for name in (name, name.upper())]
    variable = next((name for name in names if environ.get(name) == proxy), names[1])
    parts = urlsplit(proxy)
    return variable, parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()


def _causes(exc: BaseException) -> List[BaseException]:
    """``exc`` and the errors it wraps (requests wraps urllib3's, which wrap the socket's), outermost first."""
    found = []  # type: List[BaseException]
    todo = [exc]  # type: List[Any]
    while todo and len(found) < 16:
        cause = todo.pop(0)
        if isinstance(cause, BaseException) and not any(cause is seen for seen in found):
            found.append(cause)
            todo.extend(cause.args)
            todo.extend(getattr(cause, name, None) for name in ("reason", "original_error"))
    return found


def request_not_sent(exc: BaseException) -> bool:
    """True when a connection error certainly happened before the request reached the server (or the proxy)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    unsent = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
    return any(isinstance(cause, unsent) for cause in _causes(exc))


def failure_kind(exc: BaseException) -> str:
    """How a try failed without an answer, for ``_retry.retry_decision``."""
    errors = requests.exceptions
    retriable = (errors.ConnectionError, errors.Timeout, errors.ChunkedEncodingError)
    if isinstance(exc, requests.exceptions.SSLError) or not isinstance(exc, retriable):
        return FINAL
    return NOT_SENT if request_not_sent(exc) else MAYBE_SENT


def proxy_unreachable(exc: BaseException) -> bool:
    """True when the connection to the proxy itself failed."""
    return isinstance(exc, requests.exceptions.ProxyError) and request_not_sent(exc)


def is_tls_failure(exc: BaseException) -> bool:
    return isinstance(exc, requests.exceptions.SSLError)


def describe(exc: BaseException) -> str:
    """A few words for a failed try: "timed out (ReadTimeout)", "could not connect", ..."""
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out (%s)" % type(exc).__name__
    if request_not_sent(exc):
        return "could not connect"
    return "connection error (%s)" % type(exc).__name__


def short_reason(exc: BaseException) -> str:
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
