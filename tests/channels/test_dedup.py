"""De-duplication of retried deliveries."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.dedup import InMemoryDedupStore, RedisDedupStore, build_store


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_delivery_passes_and_repeats_are_dropped_until_the_ttl() -> None:
    """The same id passes once within the TTL, and again after it."""
    clock = FakeClock()
    store = InMemoryDedupStore(ttl_seconds=60, clock=clock)
    assert store.first_seen("wamid.1")
    assert not store.first_seen("wamid.1")
    clock.now += 61
    assert store.first_seen("wamid.1")


def test_size_is_bounded_dropping_the_oldest() -> None:
    """At most max_entries ids are remembered; the oldest is forgotten first."""
    store = InMemoryDedupStore(ttl_seconds=60, max_entries=2, clock=FakeClock())
    for key in ("a", "b", "c"):
        assert store.first_seen(key)
    assert store.first_seen("a")  # forgotten
    assert not store.first_seen("c")


@given(st.lists(st.sampled_from(["m1", "m2", "m3", "m4"]), max_size=30))
def test_each_id_passes_exactly_once(keys: list[str]) -> None:
    """Whatever the order of deliveries, each id passes once (nothing relayed twice, nothing lost)."""
    store = InMemoryDedupStore(clock=FakeClock())
    passed = [key for key in keys if store.first_seen(key)]
    assert sorted(passed) == sorted(set(keys))


def test_default_store_is_in_process() -> None:
    """Without a Redis URL the in-process store is used."""
    assert isinstance(build_store(None), InMemoryDedupStore)


def test_redis_store_is_shared_between_workers() -> None:
    """Two stores on the same Redis (two Rasa workers) let an id through once between them."""
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    key = f"line:{uuid.uuid4()}"
    first, second = RedisDedupStore(client, ttl_seconds=5), RedisDedupStore(client, ttl_seconds=5)
    assert first.first_seen(key)
    assert not second.first_seen(key)
    assert 0 < client.ttl(first._prefix + key) <= 5
