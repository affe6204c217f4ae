"""Several worker processes per service on one machine: what changes, and the shared stores it needs.

One worker per service (the default) keeps everything embedded (SQLite, in-process locks and events). With N > 1:

* Rasa runs N Sanic workers (``SANIC_WORKERS``). Messages of one conversation must not be processed by two workers
  at once, so the lock store moves to Redis, and the tracker store to PostgreSQL (``bot/endpoints-scaled.yml``; the
  windowed store's per-worker cache catches up with what other workers wrote).
* The action server runs N Sanic workers (``ACTION_SERVER_SANIC_WORKERS``); each loads the KB index once.
* The handoff service runs N uvicorn workers on PostgreSQL, with live events shared through Redis pub/sub.
* The web chat's socket.io rooms and the channels' duplicate-delivery memory are shared through Redis, so an agent's
  reply reaches the browser whichever Rasa worker sends it.
* Rasa streams every tracker event to RabbitMQ (its ``pika`` event broker: a fanout exchange and a durable queue), so
  reporting and audit consumers (``eventlog/``) read them without touching the bot's stores.

Several hosts behind a load balancer (scripts/hosts.py) are the same shared stores with one such group per host.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class EventStream:
    """Where Rasa's event broker publishes tracker events: RabbitMQ, a fanout exchange and the queue bound to it
    (parallel runs use their own names so they never read each other's events)."""

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "nimbus-events"
    queue: str = "nimbus_events"

    def delete(self) -> None:
        """Removes the queue and the exchange from RabbitMQ (nothing when it is unreachable)."""
        import pika  # the event log's dependency (`events` extra), needed only here

        try:
            connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        except pika.exceptions.AMQPError:
            return
        try:
            channel = connection.channel()
            channel.queue_delete(self.queue)
            channel.exchange_delete(self.exchange)
        finally:
            connection.close()

    def environment(self) -> dict[str, str]:
        """The RASA_EVENT_BROKER_* variables bot/endpoints-scaled.yml reads (credentials apart from the URL, so
        Rasa never logs them as part of it)."""
        parts = urlsplit(self.amqp_url)
        return {
            "RASA_EVENT_BROKER_HOST": parts.hostname or "127.0.0.1",
            "RASA_EVENT_BROKER_PORT": str(parts.port or 5672),
            "RASA_EVENT_BROKER_USER": parts.username or "guest",
            "RASA_EVENT_BROKER_PASSWORD": parts.password or "guest",
            "RASA_EVENT_BROKER_EXCHANGE": self.exchange,
            "RASA_EVENT_BROKER_QUEUE": self.queue,
        }


@dataclass(frozen=True)
class Scaling:
    """Workers per service and where the shared stores are (PostgreSQL with trust auth, Redis)."""

    workers: int = 1
    shared_stores: bool = False  # PostgreSQL and Redis even with one worker (to compare like with like)
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_database: str = "nimbus_rasa"
    handoff_database: str = "nimbus_handoff"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"

    @property
    def scaled(self) -> bool:
        """Whether the stores are shared ones (PostgreSQL, Redis) rather than embedded."""
        return self.workers > 1 or self.shared_stores

    @property
    def events(self) -> EventStream:
        """The exchange and queue, named after the Rasa database (``nimbus_rasa`` -> ``nimbus-events`` and
        ``nimbus_events``), so runs on throwaway databases never share events."""
        stem = self.rasa_database.removesuffix("_rasa")
        return EventStream(amqp_url=self.amqp_url, exchange=f"{stem}-events", queue=f"{stem}_events")

    def database_url(self, database: str) -> str:
        parts = urlsplit(self.postgres_url)
        return parts._replace(path=f"/{database}").geturl()

    def ensure_databases(self) -> None:
        """Create the two databases if they do not exist yet."""
        with psycopg.connect(self.postgres_url, autocommit=True) as connection:
            existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
            for name in (self.rasa_database, self.handoff_database):
                if name not in existing:
                    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop_databases(self) -> None:
        """Remove the two databases and the event exchange and queue (benchmarks and tests use throwaway ones)."""
        with psycopg.connect(self.postgres_url, autocommit=True) as connection:
            for name in (self.rasa_database, self.handoff_database):
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.events.delete()

    def environment(self) -> dict[str, str]:
        """Variables for the three processes (the scaled endpoints file reads the RASA_* ones)."""
        if not self.scaled:
            return {}
        postgres = urlsplit(self.postgres_url)
        redis = urlsplit(self.redis_url)
        return {
            "SANIC_WORKERS": str(self.workers),
            "ACTION_SERVER_SANIC_WORKERS": str(self.workers),
            "RASA_TRACKER_PG_HOST": postgres.hostname or "127.0.0.1",
            "RASA_TRACKER_PG_PORT": str(postgres.port or 5432),
            "RASA_TRACKER_PG_USER": postgres.username or "postgres",
            "RASA_TRACKER_PG_PASSWORD": postgres.password or "",
            "RASA_TRACKER_PG_DB": self.rasa_database,
            "RASA_LOCK_REDIS_HOST": redis.hostname or "127.0.0.1",
            "RASA_LOCK_REDIS_PORT": str(redis.port or 6379),
            "RASA_LOCK_REDIS_DB": (redis.path or "/0").lstrip("/") or "0",
            "HANDOFF_DATABASE_URL": self.database_url(self.handoff_database),
            "HANDOFF_REDIS_URL": self.redis_url,
            "WEBCHAT_REDIS_URL": self.redis_url,
            "CHANNELS_DEDUP_REDIS_URL": self.redis_url,
            **self.events.environment(),
        }
