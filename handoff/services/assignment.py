"""Auto-assignment of queued handoffs in ``auto_assign`` queues (uses the pure chooser)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from handoff.adapters.events import Event
from handoff.adapters.metrics import Metrics
from handoff.errors import CapacityError, ConflictError, NotFoundError
from handoff.routing.assign import choose_agent
from handoff.routing.hours import is_open
from handoff.services.queue_stats import agent_load, agent_states, queue_config
from handoff.services.transitions import transition
from handoff.states import HandoffStatus
from handoff.store.models import Agent, Handoff

SYSTEM_ACTOR = "system:auto-assign"

# Built once: constructing the statement per claim costs more than running it.
_MAX_CONCURRENT = select(Agent.max_concurrent).where(Agent.id == bindparam("agent_id")).with_for_update()


def assign(
    session: Session, handoff: Handoff, agent_id: str, *, actor: str, action: str, now: datetime, metrics: Metrics
) -> tuple[Handoff, Event]:
    """Atomically give a queued handoff to ``agent_id``.

    Raises :class:`ConflictError` if someone else won the handoff and :class:`CapacityError` if the
    agent would exceed ``max_concurrent``: the agent row is locked first (PostgreSQL), and the load is
    re-counted after the update, when SQLite already holds its write lock; the caller rolls back.
    """
    queue = queue_config(session, handoff.queue)
    max_concurrent = session.execute(_MAX_CONCURRENT, {"agent_id": agent_id}).scalar_one_or_none()
    if max_concurrent is None:
        raise NotFoundError("agent", agent_id)
    updated = transition(
        session,
        handoff.id,
        expected=(HandoffStatus.QUEUED,),
        to_status=HandoffStatus.ASSIGNED,
        actor=actor,
        action=action,
        at=now,
        changes={"agent_id": agent_id, "assigned_at": now},
        details={"agent_id": agent_id, "queue": handoff.queue},
    )
    if agent_load(session, agent_id) > max_concurrent:
        raise CapacityError(f"agent {agent_id} is at capacity ({max_concurrent} conversations)")
    agent = session.get(Agent, agent_id)
    if agent is not None:
        agent.idle_since = now
    waited = max(0.0, (now - handoff.queued_at).total_seconds())
    metrics.wait_seconds.labels(handoff.queue).observe(waited)
    if queue is not None and waited > queue.sla_seconds:
        metrics.sla_breaches.labels(handoff.queue).inc()
    event = Event(
        "handoff.assigned",
        updated.id,
        updated.queue,
        frozenset({agent_id}),
        {"agent_id": agent_id, "conversation_id": updated.conversation_id},
    )
    return updated, event


def auto_assign_queue(session: Session, queue_name: str, now: datetime, metrics: Metrics) -> list[Event]:
    """Give queued handoffs of an open ``auto_assign`` queue to eligible agents, best first."""
    queue = queue_config(session, queue_name)
    if queue is None or not queue.auto_assign or not is_open(queue.schedule, now):
        return []
    events: list[Event] = []
    waiting = session.scalars(
        select(Handoff)
        .where(Handoff.queue == queue_name, Handoff.status == HandoffStatus.QUEUED)
        .order_by(Handoff.priority_rank, Handoff.queued_at)
        .limit(100)
    ).all()
    for handoff in waiting:
        translated = handoff.language in queue.translation_languages
        agent = choose_agent(agent_states(session, now), queue_name, handoff.language, handoff.topic, translated)
        if agent is None:
            continue
        try:
            _, event = assign(
                session, handoff, agent.id, actor=SYSTEM_ACTOR, action="assigned", now=now, metrics=metrics
            )
        except ConflictError:
            continue
        events.append(event)
    return events
