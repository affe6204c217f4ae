"""Token buckets per key (a sender, a client IP), in this process.

With several Rasa workers each worker keeps its own buckets, so the effective limit is per worker.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.security.settings import RateLimit

MAX_KEYS = 100_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`allow(key)` answers None when a request may pass, else the seconds until it would."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.rate = limit.per_minute / 60.0
        self.capacity = float(max(limit.burst, 1))
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str) -> float | None:
        if not self.limit.enabled:
            return None
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[key] = bucket
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # the least recently seen key had the longest time to refill
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self.rate
