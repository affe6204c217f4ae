"""Approved WhatsApp templates of a conversation, and sending one."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from handoff.access import can_see
from handoff.api.deps import AgentCaller, AgentOrManager, Context
from handoff.schemas import MessageCreated
from handoff.services import handoffs as handoff_service
from handoff.templates import service
from handoff.templates.schemas import TemplateOut, TemplateSendIn

router = APIRouter(tags=["templates"])


def _wake(request: Request) -> None:
    worker = request.app.state.delivery_worker
    if worker is not None:
        worker.wake()


@router.get("/handoffs/{handoff_id}/templates", response_model=list[TemplateOut])
def templates_for_handoff(handoff_id: str, ctx: Context, caller: AgentOrManager) -> list[TemplateOut]:
    """The approved templates in the conversation's language, filled with its values (none off WhatsApp)."""
    if not can_see(caller, handoff_service.load_handoff(ctx, handoff_id)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not in your queues")
    return service.templates_for_handoff(ctx, handoff_id, caller.agent_id)


@router.post("/handoffs/{handoff_id}/templates", response_model=MessageCreated, status_code=status.HTTP_201_CREATED)
def send_template(
    handoff_id: str, body: TemplateSendIn, ctx: Context, caller: AgentCaller, request: Request
) -> MessageCreated:
    """Send an approved template as the owner's reply; 422 for an unknown template or a missing value."""
    return service.send_template(ctx, caller, handoff_id, body, lambda: _wake(request))
