"""bot/stores/privacy.py: export, erasure and retention reach the tracker store's rows (SQLite and PostgreSQL) and
its in-memory trackers, through the wrappers Rasa puts around it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore

from bot.stores import privacy
from tests.bot.test_windowed_tracker_store import DOMAIN, converse, database, run, stored_texts, windowed

__all__ = ["database"]  # the SQLite/PostgreSQL fixture, shared with the store's own tests


def nothing_stored(database: dict[str, Any], sender: str) -> bool:
    """Whether Rasa's own SQL store (the tracker API's view) finds no event of `sender`."""
    return run(SQLTrackerStore(domain=DOMAIN, **database).retrieve_full_tracker(sender)) is None


def test_erasure_removes_every_row_and_the_cached_tracker(database: dict[str, Any]) -> None:
    """After erasure Rasa's own store finds nothing, the next turn starts afresh, and other senders are kept."""
    store = windowed(database)
    converse(store, "erase-me", range(1, 6))
    converse(store, "keep-me", range(1, 3))
    wrapped = FailSafeTrackerStore(store)
    exported = run(privacy.export_events(wrapped, "erase-me"))
    assert [event["text"] for event in exported if event["event"] == "user"] == [f"message {n}" for n in range(1, 6)]
    counts = run(privacy.erase(wrapped, "erase-me"))
    assert counts == {"tracker_events": len(exported), "cached_trackers": 1}
    assert nothing_stored(database, "erase-me")
    assert run(store.retrieve("erase-me")) is None
    assert stored_texts(database, "keep-me") == ["message 1", "message 2"]


def test_erased_text_is_not_left_in_the_sqlite_files(tmp_path: Path) -> None:
    """Deleted rows must not survive as readable bytes in free pages or in the write-ahead log."""
    database = {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    store = windowed(database)
    converse(store, "secret-sender", range(1, 4))
    run(privacy.erase(store, "secret-sender"))
    files = [path for path in tmp_path.iterdir() if path.name.startswith("tracker.db")]
    assert files, "the tracker database was not created where expected"
    leftovers = [path.name for path in files if b"secret-sender" in path.read_bytes()]
    assert leftovers == []


def test_retention_purges_only_conversations_idle_for_longer_than_the_cutoff(database: dict[str, Any]) -> None:
    """A conversation whose newest event is older than the cutoff goes; one active since stays."""
    store = windowed(database)
    converse(store, "old", range(1, 3))
    cutoff = time.time() + 0.001
    time.sleep(0.01)
    converse(store, "recent", range(1, 3))
    assert run(privacy.purge_idle(store, cutoff)) == ["old"]
    assert nothing_stored(database, "old")
    assert stored_texts(database, "recent") == ["message 1", "message 2"]


def test_a_store_without_sql_rows_is_reported_not_ignored() -> None:
    """An in-memory store cannot be reached by these operations; the caller gets a clear error."""
    try:
        run(privacy.erase(FailSafeTrackerStore(InMemoryTrackerStore(DOMAIN)), "x"))
    except privacy.UnsupportedStore as error:
        assert "InMemoryTrackerStore" in str(error)
    else:
        raise AssertionError("an in-memory store must not pretend to erase")
