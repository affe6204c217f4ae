"""Several worker processes per service on one machine: what changes, and the shared stores it needs.

One worker per service (the default) keeps everything embedded (SQLite, in-process locks and events). With N > 1:

* Rasa runs N Sanic workers (``SANIC_WORKERS``). Messages of one conversation must not be processed by two workers
  at once, so the lock store moves to Redis, and the tracker store to PostgreSQL (``bot/endpoints-scaled.yml``; the
  windowed store's per-worker cache catches up with what other workers wrote).
* The action server runs N Sanic workers (``ACTION_SERVER_SANIC_WORKERS``); each loads the KB index once.
* The handoff service runs N uvicorn workers on PostgreSQL, with live events shared through Redis pub/sub.
* The web chat's socket.io rooms and the channels' duplicate-delivery memory are shared through Redis, so an agent's
  reply reaches the browser whichever Rasa worker sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class Scaling:
    """Workers per service and where the shared stores are (PostgreSQL with trust auth, Redis)."""

    workers: int = 1
    shared_stores: bool = False  # PostgreSQL and Redis even with one worker (to compare like with like)
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_database: str = "nimbus_rasa"
    handoff_database: str = "nimbus_handoff"

    @property
    def scaled(self) -> bool:
        """Whether the stores are shared ones (PostgreSQL, Redis) rather than embedded."""
        return self.workers > 1 or self.shared_stores

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
        """Remove the two databases (benchmarks and tests use throwaway ones)."""
        with psycopg.connect(self.postgres_url, autocommit=True) as connection:
            for name in (self.rasa_database, self.handoff_database):
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

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
        }
