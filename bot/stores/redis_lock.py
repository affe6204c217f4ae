"""Rasa's Redis lock store with every change to a conversation's ticket lock made atomically.

Rasa's `RedisLockStore` reads a lock, changes it in Python and writes it back in separate commands. With several Rasa
servers sharing Redis, two of them can interleave those steps: one overwrites the ticket the other just issued, or
deletes the lock while the other still waits in it, and the waiting turn fails with "Could not acquire lock" (its
message is then neither handled nor answered). Here each read-change-write runs in a Redis transaction that watches
the lock's key and starts again when another server changed it in between. Configured in `bot/endpoints-scaled.yml`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket issue, release, clean-up and expiry are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # The same arguments Rasa gives its own Redis lock store for `type: redis`.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, T]]) -> T:
        """Apply `change` to the stored lock in one watched transaction, retried until no other process wrote the
        key in between; `change` returns the lock to store (None: delete it) and the value to return."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    new, result = change(lock)
                    pipe.multi()
                    if new is not None:
                        pipe.set(key, new.dumps())
                    elif lock is not None:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket in the conversation's lock, created when there is none."""

        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket from the lock."""
        self._change(conversation_id, lambda lock: (_without(lock, ticket_number), None))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock itself when no other ticket waits in it, in the same transaction."""

        def release(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            remaining = _without(lock, ticket_number)
            return (remaining if remaining is not None and remaining.is_someone_waiting() else None), None

        self._change(conversation_id, release)

    def update_lock(self, conversation_id: str) -> None:
        """Drop the lock's expired tickets."""

        def expire(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)


def _without(lock: TicketLock | None, ticket_number: int) -> TicketLock | None:
    """The lock without that ticket (None stays None)."""
    if lock is not None:
        lock.remove_ticket_for(ticket_number)
    return lock
