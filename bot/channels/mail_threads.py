"""The e-mail channel's own state, in a small SQLite file beside Rasa's: each conversation's thread and the mails
already handled.

- `threads`: per conversation (`email:<address>`), the address to write to, the subject and the customer's
  latest Message-ID with its References, which every reply (the bot's or an agent's) answers.
- `seen`: Message-IDs (and the provider's webhook tokens) already handed to the bot. It survives restarts, so a mail
  the IMAP poller posts again after being killed, or one that arrives both by IMAP and by webhook, reaches the bot
  once.
- `claims`: Message-IDs a worker is handing to the bot right now, each with a lease; a worker that dies before the
  mail is in `seen` leaves a lease that runs out, and the next delivery of the mail claims it again.

SQLite in WAL mode lets several Rasa workers on one host share the file; every call is one short transaction.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.channels.dedup import DEFAULT_LEASE_SECONDS, Claim
from bot.channels.mail_compose import Thread

_SCHEMA = """
CREATE TABLE IF NOT EXISTS threads (
    conversation_id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    parent_id TEXT,
    refs TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    key TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    lease_until REAL NOT NULL
);
"""


class MailThreads:
    """Thread and de-duplication state; `path` ":memory:" keeps it in this process only (tests, unconfigured)."""

    def __init__(
        self, path: str, clock: Callable[[], float] = time.time, lease_seconds: float = DEFAULT_LEASE_SECONDS
    ) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._lock = threading.Lock()
        self._clock = clock
        self._lease = lease_seconds
        with self._lock:
            if path != ":memory:":
                self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.executescript(_SCHEMA)

    def first_seen(self, key: str) -> bool:
        """True the first time `key` (a Message-ID, a webhook token) is offered, False ever after."""
        with self._lock:
            cursor = self._connection.execute(
                "INSERT OR IGNORE INTO seen (key, seen_at) VALUES (?, ?)", (key, self._clock())
            )
            return cursor.rowcount == 1

    def claim(self, key: str) -> Claim:
        """The de-duplication claim of a Message-ID (`bot.channels.dedup.DedupStore`): handled mails stay `DONE`
        for good, a live lease of another worker is `IN_PROGRESS`."""
        now = self._clock()
        with self._lock:
            # IMMEDIATE takes the write lock first, so two processes on the file never both claim the same mail.
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                if self._connection.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone():
                    state = Claim.DONE
                else:
                    row = self._connection.execute("SELECT lease_until FROM claims WHERE key = ?", (key,)).fetchone()
                    if row is not None and row[0] > now:
                        state = Claim.IN_PROGRESS
                    else:
                        self._connection.execute(
                            "INSERT OR REPLACE INTO claims (key, lease_until) VALUES (?, ?)", (key, now + self._lease)
                        )
                        state = Claim.CLAIMED
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
        return state

    def finish(self, key: str) -> None:
        """Marks a claimed Message-ID as handled, for good."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                self._connection.execute(
                    "INSERT OR IGNORE INTO seen (key, seen_at) VALUES (?, ?)", (key, self._clock())
                )
                self._connection.execute("DELETE FROM claims WHERE key = ?", (key,))
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise

    def forget(self, key: str) -> None:
        """Drops `key` from the handled ones (a webhook token whose delivery must come again)."""
        with self._lock:
            self._connection.execute("DELETE FROM seen WHERE key = ?", (key,))

    def remember(self, conversation_id: str, thread: Thread) -> None:
        """The thread a conversation's next replies answer."""
        with self._lock:
            self._connection.execute(
                "INSERT INTO threads (conversation_id, address, subject, parent_id, refs, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(conversation_id) DO UPDATE SET address = excluded.address, "
                "subject = excluded.subject, parent_id = excluded.parent_id, refs = excluded.refs, "
                "updated_at = excluded.updated_at",
                (
                    conversation_id,
                    thread.address,
                    thread.subject,
                    thread.parent_id,
                    " ".join(thread.references),
                    self._clock(),
                ),
            )

    def thread(self, conversation_id: str) -> Thread | None:
        """The conversation's thread, None for a conversation that never came in by mail."""
        with self._lock:
            row = self._connection.execute(
                "SELECT address, subject, parent_id, refs FROM threads WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        if row is None:
            return None
        address, subject, parent_id, refs = row
        return Thread(address=address, subject=subject, parent_id=parent_id, references=tuple(refs.split()))

    def close(self) -> None:
        with self._lock:
            self._connection.close()
