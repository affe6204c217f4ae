"""De-duplication of retried deliveries: a message id is claimed for a lease, then marked done once handled."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.dedup import Claim, DedupStore, InMemoryDedupStore, RedisDedupStore, build_store
from bot.channels.mail_threads import MailThreads


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


@pytest.fixture
def mail_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "mail.sqlite3"


def test_claimed_then_done_until_the_ttl() -> None:
    """A new id is claimed; once finished every repeat is a duplicate within the TTL, and new again after it."""
    clock = FakeClock()
    store = InMemoryDedupStore(ttl_seconds=60, lease_seconds=10, clock=clock)
    assert store.claim("wamid.1") is Claim.CLAIMED
    store.finish("wamid.1")
    clock.now += 59
    assert store.claim("wamid.1") is Claim.DONE
    clock.now += 2
    assert store.claim("wamid.1") is Claim.CLAIMED


def test_unfinished_claim_is_in_progress_until_its_lease_runs_out() -> None:
    """A claim whose worker died (never finished) holds off repeats for the lease only, then the id is claimed
    again: the message is not lost."""
    clock = FakeClock()
    store = InMemoryDedupStore(ttl_seconds=60, lease_seconds=10, clock=clock)
    assert store.claim("wamid.1") is Claim.CLAIMED
    clock.now += 9
    assert store.claim("wamid.1") is Claim.IN_PROGRESS
    clock.now += 2
    assert store.claim("wamid.1") is Claim.CLAIMED
    assert store.claim("wamid.1") is Claim.IN_PROGRESS  # the new lease holds as the first did


def test_size_is_bounded_dropping_the_oldest() -> None:
    """At most max_entries ids are remembered; the oldest is forgotten first."""
    store = InMemoryDedupStore(ttl_seconds=60, max_entries=2, clock=FakeClock())
    for key in ("a", "b", "c"):
        assert store.claim(key) is Claim.CLAIMED
        store.finish(key)
    assert store.claim("a") is Claim.CLAIMED  # forgotten
    assert store.claim("c") is Claim.DONE


@given(st.lists(st.sampled_from(["m1", "m2", "m3", "m4"]), max_size=30))
def test_each_id_passes_exactly_once(keys: list[str]) -> None:
    """Whatever the order of deliveries, each id handled at once is claimed once (nothing relayed twice, nothing
    lost)."""
    store = InMemoryDedupStore(clock=FakeClock())
    passed = []
    for key in keys:
        if store.claim(key) is Claim.CLAIMED:
            passed.append(key)
            store.finish(key)
    assert sorted(passed) == sorted(set(keys))


def test_default_store_is_in_process() -> None:
    """Without a Redis URL the in-process store is used."""
    assert isinstance(build_store(None), InMemoryDedupStore)


def test_redis_store_is_shared_between_workers(redis_client: Any) -> None:
    """Two stores on the same Redis (two Rasa workers): one claims, the other sees it in progress, then done; the
    done mark lives for the TTL."""
    key = f"line:{uuid.uuid4()}"
    first, second = RedisDedupStore(redis_client, ttl_seconds=5), RedisDedupStore(redis_client, ttl_seconds=5)
    assert first.claim(key) is Claim.CLAIMED
    assert second.claim(key) is Claim.IN_PROGRESS
    first.finish(key)
    assert second.claim(key) is Claim.DONE
    assert 0 < redis_client.ttl(first._prefix + key) <= 5


def test_redis_lease_of_a_dead_worker_runs_out(redis_client: Any) -> None:
    """A claim never finished (its worker was killed) is in progress for the lease, then the other worker claims
    it; the lease is short, not the day-long TTL."""
    key = f"whatsapp:{uuid.uuid4()}"
    dead = RedisDedupStore(redis_client, lease_seconds=0.3)
    other = RedisDedupStore(redis_client, lease_seconds=0.3)
    assert dead.claim(key) is Claim.CLAIMED
    assert 0 < redis_client.pttl(dead._prefix + key) <= 300
    assert other.claim(key) is Claim.IN_PROGRESS
    redis_client.pexpire(dead._prefix + key, 1)  # the lease running out, without sleeping through it
    _wait_until_gone(redis_client, dead._prefix + key)
    assert other.claim(key) is Claim.CLAIMED


def test_redis_claim_is_won_by_one_worker_only(redis_client: Any) -> None:
    """Many workers claiming the same id at once: exactly one gets it."""
    key = f"messenger:{uuid.uuid4()}"
    stores = [RedisDedupStore(redis_client) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = list(pool.map(lambda store: store.claim(key), stores))
    assert [claim for claim in claims if claim is Claim.CLAIMED] == [Claim.CLAIMED]


def test_redis_mark_of_the_one_phase_store_counts_as_done(redis_client: Any) -> None:
    """Ids marked by the previous release ("1") stay duplicates during a rolling upgrade."""
    key = f"line:{uuid.uuid4()}"
    store = RedisDedupStore(redis_client)
    redis_client.set(store._prefix + key, b"1", ex=5)
    assert store.claim(key) is Claim.DONE


def test_mail_store_states_across_two_workers_on_one_file(mail_file: Path) -> None:
    """The e-mail channel's SQLite file shared by two workers: claimed, in progress for the other, claimed again
    after a dead worker's lease, done for good once finished; webhook tokens keep their replay check."""
    clock = FakeClock()
    first = MailThreads(str(mail_file), clock=clock, lease_seconds=10)
    second = MailThreads(str(mail_file), clock=clock, lease_seconds=10)
    try:
        assert first.claim("email:<a@x>") is Claim.CLAIMED
        assert second.claim("email:<a@x>") is Claim.IN_PROGRESS
        clock.now += 11
        assert second.claim("email:<a@x>") is Claim.CLAIMED
        second.finish("email:<a@x>")
        clock.now += 10 * 365 * 24 * 3600
        assert first.claim("email:<a@x>") is Claim.DONE

        assert first.first_seen("mailgun-token:t1")
        assert not second.first_seen("mailgun-token:t1")
        second.forget("mailgun-token:t1")
        assert first.first_seen("mailgun-token:t1")
    finally:
        first.close()
        second.close()


def test_mail_store_reads_handled_mails_of_an_older_file(mail_file: Path) -> None:
    """A Message-ID recorded by the one-phase store (only in `seen`) stays a duplicate."""
    old = MailThreads(str(mail_file))
    assert old.first_seen("email:<old@x>")
    old.close()
    store = MailThreads(str(mail_file))
    try:
        assert store.claim("email:<old@x>") is Claim.DONE
    finally:
        store.close()


@pytest.fixture(params=["memory", "redis", "mail"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DedupStore]:
    if request.param == "memory":
        yield InMemoryDedupStore()
    elif request.param == "redis":
        yield RedisDedupStore(request.getfixturevalue("redis_client"), ttl_seconds=5, prefix=f"test:{uuid.uuid4()}:")
    else:
        store = MailThreads(str(tmp_path / "mail.sqlite3"))
        yield store
        store.close()


def test_every_store_keeps_the_same_states(any_store: DedupStore) -> None:
    """The three stores answer alike: claimed, in progress, done after finish."""
    assert any_store.claim("k") is Claim.CLAIMED
    assert any_store.claim("k") is Claim.IN_PROGRESS
    any_store.finish("k")
    assert any_store.claim("k") is Claim.DONE


def _wait_until_gone(client: Any, name: str) -> None:
    deadline = time.monotonic() + 2
    while client.exists(name) and time.monotonic() < deadline:
        time.sleep(0.01)
