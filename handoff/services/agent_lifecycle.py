"""An agent's life after creation: disable, enable, delete (soft or hard), token rotation and expiry.

Every change is audited, a token that stops working stops at once (tokens are looked up per request), and the
open conversations of an agent who can no longer work go back to their queue.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handoff.adapters.events import Event
from handoff.adapters.metrics import Metrics
from handoff.auth import Principal
from handoff.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from handoff.schemas import AgentOut, TokenRotated
from handoff.secrets_store import hash_token
from handoff.services.assignment import auto_assign_queue
from handoff.services.context import ServiceContext
from handoff.services.queue_stats import active_counts
from handoff.services.transitions import audit, transition
from handoff.states import AgentRole, AgentStatus, HandoffStatus
from handoff.store.models import Agent, Handoff, RealtimeTicket


def new_token() -> str:
    """A fresh agent bearer token."""
    return secrets.token_urlsafe(24)


def may_manage(caller: Principal, target_role: str) -> bool:
    """Supervisors manage agents and supervisors; only admins touch an admin."""
    if not caller.is_manager:
        return False
    return caller.is_admin or target_role != AgentRole.ADMIN


def check_may_manage(caller: Principal, target: Agent) -> None:
    """Raise 403 when ``caller`` may not change ``target``."""
    if not may_manage(caller, target.role):
        raise PermissionDeniedError(f"only admins may change the admin {target.id!r}")


def check_expiry(expires_at: datetime | None, now: datetime) -> None:
    """An expiry must lie in the future (an expired token would be useless from the start)."""
    if expires_at is not None and expires_at <= now:
        raise InvalidInputError("expires_at", "must be in the future")


def _load(session: Session, agent_id: str, *, include_deleted: bool = False) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or (agent.deleted_at is not None and not include_deleted):
        raise NotFoundError("agent", agent_id)
    return agent


def _requeue_open(
    session: Session, agent_id: str, actor: str, reason: str, now: datetime, metrics: Metrics
) -> list[Event]:
    """Put the agent's assigned handoffs back into their queues (audited), then let auto-assignment run."""
    events: list[Event] = []
    queues: set[str] = set()
    owned = session.scalars(
        select(Handoff).where(Handoff.agent_id == agent_id, Handoff.status == HandoffStatus.ASSIGNED)
    ).all()
    for handoff in owned:
        updated = transition(
            session,
            handoff.id,
            expected=(HandoffStatus.ASSIGNED,),
            to_status=HandoffStatus.QUEUED,
            actor=actor,
            action="requeued",
            at=now,
            changes={"agent_id": None, "assigned_at": None, "queued_at": now},
            details={"from_agent": agent_id, "reason": reason},
        )
        queues.add(updated.queue)
        events.append(
            Event(
                "handoff.transferred",
                updated.id,
                updated.queue,
                frozenset({agent_id}),
                {"from_queue": updated.queue, "to_queue": updated.queue, "agent_id": None, "reason": reason},
            )
        )
    session.flush()
    for queue in sorted(queues):
        events += auto_assign_queue(session, queue, now, metrics)
    return events


def _out(session: Session, agent: Agent) -> AgentOut:
    out = AgentOut.model_validate(agent)
    out.active = active_counts(session).get(agent.id, 0)
    return out


def set_disabled(ctx: ServiceContext, caller: Principal, agent_id: str, disabled: bool) -> AgentOut:
    """Disable (token refused, status offline, conversations back to the queue) or enable an agent."""
    now = ctx.clock()
    events: list[Event] = []
    with ctx.sessions() as session:
        agent = _load(session, agent_id)
        check_may_manage(caller, agent)
        agent.disabled = disabled
        if disabled:
            agent.status = AgentStatus.OFFLINE
            _drop_tickets(session, agent_id)
        audit(
            session,
            at=now,
            actor=caller.actor,
            action="agent_disabled" if disabled else "agent_enabled",
            handoff_id=None,
            details={"agent_id": agent_id},
        )
        if disabled:
            events = _requeue_open(session, agent_id, caller.actor, "agent_disabled", now, ctx.metrics)
        session.commit()
        out = _out(session, agent)
    ctx.hub.publish(events)
    return out


def delete_agent(ctx: ServiceContext, caller: Principal, agent_id: str, *, hard: bool) -> None:
    """Soft delete (row kept for the audit trail, token destroyed) or hard delete; conversations go back."""
    now = ctx.clock()
    with ctx.sessions() as session:
        agent = _load(session, agent_id, include_deleted=hard)
        check_may_manage(caller, agent)
        if caller.agent_id == agent_id:
            raise PermissionDeniedError("you cannot delete yourself")
        agent.disabled = True
        agent.status = AgentStatus.OFFLINE
        session.flush()
        events = _requeue_open(session, agent_id, caller.actor, "agent_deleted", now, ctx.metrics)
        _drop_tickets(session, agent_id)
        audit(
            session,
            at=now,
            actor=caller.actor,
            action="agent_deleted",
            handoff_id=None,
            details={"agent_id": agent_id, "hard": hard},
        )
        if hard:
            session.delete(agent)
        else:
            agent.deleted_at = now
            agent.token_hash = hash_token(new_token())  # the old token can never match again
        session.commit()
    ctx.hub.publish(events)


def rotate_token(ctx: ServiceContext, caller: Principal, agent_id: str, expires_at: datetime | None) -> TokenRotated:
    """Replace the agent's token (the old one stops working at once); the new one is returned only here."""
    now = ctx.clock()
    check_expiry(expires_at, now)
    token = new_token()
    with ctx.sessions() as session:
        agent = _load(session, agent_id)
        if caller.agent_id != agent_id:
            check_may_manage(caller, agent)
        agent.token_hash = hash_token(token)
        agent.token_rotated_at = now
        agent.expires_at = expires_at
        _drop_tickets(session, agent_id)
        audit(
            session,
            at=now,
            actor=caller.actor,
            action="agent_token_rotated",
            handoff_id=None,
            details={"agent_id": agent_id, "expires_at": expires_at.isoformat() if expires_at else None},
        )
        session.commit()
    return TokenRotated(agent_id=agent_id, token=token, expires_at=expires_at)


def _drop_tickets(session: Session, agent_id: str) -> None:
    """Unredeemed WebSocket tickets of the agent die with the old token."""
    session.execute(delete(RealtimeTicket).where(RealtimeTicket.agent_id == agent_id))
