"""What agents do with a handoff: claim, claim next, reply, note, transfer, close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from handoff.access import require_owner, require_queue, require_visible
from handoff.adapters.delivery import enqueue, retry_now
from handoff.adapters.events import Event
from handoff.auth import Principal, agent_may_sign_in
from handoff.domain.redaction import truncate
from handoff.errors import CapacityError, ConflictError, InvalidInputError, NotFoundError
from handoff.schemas import CloseIn, HandoffOut, MessageCreated, MessageOut, NoteIn, ReplyIn, TransferIn
from handoff.services.assignment import assign, auto_assign_queue
from handoff.services.context import ServiceContext
from handoff.services.csat import OFFER_ENTITY, RATING_OFFERED, offers_rating
from handoff.services.handoffs import clean_text
from handoff.services.outgoing import already_sent, owned_handoff, store_and_queue
from handoff.services.presenter import deliveries_of, message_out, present
from handoff.services.queue_stats import agent_load
from handoff.services.transitions import transition
from handoff.services.windows import window_of
from handoff.states import HandoffStatus, MessageRole
from handoff.store.models import Agent, Handoff, Message, Queue
from handoff.templates.service import close_outside_window

CLAIM_NEXT_ATTEMPTS = 20


def _agent(session: Session, caller: Principal) -> Agent:
    assert caller.agent_id is not None
    agent = session.get(Agent, caller.agent_id)
    if agent is None:
        raise NotFoundError("agent", caller.agent_id)
    return agent


def _check_capacity(session: Session, agent: Agent) -> None:
    if agent_load(session, agent.id) >= agent.max_concurrent:
        raise CapacityError(f"agent {agent.id} is at capacity ({agent.max_concurrent} conversations)")


def claim(ctx: ServiceContext, caller: Principal, handoff_id: str) -> HandoffOut:
    """Take a specific queued handoff; exactly one of several concurrent claimers wins (409 for others)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        agent = _agent(session, caller)
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        require_queue(caller, handoff.queue, agent.queues)
        _check_capacity(session, agent)
        updated, event = assign(
            session, handoff, agent.id, actor=caller.actor, action="claimed", now=now, metrics=ctx.metrics
        )
        session.commit()
        out = present(session, updated, settings=ctx.settings, now=now, with_messages=True, include_private=True)
    ctx.hub.publish([event])
    return out


def claim_next(ctx: ServiceContext, caller: Principal, queue: str | None = None) -> HandoffOut | None:
    """Take the best queued handoff the agent can serve (priority, then waiting time); None if none."""
    now = ctx.clock()
    with ctx.sessions() as session:
        agent = _agent(session, caller)
        _check_capacity(session, agent)
        queues = [queue] if queue else list(agent.queues)
        if queue:
            require_queue(caller, queue, agent.queues)
        serves: ColumnElement[bool] = Handoff.language.in_(list(agent.languages))
        if ctx.settings.translation_enabled:
            # Queues that serve other languages through translation let any of their agents take those too.
            for translating in session.scalars(select(Queue).where(Queue.name.in_(queues))):
                if translating.translation_languages:
                    served = Handoff.language.in_(list(translating.translation_languages))
                    serves = serves | ((Handoff.queue == translating.name) & served)
        candidates = session.scalars(
            select(Handoff)
            .where(
                Handoff.status == HandoffStatus.QUEUED,
                Handoff.queue.in_(queues),
                serves,
            )
            .order_by(Handoff.priority_rank, Handoff.queued_at, Handoff.id)
            .limit(CLAIM_NEXT_ATTEMPTS)
        ).all()
        for handoff in candidates:
            try:
                updated, event = assign(
                    session, handoff, agent.id, actor=caller.actor, action="claimed", now=now, metrics=ctx.metrics
                )
            except CapacityError:
                session.rollback()
                raise
            except ConflictError:
                session.rollback()
                continue
            session.commit()
            out = present(session, updated, settings=ctx.settings, now=now, with_messages=True, include_private=True)
            ctx.hub.publish([event])
            return out
    return None


def _new_message(
    handoff: Handoff,
    *,
    role: str,
    text: str,
    agent_id: str | None,
    private: bool,
    client_message_id: str | None,
    now: datetime,
    original_text: str | None = None,
    original_language: str | None = None,
) -> Message:
    return Message(
        handoff_id=handoff.id,
        role=role,
        text=text,
        # A translated reply is in the customer's language; other replies and notes are not labelled.
        language=handoff.language if original_text is not None else None,
        timestamp=now,
        client_message_id=client_message_id,
        agent_id=agent_id,
        private=private,
        original_text=original_text,
        original_language=original_language,
    )


def reply(
    ctx: ServiceContext,
    caller: Principal,
    handoff_id: str,
    body: ReplyIn,
    wake: Callable[[], None],
    extra_entities: dict[str, str] | None = None,
) -> MessageCreated:
    """Store the owner's reply and queue its delivery to the customer (idempotent by ``message_id``).

    Ownership is checked before the duplicate lookup, so a caller who does not own the handoff learns nothing
    about its messages by guessing message ids.
    """
    now = ctx.clock()
    with ctx.sessions() as session:
        handoff = owned_handoff(session, caller, handoff_id)
        duplicate = already_sent(ctx, session, handoff_id, body.message_id)
        if duplicate is not None:
            return duplicate
        window = window_of(session, handoff, now)
        if not window.open:
            raise ConflictError(window.refusal(handoff.channel), status=handoff.status)
        agent = _agent(session, caller)
        # What the agent deliberately sends is stored and delivered as written: redaction never rewrites it.
        text = truncate(body.text, ctx.settings.max_text_chars)
        original = truncate(body.original_text, ctx.settings.max_text_chars) if body.original_text else None
        message = _new_message(
            handoff,
            role=MessageRole.AGENT,
            text=text,
            agent_id=agent.id,
            private=False,
            client_message_id=body.message_id,
            now=now,
            original_text=original,
            original_language=body.original_language if original else None,
        )
        entities = {"agent_message": text, "agent_name": agent.display_name}
        entities.update(extra_entities or {})  # an attachment the reply carries (its signed link, type and name)
        if window.tag:
            entities["message_tag"] = window.tag  # Messenger: a human agent's reply after 24 hours
        created = store_and_queue(session, handoff, message, entities, now)
    wake()
    return created


def retry_delivery(
    ctx: ServiceContext, caller: Principal, handoff_id: str, message_id: int, wake: Callable[[], None]
) -> MessageOut:
    """Try a reply's delivery again now (the owner or a manager, while the handoff is open)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        owned_handoff(session, caller, handoff_id)
        message = session.get(Message, message_id)
        if message is None or message.handoff_id != handoff_id or message.role != MessageRole.AGENT:
            raise NotFoundError("reply", str(message_id))
        if not retry_now(session, message_id, now):
            raise ConflictError(f"reply {message_id} is delivered or being delivered")
        session.commit()
        entry = deliveries_of(session, handoff_id).get(message_id)
        out = message_out(message, entry, ctx.settings.delivery_max_attempts)
    wake()
    return out


def note(ctx: ServiceContext, caller: Principal, handoff_id: str, body: NoteIn) -> MessageCreated:
    """A private note on a handoff of the caller's queues (never delivered to the customer)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        require_visible(caller, handoff)
        message = _new_message(
            handoff,
            role=MessageRole.NOTE,
            text=clean_text(ctx, body.text),
            agent_id=caller.agent_id,
            private=True,
            client_message_id=None,
            now=now,
        )
        session.add(message)
        session.commit()
        return MessageCreated(handoff_id=handoff_id, message=MessageOut.model_validate(message), duplicate=False)


def transfer(ctx: ServiceContext, caller: Principal, handoff_id: str, body: TransferIn) -> HandoffOut:
    """Move an open handoff to another queue (back to waiting) and/or straight to another agent."""
    if body.queue is None and body.agent_id is None:
        raise InvalidInputError("queue", "give a queue, an agent_id, or both")
    now = ctx.clock()
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        if handoff.status == HandoffStatus.CLOSED:
            raise ConflictError(f"handoff {handoff_id} is closed", status=HandoffStatus.CLOSED)
        require_owner(caller, handoff, "only the owner or a supervisor may transfer")
        target_queue = body.queue or handoff.queue
        queue = session.get(Queue, target_queue)
        if queue is None:
            raise InvalidInputError("queue", f"unknown queue {target_queue!r}")
        previous_agent = handoff.agent_id
        if body.agent_id is not None:
            target = session.get(Agent, body.agent_id)
            if target is None or target.deleted_at is not None:
                raise InvalidInputError("agent_id", f"unknown agent {body.agent_id!r}")
            if not agent_may_sign_in(target, now):
                raise InvalidInputError("agent_id", f"agent {target.id} is disabled or expired")
            if target_queue not in target.queues:
                raise InvalidInputError("agent_id", f"agent {target.id} does not serve queue {target_queue}")
            _check_capacity(session, target)
            changes = {"queue": target_queue, "agent_id": target.id, "assigned_at": now, "opens_at": None}
            to_status = HandoffStatus.ASSIGNED
        else:
            changes = {"queue": target_queue, "agent_id": None, "assigned_at": None, "queued_at": now, "opens_at": None}
            to_status = HandoffStatus.QUEUED
        updated = transition(
            session,
            handoff_id,
            expected=(HandoffStatus.QUEUED, HandoffStatus.ASSIGNED),
            to_status=to_status,
            actor=caller.actor,
            action="transferred",
            at=now,
            changes=changes,
            expected_agent=previous_agent if not caller.is_manager else None,
            details={
                "from_queue": handoff.queue,
                "to_queue": target_queue,
                "from_agent": previous_agent,
                "to_agent": body.agent_id,
            },
        )
        if body.note:
            session.add(
                _new_message(
                    updated,
                    role=MessageRole.NOTE,
                    text=clean_text(ctx, body.note),
                    agent_id=caller.agent_id,
                    private=True,
                    client_message_id=None,
                    now=now,
                )
            )
        if previous_agent and (previous_agent != body.agent_id):
            old = session.get(Agent, previous_agent)
            if old is not None:
                old.idle_since = now
        recipients = frozenset(a for a in (previous_agent, body.agent_id) if a)
        events = [
            Event(
                "handoff.transferred",
                updated.id,
                target_queue,
                recipients,
                {"from_queue": handoff.queue, "to_queue": target_queue, "agent_id": body.agent_id},
            )
        ]
        session.commit()
        if to_status == HandoffStatus.QUEUED:
            events += auto_assign_queue(session, target_queue, now, ctx.metrics)
            session.commit()
        session.refresh(updated)
        out = present(session, updated, settings=ctx.settings, now=now)
    ctx.hub.publish(events)
    return out


def close(
    ctx: ServiceContext, caller: Principal, handoff_id: str, body: CloseIn, wake: Callable[[], None]
) -> HandoffOut:
    """Close with a resolution; tell the bot to take over (``agent_handback``) or end (``agent_close``)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        if handoff.status == HandoffStatus.QUEUED and not caller.is_manager:
            raise ConflictError("claim the handoff before closing it", status=HandoffStatus.QUEUED)
        if handoff.status == HandoffStatus.ASSIGNED:
            require_owner(caller, handoff, f"handoff {handoff_id} is assigned to another agent")
        resolution = clean_text(ctx, body.resolution)
        window = window_of(session, handoff, now)
        # Outside the platform's window the bot's goodbye and a rating request would be rejected: offer none.
        offered = window.open and offers_rating(return_to_bot=body.return_to_bot, agent_id=handoff.agent_id)
        updated = transition(
            session,
            handoff_id,
            expected=(HandoffStatus.QUEUED, HandoffStatus.ASSIGNED),
            to_status=HandoffStatus.CLOSED,
            actor=caller.actor,
            action="closed",
            at=now,
            changes={"closed_at": now, "resolution": resolution, "return_to_bot": body.return_to_bot},
            details={"return_to_bot": body.return_to_bot, RATING_OFFERED: offered},
        )
        intent = "agent_handback" if body.return_to_bot else "agent_close"
        notice: dict[str, Any] = {"resolution": resolution}
        if offered:
            notice[OFFER_ENTITY] = updated.id  # the bot asks the customer to rate this handoff
        if not window.open:
            notice.update(close_outside_window(ctx, session, updated, window, caller.actor, now))
        enqueue(session, updated, intent, notice, now)
        if updated.agent_id:
            owner = session.get(Agent, updated.agent_id)
            if owner is not None:
                owner.idle_since = now
        session.commit()
        ctx.metrics.closed.labels(updated.queue, str(body.return_to_bot).lower()).inc()
        events = [
            Event(
                "handoff.closed",
                updated.id,
                updated.queue,
                frozenset({updated.agent_id}) if updated.agent_id else frozenset(),
                {"return_to_bot": body.return_to_bot},
            )
        ]
        events += auto_assign_queue(session, updated.queue, now, ctx.metrics)
        session.commit()
        out = present(session, updated, settings=ctx.settings, now=now)
    ctx.hub.publish(events)
    wake()
    return out
