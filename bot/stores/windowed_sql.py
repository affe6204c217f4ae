"""A SQL tracker store whose per-turn cost does not grow with the conversation.

Rasa's SQL tracker store reads and replays every event of the conversation's session on each message, and the
tracker it returns holds all of them, so featurising it for the policies and posting it to the action server also
grow with every turn (RasaHQ/rasa #6334, #11828). This store keeps Rasa's table and schema (the tracker API, `rasa
export` and other tools keep working) and changes two things:

* The tracker holds at most ``max_events`` recent events (a window). Slots, the active form and the latest message
  are still the result of replaying the whole session once, so nothing the policies read is lost; only old events
  drop out of ``tracker.events`` (and of the transcript the action server sees).
* Trackers stay in memory between turns (an LRU of ``cache_size`` conversations). Each turn asks the database for the
  conversation's newest event id: unchanged -> the cached tracker is used; newer events written by another Rasa
  worker are read and applied; anything unexpected (a turn that failed before saving) -> the session is reloaded.
  Saving writes only the events appended since the last save, found by the identity of the last saved event.
  A new conversation's tracker is cached from its first save on, like any other.

The two statements of every turn (the newest id, the insert of the turn's events) are prepared SQLAlchemy Core
statements rather than ORM queries and flushes: same SQL, a fraction of the Python work.

``retrieve_full_tracker`` (the HTTP tracker API) still reads every event of every session.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)
T = TypeVar("T")

# The attribute that marks, on a tracker this store produced, the last event already in the database.
SAVED_MARKER = "_windowed_store_last_saved"


@dataclass
class CachedTracker:
    """A tracker as this process last loaded or saved it, and the database id of its newest event."""

    tracker: DialogueStateTracker
    last_id: int

    def untouched(self) -> bool:
        """True when nothing was appended to the tracker since it was loaded or saved."""
        marker = getattr(self.tracker, SAVED_MARKER, None)
        return marker is not None and bool(self.tracker.events) and self.tracker.events[-1] is marker


class WindowedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with a bounded tracker and an in-process cache (see the module docstring)."""

    engine: sa.engine.Engine  # set by Rasa's SQLTrackerStore; re-created by _reopen_sqlite for SQLite

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        max_events: int | str = 200,
        cache_size: int | str = 2000,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain=domain, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._reopen_sqlite()
        self.max_events = int(max_events)
        self.cache_size = int(cache_size)
        if self.max_events < 20:
            raise ValueError(f"max_events must be at least 20 (one turn can add a dozen events), got {max_events}")
        self._cache: OrderedDict[str, CachedTracker] = OrderedDict()
        table = self.SQLEvent.__table__
        self._newest_id = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sa.bindparam("sender_id"))
        self._insert = table.insert()

    def _reopen_sqlite(self) -> None:
        """SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool); keep one open, in WAL mode.

        WAL with the default synchronous=FULL keeps every commit durable and costs one fsync of the log per turn
        instead of the rollback journal's several.
        """
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _sqlite_wal)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """New trackers are windowed too, and marked as this store's with nothing saved yet."""
        tracker = DialogueStateTracker(sender_id, self.domain.slots, max_event_history=self.max_events)
        self._mark_saved(tracker)
        return tracker

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's current session, windowed; from memory when the database has nothing newer."""
        newest = await self._off_loop(self._newest, sender_id)
        if newest is None:
            self._cache.pop(sender_id, None)
            return None
        cached = self._cache.get(sender_id)
        if cached is not None and cached.untouched() and cached.last_id == newest:
            self._cache.move_to_end(sender_id)
            return cached.tracker
        with self.session_scope() as session:
            if cached is not None and cached.untouched() and self._catch_up(session, cached, newest):
                self._cache.move_to_end(sender_id)
                return cached.tracker
            return self._load(session, sender_id)

    def _catch_up(self, session: Any, cached: CachedTracker, newest: int) -> bool:
        """Apply events another worker stored after ours; False when a new session started (reload instead)."""
        rows = (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == cached.tracker.sender_id, self.SQLEvent.id > cached.last_id)
            .order_by(self.SQLEvent.id)
            .all()
        )
        if any(row.type_name == SessionStarted.type_name for row in rows):
            return False
        for row in rows:
            cached.tracker.update(Event.from_parameters(json.loads(row.data)))
        # Rows written after the max(id) query were applied too: remember the last one actually read.
        cached.last_id = rows[-1].id if rows else newest
        self._mark_saved(cached.tracker)
        return True

    def _load(self, session: Any, sender_id: str) -> DialogueStateTracker:
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots, max_event_history=self.max_events
        )
        self._mark_saved(tracker)
        self._remember(tracker, rows[-1].id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events appended since this tracker was loaded or last saved."""
        if not hasattr(tracker, SAVED_MARKER):
            # A tracker this store did not produce (a new one, or a full tracker from the HTTP API): Rasa's way.
            await super().save(tracker)
            self._cache.pop(tracker.sender_id, None)
            return
        new_events = self._unsaved(tracker)
        if not new_events:
            return
        await self.stream_events(tracker)
        rows = [self._row(tracker.sender_id, event) for event in new_events]
        last_id = await self._off_loop(self._insert_rows, tracker.sender_id, rows)
        self._mark_saved(tracker)
        if any(isinstance(event, SessionStarted) for event in new_events) and _holds_an_earlier_session(tracker):
            # Rasa hands out the latest session only: read it afresh next turn instead of the window across sessions.
            self._cache.pop(tracker.sender_id, None)
        else:
            self._remember(tracker, last_id)

    async def _off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """Run a statement of the hot path: in a thread for a database server, on the event loop for SQLite.

        A PostgreSQL round trip blocks the loop while the server answers, and a thread lets other conversations run
        meanwhile. SQLite answers from this process in a fraction of the thread hand-off's cost.
        """
        if self.engine.dialect.name == "sqlite":
            return work(*args)
        return await asyncio.to_thread(work, *args)

    def _newest(self, sender_id: str) -> int | None:
        with self.engine.connect() as connection:
            newest = connection.execute(self._newest_id, {"sender_id": sender_id}).scalar()
        return None if newest is None else int(newest)

    def _insert_rows(self, sender_id: str, rows: list[dict[str, Any]]) -> int:
        """Insert one turn's rows in one transaction; the database id of the last one."""
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)
            # Rasa's lock store lets one turn of a conversation run at a time: the newest id is our last row.
            return int(connection.execute(self._newest_id, {"sender_id": sender_id}).scalar_one())

    def _unsaved(self, tracker: DialogueStateTracker) -> list[Event]:
        marker = getattr(tracker, SAVED_MARKER)
        new: list[Event] = []
        for event in reversed(tracker.events):
            if event is marker:
                break
            new.append(event)
        else:
            if marker is not None:
                # The window moved past the last saved event within one turn: max_events is far too small.
                raise RuntimeError(
                    f"conversation {tracker.sender_id!r} appended more than {self.max_events} events in one turn; "
                    "raise max_events of the tracker store"
                )
        new.reverse()
        return new

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        """The values of Rasa's `events` table for one event."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    @staticmethod
    def _mark_saved(tracker: DialogueStateTracker) -> None:
        setattr(tracker, SAVED_MARKER, tracker.events[-1] if tracker.events else None)

    def _remember(self, tracker: DialogueStateTracker, last_id: int) -> None:
        self._cache[tracker.sender_id] = CachedTracker(tracker, last_id)
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def _holds_an_earlier_session(tracker: DialogueStateTracker) -> bool:
    """True when the window has events of a session before the latest one (a new conversation's has none)."""
    starts = [index for index, event in enumerate(tracker.events) if isinstance(event, SessionStarted)]
    if not starts:
        return False
    before = list(tracker.events)[: starts[-1]]
    return any(
        not (isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME) for event in before
    )


def install_wrapper_delegation() -> None:
    """Make the stores Rasa wraps ours in ask ours for new trackers (installed by bot/patches.py, idempotent).

    Rasa's agent wraps the configured store in a `FailSafeTrackerStore` (and synchronous stores in an
    `AwaitableTrackerStore`); neither passes `init_tracker` on, so a new conversation's tracker came from the base
    class, unwindowed and unmarked: its first save went Rasa's slow way and its second turn read it back in full.
    Delegating changes nothing for other stores (their `init_tracker` is the same base method, with their own
    history limit).
    """
    for wrapper in (AwaitableTrackerStore, FailSafeTrackerStore):
        if "init_tracker" not in vars(wrapper):
            wrapper.init_tracker = _delegated_init_tracker


def _delegated_init_tracker(self: AwaitableTrackerStore | FailSafeTrackerStore, sender_id: str) -> DialogueStateTracker:
    return self._tracker_store.init_tracker(sender_id)


def _sqlite_wal(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
