"""Handoffs the service has not accepted yet, kept in SQLite so that none is lost while it is down."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_handoff (
    conversation_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS pending_message (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"""


@dataclass(frozen=True)
class PendingMessage:
    """A customer message waiting to be relayed to the agent, in arrival order (`seq`)."""

    seq: int
    conversation_id: str
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class PendingHandoff:
    """A handoff waiting for delivery."""

    conversation_id: str
    payload: dict[str, Any]
    attempts: int


class Outbox:
    """Durable queues: handoff payloads (one per conversation, the latest wins) and relayed customer messages
    (in arrival order, each message id once)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        with self._connect() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=10)

    def put(self, conversation_id: str, payload: dict[str, Any], error: str) -> None:
        """Keeps the payload until `remove` is called for its conversation."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO pending_handoff (conversation_id, payload, created_at, attempts, last_error)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT(conversation_id) DO UPDATE SET"
                " payload = excluded.payload, attempts = attempts + 1, last_error = excluded.last_error",
                (conversation_id, json.dumps(payload), time.time(), error),
            )

    def pending(self) -> list[PendingHandoff]:
        """Everything still waiting, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT conversation_id, payload, attempts FROM pending_handoff ORDER BY created_at"
            ).fetchall()
        return [PendingHandoff(row[0], json.loads(row[1]), int(row[2])) for row in rows]

    def record_failure(self, conversation_id: str, error: str) -> None:
        """Counts one more failed delivery attempt."""
        with self._connect() as db:
            db.execute(
                "UPDATE pending_handoff SET attempts = attempts + 1, last_error = ? WHERE conversation_id = ?",
                (error, conversation_id),
            )

    def remove(self, conversation_id: str) -> None:
        """Forgets a delivered handoff."""
        with self._connect() as db:
            db.execute("DELETE FROM pending_handoff WHERE conversation_id = ?", (conversation_id,))

    def has(self, conversation_id: str) -> bool:
        """Whether a handoff for this conversation still waits for delivery."""
        with self._connect() as db:
            row = db.execute("SELECT 1 FROM pending_handoff WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return row is not None

    def put_message(self, conversation_id: str, message_id: str, payload: dict[str, Any], error: str) -> None:
        """Keeps a customer message for the agent; the same message id is kept once."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO pending_message (conversation_id, message_id, payload, attempts, last_error)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT(message_id) DO NOTHING",
                (conversation_id, message_id, json.dumps(payload), error),
            )

    def pending_messages(self) -> list[PendingMessage]:
        """Messages still waiting, in the order they arrived."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT seq, conversation_id, message_id, payload FROM pending_message ORDER BY seq"
            ).fetchall()
        return [PendingMessage(int(row[0]), row[1], row[2], json.loads(row[3])) for row in rows]

    def has_messages(self, conversation_id: str) -> bool:
        """Whether earlier messages of this conversation still wait (a new one must queue behind them)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT 1 FROM pending_message WHERE conversation_id = ? LIMIT 1", (conversation_id,)
            ).fetchone()
        return row is not None

    def remove_message(self, seq: int) -> None:
        """Forgets a relayed message."""
        with self._connect() as db:
            db.execute("DELETE FROM pending_message WHERE seq = ?", (seq,))
