# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The retry policy: which failures are retried, how long to wait, when to give up. Pure: no HTTP, no clock of its own.

Private to the collection (``_`` prefix). The transport describes each failed try as an HTTP status or a kind of
connection failure (``_http.failure_kind``) and asks :func:`retry_decision`; :class:`RetryBudget` bounds the retries
in count and time and picks each wait (full-jitter backoff, or a 429's ``Retry-After``).
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
from typing import Callable, Optional, Tuple

# Retry policies (see retry_decision).
POLICY_IDEMPOTENT = "idempotent"  # 429, 500, 502-504, connection errors
POLICY_DEFAULT = "default"  # 429, 502-504, connection errors
POLICY_CREATE = "create"  # 429 and never-sent requests; ambiguous failures -> look up, then retry

_IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
_GATEWAY_STATUSES = frozenset((502, 503, 504))

# How a try failed without an HTTP answer (``_http.failure_kind``).
NOT_SENT = "not sent"  # the connection was never made: the request certainly did not reach the tenant
MAYBE_SENT = "maybe sent"  # reset, timeout, truncated answer: the request may have been processed
FINAL = "final"  # TLS verification, an invalid URL ...: a retry would fail the same way


def default_policy(method: str) -> str:
    """The policy of a request that names none: idempotent methods also retry HTTP 500."""
    return POLICY_IDEMPOTENT if method.upper() in _IDEMPOTENT_METHODS else POLICY_DEFAULT


def retry_decision(status: Optional[int], failure: Optional[str], policy: str) -> Tuple[bool, bool]:
    """(retry allowed, outcome ambiguous) for one failed try: an HTTP error ``status``, or a connection ``failure``.

    Ambiguous means the request may have taken effect although the answer says otherwise (a gateway error, a lost
    answer): a create then looks its object up before sending again.
    """
    if failure is not None:
        if failure == FINAL:
            return False, False
        return True, failure == MAYBE_SENT
    if status == 429:
        return True, False
    if status in _GATEWAY_STATUSES:
        return True, True
    if status == 500:
        return policy in (POLICY_IDEMPOTENT, POLICY_CREATE), True
    return False, False


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


class RetryBudget:
    """How many retries a request may make and for how long, and how long each waits.

    ``remaining`` is always given by the caller (seconds left of ``max_retry_time`` for this request), so the
    arithmetic is tested without a clock.
    """

    def __init__(self, max_retries: int, max_retry_time: float, backoff_base: float, backoff_max: float,
                 rand: Optional[Callable[[], float]] = None) -> None:
        self.max_retries = int(max_retries)
        self.max_retry_time = float(max_retry_time)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self._rand = rand or random.random

    def stop_note(self, retries: int, remaining: float) -> Optional[str]:
        """Why no further retry is allowed after ``retries``, or None."""
        if retries >= self.max_retries:
            return "gave up after %d %s" % (retries, "retry" if retries == 1 else "retries")
        if remaining <= 0:
            return "gave up after %d %s: the retry time budget of %g s is used up" % (
                retries, "retry" if retries == 1 else "retries", self.max_retry_time)
        return None

    def wait(self, retries: int, retry_after: Optional[float], remaining: float) -> Tuple[float, str]:
        """Seconds before the next try and where that number comes from (for the warning)."""
        if retry_after is not None:
            wait, source = retry_after, "Retry-After"
        else:
            wait, source = backoff_delay(retries, self.backoff_base, self.backoff_max, self._rand), "backoff"
        remaining = max(0.0, remaining)
        if wait > remaining:
            return remaining, source + ", capped by the retry time budget"
        return wait, source
