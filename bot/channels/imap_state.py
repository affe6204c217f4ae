"""Where the IMAP poller stands in each mailbox, in its own small SQLite file.

The poller hands mails on in UID order and records each one after the channel answered, so the highest recorded UID
is a watermark with no gap below it: a restart resumes above it, and a mail whose hand-over failed is tried again.
A new UIDVALIDITY (the server renumbered the mailbox) starts over from the first UID; the channel's own record of
Message-IDs then keeps mails handled before from reaching the bot twice.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS position (
    mailbox TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS handled (
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    handled_at REAL NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
"""


class PollState:
    """The poller's position per mailbox and the outcome of every mail it handed on."""

    def __init__(self, path: str, clock: Callable[[], float] = time.time) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        self._clock = clock
        self._connection.executescript(_SCHEMA)

    def last_uid(self, mailbox: str, uidvalidity: int) -> int:
        """The highest UID handled in `mailbox` under `uidvalidity`; 0 when none was, or the mailbox was renumbered."""
        row = self._connection.execute(
            "SELECT uidvalidity, last_uid FROM position WHERE mailbox = ?", (mailbox,)
        ).fetchone()
        return int(row[1]) if row is not None and int(row[0]) == uidvalidity else 0

    def record(self, mailbox: str, uidvalidity: int, uid: int, outcome: str) -> None:
        """Mail `uid` was handed on with `outcome`; the watermark moves up to it, in one transaction."""
        with self._connection:
            self._connection.execute("BEGIN IMMEDIATE")
            self._connection.execute(
                "INSERT OR REPLACE INTO handled (mailbox, uidvalidity, uid, outcome, handled_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (mailbox, uidvalidity, uid, outcome, self._clock()),
            )
            self._connection.execute(
                "INSERT INTO position (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?) ON CONFLICT(mailbox) DO UPDATE "
                "SET last_uid = CASE WHEN position.uidvalidity = excluded.uidvalidity "
                "THEN MAX(position.last_uid, excluded.last_uid) ELSE excluded.last_uid END, "
                "uidvalidity = excluded.uidvalidity",
                (mailbox, uidvalidity, uid),
            )

    def outcomes(self, mailbox: str) -> dict[int, str]:
        """Every handled UID of `mailbox` (current UIDVALIDITY or not) with its outcome."""
        rows = self._connection.execute("SELECT uid, outcome FROM handled WHERE mailbox = ?", (mailbox,)).fetchall()
        return {int(uid): str(outcome) for uid, outcome in rows}

    def close(self) -> None:
        self._connection.close()
