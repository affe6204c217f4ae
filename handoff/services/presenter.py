"""Turns stored rows into API models (position and expected wait are computed at read time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from handoff.adapters.delivery import delivery_status
from handoff.schemas import HandoffOut, MessageOut
from handoff.services.queue_stats import expected_wait_for, position_of, queue_config
from handoff.services.windows import window_of
from handoff.settings import Settings
from handoff.states import HandoffStatus
from handoff.store.models import Handoff, Message, OutboxEntry

# Built once: constructing these statements per presented handoff costs more than running them.
_DELIVERIES = select(OutboxEntry).where(
    OutboxEntry.handoff_id == bindparam("handoff_id"), OutboxEntry.message_id.is_not(None)
)
_ALL_MESSAGES = (
    select(Message).where(Message.handoff_id == bindparam("handoff_id")).order_by(Message.timestamp, Message.id)
)
_PUBLIC_MESSAGES = _ALL_MESSAGES.where(Message.private.is_(False))


def message_out(message: Message, delivery: OutboxEntry | None, max_attempts: int) -> MessageOut:
    """API view of a message; a reply carries the delivery status of its outbox entry."""
    out = MessageOut.model_validate(message)
    if delivery is not None:
        out.delivery_status = delivery_status(delivery.status, delivery.attempts, delivery.last_error, max_attempts)
        out.delivery_error = delivery.last_error
        out.delivery_attempts = delivery.attempts
    return out


def deliveries_of(session: Session, handoff_id: str) -> dict[int, OutboxEntry]:
    """The outbox entries of a handoff's replies, by message id."""
    entries = session.scalars(_DELIVERIES, {"handoff_id": handoff_id})
    return {entry.message_id: entry for entry in entries if entry.message_id is not None}


def present(
    session: Session,
    handoff: Handoff,
    *,
    settings: Settings,
    now: datetime,
    with_messages: bool = False,
    include_private: bool = False,
    routing_rule: str | None = None,
    routing_via: str | None = None,
) -> HandoffOut:
    """API view of a handoff; queued ones get their live position and expected wait."""
    position: int | None = None
    wait: int | None = None
    if handoff.status == HandoffStatus.QUEUED:
        position = position_of(session, handoff)
        wait = expected_wait_for(
            session, handoff, position, now, settings.handle_time_window, settings.default_handle_seconds
        )
    messages = None
    if with_messages:
        query = _ALL_MESSAGES if include_private else _PUBLIC_MESSAGES
        deliveries = deliveries_of(session, handoff.id)
        messages = [
            message_out(m, deliveries.get(m.id), settings.delivery_max_attempts)
            for m in session.scalars(query, {"handoff_id": handoff.id})
        ]
    window = window_of(session, handoff, now) if handoff.status != HandoffStatus.CLOSED else None
    opens_at = (
        handoff.opens_at
        if handoff.status == HandoffStatus.QUEUED and handoff.opens_at and handoff.opens_at > now
        else None
    )
    # The cached routing configuration holds every queue's time zone, as current as a fresh read.
    queue = queue_config(session, handoff.queue)
    return HandoffOut(
        id=handoff.id,
        status=handoff.status,
        queue=handoff.queue,
        position=position,
        expected_wait_seconds=wait,
        opens_at=opens_at,
        queue_timezone=queue.timezone if queue is not None else None,
        language=handoff.language,
        language_covered=handoff.language_covered,
        language_confidence=handoff.language_confidence,
        conversation_id=handoff.conversation_id,
        channel=handoff.channel,
        customer_id=handoff.customer_id,
        customer=handoff.customer,
        reason=handoff.reason,
        topic=handoff.topic,
        priority=handoff.priority,
        intents=handoff.intents,
        slots=handoff.slots,
        kb_articles_tried=handoff.kb_articles_tried,
        summary=handoff.summary,
        agent_id=handoff.agent_id,
        created_at=handoff.created_at,
        assigned_at=handoff.assigned_at,
        closed_at=handoff.closed_at,
        resolution=handoff.resolution,
        return_to_bot=handoff.return_to_bot,
        routing_rule=routing_rule,
        routing_via=routing_via,
        window_closes_at=window.closes_at if window else None,
        window_open=window.open if window else True,
        csat_score=handoff.csat_score,
        csat_comment=handoff.csat_comment,
        csat_at=handoff.csat_at,
        customer_record_id=handoff.customer_record_id,
        messages=messages,
    )
