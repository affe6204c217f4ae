"""De-duplication of platform deliveries by message id.

Platforms deliver a webhook again when our answer was slow or lost; the same message id must reach the bot once.
`InMemoryDedupStore` (the default) remembers ids in this process for a TTL. Several Rasa workers behind a load
balancer each have their own memory, so they need a shared store: `RedisDedupStore` keeps the ids in Redis with
`SET key NX EX ttl`, which is atomic across workers.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol


class DedupStore(Protocol):
    """Remembers which deliveries were already seen."""

    def first_seen(self, key: str) -> bool:
        """True the first time `key` is offered within the TTL, False on every repeat."""
        ...


class InMemoryDedupStore:
    """Message ids seen by this process in the last `ttl_seconds`, at most `max_entries` of them (oldest dropped)."""

    def __init__(
        self, ttl_seconds: float = 24 * 3600, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_seen(self, key: str) -> bool:
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) <= now:  # expired ids, oldest first
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        while len(self._seen) >= self._max:
            self._seen.popitem(last=False)
        self._seen[key] = now + self._ttl
        return True


class RedisDedupStore:
    """Message ids shared by every worker through Redis (`SET NX EX`), for deployments with several Rasa workers."""

    def __init__(self, client: Any, ttl_seconds: int = 24 * 3600, prefix: str = "nimbus:channel-dedup:") -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int = 24 * 3600) -> RedisDedupStore:
        """A store on the Redis server at `url` (e.g. `redis://127.0.0.1:6379/0`)."""
        import redis  # only installed where a shared store is used (the Rasa environment has it)

        return cls(redis.Redis.from_url(url), ttl_seconds=ttl_seconds)

    def first_seen(self, key: str) -> bool:
        return bool(self._client.set(self._prefix + key, b"1", nx=True, ex=self._ttl))


def build_store(redis_url: str | None, ttl_seconds: int = 24 * 3600) -> DedupStore:
    """A Redis store when a URL is configured (non-empty), else the in-process one."""
    if redis_url:
        return RedisDedupStore.from_url(redis_url, ttl_seconds=ttl_seconds)
    return InMemoryDedupStore(ttl_seconds=ttl_seconds)
