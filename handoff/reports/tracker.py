"""Read-only access to Rasa's SQL tracker store (its ``events`` table), on SQLite or PostgreSQL.

The handoff service never writes there: SQLite is opened with ``mode=ro`` and PostgreSQL sessions are read-only.
A connection is opened per report (no pool), so nothing stays open between the rare report requests.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from handoff.errors import HandoffServiceError

# The event types the bot-side reports read: messages, bot utterances and slot changes.
EVENT_TYPES = ("user", "bot", "slot")
LANGUAGE_SLOT = "language"
_CHUNK = 500

_events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("data", sa.Text),
)


class TrackerUnavailableError(HandoffServiceError):
    """The tracker store is not configured or cannot be read; bot-side figures are unknown, not zero."""


@dataclass(frozen=True)
class TrackerEvent:
    """One row of Rasa's ``events`` table, its JSON ``data`` parsed."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    intent_name: str | None
    data: dict[str, Any]


@dataclass
class TrackerSlice:
    """The events of a time range, in order per conversation, and each conversation's language before the range."""

    events: list[TrackerEvent] = field(default_factory=list)
    languages_before: dict[str, str | None] = field(default_factory=dict)


def read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite through a ``mode=ro`` URI, PostgreSQL with read-only transactions."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise TrackerUnavailableError("the tracker store URL is not a database URL") from error
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise TrackerUnavailableError("the tracker store URL names no SQLite file")
        uri = Path(parsed.database).resolve().as_uri() + "?mode=ro"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)

        return sa.create_engine("sqlite://", creator=connect, poolclass=NullPool)
    if parsed.get_backend_name() != "postgresql":
        raise TrackerUnavailableError("the tracker store must be SQLite or PostgreSQL")
    # Keep options the URL already has (e.g. a search_path) and add the read-only one.
    options = " ".join(filter(None, [str(parsed.query.get("options") or ""), "-c default_transaction_read_only=on"]))
    return sa.create_engine(
        parsed.difference_update_query(["options"]),
        poolclass=NullPool,
        connect_args={"options": options, "connect_timeout": 5},
    )


def _parse(row: Sequence[Any]) -> TrackerEvent | None:
    try:
        data = json.loads(row[5] or "{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return TrackerEvent(int(row[0]), str(row[1]), str(row[2]), float(row[3] or 0.0), row[4], data)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for index in range(0, len(items), _CHUNK):
        yield items[index : index + _CHUNK]


class TrackerReader:
    """Reads slices of the tracker store; every failure becomes ``TrackerUnavailableError`` with a safe message."""

    def __init__(self, url: str) -> None:
        self._engine = read_only_engine(url)

    def read(self, start: datetime, end: datetime) -> TrackerSlice:
        """Messages, utterances and slot changes in ``[start, end)``, and the language each sender had before."""
        try:
            with self._engine.connect() as connection:
                return self._read(connection, start.timestamp(), end.timestamp())
        except SQLAlchemyError as error:
            # The driver's message may carry the URL; say only what kind of failure it was.
            raise TrackerUnavailableError(f"the tracker store cannot be read ({type(error).__name__})") from error

    def _read(self, connection: Connection, start: float, end: float) -> TrackerSlice:
        rows = connection.execute(
            sa.select(_events.c.id, _events.c.sender_id, _events.c.type_name, _events.c.timestamp,
                      _events.c.intent_name, _events.c.data)
            .where(_events.c.timestamp >= start, _events.c.timestamp < end, _events.c.type_name.in_(EVENT_TYPES))
            .order_by(_events.c.sender_id, _events.c.id)
        ).all()  # fmt: skip
        result = TrackerSlice([event for event in map(_parse, rows) if event is not None])
        senders = sorted({event.sender_id for event in result.events})
        for chunk in _chunks(senders):
            earlier = connection.execute(
                sa.select(_events.c.id, _events.c.sender_id, _events.c.type_name, _events.c.timestamp,
                          _events.c.intent_name, _events.c.data)
                .where(_events.c.timestamp < start, _events.c.type_name == "slot",
                       _events.c.data.like(f'%"{LANGUAGE_SLOT}"%'), _events.c.sender_id.in_(chunk))
                .order_by(_events.c.id)
            ).all()  # fmt: skip
            for event in map(_parse, earlier):
                if event is not None and event.data.get("name") == LANGUAGE_SLOT:
                    value = event.data.get("value")
                    result.languages_before[event.sender_id] = str(value) if value else None
        return result
