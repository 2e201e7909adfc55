# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one error hierarchy of the collection, and secret scrubbing.

Private to the collection (``_`` prefix). Every error the client, the reader, the planner and the
executor raise is an :class:`IscError`; ``_module.py`` turns it into ``fail_json`` in one place.
``str(error)`` is one line without secrets.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Sequence

HTTP_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}

_REDACTED = "********"
_SCRUB_PATTERNS = (
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + _REDACTED),
    (
        re.compile(r"(?i)\b((?:client_secret|access_token|refresh_token)[\"']?\s*[=:]\s*[\"']?)[^\"'&\s,}]+"),
        r"\1" + _REDACTED,
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), _REDACTED),  # JWTs
)
_MIN_SECRET_LEN = 3


def scrub_secrets(text: Any, secrets: Iterable[Optional[str]] = ()) -> str:
    """Return ``text`` as a string with every known secret and anything token-like redacted."""
    result = "" if text is None else str(text)
    for secret in sorted((s for s in secrets if s and len(s) >= _MIN_SECRET_LEN), key=len, reverse=True):
        result = result.replace(secret, _REDACTED)
    for pattern, replacement in _SCRUB_PATTERNS:
        result = pattern.sub(replacement, result)
    return result


def one_line(text: str) -> str:
    """``text`` with every run of white space (newlines included) folded to one space."""
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
class IscError(Exception):
    """Base of every error this client raises. ``str(err)`` is one line without secrets."""

    def __init__(self, message: str, hint: Optional[str] = None) -> None:
        self.message = one_line(message)
        self.hint = one_line(hint) if hint else None
        super().__init__(self.message)

    def __str__(self) -> str:
        if self.hint:
            return "%s (%s)" % (self.message, self.hint)
        return self.message

    def to_dict(self) -> Dict[str, Any]:
        """Extra facts for ``fail_json`` (only the ones that are known)."""
        return {}


class IscConfigError(IscError):
    """The connection options are unusable (bad base_url, missing credentials, ...)."""


class IscConnectionError(IscError):
    """No HTTP answer: network error or timeout, after the retries allowed."""

    def __init__(self, message: str, method: Optional[str] = None, path: Optional[str] = None,
                 attempts: int = 1, hint: Optional[str] = None) -> None:
        self.method = method
        self.path = path
        self.attempts = attempts
        super().__init__(message, hint)

    def to_dict(self) -> Dict[str, Any]:
        return {
            k: v
            for k, v in (("method", self.method), ("path", self.path), ("attempts", self.attempts))
            if v is not None
        }


class IscApiError(IscError):
    """ISC answered with an HTTP error status."""

    def __init__(self, method: str, path: str, status: int, messages: Optional[List[str]] = None,
                 detail_code: Optional[str] = None, tracking_id: Optional[str] = None, error: Optional[str] = None,
                 hint: Optional[str] = None, attempts: int = 1) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.messages = [one_line(str(m)) for m in (messages or [])]
        self.detail_code = detail_code
        self.tracking_id = tracking_id
        self.error = one_line(error) if error else None
        self.attempts = attempts
        # the API client of a pool it was sent with, when it is about the client
        self.client_id = None  # type: Optional[str]
        text = "%s %s: HTTP %s" % (method, path, status)
        reason = HTTP_REASONS.get(status)
        if reason:
            text += " " + reason
        details = list(self.messages)
        if self.error and self.error not in details:
            details.insert(0, self.error)
        if details:
            text += ": " + "; ".join(details)
        extra = []
        if detail_code:
            extra.append("detailCode: %s" % detail_code)
        if tracking_id:
            extra.append("trackingId: %s" % tracking_id)
        if attempts > 1:
            extra.append("after %d attempts" % attempts)
        if extra:
            text += " [%s]" % ", ".join(extra)
        super().__init__(text, hint)

    def to_dict(self) -> Dict[str, Any]:
        data = {"method": self.method, "path": self.path, "status": self.status}  # type: Dict[str, Any]
        if self.messages:
            data["messages"] = self.messages
        if self.detail_code:
            data["detail_code"] = self.detail_code
        if self.tracking_id:
            data["tracking_id"] = self.tracking_id
        if self.client_id:
            data["client_id"] = self.client_id
        return data


class IscAuthError(IscApiError):
    """HTTP 401, or the token endpoint refused the credentials."""


class IscForbiddenError(IscApiError):
    """HTTP 403: the token lacks the scope/user level, or the endpoint needs a user context."""


class IscNotFoundError(IscApiError):
    """HTTP 404."""


class IscRateLimitError(IscApiError):
    """HTTP 429 still returned when the retries (count or time) ran out."""


ERROR_CLASSES = {401: IscAuthError, 403: IscForbiddenError, 404: IscNotFoundError, 429: IscRateLimitError}
ERROR_HINTS = {
    401: "the access token was rejected; check the credentials",
    403: ("the API client or personal access token lacks the rights for this call (ORG_ADMIN level and "
          "idn:workgroup:* scopes)"),
}


class Problem:
    """One thing wrong with the input, kept as data - what it is about (``key`` and ``value``: a reference, or an
    option and its value), where the request gives it (``place``, ``places``) and ``why`` - until ``str()`` words it
    for the user (each kind of problem its own way)."""

    def __init__(self, why: str, key: Optional[str] = None, value: Any = None, place: str = "",
                 places: Sequence[str] = ()) -> None:
        self.why = why
        self.key = key
        self.value = value
        self.place = place
        self.places = tuple(places)

    def __str__(self) -> str:
        return self.why


class IscInputError(IscError):
    """What the user asked for cannot be done as given: bad options, references or plan; nothing was written.

    ``problems`` lists every reason at once, so one run reports all of them, worded; ``found`` the same as they were
    given (:class:`Problem` values, or text).
    """

    def __init__(self, problems: Sequence[Any], message: Optional[str] = None) -> None:
        self.found = list(problems)
        self.problems = [one_line(str(problem)) for problem in problems]
        super().__init__(message or "; ".join(self.problems))

    def to_dict(self) -> Dict[str, Any]:
        return {"problems": self.problems}
