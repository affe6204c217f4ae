"""What every message an agent sends to the customer goes through: the owner check, the idempotent resend by the
client's message id, and storing it together with its queued delivery in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.access import require_owner
from handoff.adapters.delivery import enqueue
from handoff.auth import Principal
from handoff.errors import ConflictError, NotFoundError
from handoff.schemas import MessageCreated, MessageOut
from handoff.services.context import ServiceContext
from handoff.services.presenter import deliveries_of, message_out
from handoff.states import DeliveryStatus, HandoffStatus
from handoff.store.models import AuditEntry, Handoff, Message


def owned_handoff(session: Session, caller: Principal, handoff_id: str) -> Handoff:
    """The handoff, which the caller must own (managers may act on any assigned handoff)."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFoundError("handoff", handoff_id)
    require_owner(caller, handoff, f"handoff {handoff_id} is not assigned to you")
    if handoff.status != HandoffStatus.ASSIGNED:
        raise ConflictError(f"handoff {handoff_id} is {handoff.status}, not assigned", status=handoff.status)
    return handoff


def already_sent(
    ctx: ServiceContext, session: Session, handoff_id: str, client_message_id: str | None
) -> MessageCreated | None:
    """The message this client message id already stored, so a retried send is answered, not repeated."""
    if not client_message_id:
        return None
    duplicate = session.scalar(
        select(Message).where(Message.handoff_id == handoff_id, Message.client_message_id == client_message_id)
    )
    if duplicate is None:
        return None
    entry = deliveries_of(session, handoff_id).get(duplicate.id)
    out = message_out(duplicate, entry, ctx.settings.delivery_max_attempts)
    return MessageCreated(handoff_id=handoff_id, message=out, duplicate=True)


def store_and_queue(
    session: Session,
    handoff: Handoff,
    message: Message,
    entities: dict[str, Any],
    now: datetime,
    audit: AuditEntry | None = None,
) -> MessageCreated:
    """Store the agent's message and its delivery as the `agent_reply` external event in one commit."""
    session.add(message)
    try:
        session.flush()
        enqueue(session, handoff, "agent_reply", entities, now, message_id=message.id)
        if audit is not None:
            audit.details = {**audit.details, "message_id": message.id}
            session.add(audit)
        session.commit()
    except IntegrityError as e:
        raise ConflictError(f"message_id {message.client_message_id!r} was used concurrently") from e
    out = MessageOut.model_validate(message)
    out.delivery_status = DeliveryStatus.PENDING
    return MessageCreated(handoff_id=handoff.id, message=out, duplicate=False)
