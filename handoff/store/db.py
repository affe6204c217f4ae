"""Engine and session factory creation, and schema migration at start-up."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from handoff.secrets_store import private_dir, private_file

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_ADVISORY_KEY = 0x4E494D42  # "NIMB": any constant shared by every handoff-service process


SQLITE_SYNCHRONOUS = ("normal", "full", "extra")
# The default thread pool of the server (AnyIO's) runs at most this many requests at once.
SQLITE_POOL_SIZE = 40


def make_engine(database_url: str) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys, a generous lock timeout and one writer at a time.

    SQLite syncs to disk at checkpoints (``synchronous=normal``, the mode SQLite recommends with WAL: a killed
    process loses no committed transaction, a power cut may lose the last ones); ``?synchronous=full`` in the URL
    syncs every commit instead.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    synchronous = str(url.query.get("synchronous", "normal")).lower()
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SQLITE_SYNCHRONOUS}, not {synchronous!r}")
    url = url.difference_update_query(["synchronous"])
    pool: dict[str, int] = {}
    if url.database and url.database != ":memory:":
        private_file(Path(url.database))  # SQLite gives its -wal/-shm files the database file's mode
        # As many kept connections as request threads: an overflow connection is opened, set up and closed per use.
        pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **pool)
    queue_writers(engine, WRITE_WAIT_SECONDS)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # erased and purged rows are overwritten, not just unlinked
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    return engine


WRITE_WAIT_SECONDS = 30.0
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def queue_writers(engine: Engine, wait_seconds: float) -> None:
    """Let one connection of this process write at a time, the others waiting their turn on a lock.

    SQLite has a single writer; without this, threads that find the database locked poll in SQLite's busy handler,
    sleeping up to 100 ms between tries, which makes the slowest writes far slower than the typical one. The lock is
    taken at a transaction's first write (the driver begins transactions there) and released at commit or rollback,
    so reads never wait. Other processes on the same file still meet the busy handler.
    """
    lock = threading.Lock()
    writing: set[int] = set()  # ids of the driver connections holding the lock
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    @event.listens_for(engine, "before_cursor_execute")
    def _take_turn(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        key = id(conn.connection.dbapi_connection)
        if key in writing or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        if not lock.acquire(timeout=wait_seconds):
            raise TimeoutError("another connection of this process kept the SQLite write lock too long")
        writing.add(key)

    def _end_turn(connection: Any) -> None:
        key = id(getattr(connection, "dbapi_connection", connection))  # the pool passes its wrapper or the driver's
        if key in writing:
            writing.discard(key)
            lock.release()

    def _commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            _end_turn(dbapi_connection)

    def _rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            _end_turn(dbapi_connection)

    # After the driver's commit (the file is synced) rather than the engine's commit event, which fires before it.
    dialect.do_commit = _commit  # type: ignore[method-assign]
    dialect.do_rollback = _rollback  # type: ignore[method-assign]

    def _released(dbapi_connection: Any, *_args: Any) -> None:
        _end_turn(dbapi_connection)

    # A connection that goes back to the pool, or away, never keeps the turn (say after a failed commit).
    for name in ("checkin", "invalidate", "soft_invalidate", "close", "detach"):
        event.listen(engine, name, _released)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (views serialise after committing)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def startup_lock(engine: Engine, lock_dir: Path) -> Iterator[None]:
    """Serialise start-up work (migrations, demo load) between workers of one host (file lock) and,
    on PostgreSQL, between hosts (advisory lock)."""
    private_dir(lock_dir)
    with open(private_file(lock_dir / "handoff_startup.lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if engine.dialect.name == "postgresql":
                with engine.connect() as connection:
                    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
                    try:
                        yield
                    finally:
                        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
                        connection.commit()
            else:
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade_schema(engine: Engine, revision: str = "base") -> None:
    """Take the schema down to ``revision`` (used by migration tests)."""
    command.downgrade(alembic_config(engine), revision)
