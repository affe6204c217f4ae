"""Per-queue routing state kept in the process and checked against the database, instead of re-read per creation.

Three parts, each with its own freshness rule, so every worker on a shared database routes on exact figures:

- configuration (queues, holiday calendars, agents' routing columns) is reloaded when ``routing_version`` moved;
  database triggers bump it on every change, whichever process or code path made it;
- queued counts come from ``queue_counters``, which triggers keep in the writing transaction (one small read);
- recent handling times are recomputed when the newest close changed, or when the cached figure is a minute old
  (the history window slides with time).

Agents' open-conversation counts change with every claim and close and are read per call (an indexed count).
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Engine, String, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect

from handoff.routing.hours import Schedule, build_schedule
from handoff.routing.wait import average_handle_seconds
from handoff.states import HandoffStatus
from handoff.store.models import Agent, Handoff, HolidayCalendar, Queue, QueueCounter, RoutingVersion

# Handling times older than this do not feed the expected wait.
RECENT_HISTORY = timedelta(days=7)
# How long recent handling times are reused while no handoff closes.
HANDLE_TIMES_TTL = timedelta(seconds=60)


@lru_cache(maxsize=1024)
def cached_schedule(timezone: str, hours_json: str, holidays: tuple[str, ...]) -> Schedule:
    """Parsed schedules are immutable: parse each distinct definition once per process."""
    return build_schedule(timezone, json.loads(hours_json), holidays)


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """A queue's settings as routing and the views need them."""

    name: str
    languages: frozenset[str]
    skills: frozenset[str]
    translation_languages: frozenset[str]
    schedule: Schedule
    timezone: str
    overflow_queue: str | None
    region: str
    capacity: int | None
    auto_assign: bool
    prefer_last_agent: bool
    sla_seconds: int


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """An agent's routing columns (its load and idle time are live figures, not cached)."""

    id: str
    status: str
    languages: frozenset[str]
    skills: frozenset[str]
    queues: frozenset[str]
    max_concurrent: int
    usable: bool
    expires_at: datetime | None

    def works(self, now: datetime) -> bool:
        """Not disabled, deleted or expired at ``now``."""
        return self.usable and (self.expires_at is None or self.expires_at > now)

    def online(self, now: datetime) -> bool:
        """Online and allowed to work at ``now``."""
        return self.status == "online" and self.works(now)


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    """Everything routing reads that changes only when someone edits queues, calendars or agents."""

    version: int | None
    queues: tuple[QueueConfig, ...]
    agents: tuple[AgentConfig, ...]

    def queue(self, name: str) -> QueueConfig | None:
        """The queue called ``name``, if any."""
        return next((q for q in self.queues if q.name == name), None)


@dataclass(slots=True)
class _HandleTimes:
    newest_close: datetime | None
    computed_at: datetime
    by_queue: dict[str, list[float]]
    # Averages per default handling time, worked out once per refresh rather than once per creation.
    averages: dict[float, dict[str, float]] = field(default_factory=dict)

    def averaged(self, default: float) -> dict[str, float]:
        """Average handling time per queue with history."""
        found = self.averages.get(default)
        if found is None:
            found = {queue: average_handle_seconds(values, default) for queue, values in self.by_queue.items()}
            self.averages[default] = found
        return found


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_config(session: Session, version: int | None) -> RoutingConfig:
    """Read queues, calendars and agents into immutable routing types."""
    calendars = {c.name: tuple(c.dates) for c in session.scalars(select(HolidayCalendar))}
    queues = tuple(
        QueueConfig(
            name=q.name,
            languages=frozenset(q.languages),
            skills=frozenset(q.skills),
            translation_languages=frozenset(q.translation_languages),
            schedule=cached_schedule(
                q.timezone,
                json.dumps(q.hours, sort_keys=True),
                calendars.get(q.holiday_calendar, ()) if q.holiday_calendar else (),
            ),
            timezone=q.timezone,
            overflow_queue=q.overflow_queue,
            region=q.region,
            capacity=q.capacity,
            auto_assign=q.auto_assign,
            prefer_last_agent=q.prefer_last_agent,
            sla_seconds=q.sla_seconds,
        )
        for q in session.scalars(select(Queue).order_by(Queue.name))
    )
    rows = session.execute(
        select(
            Agent.id,
            Agent.status,
            Agent.languages,
            Agent.skills,
            Agent.queues,
            Agent.max_concurrent,
            Agent.disabled,
            Agent.deleted_at,
            Agent.expires_at,
        ).order_by(Agent.id)
    )
    agents = tuple(
        AgentConfig(
            id=agent_id,
            status=status,
            languages=frozenset(languages),
            skills=frozenset(skills),
            queues=frozenset(queues_),
            max_concurrent=max_concurrent,
            usable=not disabled and deleted_at is None,
            expires_at=expires_at,
        )
        for agent_id, status, languages, skills, queues_, max_concurrent, disabled, deleted_at, expires_at in rows
    )
    return RoutingConfig(version, queues, agents)


def _handle_times(session: Session, window: int, since: datetime) -> dict[str, list[float]]:
    """Claim-to-close durations of each queue's last ``window`` handoffs closed after ``since`` (one query)."""
    ranked = (
        select(
            Handoff.queue,
            Handoff.assigned_at,
            Handoff.closed_at,
            func.row_number().over(partition_by=Handoff.queue, order_by=Handoff.closed_at.desc()).label("rank"),
        )
        .where(Handoff.closed_at >= since, Handoff.assigned_at.is_not(None))
        .subquery()
    )
    durations: dict[str, list[float]] = {}
    for queue, assigned, closed in session.execute(
        select(ranked.c.queue, ranked.c.assigned_at, ranked.c.closed_at).where(ranked.c.rank <= window)
    ):
        if assigned is not None and closed is not None:
            durations.setdefault(queue, []).append((_aware(closed) - _aware(assigned)).total_seconds())
    return durations


# Built once: constructing this statement per creation cost more than running it.
_LIVE_READS: CompoundSelect[Any] = union_all(
    select(
        literal("version").label("kind"),
        cast(None, String).label("key"),
        cast(RoutingVersion.version, BigInteger).label("number"),
        select(func.max(Handoff.closed_at)).scalar_subquery().label("at"),
    ).where(RoutingVersion.id == 1),
    select(literal("queued"), QueueCounter.queue, cast(QueueCounter.queued, BigInteger), null()),
    select(literal("load"), Handoff.agent_id, cast(func.count(), BigInteger), null())
    .where(Handoff.status == HandoffStatus.ASSIGNED, Handoff.agent_id.is_not(None))
    .group_by(Handoff.agent_id),
)


_VERSION_READ = select(RoutingVersion.version, select(func.max(Handoff.closed_at)).scalar_subquery()).where(
    RoutingVersion.id == 1
)


class RoutingState:
    """The routing state of one database, shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._config: RoutingConfig | None = None
        self._handle: dict[int, _HandleTimes] = {}

    def config(self, session: Session) -> RoutingConfig:
        """The cached configuration, reloaded first when the database's version moved (checked once per session:
        one request routes on one consistent configuration)."""
        reads = _reads(session)
        if reads.config is None:
            row = session.execute(_VERSION_READ).one_or_none()
            version, newest = row if row is not None else (None, None)
            self._use(session, reads, version, newest)
        assert reads.config is not None
        return reads.config

    def _use(self, session: Session, reads: SessionReads, version: int | None, newest: datetime | None) -> None:
        reads.newest_close = _aware(newest) if newest is not None else None
        config = self._config
        if config is None or version is None or config.version != version:
            config = load_config(session, version)
            with self._lock:
                self._config = config
        reads.config = config

    def read_live(self, session: Session) -> SessionReads:
        """Configuration version, newest close, queued counts and agents' loads in one round trip."""
        reads = _reads(session)
        if reads.config is not None and reads.queued is not None and reads.loads is not None:
            return reads
        version: int | None = None
        newest: datetime | None = None
        queued: dict[str, int] = {}
        loads: dict[str, int] = {}
        for row in session.execute(_LIVE_READS):
            row_kind, row_key, row_number, row_at = tuple(row)
            if row_kind == "version":
                version, newest = row_number, row_at
            elif row_kind == "queued":
                queued[row_key] = int(row_number)
            else:
                loads[row_key] = int(row_number)
        self._use(session, reads, version, newest)
        reads.queued, reads.loads = queued, loads
        return reads

    def queued(self, session: Session) -> dict[str, int]:
        """Queued handoffs per queue (exact: kept by triggers)."""
        return {queue: int(count) for queue, count in session.execute(select(QueueCounter.queue, QueueCounter.queued))}

    def handle_seconds(self, session: Session, window: int, default: float, now: datetime) -> dict[str, float]:
        """Average recent handling time per queue (queues without history are absent: use ``default``)."""
        reads = _reads(session)
        if reads.handle is not None:
            return reads.handle
        self.config(session)
        newest = reads.newest_close
        cached = self._handle.get(window)
        if cached is None or cached.newest_close != newest or now - cached.computed_at >= HANDLE_TIMES_TTL:
            cached = _HandleTimes(newest, now, _handle_times(session, window, now - RECENT_HISTORY))
            with self._lock:
                self._handle[window] = cached
        reads.handle = cached.averaged(default)
        return reads.handle


@dataclass(slots=True)
class SessionReads:
    """What one session has read of the routing state; agents' loads are dropped by every transition."""

    config: RoutingConfig | None = None
    newest_close: datetime | None = None
    handle: dict[str, float] | None = None
    loads: dict[str, int] | None = None
    queued: dict[str, int] | None = None


def _reads(session: Session) -> SessionReads:
    reads = session.info.get("routing_reads")
    if not isinstance(reads, SessionReads):
        reads = session.info["routing_reads"] = SessionReads()
    return reads


def session_reads(session: Session) -> SessionReads:
    """The session's routing reads (created on first use)."""
    return _reads(session)


def forget_loads(session: Session) -> None:
    """Agents' loads changed in this session: read them again next time."""
    reads = session.info.get("routing_reads")
    if isinstance(reads, SessionReads):
        reads.loads = None
        reads.queued = None


_STATES: weakref.WeakKeyDictionary[Engine, RoutingState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def routing_state(session: Session) -> RoutingState:
    """The process's routing state for the session's database."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    state = _STATES.get(engine)
    if state is None:
        with _STATES_LOCK:
            state = _STATES.setdefault(engine, RoutingState())
    return state


def online_by_queue(agents: tuple[AgentConfig, ...], now: datetime) -> Mapping[str, list[AgentConfig]]:
    """Online, working agents of each queue (callers must not change the lists: they are shared)."""
    with _ONLINE_LOCK:
        cached = _ONLINE.get(id(agents))
    if cached is not None and cached.agents is agents and cached.holds(now):
        return cached.by_queue
    entry = _online_entry(agents, now)
    with _ONLINE_LOCK:
        if len(_ONLINE) >= _ONLINE_SIZE:
            _ONLINE.clear()
        _ONLINE[id(agents)] = entry
    return entry.by_queue


@dataclass(frozen=True, slots=True)
class _OnlineEntry:
    """Who is online per queue, unchanged for every instant in ``[since, until)`` (``None``: unbounded): only an
    expiry can change the answer for the same configuration."""

    agents: tuple[AgentConfig, ...]
    by_queue: Mapping[str, list[AgentConfig]]
    since: datetime | None
    until: datetime | None

    def holds(self, now: datetime) -> bool:
        """Whether the answer computed for another instant is the answer at ``now``."""
        return (self.since is None or self.since <= now) and (self.until is None or now < self.until)


_ONLINE: dict[int, _OnlineEntry] = {}
_ONLINE_LOCK = threading.Lock()
# A few configurations live at once (one per database, briefly two across a reload).
_ONLINE_SIZE = 8


def _online_entry(agents: tuple[AgentConfig, ...], now: datetime) -> _OnlineEntry:
    result: dict[str, list[AgentConfig]] = {}
    for agent in agents:
        if agent.online(now):
            for name in agent.queues:
                result.setdefault(name, []).append(agent)
    expiries = [a.expires_at for a in agents if a.expires_at is not None]
    since = max((e for e in expiries if e <= now), default=None)
    until = min((e for e in expiries if e > now), default=None)
    return _OnlineEntry(agents, result, since, until)
