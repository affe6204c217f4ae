"""The atomic Redis lock store against the real Redis (127.0.0.1:6379): one conversation's turns never overlap and
never fail to get the lock, however several Rasa servers (here threads, each with its own store and connection)
interleave their tickets."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.stores.redis_lock import AtomicRedisLockStore

REDIS_DB = 5
SERVERS = 6
TURNS = 40


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own, its keys deleted afterwards."""
    try:
        client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable on 127.0.0.1:6379 ({error})")
    name = f"test{uuid.uuid4().hex[:12]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def atomic_store(prefix: str) -> AtomicRedisLockStore:
    """A store as Rasa builds it from `bot/endpoints-scaled.yml`."""
    config = EndpointConfig(
        url="127.0.0.1", type="bot.stores.redis_lock.AtomicRedisLockStore", port=6379, db=REDIS_DB, key_prefix=prefix
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    return store


def serve_turns(
    store: RedisLockStore, conversation_id: str, inside: list[int], faults: list[str], served: list[int]
) -> None:
    """TURNS turns of one conversation through `store`, each holding the lock for a moment."""

    async def turns() -> None:
        for _ in range(TURNS):
            try:
                async with store.lock(conversation_id, lock_lifetime=30, wait_time_in_seconds=0.001):
                    inside.append(1)
                    if len(inside) > 1:
                        faults.append("two turns held the lock at once")
                    await asyncio.sleep(0.001)
                    inside.pop()
                    served.append(1)
            except LockError as error:
                faults.append(str(error))

    asyncio.run(turns())


def test_turns_of_one_conversation_from_several_servers_never_overlap_or_fail(prefix: str) -> None:
    """Six servers, forty turns each, one conversation: every turn gets the lock, alone, and the lock is gone after."""
    inside: list[int] = []
    faults: list[str] = []
    served: list[int] = []
    servers = [
        threading.Thread(target=serve_turns, args=(atomic_store(prefix), "c1", inside, faults, served), daemon=True)
        for _ in range(SERVERS)
    ]
    for server in servers:
        server.start()
    for server in servers:
        server.join(timeout=60)
    assert faults == []
    assert len(served) == SERVERS * TURNS, "turns were still waiting for the lock after a minute"
    assert atomic_store(prefix).get_lock("c1") is None


def test_cleanup_keeps_a_lock_another_server_waits_in_and_deletes_an_empty_one(prefix: str) -> None:
    """Releasing one ticket leaves the other server's ticket (now served); releasing the last deletes the lock."""
    first, second = atomic_store(prefix), atomic_store(prefix)
    ticket_a = first.issue_ticket("c2", 30)
    ticket_b = second.issue_ticket("c2", 30)
    assert ticket_b == ticket_a + 1
    first.cleanup("c2", ticket_a)
    lock = second.get_lock("c2")
    assert lock is not None and not lock.is_locked(ticket_b)
    second.cleanup("c2", ticket_b)
    assert first.get_lock("c2") is None


def test_expired_tickets_are_dropped_by_update(prefix: str) -> None:
    """A ticket whose lifetime ran out no longer blocks the next one."""
    store = atomic_store(prefix)
    stale = store.issue_ticket("c3", 0.2)
    fresh = store.issue_ticket("c3", 30)
    time.sleep(0.3)
    store.update_lock("c3")
    lock = store.get_lock("c3")
    assert lock is not None and [ticket.number for ticket in lock.tickets] == [fresh] == [stale + 1]
