"""Export, erasure and retention over a Rasa SQL tracker store (SQLite or PostgreSQL, Rasa's `events` table).

The functions take the store the agent holds (Rasa wraps the configured one in fail-safe and awaitable wrappers) and
run their statements in a thread, so a database server's answer never blocks the event loop. A windowed store's
in-memory trackers are dropped with the rows; other workers notice on their next turn (the newest event id is gone).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore


class UnsupportedStore(RuntimeError):
    """The tracker store is not a SQL store, so this process cannot reach its rows."""


def sql_store(store: TrackerStore | Any) -> SQLTrackerStore:
    """The SQL store inside Rasa's wrappers; `UnsupportedStore` for any other kind."""
    seen = 0
    while not isinstance(store, SQLTrackerStore) and hasattr(store, "_tracker_store") and seen < 5:
        store, seen = store._tracker_store, seen + 1
    if not isinstance(store, SQLTrackerStore):
        raise UnsupportedStore(f"{type(store).__name__} is not a SQL tracker store")
    return store


def _table(store: SQLTrackerStore) -> sa.Table:
    return store.SQLEvent.__table__


def _events(store: SQLTrackerStore, sender_id: str) -> list[dict[str, Any]]:
    table = _table(store)
    query = sa.select(table.c.data).where(table.c.sender_id == sender_id).order_by(table.c.id)
    with store.engine.connect() as connection:
        return [json.loads(data) for (data,) in connection.execute(query)]


def _delete(store: SQLTrackerStore, sender_ids: list[str]) -> int:
    table = _table(store)
    deleted = 0
    sqlite = store.engine.dialect.name == "sqlite"
    with store.engine.begin() as connection:
        if sqlite:
            # SQLite otherwise leaves deleted rows' bytes in free pages, where erased text could still be read.
            connection.exec_driver_sql("PRAGMA secure_delete = ON")
        for start in range(0, len(sender_ids), 500):
            batch = sender_ids[start : start + 500]
            deleted += connection.execute(table.delete().where(table.c.sender_id.in_(batch))).rowcount or 0
    if sqlite and deleted:
        with store.engine.connect() as connection:
            # The write-ahead log keeps the old pages until a checkpoint copies them back and truncates it.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return deleted


def _idle_since(store: SQLTrackerStore, cutoff: float) -> list[str]:
    table = _table(store)
    query = sa.select(table.c.sender_id).group_by(table.c.sender_id).having(sa.func.max(table.c.timestamp) < cutoff)
    with store.engine.connect() as connection:
        return [sender_id for (sender_id,) in connection.execute(query)]


def _drop_cached(store: SQLTrackerStore, sender_ids: list[str]) -> int:
    cache = getattr(store, "_cache", None)
    if cache is None:
        return 0
    return sum(1 for sender_id in sender_ids if cache.pop(sender_id, None) is not None)


async def export_events(store: TrackerStore | Any, sender_id: str) -> list[dict[str, Any]]:
    """Every stored event of the conversation, all sessions, oldest first."""
    return await asyncio.to_thread(_events, sql_store(store), sender_id)


async def erase(store: TrackerStore | Any, sender_id: str) -> dict[str, int]:
    """Delete the conversation's rows and this process's cached tracker; the counts of what was removed."""
    sql = sql_store(store)
    rows = await asyncio.to_thread(_delete, sql, [sender_id])
    return {"tracker_events": rows, "cached_trackers": _drop_cached(sql, [sender_id])}


async def purge_idle(store: TrackerStore | Any, cutoff: float) -> list[str]:
    """Delete every conversation whose newest event is older than `cutoff` (Unix seconds); their ids."""
    sql = sql_store(store)
    sender_ids = await asyncio.to_thread(_idle_since, sql, cutoff)
    if sender_ids:
        await asyncio.to_thread(_delete, sql, sender_ids)
        _drop_cached(sql, sender_ids)
    return sender_ids
