"""Reads Rasa's tracker events from RabbitMQ into an `EventStore`, acknowledging each batch after it is committed
(at least once; the store makes redeliveries harmless)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel

from eventlog.store import EventStore, LoggedEvent


@dataclass(frozen=True)
class Source:
    """The broker, the exchange Rasa publishes to and this consumer's queue."""

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "nimbus-events"
    queue: str = "nimbus_events"


def declare(channel: BlockingChannel, source: Source) -> None:
    """The exchange and queue exactly as Rasa's event broker declares them (fanout, non-durable exchange; durable
    queue), so either side may start first; the queue keeps events while no consumer runs."""
    channel.exchange_declare(source.exchange, exchange_type="fanout", durable=False)
    channel.queue_declare(source.queue, durable=True)
    channel.queue_bind(source.queue, source.exchange)


def consume(
    source: Source,
    store: EventStore,
    *,
    batch_size: int = 200,
    idle_seconds: float | None = None,
    max_events: int | None = None,
) -> int:
    """Moves events from the queue into the store until `idle_seconds` pass without one or `max_events` have been
    stored (forever when both are None); returns how many were stored."""
    connection = pika.BlockingConnection(pika.URLParameters(source.amqp_url))
    stored = 0
    try:
        channel = connection.channel()
        declare(channel, source)
        channel.basic_qos(prefetch_count=batch_size)
        batch: list[LoggedEvent] = []
        last_tag = 0
        last_seen = time.monotonic()
        for method, _properties, body in channel.consume(source.queue, inactivity_timeout=0.5):
            if method is not None:
                batch.append(LoggedEvent.from_body(body))
                last_tag = method.delivery_tag
                last_seen = time.monotonic()
            full = len(batch) >= batch_size or (max_events is not None and stored + len(batch) >= max_events)
            if batch and (method is None or full):
                store.add(batch)
                channel.basic_ack(delivery_tag=last_tag, multiple=True)
                stored += len(batch)
                batch = []
            if max_events is not None and stored >= max_events:
                break
            if method is None and idle_seconds is not None and time.monotonic() - last_seen >= idle_seconds:
                break
        channel.cancel()
    finally:
        connection.close()
    return stored
