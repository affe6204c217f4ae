"""Supervisor/admin management of queues and agents, queue overviews and the audit log."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handoff.auth import Principal
from handoff.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from handoff.routing.hours import ScheduleError, build_schedule, normalise_hours
from handoff.schemas import AgentCreated, AgentIn, AgentOut, AgentPatch, AuditOut, QueueIn, QueueOut
from handoff.secrets_store import hash_token
from handoff.services.agent_lifecycle import check_expiry, check_may_manage
from handoff.services.assignment import auto_assign_queue
from handoff.services.context import ServiceContext
from handoff.services.queue_stats import active_counts, queue_snapshot
from handoff.services.transitions import audit
from handoff.states import AgentStatus
from handoff.store.models import Agent, AuditEntry, HolidayCalendar, Queue


def _agent_out(agent: Agent, active: int) -> AgentOut:
    out = AgentOut.model_validate(agent)
    out.active = active
    return out


def get_agent(ctx: ServiceContext, agent_id: str) -> AgentOut:
    """One agent with its current load."""
    with ctx.sessions() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFoundError("agent", agent_id)
        return _agent_out(agent, active_counts(session).get(agent_id, 0))


def list_agents(ctx: ServiceContext, *, include_deleted: bool = False) -> list[AgentOut]:
    """Every agent with its current load (soft-deleted ones only on request)."""
    query = select(Agent).order_by(Agent.id)
    if not include_deleted:
        query = query.where(Agent.deleted_at.is_(None))
    with ctx.sessions() as session:
        counts = active_counts(session)
        return [_agent_out(a, counts.get(a.id, 0)) for a in session.scalars(query)]


def update_own_status(ctx: ServiceContext, caller: Principal, body: AgentPatch) -> AgentOut:
    """Agents may change only their own status."""
    changed = body.model_dump(exclude_unset=True)
    if set(changed) - {"status"}:
        raise PermissionDeniedError("agents may change only their own status")
    assert caller.agent_id is not None
    return patch_agent(ctx, caller, caller.agent_id, body, self_service=True)


def _check_queues(ctx: ServiceContext, names: list[str]) -> None:
    with ctx.sessions() as session:
        known = set(session.scalars(select(Queue.name)))
    unknown = sorted(set(names) - known)
    if unknown:
        raise InvalidInputError("queues", f"unknown queues {unknown}")


def create_agent(ctx: ServiceContext, caller: Principal, body: AgentIn) -> AgentCreated:
    """Create an agent and return its token once; only admins create admins."""
    if body.role == "admin" and not caller.is_admin:
        raise PermissionDeniedError("only admins create admins")
    _check_queues(ctx, body.queues)
    token = secrets.token_urlsafe(24)
    now = ctx.clock()
    check_expiry(body.expires_at, now)
    with ctx.sessions() as session:
        agent = Agent(**body.model_dump(), token_hash=hash_token(token), idle_since=None)
        session.add(agent)
        audit(
            session, at=now, actor=caller.actor, action="agent_created", handoff_id=None, details={"agent_id": body.id}
        )
        try:
            session.commit()
        except IntegrityError as e:
            raise ConflictError(f"agent {body.id!r} already exists") from e
        return AgentCreated(**_agent_out(agent, 0).model_dump(), token=token)


def patch_agent(
    ctx: ServiceContext, caller: Principal, agent_id: str, body: AgentPatch, *, self_service: bool = False
) -> AgentOut:
    """Update an agent's profile (managers) or status (self)."""
    changed = body.model_dump(exclude_unset=True, exclude_none=True)
    if changed.get("role") == "admin" and not caller.is_admin:
        raise PermissionDeniedError("only admins grant the admin role")
    if "queues" in changed:
        _check_queues(ctx, changed["queues"])
    now = ctx.clock()
    check_expiry(changed.get("expires_at"), now)
    with ctx.sessions() as session:
        agent = session.get(Agent, agent_id)
        if agent is None or agent.deleted_at is not None:
            raise NotFoundError("agent", agent_id)
        if not self_service:
            check_may_manage(caller, agent)
        if agent.disabled and changed.get("status") == "online":
            raise ConflictError(f"agent {agent_id} is disabled; enable it first")
        for key, value in changed.items():
            setattr(agent, key, value)
        if changed.get("status") == "online" and agent.idle_since is None:
            agent.idle_since = now
        audit(
            session,
            at=now,
            actor=caller.actor,
            action="agent_status" if self_service else "agent_updated",
            handoff_id=None,
            details={
                "agent_id": agent_id,
                **{k: v.isoformat() if k == "expires_at" else v for k, v in changed.items()},
            },
        )
        session.commit()
        events = []
        if agent.status == AgentStatus.ONLINE:
            # An agent coming online (or gaining queues/capacity) may take waiting work in auto-assign queues.
            for queue_name in agent.queues:
                events += auto_assign_queue(session, queue_name, now, ctx.metrics)
            session.commit()
        out = _agent_out(agent, active_counts(session).get(agent_id, 0))
    ctx.hub.publish(events)
    return out


def list_queues(ctx: ServiceContext, only: frozenset[str] | None = None) -> list[QueueOut]:
    """Queues with live depth, online agents and opening state."""
    now = ctx.clock()
    with ctx.sessions() as session:
        live = {snap.name: snap for snap in queue_snapshot(session, now)}
        result = []
        for queue in session.scalars(select(Queue).order_by(Queue.name)):
            if (only is not None and queue.name not in only) or queue.name not in live:
                continue
            snap = live[queue.name]
            result.append(
                QueueOut(
                    name=queue.name,
                    region=queue.region,
                    languages=queue.languages,
                    translation_languages=queue.translation_languages,
                    skills=queue.skills,
                    timezone=queue.timezone,
                    hours=queue.hours,
                    holiday_calendar=queue.holiday_calendar,
                    overflow_queue=queue.overflow_queue,
                    capacity=queue.capacity,
                    auto_assign=queue.auto_assign,
                    sla_seconds=queue.sla_seconds,
                    prefer_last_agent=queue.prefer_last_agent,
                    open_now=snap.open_now,
                    opens_at=snap.opens_at,
                    depth=snap.depth,
                    agents_online=snap.agents_online,
                )
            )
        return result


def put_queue(ctx: ServiceContext, caller: Principal, name: str, body: QueueIn) -> QueueOut:
    """Create or replace a queue after validating its hours, calendar and overflow target."""
    try:
        hours = normalise_hours(body.hours)
        build_schedule(body.timezone, hours)
    except ScheduleError as e:
        raise InvalidInputError(e.field, str(e)) from e
    now = ctx.clock()
    with ctx.sessions() as session:
        if body.holiday_calendar and session.get(HolidayCalendar, body.holiday_calendar) is None:
            raise InvalidInputError("holiday_calendar", f"unknown calendar {body.holiday_calendar!r}")
        if body.overflow_queue and body.overflow_queue != name and session.get(Queue, body.overflow_queue) is None:
            raise InvalidInputError("overflow_queue", f"unknown queue {body.overflow_queue!r}")
        data = {**body.model_dump(), "hours": hours}
        queue = session.get(Queue, name)
        if queue is None:
            session.add(Queue(name=name, **data))
        else:
            for key, value in data.items():
                setattr(queue, key, value)
        audit(session, at=now, actor=caller.actor, action="queue_saved", handoff_id=None, details={"queue": name})
        session.commit()
    return next(q for q in list_queues(ctx) if q.name == name)


def put_calendar(ctx: ServiceContext, caller: Principal, name: str, dates: list[str]) -> list[str]:
    """Create or replace a holiday calendar (ISO dates)."""
    from datetime import date

    for index, text in enumerate(dates):
        try:
            date.fromisoformat(text)
        except ValueError as e:
            raise InvalidInputError(f"dates.{index}", f"not an ISO date: {text!r}") from e
    with ctx.sessions() as session:
        calendar = session.get(HolidayCalendar, name)
        if calendar is None:
            session.add(HolidayCalendar(name=name, dates=sorted(set(dates))))
        else:
            calendar.dates = sorted(set(dates))
        audit(
            session,
            at=ctx.clock(),
            actor=caller.actor,
            action="calendar_saved",
            handoff_id=None,
            details={"calendar": name},
        )
        session.commit()
    return sorted(set(dates))


def list_audit(ctx: ServiceContext, handoff_id: str | None, limit: int, offset: int) -> list[AuditOut]:
    """Audit entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if handoff_id is not None:
        query = query.where(AuditEntry.handoff_id == handoff_id)
    with ctx.sessions() as session:
        return [AuditOut.model_validate(e) for e in session.scalars(query)]
