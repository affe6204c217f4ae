"""Handoffs the service has not accepted yet, kept in SQLite so that none is lost while it is down; what it
rejected for good (dead letters); and which customer messages were already handed on (the relay ledger)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
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
CREATE TABLE IF NOT EXISTS dead_letter (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    message_id TEXT,
    payload TEXT NOT NULL,
    status_code INTEGER,
    error TEXT NOT NULL,
    created_at REAL NOT NULL,
    customer_told INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS dead_letter_conversation ON dead_letter (conversation_id);
CREATE TABLE IF NOT EXISTS relayed_message (
    conversation_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    relayed_at REAL NOT NULL,
    PRIMARY KEY (conversation_id, message_id)
);
"""

# Tables holding something about one conversation, for export and erasure.
CONVERSATION_TABLES = ("pending_handoff", "pending_message", "dead_letter", "relayed_message")


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


@dataclass(frozen=True)
class DeadLetter:
    """A handoff (`kind` "handoff") or customer message (`kind` "message") the service rejected for good."""

    seq: int
    kind: str
    conversation_id: str
    message_id: str | None
    payload: dict[str, Any]
    status_code: int | None
    error: str
    customer_told: bool


class Outbox:
    """Durable queues: handoff payloads (one per conversation, the latest wins) and relayed customer messages
    (in arrival order, each message id once)."""

    def __init__(self, path: Path) -> None:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        # Created owner-only before SQLite opens it: it holds customer messages.
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        os.chmod(path, 0o600)
        self._path = path
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction on a connection that is closed afterwards (sqlite3's own context manager leaves it open)."""
        db = sqlite3.connect(self._path, timeout=10)
        try:
            with db:
                yield db
        finally:
            db.close()

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

    def dead_letter_handoff(self, conversation_id: str, status_code: int | None, error: str) -> None:
        """Moves a kept handoff, and the messages queued behind it, to the dead letters (nowhere to relay them)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT payload FROM pending_handoff WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            if row is not None:
                self._insert_dead(db, "handoff", conversation_id, None, row[0], status_code, error)
                db.execute("DELETE FROM pending_handoff WHERE conversation_id = ?", (conversation_id,))
            self._bury_messages(db, conversation_id, status_code, error)

    def add_dead_handoff(
        self, conversation_id: str, payload: dict[str, Any], status_code: int | None, error: str, *, told: bool
    ) -> None:
        """Records a handoff rejected on its first attempt (`told`: the customer already heard about it)."""
        with self._connect() as db:
            self._insert_dead(db, "handoff", conversation_id, None, json.dumps(payload), status_code, error, told)

    def dead_letter_message(self, seq: int, status_code: int | None, error: str) -> None:
        """Moves one kept customer message to the dead letters."""
        with self._connect() as db:
            row = db.execute(
                "SELECT conversation_id, message_id, payload FROM pending_message WHERE seq = ?", (seq,)
            ).fetchone()
            if row is None:
                return
            self._insert_dead(db, "message", row[0], row[1], row[2], status_code, error)
            db.execute("DELETE FROM pending_message WHERE seq = ?", (seq,))

    def add_dead_message(
        self, conversation_id: str, message_id: str, payload: dict[str, Any], status_code: int | None, error: str
    ) -> None:
        """Records a customer message rejected on its first attempt."""
        with self._connect() as db:
            self._insert_dead(db, "message", conversation_id, message_id, json.dumps(payload), status_code, error)

    def dead_letters(self, conversation_id: str | None = None) -> list[DeadLetter]:
        """Dead letters, oldest first, of one conversation or of all."""
        query = (
            "SELECT seq, kind, conversation_id, message_id, payload, status_code, error, customer_told FROM dead_letter"
        )
        params: tuple[str, ...] = ()
        if conversation_id is not None:
            query += " WHERE conversation_id = ?"
            params = (conversation_id,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY seq", params).fetchall()
        return [DeadLetter(int(r[0]), r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], bool(r[7])) for r in rows]

    def settle_failures(self, conversation_id: str) -> None:
        """Marks the conversation's dead letters as told: a newer handoff made them moot."""
        with self._connect() as db:
            db.execute("UPDATE dead_letter SET customer_told = 1 WHERE conversation_id = ?", (conversation_id,))

    def take_untold_failure(self, conversation_id: str) -> DeadLetter | None:
        """The oldest dead letter of this conversation the customer has not been told about, marked as told."""
        with self._connect() as db:
            row = db.execute(
                "SELECT seq FROM dead_letter WHERE conversation_id = ? AND customer_told = 0 ORDER BY seq LIMIT 1",
                (conversation_id,),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE dead_letter SET customer_told = 1 WHERE conversation_id = ? AND customer_told = 0",
                (conversation_id,),
            )
        return next(letter for letter in self.dead_letters(conversation_id) if letter.seq == int(row[0]))

    def mark_relayed(self, conversation_id: str, message_ids: list[str]) -> None:
        """Records customer messages as handed on (delivered, queued here, or carried in a kept handoff)."""
        now = time.time()
        with self._connect() as db:
            db.executemany(
                "INSERT INTO relayed_message (conversation_id, message_id, relayed_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(conversation_id, message_id, now) for message_id in message_ids],
            )

    def relayed(self, conversation_id: str) -> set[str]:
        """Ids of this conversation's customer messages already handed on."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT message_id FROM relayed_message WHERE conversation_id = ?", (conversation_id,)
            ).fetchall()
        return {str(row[0]) for row in rows}

    def forget_relayed(self, conversation_id: str) -> None:
        """Drops the relay record of a conversation whose handoff is over."""
        with self._connect() as db:
            db.execute("DELETE FROM relayed_message WHERE conversation_id = ?", (conversation_id,))

    def purge_older_than(self, seconds: float, now: float | None = None) -> dict[str, int]:
        """Deletes dead letters and relay records older than `seconds` (kept handoffs and messages still wait for
        delivery and stay); how many went from each table."""
        cutoff = (time.time() if now is None else now) - seconds
        with self._connect() as db:
            dead = db.execute("DELETE FROM dead_letter WHERE created_at < ?", (cutoff,)).rowcount
            relayed = db.execute("DELETE FROM relayed_message WHERE relayed_at < ?", (cutoff,)).rowcount
        return {"dead_letter": dead, "relayed_message": relayed}

    def export(self, conversation_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row this outbox holds about one conversation, per table."""
        records: dict[str, list[dict[str, Any]]] = {}
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            for table in CONVERSATION_TABLES:
                rows = db.execute(f"SELECT * FROM {table} WHERE conversation_id = ?", (conversation_id,)).fetchall()
                records[table] = [_decoded(dict(row)) for row in rows]
        return records

    def erase(self, conversation_id: str) -> dict[str, int]:
        """Deletes every row about one conversation; how many went from each table."""
        counts: dict[str, int] = {}
        with self._connect() as db:
            for table in CONVERSATION_TABLES:
                cursor = db.execute(f"DELETE FROM {table} WHERE conversation_id = ?", (conversation_id,))
                counts[table] = cursor.rowcount
        return counts

    @staticmethod
    def _bury_messages(db: sqlite3.Connection, conversation_id: str, status_code: int | None, error: str) -> None:
        rows = db.execute(
            "SELECT message_id, payload FROM pending_message WHERE conversation_id = ? ORDER BY seq", (conversation_id,)
        ).fetchall()
        for message_id, payload in rows:
            Outbox._insert_dead(db, "message", conversation_id, message_id, payload, status_code, error, True)
        db.execute("DELETE FROM pending_message WHERE conversation_id = ?", (conversation_id,))

    @staticmethod
    def _insert_dead(
        db: sqlite3.Connection,
        kind: str,
        conversation_id: str,
        message_id: str | None,
        payload: str,
        status_code: int | None,
        error: str,
        told: bool = False,
    ) -> None:
        db.execute(
            "INSERT INTO dead_letter (kind, conversation_id, message_id, payload, status_code, error, created_at,"
            " customer_told) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, conversation_id, message_id, payload, status_code, error, time.time(), int(told)),
        )


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready data, its stored payload parsed."""
    if isinstance(row.get("payload"), str):
        row["payload"] = json.loads(row["payload"])
    return row
