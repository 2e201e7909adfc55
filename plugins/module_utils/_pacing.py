# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pacing: a sliding window per API client (:class:`RateLimiter`) and the slots of the pool (:class:`Pacer`).

Private to the collection (``_`` prefix). ISC admits 100 requests per 10 seconds per API client and API version
(SailPoint's "Rate Limiting" page: https://developer.sailpoint.com/docs/api/rate-limit); the transport takes a slot
before each try and frees it when the answer arrived.
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Callable, Deque, List, Optional, Sequence

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscConfigError

DEFAULT_RATE_LIMIT = 100
RATE_WINDOW = 10.0


class RateLimiter:
    """A sliding window: at most ``limit`` requests in any ``window`` seconds, for one API client and API version.

    Pure arithmetic on the times it is given (``now``), so that it can be tested without sleeping; the pacer
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
        """Seconds until a request may be sent (0.0: now); None when only the answer of a request in flight frees
        a slot."""
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
        """The answer of a reserved request arrived (or it failed) at ``now``: its slot is free ``window`` s later."""
        self._in_flight = max(0, self._in_flight - 1)
        self._answered.append(now)

    def pause(self, until: float) -> None:
        """Send nothing before ``until`` (a 429's Retry-After)."""
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until


class Pacer:
    """The slots of a pool of API clients (each with a ``limiter``, None: not paced): which one sends next, and when.

    ``clock`` and ``sleep`` are injectable, so tests never really wait.
    """

    def __init__(self, pool: Sequence[Any], clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._pool = list(pool)
        self._clock = clock
        self._sleep = sleep
        self._condition = threading.Condition()
        self._next = 0

    def take_slot(self, member: Optional[Any] = None) -> Any:
        """An API client of the pool (``member`` when given) whose limiter has a free slot, the slot taken.

        Waits while every limiter is full; clients are tried in turn, so requests spread over the pool.
        """
        while True:
            with self._condition:
                now = self._clock()
                waits = []  # type: List[float]
                for candidate in [member] if member is not None else self._in_turn():
                    wait = candidate.limiter.reserve(now) if candidate.limiter is not None else 0.0
                    if wait == 0.0:
                        if member is None:
                            self._next = (self._pool.index(candidate) + 1) % len(self._pool)
                        return candidate
                    if wait is not None:
                        waits.append(wait)
                if not waits:  # every slot is held by a request in flight: wait for an answer
                    self._condition.wait(1.0)
                    continue
            self._sleep(min(waits))

    def _in_turn(self) -> List[Any]:
        return self._pool[self._next:] + self._pool[:self._next]

    def free_slot(self, member: Any) -> None:
        """The answer of a request sent with ``member`` arrived (or it failed)."""
        if member.limiter is not None:
            with self._condition:
                member.limiter.release(self._clock())
                self._condition.notify_all()

    def pause(self, member: Any, seconds: float) -> None:
        """``member`` sends nothing for ``seconds`` (a 429's Retry-After): every worker of that client waits."""
        if member.limiter is not None:
            with self._condition:
                member.limiter.pause(self._clock() + seconds)
