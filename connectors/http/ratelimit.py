"""Client-side rate limiting per vendor account, shared by every transport in the process.

Vendors count requests in rolling windows ("100 per rolling 10 s" for HubSpot). A token bucket
refilled at N/T with capacity N lets up to 2N through in one window of T, which the vendor counts
as over the limit; so the limiter keeps the start times of the last N requests and admits a new
one only when the oldest left the window: never more than N in any window of T. On top of the
static limit it can be paused (a vendor's header or Retry-After says "stop for X seconds").
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` request starts in any rolling window of `per_seconds`."""

    requests: int
    per_seconds: float

    def __str__(self) -> str:
        return f"{self.requests} per {self.per_seconds:g} s"


class Limiter:
    """Rolling-window limiter plus pauses; thread-safe. `limit=None` means pauses only."""

    def __init__(
        self,
        limit: RateLimit | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.learned = False  # the limit came from the vendor's own headers

    def acquire(self) -> float:
        """Block until a request may start; record it; return the seconds spent waiting."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    if self.limit is not None:
                        self._starts.append(now)
                    return waited
            self._sleep(wait)
            waited += wait

    def learn(self, limit: RateLimit, used: int = 0) -> None:
        """Adopt a limit the vendor advertises, unless one was configured; `used` requests the
        vendor already counted in its current window (sent before the limit was known) are
        counted as starting now."""
        with self._lock:
            if self.limit is None:
                self.limit, self.learned = limit, True
                now = self._clock()
                self._starts.extend([now] * min(used, limit.requests))

    def pause(self, seconds: float) -> None:
        """Admit nothing for `seconds` from now (extends, never shortens, a running pause)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _wait_needed(self, now: float) -> float:
        wait = self._paused_until - now
        if self.limit is None:
            return wait
        window_start = now - self.limit.per_seconds
        while self._starts and self._starts[0] <= window_start:
            self._starts.popleft()
        if len(self._starts) >= self.limit.requests:
            wait = max(wait, self._starts[0] - window_start)
        return wait


_REGISTRY: dict[tuple[str, str, str], Limiter] = {}
_REGISTRY_LOCK = threading.Lock()


def shared_limiter(vendor: str, account: str, name: str, limit: RateLimit | None) -> Limiter:
    """The process-wide limiter for one (vendor, account, limit name); created on first use.

    The first caller's `limit` wins for the life of the process, so every transport of an account
    draws from the same allowance.
    """
    key = (vendor, account, name)
    with _REGISTRY_LOCK:
        limiter = _REGISTRY.get(key)
        if limiter is None:
            limiter = _REGISTRY[key] = Limiter(limit)
        return limiter
