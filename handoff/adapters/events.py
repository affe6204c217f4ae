"""Live-update events and the hub fanning them out to WebSocket subscribers.

:class:`EventHub` lives in one process: with several service workers, each worker's subscribers
only see changes made by that worker. Set ``HANDOFF_REDIS_URL`` to use :class:`RedisEventHub`
(``services/redis_hub.py``), which publishes through Redis so every worker's consoles see everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """One live update; ``queue`` and ``agent_ids`` decide who receives it."""

    type: str
    handoff_id: str
    queue: str | None
    agent_ids: frozenset[str] = frozenset()
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Wire form sent over the WebSocket."""
        return {"type": self.type, "handoff_id": self.handoff_id, "queue": self.queue, "data": self.data}

    def to_wire(self) -> dict[str, Any]:
        """Everything, including recipients (for hubs that cross processes)."""
        return {**self.as_json(), "agent_ids": sorted(self.agent_ids)}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Event:
        """Inverse of :meth:`to_wire`."""
        return cls(data["type"], data["handoff_id"], data["queue"], frozenset(data["agent_ids"]), data["data"])


@dataclass(eq=False, slots=True)
class Subscriber:
    """A connected console: sees its queues and its own conversations, or everything."""

    agent_id: str
    queues: frozenset[str]
    sees_all: bool
    inbox: asyncio.Queue[dict[str, Any]]
    loop: asyncio.AbstractEventLoop

    def wants(self, event: Event) -> bool:
        """Whether this subscriber should receive ``event``."""
        if self.sees_all or self.agent_id in event.agent_ids:
            return True
        return (event.type == "handoff.created" and event.queue in self.queues) or (
            event.type in ("handoff.transferred", "handoff.assigned", "handoff.closed") and event.queue in self.queues
        )


class EventHub:
    """Thread-safe publish (services run in worker threads), async consumption per subscriber."""

    def __init__(self, max_pending: int = 1000) -> None:
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._max_pending = max_pending

    def subscribe(self, agent_id: str, queues: Iterable[str], sees_all: bool) -> Subscriber:
        """Register a subscriber bound to the running event loop."""
        subscriber = Subscriber(
            agent_id, frozenset(queues), sees_all, asyncio.Queue(self._max_pending), asyncio.get_running_loop()
        )
        with self._lock:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Forget a subscriber (on disconnect)."""
        with self._lock:
            self._subscribers.discard(subscriber)

    def start(self) -> None:
        """Nothing to start in-process (cross-process hubs override this)."""

    def stop(self) -> None:
        """Nothing to stop in-process."""

    def publish(self, events: Iterable[Event]) -> None:
        """Deliver events to interested subscribers of this process."""
        self.deliver_local(events)

    def deliver_local(self, events: Iterable[Event]) -> None:
        """Hand events to local subscribers; a full inbox drops the event for that subscriber."""
        with self._lock:
            subscribers = list(self._subscribers)
        for event in events:
            for subscriber in subscribers:
                if subscriber.wants(event):
                    try:
                        subscriber.loop.call_soon_threadsafe(_offer, subscriber.inbox, event.as_json())
                    except RuntimeError:  # the subscriber's loop has closed
                        self.unsubscribe(subscriber)


def _offer(inbox: asyncio.Queue[dict[str, Any]], item: dict[str, Any]) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        inbox.put_nowait(item)
