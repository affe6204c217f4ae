"""Cross-process live updates: events are published on a Redis channel and every worker's listener
thread hands them to its own WebSocket subscribers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable

import redis

from handoff.adapters.events import Event, EventHub

logger = logging.getLogger(__name__)


class RedisEventHub(EventHub):
    """An :class:`EventHub` whose ``publish`` goes through Redis pub/sub (at-most-once, like WebSockets)."""

    def __init__(self, client: redis.Redis, channel: str = "handoff:events", max_pending: int = 1000) -> None:
        super().__init__(max_pending)
        self._client = client
        self._channel = channel
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="handoff-redis-events", daemon=True)
        self._ready = threading.Event()

    def start(self) -> None:
        """Subscribe and start the listener thread (returns once subscribed)."""
        self._pubsub.subscribe(self._channel)
        self._thread.start()
        self._ready.wait(timeout=10)

    def stop(self) -> None:
        """Stop listening and close the connection."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._pubsub.close()
        self._client.close()

    def publish(self, events: Iterable[Event]) -> None:
        """Publish to every worker (this one included, through its listener)."""
        for event in events:
            try:
                self._client.publish(self._channel, json.dumps(event.to_wire()))
            except redis.RedisError:
                logger.exception("could not publish %s; delivering locally only", event.type)
                self.deliver_local([event])

    def _listen(self) -> None:
        self._ready.set()
        while not self._stop.is_set():
            try:
                message = self._pubsub.get_message(timeout=0.5)
            except redis.RedisError:
                logger.exception("redis event listener failed; retrying")
                self._stop.wait(1.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            try:
                event = Event.from_wire(json.loads(message["data"]))
            except (ValueError, KeyError, TypeError):
                logger.warning("ignoring malformed event on %s", self._channel)
                continue
            self.deliver_local([event])
