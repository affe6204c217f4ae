"""De-duplication of platform deliveries by message id, in two phases.

Platforms deliver a webhook again when our answer was slow or lost; the same message id must reach the bot once, and
must not be lost when the worker that took it dies before Rasa saved the turn. So a message id is first *claimed*
for a short lease (in progress), then *finished* (done, remembered for the long TTL) once Rasa has handled it. A
delivery that meets an id in progress on another worker is told so (`Claim.IN_PROGRESS`) and the channel asks the
platform to deliver again later; a lease that ran out (its worker died) lets the next delivery claim the id.

`InMemoryDedupStore` (the default) keeps the states in this process. Several Rasa workers behind a load balancer
each have their own memory, so they need a shared store: `RedisDedupStore` claims with `SET key NX EX lease`, which
only one worker can win, and marks done with `SET key done EX ttl`.
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

DEFAULT_TTL_SECONDS = 24 * 3600
DEFAULT_LEASE_SECONDS = 120.0


class Claim(enum.Enum):
    """What a delivery may do with a message id."""

    CLAIMED = "claimed"  # this worker holds the lease: hand the message to Rasa, then `finish` it
    IN_PROGRESS = "in_progress"  # another worker holds a live lease: the platform must deliver again later
    DONE = "done"  # handled before: a duplicate


class DedupStore(Protocol):
    """Remembers which deliveries are being handled and which were handled."""

    def claim(self, key: str) -> Claim:
        """`CLAIMED` when `key` is new or its lease ran out (only one caller wins), else its current state."""
        ...

    def finish(self, key: str) -> None:
        """Marks `key` as handled, so that every later delivery of it is a duplicate for the TTL."""
        ...


class InMemoryDedupStore:
    """Message ids claimed or handled by this process, at most `max_entries` of them (oldest dropped)."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self._ttl = ttl_seconds
        self._lease = lease_seconds
        self._max = max_entries
        self._clock = clock
        self._states: OrderedDict[str, tuple[Claim, float]] = OrderedDict()  # key -> (state, expiry)

    def claim(self, key: str) -> Claim:
        now = self._clock()
        while self._states and next(iter(self._states.values()))[1] <= now:  # expired ids, oldest first
            self._states.popitem(last=False)
        current = self._states.get(key)
        if current is not None and current[1] > now:
            return current[0]
        self._states.pop(key, None)
        while len(self._states) >= self._max:
            self._states.popitem(last=False)
        self._states[key] = (Claim.IN_PROGRESS, now + self._lease)
        return Claim.CLAIMED

    def finish(self, key: str) -> None:
        self._states.pop(key, None)  # re-inserted at the end, where the longest-lived entries are
        while len(self._states) >= self._max:
            self._states.popitem(last=False)
        self._states[key] = (Claim.DONE, self._clock() + self._ttl)


class RedisDedupStore:
    """Message ids shared by every worker through Redis, for deployments with several Rasa workers."""

    _IN_PROGRESS = b"in_progress"
    _DONE = b"done"

    def __init__(
        self,
        client: Any,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        prefix: str = "nimbus:channel-dedup:",
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._lease_ms = max(1, int(lease_seconds * 1000))
        self._prefix = prefix

    @classmethod
    def from_url(
        cls, url: str, ttl_seconds: int = DEFAULT_TTL_SECONDS, lease_seconds: float = DEFAULT_LEASE_SECONDS
    ) -> RedisDedupStore:
        """A store on the Redis server at `url` (e.g. `redis://127.0.0.1:6379/0`)."""
        import redis  # only installed where a shared store is used (the Rasa environment has it)

        return cls(redis.Redis.from_url(url), ttl_seconds=ttl_seconds, lease_seconds=lease_seconds)

    def claim(self, key: str) -> Claim:
        name = self._prefix + key
        for _ in range(3):  # the key may expire between the two commands; then the claim is tried again
            if self._client.set(name, self._IN_PROGRESS, nx=True, px=self._lease_ms):
                return Claim.CLAIMED
            value = self._client.get(name)
            if value == self._DONE or value == b"1":  # "1" is what the one-phase store wrote: handled
                return Claim.DONE
            if value is not None:
                return Claim.IN_PROGRESS
        return Claim.IN_PROGRESS  # still contended: the platform's next delivery decides

    def finish(self, key: str) -> None:
        self._client.set(self._prefix + key, self._DONE, ex=self._ttl)


def build_store(
    redis_url: str | None, ttl_seconds: int = DEFAULT_TTL_SECONDS, lease_seconds: float = DEFAULT_LEASE_SECONDS
) -> DedupStore:
    """A Redis store when a URL is configured (non-empty), else the in-process one."""
    if redis_url:
        return RedisDedupStore.from_url(redis_url, ttl_seconds=ttl_seconds, lease_seconds=lease_seconds)
    return InMemoryDedupStore(ttl_seconds=ttl_seconds, lease_seconds=lease_seconds)


def lease_from_credentials(credentials: dict[str, Any]) -> float:
    """The claim lease of a channel's credentials.yml section (`dedup_lease_seconds`), longer than a slow turn."""
    return float(credentials.get("dedup_lease_seconds") or DEFAULT_LEASE_SECONDS)
