# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Answers: what one try produced, and the error (``_errors.py``) an answer or a failed try becomes.

Private to the collection (``_`` prefix). Every text taken from an answer goes through ``scrub`` (the transport's
secrets and anything token-like) and is folded to one line.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    ERROR_CLASSES,
    ERROR_HINTS,
    HTTP_REASONS,
    IscApiError,
    IscConnectionError,
    IscError,
    one_line,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._http import (
    describe, failure_kind, is_tls_failure, short_reason)

Scrub = Callable[[Any], str]


class Result:  # pylint: disable=too-few-public-methods
    """A finished request: status, headers and the parsed JSON body (None when empty)."""

    def __init__(self, status: int, headers: Any, body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class Attempt:
    """What one try of a request produced: an answer (``response``) or a connection failure (``exception``)."""

    def __init__(self, response: Any = None, exception: Optional[BaseException] = None) -> None:
        self.response = response
        self.exception = exception

    @property
    def status(self) -> Optional[int]:
        return None if self.response is None else self.response.status_code

    @property
    def failure(self) -> Optional[str]:
        """How it failed without an answer (``_retry.NOT_SENT`` ...), None for an answer."""
        return None if self.exception is None else failure_kind(self.exception)

    def header(self, name: str) -> Optional[str]:
        return None if self.response is None else self.response.headers.get(name)

    def why(self) -> str:
        """A few words for the retry warning: "HTTP 503 Service Unavailable", "could not connect", ..."""
        if self.exception is not None:
            return describe(self.exception)
        status = self.status
        return "HTTP %s %s" % (status, HTTP_REASONS.get(status, "")) if status in HTTP_REASONS else "HTTP %s" % status


def final_error(attempt: Attempt, method: str, path: str, attempts: int, scrub: Scrub, note: Optional[str] = None,
                target: str = "") -> IscError:
    """The error a try ends the request with; ``note`` says why it is not retried, ``target`` where it went."""
    if attempt.exception is None:
        return api_error(attempt.response, method, path, attempts, scrub, hint=note)
    exc = attempt.exception
    hint = note
    if is_tls_failure(exc):
        hint = ("TLS certificate verification failed; fix the CA bundle or, for a test tenant only, set "
                "validate_certs=false")
    detail = scrub(one_line(short_reason(exc)))[:300]
    return IscConnectionError("%s %s: %s to %s: %s" % (method, path, describe(exc), target, detail),
                              method=method, path=path, attempts=attempts, hint=hint)


def api_error(response: Any, method: str, path: str, attempts: int, scrub: Scrub,
              hint: Optional[str] = None) -> IscApiError:
    """The error of an HTTP error answer: its class by status, ISC's messages, detailCode and trackingId."""
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
                messages.append(scrub(one_line(str(text))))
        for key in ("message", "error_description"):
            if not messages and isinstance(body.get(key), str) and body[key].strip():
                messages.append(scrub(one_line(body[key])))
        if isinstance(body.get("error"), str):
            error = scrub(one_line(body["error"]))
        detail_code = body.get("detailCode")
        tracking_id = body.get("trackingId")
    elif response.text and response.text.strip():
        messages.append(scrub(one_line(response.text))[:300])
    cls = ERROR_CLASSES.get(status, IscApiError)
    if hint is None:
        hint = ERROR_HINTS.get(status)
    return cls(method, path, status, messages,
               detail_code=scrub(detail_code) if detail_code else None,
               tracking_id=scrub(tracking_id) if tracking_id else None,
               error=error, hint=scrub(hint) if hint else None, attempts=attempts)


def parse_body(response: Any, method: str, path: str, scrub: Scrub) -> Any:
    """The JSON body of a successful answer (None when empty); a body that is not JSON is an error."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise IscApiError(method, path, response.status_code,
                          ["the response is not JSON: %s" % scrub(one_line(response.text))[:200]])
