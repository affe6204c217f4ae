"""The agent's typing and read marks, shown to the customer where the channel supports it (throttled per
conversation)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from handoff.api.deps import AgentCaller, Context
from handoff.services import handoffs as handoff_service
from handoff.services.context import ServiceContext
from handoff.services.typing import TypingThrottle, last_customer_message_id, send_signal
from handoff.states import HandoffStatus
from handoff.store.models import Handoff

router = APIRouter(tags=["typing"])
throttle = TypingThrottle()


class TypingIn(BaseModel):
    """``true`` while the agent types, ``false`` when they stop (sent, cleared or left)."""

    typing: bool


class TypingOut(BaseModel):
    """Whether the signal went to the customer's channel; ``throttled`` when a recent one still holds."""

    sent: bool
    throttled: bool


def _owned(ctx: ServiceContext, handoff_id: str, agent_id: str | None) -> tuple[Handoff, str | None]:
    """The caller's assigned handoff and its customer's latest platform message id; 409 otherwise."""
    handoff = handoff_service.load_handoff(ctx, handoff_id)
    if handoff.status != HandoffStatus.ASSIGNED or handoff.agent_id != agent_id:
        raise HTTPException(status.HTTP_409_CONFLICT, "only the agent of an assigned conversation does this")
    with ctx.sessions() as session:
        return handoff, last_customer_message_id(session, handoff_id)


@router.post("/handoffs/{handoff_id}/typing", response_model=TypingOut)
def agent_typing(handoff_id: str, body: TypingIn, ctx: Context, caller: AgentCaller) -> TypingOut:
    """The owner's typing; 409 when the handoff is not assigned to the caller."""
    handoff, message_id = _owned(ctx, handoff_id, caller.agent_id)
    if not throttle.allow(handoff_id, body.typing):
        return TypingOut(sent=False, throttled=True)
    signal = {"typing": body.typing, **({"message_id": message_id} if message_id else {})}
    sent = send_signal(ctx.settings.rasa_url, ctx.settings.rasa_jwt_secret, handoff.conversation_id, "typing", signal)
    return TypingOut(sent=sent, throttled=False)


@router.post("/handoffs/{handoff_id}/seen", response_model=TypingOut)
def agent_seen(handoff_id: str, ctx: Context, caller: AgentCaller) -> TypingOut:
    """The owner opened the conversation: the customer's messages are marked read on the platform (WhatsApp,
    Messenger); 409 when the handoff is not assigned to the caller."""
    handoff, message_id = _owned(ctx, handoff_id, caller.agent_id)
    if not throttle.allow(f"{handoff_id}:seen:{message_id}", True):
        return TypingOut(sent=False, throttled=True)
    signal = {"message_id": message_id} if message_id else {}
    sent = send_signal(ctx.settings.rasa_url, ctx.settings.rasa_jwt_secret, handoff.conversation_id, "seen", signal)
    return TypingOut(sent=sent, throttled=False)
