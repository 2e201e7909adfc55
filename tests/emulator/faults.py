"""Fault configuration (validation and defaults) and the sliding-window rate limiter."""
from __future__ import annotations

import collections
import copy
import math
import threading
import time
from typing import Any, Deque, Dict, Optional, Tuple

DEFAULT_RATE_LIMIT = {"requests": 100, "per_seconds": 10}
DEFAULT_FAULTS: Dict[str, Any] = {
    "error_rate": 0.0,
    "error_statuses": [429, 500, 502, 503, 504],
    "retry_after": 1,
    "latency_ms": 0,
    "drop_after_write_rate": 0.0,
    "rate_limit": DEFAULT_RATE_LIMIT,
    "random_seed": None,
    "search_delay_ms": 0,
}


def _number(value: Any, key: str, low: float, high: Optional[float] = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("fault %r must be a number" % key)
    if value < low or (high is not None and value > high):
        raise ValueError("fault %r must be between %s and %s" % (key, low, "infinity" if high is None else high))
    return value


def parse_rate_limit(value: Any) -> Optional[Dict[str, Any]]:
    """``None``/``"off"`` -> no limit; ``"100/10"`` or ``{"requests": 100, "per_seconds": 10}`` -> that limit."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("off", "none", "")):
        return None
    if isinstance(value, str):
        try:
            requests, per_seconds = value.split("/")
            value = {"requests": int(requests), "per_seconds": float(per_seconds)}
        except ValueError:
            raise ValueError("rate_limit must look like 100/10 (requests/seconds) or off, got %r" % value) from None
    if not isinstance(value, dict) or set(value) != {"requests", "per_seconds"}:
        raise ValueError('rate_limit must be null, "off", "N/S" or {"requests": N, "per_seconds": S}')
    requests = value["requests"]
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise ValueError("rate_limit.requests must be a positive integer")
    per_seconds = _number(value["per_seconds"], "rate_limit.per_seconds", 0)
    if per_seconds <= 0:
        raise ValueError("rate_limit.per_seconds must be positive")
    return {"requests": requests, "per_seconds": per_seconds}


def parse_faults(faults: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Validate ``faults`` and return the full configuration: given keys override the defaults. Raises ValueError."""
    if faults is None:
        faults = {}
    if not isinstance(faults, dict):
        raise ValueError("faults must be a JSON object")
    unknown = sorted(set(faults) - set(DEFAULT_FAULTS))
    if unknown:
        raise ValueError("unknown fault keys: %s (allowed: %s)" % (", ".join(unknown), ", ".join(DEFAULT_FAULTS)))
    result = copy.deepcopy(DEFAULT_FAULTS)
    for key, value in faults.items():
        if key in ("error_rate", "drop_after_write_rate"):
            result[key] = _number(value, key, 0, 1)
        elif key in ("latency_ms", "search_delay_ms"):
            result[key] = _number(value, key, 0)
        elif key == "retry_after":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError("fault 'retry_after' must be a non-negative integer (seconds)")
            result[key] = value
        elif key == "error_statuses":
            if (not isinstance(value, list) or not value
                    or not all(isinstance(s, int) and not isinstance(s, bool) and 400 <= s <= 599 for s in value)):
                raise ValueError("fault 'error_statuses' must be a non-empty list of HTTP status codes 400-599")
            result[key] = list(value)
        elif key == "rate_limit":
            result[key] = parse_rate_limit(value)
        elif key == "random_seed":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError("fault 'random_seed' must be an integer or null")
            result[key] = value
    return result


class RateLimiter:
    """Sliding-window limiter: at most ``requests`` admitted requests per ``per_seconds`` for each key.

    Keys are ``(client_id, api_version)``, as the ISC gateway applies its limit per client and per API version.
    Rejected requests do not count.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: Dict[Tuple[str, str], Deque[float]] = {}
        self._limit: Optional[Dict[str, Any]] = None

    def configure(self, limit: Optional[Dict[str, Any]]) -> None:
        with self._lock:
            self._limit = limit
            self._windows.clear()

    def check(self, key: Tuple[str, str]) -> Optional[int]:
        """Admit the request (None) or return the whole seconds to wait (the Retry-After value)."""
        with self._lock:
            if self._limit is None:
                return None
            now = time.monotonic()
            per = float(self._limit["per_seconds"])
            window = self._windows.setdefault(key, collections.deque())
            while window and window[0] <= now - per:
                window.popleft()
            if len(window) >= self._limit["requests"]:
                return max(1, int(math.ceil(window[0] + per - now)))
            window.append(now)
            return None
