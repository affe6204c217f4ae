"""Where consumed events go: one SQL table (SQLite or PostgreSQL), idempotent so a redelivered message is stored
once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Float, MetaData, String, Table, create_engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

metadata = MetaData()
tracker_events = Table(
    "tracker_events",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the message body: redeliveries collapse onto it
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("event", String(64), nullable=False),
    Column("name", String(255)),  # the intent, action, slot or form the event is about
    Column("input_channel", String(64)),
    Column("timestamp", Float, nullable=False),
)


@dataclass(frozen=True)
class LoggedEvent:
    """One tracker event without personal data."""

    id: str
    conversation_id: str
    event: str
    name: str | None
    input_channel: str | None
    timestamp: float

    @classmethod
    def from_body(cls, body: bytes) -> LoggedEvent:
        """Parses one broker message (Rasa's serialised event with ``sender_id``)."""
        data: dict[str, Any] = json.loads(body)
        return cls(
            id=hashlib.sha256(body).hexdigest(),
            conversation_id=str(data.get("sender_id") or ""),
            event=str(data.get("event") or ""),
            name=_name(data),
            input_channel=data.get("input_channel"),
            timestamp=float(data.get("timestamp") or 0.0),
        )


def _name(data: dict[str, Any]) -> str | None:
    """What the event is about: the intent of a user message, else the action, slot or form name."""
    if data.get("event") == "user":
        intent = (data.get("parse_data") or {}).get("intent") or {}
        return intent.get("name")
    value = data.get("name")
    return None if value is None else str(value)


class EventStore:
    """The ``tracker_events`` table behind a SQLAlchemy URL (created on first use)."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        metadata.create_all(self.engine)

    def add(self, events: Iterable[LoggedEvent]) -> None:
        """Stores events in one transaction; ones already stored (same body) are skipped."""
        rows = [vars(event) for event in events]
        if not rows:
            return
        dialect = self.engine.dialect.name
        insert = (postgresql if dialect == "postgresql" else sqlite).insert(tracker_events)
        with self.engine.begin() as connection:
            connection.execute(insert.on_conflict_do_nothing(index_elements=["id"]), rows)

    def conversation(self, conversation_id: str) -> list[LoggedEvent]:
        """A conversation's events in the order they happened."""
        query = (
            select(tracker_events)
            .where(tracker_events.c.conversation_id == conversation_id)
            .order_by(tracker_events.c.timestamp)
        )
        with self.engine.connect() as connection:
            return [LoggedEvent(**row._mapping) for row in connection.execute(query)]

    def counts(self) -> dict[tuple[str, str | None], int]:
        """How many events of each kind and name: ``{("user", "greet"): 12, ("action", "utter_greet"): 12, ...}``."""
        query = select(tracker_events.c.event, tracker_events.c.name, func.count()).group_by(
            tracker_events.c.event, tracker_events.c.name
        )
        with self.engine.connect() as connection:
            return {(event, name): count for event, name, count in connection.execute(query)}

    def close(self) -> None:
        self.engine.dispose()
