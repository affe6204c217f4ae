"""Queue and agent figures: the routing view of every queue, the live agent states, a handoff's place in its queue,
and the one queue snapshot that the dashboard, the Prometheus gauges and the admin queue list all show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from handoff.routing.assign import AgentState
from handoff.routing.hours import is_open, next_opening
from handoff.routing.router import QueueState
from handoff.routing.wait import expected_wait_seconds
from handoff.services.routing_state import (
    QueueConfig,
    RoutingConfig,
    online_by_queue,
    routing_state,
    session_reads,
)
from handoff.states import HandoffStatus
from handoff.store.models import Agent, Handoff


def active_counts(session: Session) -> dict[str, int]:
    """Open assigned conversations per agent."""
    rows = session.execute(
        select(Handoff.agent_id, func.count())
        .where(Handoff.status == HandoffStatus.ASSIGNED)
        .group_by(Handoff.agent_id)
    )
    return {agent_id: count for agent_id, count in rows if agent_id}


def agent_loads(session: Session) -> dict[str, int]:
    """Open assigned conversations per agent, read once per session until a transition changes them."""
    reads = session_reads(session)
    if reads.loads is None:
        reads.loads = active_counts(session)
    return reads.loads


def routing_config(session: Session) -> RoutingConfig:
    """Queues, calendars and agents as routing sees them (cached per process, reloaded when they change)."""
    return routing_state(session).config(session)


def queue_config(session: Session, name: str) -> QueueConfig | None:
    """One queue's settings from the routing configuration."""
    return routing_config(session).queue(name)


def agent_states(session: Session, now: datetime | None = None) -> list[AgentState]:
    """Every agent who may work (not disabled, deleted or, given ``now``, expired) with its current load
    and idle time (both live: they change with every claim)."""
    counts = active_counts(session)
    query = select(
        Agent.id, Agent.status, Agent.languages, Agent.skills, Agent.queues, Agent.max_concurrent, Agent.idle_since
    ).where(Agent.disabled.is_(False), Agent.deleted_at.is_(None))
    if now is not None:
        query = query.where(Agent.expires_at.is_(None) | (Agent.expires_at > now))
    rows = session.execute(query)
    return [
        AgentState(
            id=agent_id,
            status=status,
            languages=frozenset(languages),
            skills=frozenset(skills),
            queues=frozenset(queues),
            active=counts.get(agent_id, 0),
            max_concurrent=max_concurrent,
            idle_since=idle_since,
        )
        for agent_id, status, languages, skills, queues, max_concurrent, idle_since in rows
    ]


def queue_states(
    session: Session, window: int, default_handle: float, now: datetime, *, translation: bool = False
) -> list[QueueState]:
    """Routing view of every queue: schedule, depth, staffing and recent handling time; languages served through
    translation only when ``translation``. Configuration comes from the process's cache; depths, loads and
    handling times are exact at the time of the call."""
    state = routing_state(session)
    reads = state.read_live(session)
    assert reads.config is not None and reads.queued is not None and reads.loads is not None
    config, depths, counts = reads.config, reads.queued, reads.loads
    handle = state.handle_seconds(session, window, default_handle, now)
    online = online_by_queue(config.agents, now)
    states = []
    for queue in config.queues:
        staff = online.get(queue.name, [])
        states.append(
            QueueState(
                name=queue.name,
                languages=queue.languages,
                skills=queue.skills,
                schedule=queue.schedule,
                overflow_queue=queue.overflow_queue,
                depth=depths.get(queue.name, 0),
                agents_online=len(staff),
                free_slots=sum(max(0, a.max_concurrent - counts.get(a.id, 0)) for a in staff),
                avg_handle_seconds=handle.get(queue.name, default_handle),
                region=queue.region,
                capacity=queue.capacity,
                translation_languages=queue.translation_languages if translation else frozenset(),
            )
        )
    return states


# Built once with parameters: constructing the statement per call costs more than running it.
_AHEAD_IN_QUEUE = select(func.count()).where(
    Handoff.queue == bindparam("queue"),
    Handoff.status == HandoffStatus.QUEUED,
    Handoff.id != bindparam("id"),
    or_(
        Handoff.priority_rank < bindparam("rank"),
        and_(Handoff.priority_rank == bindparam("rank"), Handoff.queued_at < bindparam("queued_at")),
        and_(
            Handoff.priority_rank == bindparam("rank"),
            Handoff.queued_at == bindparam("queued_at"),
            Handoff.id < bindparam("id"),
        ),
    ),
)
_AGENT_LOAD = select(func.count()).where(
    Handoff.status == HandoffStatus.ASSIGNED, Handoff.agent_id == bindparam("agent_id")
)


def agent_load(session: Session, agent_id: str) -> int:
    """Open assigned conversations of one agent (an indexed count)."""
    return int(session.scalar(_AGENT_LOAD, {"agent_id": agent_id}) or 0)


def position_of(session: Session, handoff: Handoff) -> int:
    """1-based place in its queue, in claim order: priority, then longest waiting, then id."""
    ahead = session.scalar(
        _AHEAD_IN_QUEUE,
        {"queue": handoff.queue, "id": handoff.id, "rank": handoff.priority_rank, "queued_at": handoff.queued_at},
    )
    return int(ahead or 0) + 1


def expected_wait_for(
    session: Session, handoff: Handoff, position: int, now: datetime, window: int, default_handle: float
) -> int:
    """Expected wait of a queued handoff at ``position`` from its queue's staffing and history."""
    state = routing_state(session)
    staff = online_by_queue(state.config(session).agents, now).get(handoff.queue, [])
    opens_in = 0.0
    if handoff.opens_at is not None and handoff.opens_at > now:
        opens_in = (handoff.opens_at - now).total_seconds()
    free_slots = 0
    if staff and not opens_in:
        counts = agent_loads(session)
        free_slots = sum(max(0, a.max_concurrent - counts.get(a.id, 0)) for a in staff)
    return expected_wait_seconds(
        position=position,
        agents_online=len(staff),
        free_slots=free_slots,
        avg_handle_seconds=state.handle_seconds(session, window, default_handle, now).get(
            handoff.queue, default_handle
        ),
        opens_in_seconds=opens_in,
    )


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """Live figures of one queue; the dashboard, the gauges and the admin views all show these."""

    name: str
    config: QueueConfig
    open_now: bool
    opens_at: datetime | None
    depth: int
    longest_wait_seconds: float | None
    sla_breaching: int
    agents_online: int


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def queue_snapshot(session: Session, now: datetime) -> list[QueueSnapshot]:
    """Every queue's depth, longest wait (since it entered its current queue), SLA-breaching count, online agents
    (online and allowed to work) and opening state, by name."""
    state = routing_state(session)
    config = state.config(session)
    depths = state.queued(session)
    oldest = {
        queue: _aware(at)
        for queue, at in session.execute(
            select(Handoff.queue, func.min(Handoff.queued_at))
            .where(Handoff.status == HandoffStatus.QUEUED)
            .group_by(Handoff.queue)
        )
        if at is not None
    }
    late = [
        and_(Handoff.queue == q.name, Handoff.queued_at < now - timedelta(seconds=q.sla_seconds))
        for q in config.queues
        if q.name in oldest and oldest[q.name] < now - timedelta(seconds=q.sla_seconds)
    ]
    breaching: dict[str, int] = {}
    if late:
        breaching = {
            queue: int(count)
            for queue, count in session.execute(
                select(Handoff.queue, func.count())
                .where(Handoff.status == HandoffStatus.QUEUED, or_(*late))
                .group_by(Handoff.queue)
            )
        }
    online = online_by_queue(config.agents, now)
    snapshots = []
    for queue in config.queues:
        open_now = is_open(queue.schedule, now)
        snapshots.append(
            QueueSnapshot(
                name=queue.name,
                config=queue,
                open_now=open_now,
                opens_at=None if open_now else next_opening(queue.schedule, now),
                depth=depths.get(queue.name, 0),
                longest_wait_seconds=max(0.0, (now - oldest[queue.name]).total_seconds())
                if queue.name in oldest
                else None,
                sla_breaching=breaching.get(queue.name, 0),
                agents_online=len(online.get(queue.name, [])),
            )
        )
    return snapshots
