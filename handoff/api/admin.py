"""Supervisor/admin endpoints: queues, holiday calendars, agents and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from handoff.api.deps import AgentOrManager, Context, Manager
from handoff.schemas import (
    AgentCreated,
    AgentIn,
    AgentOut,
    AgentPatch,
    AuditOut,
    QueueIn,
    QueueOut,
    TokenRotated,
    TokenRotateIn,
)
from handoff.services import admin_ops, agent_lifecycle

router = APIRouter(tags=["admin"])


@router.get("/queues", response_model=list[QueueOut])
def list_queues(ctx: Context, caller: AgentOrManager) -> list[QueueOut]:
    """All queues with live figures."""
    return admin_ops.list_queues(ctx)


@router.put("/queues/{name}", response_model=QueueOut)
def put_queue(name: str, body: QueueIn, ctx: Context, caller: Manager) -> QueueOut:
    """Create or replace a queue (languages, skills, hours with split shifts, time zone, holidays, overflow)."""
    return admin_ops.put_queue(ctx, caller, name, body)


@router.put("/calendars/{name}", response_model=list[str])
def put_calendar(name: str, ctx: Context, caller: Manager, dates: Annotated[list[str], Body(embed=True)]) -> list[str]:
    """Create or replace a holiday calendar of ISO dates."""
    return admin_ops.put_calendar(ctx, caller, name, dates)


@router.get("/agents", response_model=list[AgentOut])
def list_agents(ctx: Context, caller: Manager, include_deleted: bool = False) -> list[AgentOut]:
    """Every agent with current load (soft-deleted agents with ``include_deleted=true``)."""
    return admin_ops.list_agents(ctx, include_deleted=include_deleted)


@router.post("/agents", response_model=AgentCreated, status_code=status.HTTP_201_CREATED)
def create_agent(body: AgentIn, ctx: Context, caller: Manager) -> AgentCreated:
    """Create an agent; the bearer token is in this answer only."""
    return admin_ops.create_agent(ctx, caller, body)


@router.patch("/agents/{agent_id}", response_model=AgentOut)
def patch_agent(agent_id: str, body: AgentPatch, ctx: Context, caller: Manager) -> AgentOut:
    """Change an agent's languages, skills, queues, capacity, role or status."""
    return admin_ops.patch_agent(ctx, caller, agent_id, body)


@router.post("/agents/{agent_id}/disable", response_model=AgentOut)
def disable_agent(agent_id: str, ctx: Context, caller: Manager) -> AgentOut:
    """Refuse the agent's token everywhere (API and WebSocket) and put their open conversations back in the queue."""
    return agent_lifecycle.set_disabled(ctx, caller, agent_id, True)


@router.post("/agents/{agent_id}/enable", response_model=AgentOut)
def enable_agent(agent_id: str, ctx: Context, caller: Manager) -> AgentOut:
    """Accept the agent's token again."""
    return agent_lifecycle.set_disabled(ctx, caller, agent_id, False)


@router.post("/agents/{agent_id}/token", response_model=TokenRotated)
def rotate_token(agent_id: str, ctx: Context, caller: Manager, body: TokenRotateIn | None = None) -> TokenRotated:
    """New token (returned only here, optionally expiring); the old one stops working at once."""
    return agent_lifecycle.rotate_token(ctx, caller, agent_id, body.expires_at if body else None)


@router.delete("/agents/{agent_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_agent(agent_id: str, ctx: Context, caller: Manager, hard: bool = False) -> Response:
    """Delete an agent: soft (kept for the audit trail, token destroyed) or ``hard=true`` (row removed).

    Their open conversations go back to the queue either way.
    """
    agent_lifecycle.delete_agent(ctx, caller, agent_id, hard=hard)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", response_model=list[AuditOut])
def list_audit(
    ctx: Context,
    caller: Manager,
    handoff_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditOut]:
    """Audit entries, newest first, optionally for one handoff."""
    return admin_ops.list_audit(ctx, handoff_id, limit, offset)
