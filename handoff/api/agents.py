"""Agent console endpoints: my profile and queues, claim, reply, note, transfer, close."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from handoff.api.deps import AgentCaller, AgentOrManager, Context
from handoff.api.responses import json_response
from handoff.schemas import (
    AgentOut,
    AgentPatch,
    CloseIn,
    HandoffOut,
    MessageCreated,
    MessageOut,
    NoteIn,
    QueueOut,
    ReplyIn,
    TokenRotated,
    TransferIn,
)
from handoff.services import admin_ops, agent_lifecycle, agent_ops

router = APIRouter(tags=["agents"])


def _wake(request: Request) -> None:
    worker = request.app.state.delivery_worker
    if worker is not None:
        worker.wake()


@router.get("/agents/me", response_model=AgentOut)
def me(ctx: Context, caller: AgentCaller) -> AgentOut:
    """The calling agent with current load."""
    assert caller.agent_id is not None
    return admin_ops.get_agent(ctx, caller.agent_id)


@router.patch("/agents/me", response_model=AgentOut)
def set_my_status(body: AgentPatch, ctx: Context, caller: AgentCaller) -> AgentOut:
    """Agents change their own ``status`` (online / away / offline) only."""
    assert caller.agent_id is not None
    return admin_ops.update_own_status(ctx, caller, body)


@router.post("/agents/me/token", response_model=TokenRotated)
def rotate_my_token(ctx: Context, caller: AgentCaller) -> TokenRotated:
    """Replace my token: the current one stops working now, the new one is in this answer only."""
    assert caller.agent_id is not None
    return agent_lifecycle.rotate_token(ctx, caller, caller.agent_id, None)


@router.get("/agents/me/queues", response_model=list[QueueOut])
def my_queues(ctx: Context, caller: AgentCaller) -> list[QueueOut]:
    """The caller's queues with depth, staffing and opening state (all queues for managers)."""
    return admin_ops.list_queues(ctx, None if caller.is_manager else caller.queues)


@router.post("/handoffs/{handoff_id}/claim", response_model=HandoffOut)
def claim(handoff_id: str, ctx: Context, caller: AgentCaller) -> Response:
    """Claim one queued handoff; 409 when someone else got it first or you are at capacity."""
    return json_response(agent_ops.claim(ctx, caller, handoff_id))


@router.post(
    "/handoffs/claim-next",
    response_model=HandoffOut,
    responses={204: {"description": "nothing to claim"}},
)
def claim_next(
    ctx: Context, caller: AgentCaller, queue: Annotated[str | None, Query(max_length=64)] = None
) -> HandoffOut | Response:
    """Claim the best queued handoff in my queues that I can serve; 204 when there is none."""
    result = agent_ops.claim_next(ctx, caller, queue)
    if result is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return result


@router.post("/handoffs/{handoff_id}/replies", response_model=MessageCreated, status_code=status.HTTP_201_CREATED)
def reply(handoff_id: str, body: ReplyIn, ctx: Context, caller: AgentCaller, request: Request) -> Response:
    """Reply to the customer; stored, then delivered through the outbox with retry."""
    result = agent_ops.reply(ctx, caller, handoff_id, body, lambda: _wake(request))
    return json_response(result, status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED)


@router.post(
    "/handoffs/{handoff_id}/messages/{message_id}/retry",
    response_model=MessageOut,
    responses={409: {"description": "the reply is already delivered or being delivered"}},
)
def retry_reply(handoff_id: str, message_id: int, ctx: Context, caller: AgentOrManager, request: Request) -> MessageOut:
    """Try a reply's delivery to the customer again now (its owner or a manager, while the handoff is open)."""
    return agent_ops.retry_delivery(ctx, caller, handoff_id, message_id, lambda: _wake(request))


@router.post("/handoffs/{handoff_id}/notes", response_model=MessageCreated, status_code=status.HTTP_201_CREATED)
def add_note(handoff_id: str, body: NoteIn, ctx: Context, caller: AgentOrManager) -> MessageCreated:
    """A private note for colleagues (never sent to the customer)."""
    return agent_ops.note(ctx, caller, handoff_id, body)


@router.post("/handoffs/{handoff_id}/transfer", response_model=HandoffOut)
def transfer(handoff_id: str, body: TransferIn, ctx: Context, caller: AgentOrManager) -> HandoffOut:
    """Transfer to another queue (waits there) or directly to another agent."""
    return agent_ops.transfer(ctx, caller, handoff_id, body)


@router.post("/handoffs/{handoff_id}/close", response_model=HandoffOut)
def close(handoff_id: str, body: CloseIn, ctx: Context, caller: AgentOrManager, request: Request) -> HandoffOut:
    """Close with a resolution; ``return_to_bot`` says whether the bot takes the conversation back."""
    return agent_ops.close(ctx, caller, handoff_id, body, lambda: _wake(request))
