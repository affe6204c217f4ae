"""The event log's store: what it keeps of a Rasa event, and a redelivered message stored once (real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

from eventlog.store import EventStore, LoggedEvent


def body(**event: object) -> bytes:
    return json.dumps(event).encode()


def test_a_user_event_keeps_its_intent_and_channel_but_not_its_text() -> None:
    message = body(
        event="user",
        sender_id="ana",
        timestamp=1.5,
        text="mi tarjeta es 4111 1111 1111 1111",
        parse_data={"intent": {"name": "order_status"}, "text": "mi tarjeta es 4111 1111 1111 1111"},
        input_channel="rest",
    )
    logged = LoggedEvent.from_body(message)
    assert (logged.conversation_id, logged.event, logged.name, logged.input_channel, logged.timestamp) == (
        "ana",
        "user",
        "order_status",
        "rest",
        1.5,
    )
    assert "4111" not in repr(logged)


def test_redelivered_events_are_stored_once_in_time_order(tmp_path: Path) -> None:
    store = EventStore(f"sqlite:///{tmp_path / 'events.sqlite3'}")
    try:
        first = LoggedEvent.from_body(body(event="action", sender_id="ana", timestamp=2.0, name="utter_greet"))
        second = LoggedEvent.from_body(body(event="slot", sender_id="ana", timestamp=3.0, name="language"))
        store.add([second, first])
        store.add([first])  # the broker delivers a message again when its acknowledgement was lost
        assert [event.name for event in store.conversation("ana")] == ["utter_greet", "language"]
        assert store.counts() == {("action", "utter_greet"): 1, ("slot", "language"): 1}
    finally:
        store.close()
