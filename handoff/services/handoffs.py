"""Creating, reading and listing handoffs, and relaying customer messages (bot side)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.errors import ConflictError, NotFoundError
from handoff.privacy.directory import directory_for, trusted_priority
from handoff.routing.router import NoRouteError, route
from handoff.routing.wait import priority_rank
from handoff.schemas import (
    CustomerMessageIn,
    HandoffCreate,
    HandoffOut,
    MessageCreated,
    MessageOut,
    TranscriptEntry,
)
from handoff.services.assignment import auto_assign_queue
from handoff.services.context import ServiceContext
from handoff.services.events import Event
from handoff.services.language_change import apply_language_change
from handoff.services.presenter import present
from handoff.services.queue_stats import queue_states
from handoff.services.redaction import redact, redact_value, truncate
from handoff.services.summary import build_summary
from handoff.services.transitions import OPEN_STATUSES, audit
from handoff.store.models import Handoff, Message

SERVICE_ACTOR = "service"


@dataclass(frozen=True, slots=True)
class CreateResult:
    """A created (or already open) handoff; ``created`` is false for an idempotent repeat."""

    handoff: HandoffOut
    created: bool


def clean_text(ctx: ServiceContext, text: str) -> str:
    """Truncate oversized text with a marker and redact PII when configured."""
    text = truncate(text, ctx.settings.max_text_chars)
    return redact(text) if ctx.settings.redaction_on else text


def keep_recent(transcript: list[TranscriptEntry], limit: int) -> list[TranscriptEntry]:
    """At most ``limit`` entries: the most recent ones, after a marker saying how many were dropped."""
    if len(transcript) <= limit:
        return transcript
    dropped = len(transcript) - (limit - 1)
    marker = TranscriptEntry(
        role="bot", text=f"[{dropped} earlier messages truncated]", timestamp=transcript[0].timestamp
    )
    return [marker, *transcript[dropped:]]


def _open_for_conversation(session: Session, conversation_id: str) -> Handoff | None:
    return session.scalar(select(Handoff).where(Handoff.open_conversation_key == conversation_id))


def create_handoff(ctx: ServiceContext, body: HandoffCreate, actor: str = SERVICE_ACTOR) -> CreateResult:
    """Route and store a handoff, or return the conversation's open one (idempotent)."""
    now = ctx.clock()
    entries = keep_recent(body.transcript, ctx.settings.max_transcript_messages)
    with ctx.sessions() as session:
        existing = _open_for_conversation(session, body.conversation_id)
        if existing is not None:
            return CreateResult(present(session, existing, settings=ctx.settings, now=now), created=False)
        try:
            decision = route(
                queue_states(session, ctx.settings.handle_time_window, ctx.settings.default_handle_seconds, now),
                body.language,
                body.topic,
                now,
            )
        except NoRouteError as e:
            raise ConflictError(str(e)) from e
        transcript = [
            Message(
                role=entry.role,
                text=clean_text(ctx, entry.text),
                language=entry.language,
                timestamp=entry.timestamp or now,
            )
            for entry in entries
        ]
        last_customer = next((m.text for m in reversed(transcript) if m.role == "customer"), None)
        # VIP status and priority come from the customer directory; the payload's claims are ignored.
        entry = directory_for(ctx.settings.customer_directory_path).lookup(body.conversation_id)
        priority, vip = trusted_priority(body.priority, body.reason, entry)
        customer = {**body.customer.model_dump(), "vip": vip, **({"tier": entry.tier} if entry and entry.tier else {})}
        if ctx.settings.redaction_on:
            customer = redact_value(customer)
        summary = body.summary or build_summary(
            reason=body.reason,
            language=body.language,
            intents=body.intents,
            slots=body.slots,
            kb_articles_tried=body.kb_articles_tried,
            last_customer_text=last_customer,
        )
        handoff = Handoff(
            id=str(uuid.uuid4()),
            conversation_id=body.conversation_id,
            open_conversation_key=body.conversation_id,
            channel=body.channel,
            customer_id=body.customer_id or body.conversation_id,
            customer=customer,
            language=body.language,
            language_confidence=body.language_confidence,
            language_covered=decision.language_covered,
            intents=body.intents,
            slots=redact_value(body.slots) if ctx.settings.redaction_on else body.slots,
            reason=body.reason,
            topic=body.topic,
            priority=priority,
            priority_rank=priority_rank(priority, vip),
            kb_articles_tried=body.kb_articles_tried,
            summary=clean_text(ctx, summary),
            status="queued",
            queue=decision.queue,
            opens_at=decision.opens_at,
            created_at=now,
            queued_at=now,
            version=1,
        )
        session.add(handoff)
        for message in transcript:
            message.handoff_id = handoff.id
            session.add(message)
        audit(
            session,
            at=now,
            actor=actor,
            action="created",
            handoff_id=handoff.id,
            to_status="queued",
            details={"queue": decision.queue, "rule": decision.rule, "language_covered": decision.language_covered},
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = _open_for_conversation(session, body.conversation_id)
            if existing is None:
                raise
            return CreateResult(present(session, existing, settings=ctx.settings, now=now), created=False)
        ctx.metrics.created.labels(body.language, body.reason, decision.queue, decision.rule).inc()
        events = [
            Event(
                "handoff.created",
                handoff.id,
                handoff.queue,
                data={"language": handoff.language, "priority": handoff.priority, "summary": handoff.summary},
            )
        ]
        events += auto_assign_queue(session, handoff.queue, now, ctx.metrics)
        session.commit()
        session.refresh(handoff)
        result = present(session, handoff, settings=ctx.settings, now=now, routing_rule=decision.rule)
    ctx.hub.publish(events)
    return CreateResult(result, created=True)


def get_handoff(ctx: ServiceContext, handoff_id: str, *, include_private: bool) -> HandoffOut:
    """One handoff with its messages."""
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        return present(
            session,
            handoff,
            settings=ctx.settings,
            now=ctx.clock(),
            with_messages=True,
            include_private=include_private,
        )


def load_handoff(ctx: ServiceContext, handoff_id: str) -> Handoff:
    """The stored row (for permission checks in views)."""
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        return handoff


def list_handoffs(
    ctx: ServiceContext,
    *,
    conversation_id: str | None = None,
    status: str | None = None,
    queue: str | None = None,
    language: str | None = None,
    queues_visible: frozenset[str] | None = None,
    agent_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[HandoffOut]:
    """Filtered list, oldest first; ``queues_visible``/``agent_id`` restrict what an agent sees."""
    query = select(Handoff)
    if conversation_id is not None:
        query = query.where(Handoff.conversation_id == conversation_id)
    if status == "open":
        query = query.where(Handoff.status.in_(OPEN_STATUSES))
    elif status is not None:
        query = query.where(Handoff.status == status)
    if queue is not None:
        query = query.where(Handoff.queue == queue)
    if language is not None:
        query = query.where(Handoff.language == language)
    if queues_visible is not None:
        visible = Handoff.queue.in_(list(queues_visible))
        query = query.where(visible | (Handoff.agent_id == agent_id) if agent_id else visible)
    query = query.order_by(Handoff.priority_rank, Handoff.queued_at, Handoff.id).limit(limit).offset(offset)
    now = ctx.clock()
    with ctx.sessions() as session:
        return [present(session, h, settings=ctx.settings, now=now) for h in session.scalars(query)]


def add_customer_message(
    ctx: ServiceContext, body: CustomerMessageIn, *, handoff_id: str | None = None, conversation_id: str | None = None
) -> MessageCreated:
    """Append a relayed customer message to an open handoff; a repeated ``message_id`` is a no-op."""
    now = ctx.clock()
    with ctx.sessions() as session:
        if handoff_id is not None:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                raise NotFoundError("handoff", handoff_id)
        else:
            assert conversation_id is not None
            handoff = _open_for_conversation(session, conversation_id)
            if handoff is None:
                raise NotFoundError("open handoff for conversation", conversation_id)
        duplicate = session.scalar(
            select(Message).where(Message.handoff_id == handoff.id, Message.client_message_id == body.message_id)
        )
        if duplicate is not None:
            return MessageCreated(handoff_id=handoff.id, message=MessageOut.model_validate(duplicate), duplicate=True)
        if handoff.status not in OPEN_STATUSES:
            raise ConflictError(f"handoff {handoff.id} is {handoff.status}", status=handoff.status)
        message = Message(
            handoff_id=handoff.id,
            role="customer",
            text=clean_text(ctx, body.text),
            language=body.language,
            timestamp=body.timestamp or now,
            client_message_id=body.message_id,
        )
        session.add(message)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            duplicate = session.scalar(
                select(Message).where(Message.handoff_id == handoff.id, Message.client_message_id == body.message_id)
            )
            if duplicate is None:
                raise
            return MessageCreated(handoff_id=handoff.id, message=MessageOut.model_validate(duplicate), duplicate=True)
        out = MessageOut.model_validate(message)
        event = Event(
            "message.customer",
            handoff.id,
            handoff.queue,
            frozenset({handoff.agent_id}) if handoff.agent_id else frozenset(),
            {"message": out.model_dump(mode="json"), "conversation_id": handoff.conversation_id},
        )
        events = [event]
        if body.conversation_language:
            events += apply_language_change(ctx, session, handoff, body.conversation_language)
    ctx.hub.publish(events)
    return MessageCreated(handoff_id=handoff.id, message=out, duplicate=False)
