"""The windowed SQL tracker store: same answers as Rasa's SQL store, bounded trackers, no re-reading per turn.

Runs on SQLite and on PostgreSQL (127.0.0.1:5432, skipped when it is not there).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig

from bot.stores.windowed_sql import WindowedSQLTrackerStore, install_wrapper_delegation

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "faq"],
        "slots": {
            "language": {"type": "categorical", "values": ["en", "es"], "mappings": [{"type": "custom"}]},
            "turns": {"type": "float", "mappings": [{"type": "custom"}]},
        },
        "responses": {"utter_greet": [{"text": "hi"}]},
    }
)
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _postgres_available() -> bool:
    try:
        with sa.create_engine(POSTGRES).connect():
            return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Connection settings of an empty database, as endpoints.yml would give them."""
    if request.param == "sqlite":
        yield {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
        return
    if not _postgres_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"tracker_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "username": "postgres", "db": name}
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def windowed(database: dict[str, Any], **options: Any) -> WindowedSQLTrackerStore:
    return WindowedSQLTrackerStore(domain=DOMAIN, **database, **options)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def turn(tracker: Any, number: int) -> None:
    """One bot turn: the customer writes, a slot changes, the bot answers and listens."""
    tracker.update(UserUttered(f"message {number}", {"name": "faq", "confidence": 0.9}))
    tracker.update(SlotSet("turns", float(number)))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered(f"answer {number}"))
    tracker.update(ActionExecuted("action_listen"))


def converse(store: WindowedSQLTrackerStore, sender: str, turns: range) -> Any:
    """Run turns the way Rasa's processor does: get the tracker, append the turn's events, save."""
    tracker = None
    for number in turns:
        tracker = run(store.get_or_create_tracker(sender))
        if number == turns.start and len(tracker.events) <= 1:
            tracker.update(SlotSet("language", "es"))
        turn(tracker, number)
        run(store.save(tracker))
    return tracker


def stored_texts(database: dict[str, Any], sender: str) -> list[str]:
    """User texts in the database, read with Rasa's own SQL store (the tracker API's view)."""
    tracker = run(SQLTrackerStore(domain=DOMAIN, **database).retrieve_full_tracker(sender))
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


def test_a_conversation_is_stored_exactly_once_in_rasas_schema(database: dict[str, Any]) -> None:
    """Every turn's events are in Rasa's table once, in order, readable by Rasa's own store."""
    store = windowed(database)
    converse(store, "ana", range(1, 31))
    assert stored_texts(database, "ana") == [f"message {n}" for n in range(1, 31)]


def test_the_tracker_is_a_window_but_its_state_is_the_whole_session(database: dict[str, Any]) -> None:
    """After 300 turns the tracker holds max_events events, and a slot set at turn 1 is still set."""
    converse(windowed(database, max_events=60), "ben", range(1, 301))
    reloaded = run(windowed(database, max_events=60).retrieve("ben"))  # another process: read from the database
    assert len(reloaded.events) == 60
    assert reloaded.get_slot("language") == "es"
    assert reloaded.get_slot("turns") == 300.0
    assert reloaded.latest_message.text == "message 300"
    assert len(stored_texts(database, "ben")) == 300


def test_a_cached_turn_reads_one_number_from_the_database(database: dict[str, Any]) -> None:
    """Between turns of one process the tracker comes from memory: one small query, whatever the length."""
    store = windowed(database)
    converse(store, "cai", range(1, 201))
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    tracker = run(store.retrieve("cai"))
    assert len(statements) == 1 and "max(" in statements[0].lower()
    assert tracker.latest_message.text == "message 200"


def test_a_new_conversation_is_cached_from_its_first_turn(database: dict[str, Any]) -> None:
    """Session start and first turn saved as Rasa's processor does: the second turn reads no events back."""
    store = windowed(database)
    tracker = store.init_tracker("ida")
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, 1)
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2].lower()))
    run(store.save(tracker))
    assert [statement.split()[0] for statement in statements] == ["insert", "select"]
    statements.clear()
    assert run(store.retrieve("ida")) is tracker
    assert len(statements) == 1 and "max(" in statements[0]
    assert stored_texts(database, "ida") == ["message 1"]
    assert run(windowed(database).retrieve("ida")).latest_message.text == "message 1"


def test_a_new_conversation_is_ours_through_rasas_wrappers(database: dict[str, Any]) -> None:
    """Built from endpoints.yml and wrapped as Rasa's agent wraps it, with the delegation bot/server.py installs
    (bot/patches.py): a new conversation's first save is ours too."""
    install_wrapper_delegation()
    options = dict(database)
    host = options.pop("host", None)  # endpoints.yml's `url` is the database host
    config = EndpointConfig(host, type="bot.stores.windowed_sql.WindowedSQLTrackerStore", max_events=60, **options)
    store = TrackerStore.create(config, domain=DOMAIN)
    assert isinstance(store, WindowedSQLTrackerStore)
    wrapped = FailSafeTrackerStore(store)
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2].lower()))
    tracker = run(wrapped.get_or_create_tracker("eva"))
    assert tracker.events.maxlen == 60
    assert [statement.split()[0] for statement in statements] == ["select", "insert", "select"]
    turn(tracker, 1)
    run(wrapped.save(tracker))
    statements.clear()
    assert run(wrapped.get_or_create_tracker("eva")) is tracker
    assert len(statements) == 1 and "max(" in statements[0]
    assert stored_texts(database, "eva") == ["message 1"]


def test_a_turn_that_failed_before_saving_is_forgotten(database: dict[str, Any]) -> None:
    """Events appended but never saved (the turn crashed) do not come back: the session is read again."""
    store = windowed(database)
    tracker = converse(store, "dan", range(1, 4))
    tracker.update(UserUttered("never saved"))
    again = run(store.retrieve("dan"))
    assert again is not tracker
    assert again.latest_message.text == "message 3"
    converse(store, "dan", range(4, 6))
    assert stored_texts(database, "dan") == [f"message {n}" for n in range(1, 6)]


def test_two_workers_see_each_others_turns(database: dict[str, Any]) -> None:
    """Worker B's cached tracker catches up with what worker A stored (several Rasa workers, one database)."""
    worker_a, worker_b = windowed(database), windowed(database)
    converse(worker_b, "eve", range(1, 3))
    converse(worker_a, "eve", range(3, 6))
    tracker = run(worker_b.retrieve("eve"))
    assert tracker.latest_message.text == "message 5"
    assert tracker.get_slot("turns") == 5.0
    converse(worker_b, "eve", range(6, 8))
    assert stored_texts(database, "eve") == [f"message {n}" for n in range(1, 8)]


def test_a_new_session_starts_a_new_tracker(database: dict[str, Any]) -> None:
    """As with Rasa's store, retrieve gives the latest session; the tracker API still has every session."""
    store = windowed(database)
    tracker = converse(store, "fay", range(1, 4))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    converse(store, "fay", range(4, 6))
    latest = run(windowed(database).retrieve("fay"))
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["message 4", "message 5"]
    assert run(store.retrieve("fay")).latest_message.text == "message 5"
    assert stored_texts(database, "fay") == [f"message {n}" for n in range(1, 6)]


def test_unknown_conversation_and_settings(database: dict[str, Any]) -> None:
    """No events -> None (Rasa then creates the tracker); a window too small for one turn is refused."""
    assert run(windowed(database).retrieve("nobody")) is None
    with pytest.raises(ValueError, match="max_events"):
        windowed(database, max_events=5)


def test_sqlite_keeps_one_connection_in_wal_mode(tmp_path: Path) -> None:
    """On SQLite the store reuses its connection and writes through a write-ahead log (durable commits)."""
    store = windowed({"dialect": "sqlite", "db": str(tmp_path / "tracker.db")})
    converse(store, "gus", range(1, 4))
    connects: list[object] = []
    sa.event.listen(store.engine, "connect", lambda *args: connects.append(args))
    converse(store, "gus", range(4, 8))
    assert connects == []
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
