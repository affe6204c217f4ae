"""Reads queues, holidays and agents from the database into the pure routing types."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from handoff.routing.assign import AgentState
from handoff.routing.hours import Schedule, build_schedule
from handoff.routing.router import QueueState
from handoff.routing.wait import average_handle_seconds, expected_wait_seconds
from handoff.store.models import Agent, Handoff, HolidayCalendar, Queue

# Handling times older than this do not feed the expected wait.
RECENT_HISTORY = timedelta(days=7)


@lru_cache(maxsize=1024)
def cached_schedule(timezone: str, hours_json: str, holidays: tuple[str, ...]) -> Schedule:
    """Parsed schedules are immutable: parse each distinct definition once per process."""
    return build_schedule(timezone, json.loads(hours_json), holidays)


def schedule_for(session: Session, queue: Queue) -> Schedule:
    """The queue's schedule with its holiday calendar."""
    holidays: list[str] = []
    if queue.holiday_calendar:
        calendar = session.get(HolidayCalendar, queue.holiday_calendar)
        holidays = list(calendar.dates) if calendar else []
    return cached_schedule(queue.timezone, json.dumps(queue.hours, sort_keys=True), tuple(holidays))


def active_counts(session: Session) -> dict[str, int]:
    """Open assigned conversations per agent."""
    rows = session.execute(
        select(Handoff.agent_id, func.count()).where(Handoff.status == "assigned").group_by(Handoff.agent_id)
    )
    return {agent_id: count for agent_id, count in rows if agent_id}


def agent_states(session: Session, now: datetime | None = None) -> list[AgentState]:
    """Every agent who may work (not disabled, deleted or, given ``now``, expired) with its current load
    (plain columns: no ORM identity-map cost per agent)."""
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


def recent_handle_seconds(session: Session, queue: str, window: int, default: float) -> float:
    """Average claim-to-close time of the queue's last ``window`` closed handoffs."""
    rows = session.execute(
        select(Handoff.assigned_at, Handoff.closed_at)
        .where(Handoff.queue == queue, Handoff.closed_at.is_not(None), Handoff.assigned_at.is_not(None))
        .order_by(Handoff.closed_at.desc())
        .limit(window)
    ).all()
    durations = [(closed - assigned).total_seconds() for assigned, closed in rows if closed and assigned]
    return average_handle_seconds(durations, default)


def queue_depths(session: Session) -> dict[str, int]:
    """Queued handoffs per queue."""
    rows = session.execute(
        select(Handoff.queue, func.count()).where(Handoff.status == "queued").group_by(Handoff.queue)
    )
    return {queue: int(count) for queue, count in rows}


def recent_handle_seconds_by_queue(session: Session, window: int, since: datetime) -> dict[str, list[float]]:
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
            assigned_at = assigned if assigned.tzinfo else assigned.replace(tzinfo=UTC)
            closed_at = closed if closed.tzinfo else closed.replace(tzinfo=UTC)
            durations.setdefault(queue, []).append((closed_at - assigned_at).total_seconds())
    return durations


def queue_states(
    session: Session, window: int, default_handle: float, now: datetime, *, translation: bool = False
) -> list[QueueState]:
    """Routing view of every queue: schedule, depth, staffing and recent handling time (a fixed number of
    queries whatever the number of queues); languages served through translation only when ``translation``."""
    depths = queue_depths(session)
    agents = agent_states(session, now)
    calendars = {c.name: list(c.dates) for c in session.scalars(select(HolidayCalendar))}
    handle = recent_handle_seconds_by_queue(session, window, now - RECENT_HISTORY)
    online_by_queue: dict[str, list[AgentState]] = {}
    for agent in agents:
        if agent.status == "online":
            for name in agent.queues:
                online_by_queue.setdefault(name, []).append(agent)
    states = []
    for queue in session.scalars(select(Queue).order_by(Queue.name)):
        online = online_by_queue.get(queue.name, [])
        holidays = calendars.get(queue.holiday_calendar, []) if queue.holiday_calendar else []
        states.append(
            QueueState(
                name=queue.name,
                languages=frozenset(queue.languages),
                skills=frozenset(queue.skills),
                schedule=cached_schedule(queue.timezone, json.dumps(queue.hours, sort_keys=True), tuple(holidays)),
                overflow_queue=queue.overflow_queue,
                depth=depths.get(queue.name, 0),
                agents_online=len(online),
                free_slots=sum(max(0, a.max_concurrent - a.active) for a in online),
                avg_handle_seconds=average_handle_seconds(handle.get(queue.name, []), default_handle),
                region=queue.region,
                capacity=queue.capacity,
                translation_languages=frozenset(queue.translation_languages) if translation else frozenset(),
            )
        )
    return states


def position_of(session: Session, handoff: Handoff) -> int:
    """1-based place in its queue, in claim order: priority, then longest waiting, then id."""
    ahead = session.scalar(
        select(func.count()).where(
            Handoff.queue == handoff.queue,
            Handoff.status == "queued",
            Handoff.id != handoff.id,
            or_(
                Handoff.priority_rank < handoff.priority_rank,
                and_(Handoff.priority_rank == handoff.priority_rank, Handoff.queued_at < handoff.queued_at),
                and_(
                    Handoff.priority_rank == handoff.priority_rank,
                    Handoff.queued_at == handoff.queued_at,
                    Handoff.id < handoff.id,
                ),
            ),
        )
    )
    return int(ahead or 0) + 1


def expected_wait_for(
    session: Session, handoff: Handoff, position: int, now: datetime, window: int, default_handle: float
) -> int:
    """Expected wait of a queued handoff at ``position`` from its queue's staffing and history."""
    online: Sequence[AgentState] = [
        a for a in agent_states(session, now) if a.status == "online" and handoff.queue in a.queues
    ]
    opens_in = 0.0
    if handoff.opens_at is not None and handoff.opens_at > now:
        opens_in = (handoff.opens_at - now).total_seconds()
    return expected_wait_seconds(
        position=position,
        agents_online=len(online),
        free_slots=0 if opens_in else sum(max(0, a.max_concurrent - a.active) for a in online),
        avg_handle_seconds=recent_handle_seconds(session, handoff.queue, window, default_handle),
        opens_in_seconds=opens_in,
    )
