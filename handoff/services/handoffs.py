"""Creating, reading and listing handoffs, and relaying customer messages (bot side)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.adapters.events import Event
from handoff.adapters.kb_topics import article_topics
from handoff.customers.identity import conversation_identity
from handoff.customers.runtime import lookup_soft, provider_for
from handoff.domain.redaction import redact, redact_value, truncate
from handoff.domain.summary import build_summary
from handoff.errors import ConflictError, NotFoundError
from handoff.privacy.directory import DirectoryEntry, trusted_priority
from handoff.routing.assign import returning_agent
from handoff.routing.router import NoRouteError, RouteDecision, route
from handoff.routing.skill import SkillChoice, choose_skill
from handoff.routing.wait import priority_rank
from handoff.schemas import (
    CustomerMessageIn,
    HandoffCreate,
    HandoffOut,
    MessageCreated,
    MessageOut,
    TranscriptEntry,
)
from handoff.services.assignment import SYSTEM_ACTOR, assign, auto_assign_queue
from handoff.services.context import ServiceContext
from handoff.services.customer_records import (
    RecordRows,
    last_agent_id,
    prepare_record,
    record_entry,
    record_rows,
    update_record,
    write_record_rows,
)
from handoff.services.language_change import apply_language_change
from handoff.services.presenter import present
from handoff.services.queue_stats import agent_states, queue_config, queue_states
from handoff.services.routing_state import QueueConfig
from handoff.services.transitions import OPEN_STATUSES
from handoff.states import HandoffStatus, MessageRole
from handoff.store.group_commit import group_commit
from handoff.store.models import AuditEntry, Handoff, Message

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
        role=MessageRole.BOT, text=f"[{dropped} earlier messages truncated]", timestamp=transcript[0].timestamp
    )
    return [marker, *transcript[dropped:]]


# Built once: constructing the statement per call costs more than running it.
_OPEN_FOR_CONVERSATION = select(Handoff).where(Handoff.open_conversation_key == bindparam("conversation_id"))


def _open_for_conversation(session: Session, conversation_id: str) -> Handoff | None:
    return session.scalar(_OPEN_FOR_CONVERSATION, {"conversation_id": conversation_id})


CREATE_ATTEMPTS = 3


def create_handoff(ctx: ServiceContext, body: HandoffCreate, actor: str = SERVICE_ACTOR) -> CreateResult:
    """Route and store a handoff, or return the conversation's open one (idempotent)."""
    now = ctx.clock()
    entries = keep_recent(body.transcript, ctx.settings.max_transcript_messages)
    skill = choose_skill(body.topic, body.intents, body.kb_articles_tried, article_topics(ctx.settings.kb_index_dir))
    # VIP status and priority come from the customer-data provider; the payload's claims are ignored.
    entry = lookup_soft(provider_for(ctx.settings), conversation_identity(body.channel, body.conversation_id))
    for attempt in range(CREATE_ATTEMPTS):
        with ctx.sessions() as session:
            existing = _open_for_conversation(session, body.conversation_id)
            if existing is not None:
                return CreateResult(present(session, existing, settings=ctx.settings, now=now), created=False)
            with session.no_autoflush:
                handoff, decision, rows = _store_new(ctx, session, body, entries, skill, entry, actor, now)
            try:
                # Creations arriving together share one transaction; this session writes only if it leads.
                group_commit(_engine_of(session), _write_creations).submit(session, rows)
            except IntegrityError as error:
                # A concurrent creation for this conversation, or of this customer's record: look again.
                if attempt == CREATE_ATTEMPTS - 1:
                    raise ConflictError("the conversation or its customer changed concurrently; try again") from error
                continue
            return _after_commit(ctx, session, handoff, decision, skill, now)
    raise AssertionError("unreachable")  # pragma: no cover


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


@dataclass(frozen=True, slots=True)
class _NewRows:
    """The rows a creation writes: its customer's, the handoff, its transcript and its audit entry."""

    customer: RecordRows
    handoff: dict[str, Any]
    messages: list[dict[str, Any]]
    audit: dict[str, Any]


_INSERT_HANDOFF = insert(cast(Table, Handoff.__table__))
_INSERT_MESSAGE = insert(cast(Table, Message.__table__))
_INSERT_AUDIT = insert(cast(Table, AuditEntry.__table__))


def _write_creations(session: Session, creations: Sequence[_NewRows]) -> None:
    """Write the rows of one or more creations with plain statements, each table's rows as one executemany.

    The ORM's unit of work would cost more than the statements themselves; the group commit calls this in its
    leader's session with every creation waiting, and again with each one alone when their transaction fails.
    """
    write_record_rows(session, [c.customer for c in creations])
    session.execute(_INSERT_HANDOFF, [c.handoff for c in creations])
    messages = [message for c in creations for message in c.messages]
    if messages:
        session.execute(_INSERT_MESSAGE, messages)
    session.execute(_INSERT_AUDIT, [c.audit for c in creations])


def _store_new(
    ctx: ServiceContext,
    session: Session,
    body: HandoffCreate,
    entries: list[TranscriptEntry],
    skill: SkillChoice,
    entry: DirectoryEntry | None,
    actor: str,
    now: datetime,
) -> tuple[Handoff, RouteDecision, _NewRows]:
    """Route the handoff, find or make its customer record, and build the rows to write (nothing is written here).

    The returned handoff is not added to the session: it presents the row the caller writes.
    """
    try:
        decision = route(
            queue_states(
                session,
                ctx.settings.handle_time_window,
                ctx.settings.default_handle_seconds,
                now,
                translation=ctx.settings.translation_enabled,
            ),
            body.language,
            skill.skill,
            now,
        )
    except NoRouteError as e:
        raise ConflictError(str(e)) from e
    last_customer = next((e.text for e in reversed(entries) if e.role == "customer"), None)
    profile = body.customer.model_dump()
    if ctx.settings.redaction_on:
        profile = redact_value(profile)
    record, found, missing = prepare_record(
        session, channel=body.channel, conversation_id=body.conversation_id, now=now
    )
    update_record(record, profile=profile, entry=entry, now=now)
    known = entry or record_entry(record)
    priority, vip = trusted_priority(body.priority, body.reason, known)
    customer = {**profile, "vip": vip, **({"tier": known.tier} if known and known.tier else {})}
    summary = body.summary or build_summary(
        reason=body.reason,
        language=body.language,
        intents=body.intents,
        slots=body.slots,
        kb_articles_tried=body.kb_articles_tried,
        last_customer_text=clean_text(ctx, last_customer) if last_customer is not None else None,
    )
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "conversation_id": body.conversation_id,
        "open_conversation_key": body.conversation_id,
        "channel": body.channel,
        "customer_id": body.customer_id or body.conversation_id,
        "customer": customer,
        "language": body.language,
        "language_confidence": body.language_confidence,
        "language_covered": decision.language_covered,
        "intents": body.intents,
        "slots": redact_value(body.slots) if ctx.settings.redaction_on else body.slots,
        "reason": body.reason,
        "topic": skill.skill,
        "priority": priority,
        "priority_rank": priority_rank(priority, vip),
        "kb_articles_tried": body.kb_articles_tried,
        "summary": clean_text(ctx, summary),
        "status": HandoffStatus.QUEUED,
        "queue": decision.queue,
        "opens_at": decision.opens_at,
        "created_at": now,
        "queued_at": now,
        "customer_record_id": record.id,
        "version": 1,
    }
    messages = [
        {
            "handoff_id": values["id"],
            "role": line.role,
            "text": clean_text(ctx, line.text),
            "language": line.language,
            "timestamp": line.timestamp or now,
        }
        for line in entries
    ]
    audit_row = {
        "at": now,
        "actor": actor,
        "action": "created",
        "handoff_id": values["id"],
        "from_status": None,
        "to_status": HandoffStatus.QUEUED,
        "details": {
            "queue": decision.queue,
            "rule": decision.rule,
            "language_covered": decision.language_covered,
            "via": decision.via,
            "skill": skill.skill,
            "skill_from": skill.source,
        },
    }
    customer_rows = record_rows(record, found=found, missing=missing, now=now)
    if found:
        session.expunge(record)  # its changes are in the rows: the session itself has nothing to write
    return Handoff(**values), decision, _NewRows(customer_rows, values, messages, audit_row)


def _after_commit(
    ctx: ServiceContext,
    session: Session,
    handoff: Handoff,
    decision: RouteDecision,
    skill: SkillChoice,
    now: datetime,
) -> CreateResult:
    """Count and announce the stored handoff, give it to an agent when its queue says so, and present it."""
    ctx.metrics.created.labels(handoff.language, handoff.reason, decision.queue, decision.rule).inc()
    events = [
        Event(
            "handoff.created",
            handoff.id,
            handoff.queue,
            data={"language": handoff.language, "priority": handoff.priority, "summary": handoff.summary},
        )
    ]
    queue = queue_config(session, handoff.queue)
    routed_to_last: Event | None = None
    if queue is not None and (queue.prefer_last_agent or queue.auto_assign):
        routed_to_last = _assign_returning(ctx, session, handoff, queue, now)
        if routed_to_last is not None:
            events.append(routed_to_last)
        events += auto_assign_queue(session, handoff.queue, now, ctx.metrics)
        session.commit()
        stored = session.get(Handoff, handoff.id, populate_existing=True)
        assert stored is not None  # nothing deletes a handoff between its creation and its assignment
        handoff = stored
    result = present(
        session, handoff, settings=ctx.settings, now=now, routing_rule=decision.rule, routing_via=decision.via
    ).model_copy(update={"routing_skill_from": skill.source, "routing_agent": "last_agent" if routed_to_last else None})
    ctx.hub.publish(events)
    return CreateResult(result, created=True)


def _assign_returning(
    ctx: ServiceContext, session: Session, handoff: Handoff, queue: QueueConfig, now: datetime
) -> Event | None:
    """In a ``prefer_last_agent`` queue, give a returning customer to the agent of their last handoff if they can."""
    if not queue.prefer_last_agent or handoff.opens_at is not None or not handoff.customer_record_id:
        return None
    translated = handoff.language in queue.translation_languages
    previous = last_agent_id(session, handoff.customer_record_id, exclude=handoff.id)
    if previous is None:
        return None
    agent = returning_agent(agent_states(session, now), previous, queue.name, handoff.language, translated)
    if agent is None:
        return None
    try:
        _, event = assign(
            session, handoff, agent.id, actor=SYSTEM_ACTOR, action="assigned_last_agent", now=now, metrics=ctx.metrics
        )
    except ConflictError:
        # Lost to a concurrent claim (or the agent filled up meanwhile): the handoff simply waits in its queue.
        session.rollback()
        return None
    session.commit()
    return event


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
            role=MessageRole.CUSTOMER,
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
