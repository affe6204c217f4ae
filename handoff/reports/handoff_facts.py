"""Reads, per handoff, everything the handoff reports need from the handoff store (one short read transaction).

The database only narrows by a UTC range; everything else (local dates, filters, percentiles) is decided in
Python, so SQLite and PostgreSQL give the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.reports.enums import Dimension
from handoff.store.models import AuditEntry, Handoff, Message, Queue

REOPEN_WINDOW = timedelta(days=7)
TRANSFER_ACTION = "transferred"
# Only the columns reports read (not the transcript-sized JSON ones).
_COLUMNS = (
    Handoff.id,
    Handoff.customer_id,
    Handoff.conversation_id,
    Handoff.queue,
    Handoff.agent_id,
    Handoff.language,
    Handoff.channel,
    Handoff.topic,
    Handoff.reason,
    Handoff.created_at,
    Handoff.queued_at,
    Handoff.assigned_at,
    Handoff.closed_at,
    Handoff.csat_score,
)


@dataclass(frozen=True)
class HandoffFact:
    """One handoff as the reports see it; queue and agent are the latest ones (after any transfer)."""

    id: str
    queue: str
    agent: str | None
    language: str
    channel: str
    topic: str
    reason: str
    created_at: datetime
    queued_at: datetime
    assigned_at: datetime | None
    closed_at: datetime | None
    first_agent_reply_at: datetime | None
    transfers: int
    reopened: bool
    sla_seconds: int | None
    csat_score: int | None

    def dimensions(self) -> dict[Dimension, str | None]:
        """The values filters and grouping look at."""
        return {
            Dimension.QUEUE: self.queue,
            Dimension.AGENT: self.agent,
            Dimension.LANGUAGE: self.language,
            Dimension.CHANNEL: self.channel,
            Dimension.TOPIC: self.topic,
            Dimension.REASON: self.reason,
        }


def _first_agent_replies(session: Session, start: datetime, end: datetime) -> dict[str, datetime]:
    """The first public agent reply to each handoff created in the range (transcript lines have no agent)."""
    rows = session.execute(
        select(Message.handoff_id, func.min(Message.timestamp))
        .join(Handoff, Handoff.id == Message.handoff_id)
        .where(Handoff.created_at >= start, Handoff.created_at < end, Message.timestamp >= Handoff.created_at)
        .where(Message.role == "agent", Message.private.is_(False), Message.agent_id.is_not(None))
        .group_by(Message.handoff_id)
    ).all()
    return {str(handoff_id): first for handoff_id, first in rows}


def _transfers(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """How many times each handoff created in the range was transferred (from the audit log)."""
    rows = session.execute(
        select(AuditEntry.handoff_id, func.count())
        .join(Handoff, Handoff.id == AuditEntry.handoff_id)
        .where(Handoff.created_at >= start, Handoff.created_at < end, AuditEntry.action == TRANSFER_ACTION)
        .group_by(AuditEntry.handoff_id)
    ).all()
    return {str(handoff_id): int(count) for handoff_id, count in rows}


def _later_handoffs(session: Session, start: datetime, end: datetime) -> tuple[dict[str, list[datetime]], ...]:
    """Creation times per customer and per conversation of every handoff that could reopen one in the range."""
    rows = session.execute(
        select(Handoff.customer_id, Handoff.conversation_id, Handoff.created_at).where(
            Handoff.created_at >= start, Handoff.created_at < end + REOPEN_WINDOW
        )
    ).all()
    by_customer: dict[str, list[datetime]] = defaultdict(list)
    by_conversation: dict[str, list[datetime]] = defaultdict(list)
    for customer_id, conversation_id, created_at in rows:
        by_customer[customer_id].append(created_at)
        by_conversation[conversation_id].append(created_at)
    return by_customer, by_conversation


def reopened_after(closed_at: datetime | None, candidates: list[datetime]) -> bool:
    """Whether a new handoff was created after ``closed_at`` and at most ``REOPEN_WINDOW`` later."""
    if closed_at is None:
        return False
    return any(closed_at < created <= closed_at + REOPEN_WINDOW for created in candidates)


def load_handoff_facts(session: Session, start: datetime, end: datetime) -> list[HandoffFact]:
    """Every handoff created in ``[start, end)`` (UTC) with its first reply, transfers, reopening and SLA."""
    handoffs = session.execute(
        select(*_COLUMNS).where(Handoff.created_at >= start, Handoff.created_at < end).order_by(Handoff.created_at)
    ).all()
    replies = _first_agent_replies(session, start, end)
    transfers = _transfers(session, start, end)
    by_customer, by_conversation = _later_handoffs(session, start, end)
    sla = {name: seconds for name, seconds in session.execute(select(Queue.name, Queue.sla_seconds)).all()}
    facts = []
    for handoff in handoffs:
        candidates = by_customer.get(handoff.customer_id, []) + by_conversation.get(handoff.conversation_id, [])
        facts.append(
            HandoffFact(
                id=handoff.id,
                queue=handoff.queue,
                agent=handoff.agent_id,
                language=handoff.language,
                channel=handoff.channel,
                topic=handoff.topic,
                reason=handoff.reason,
                created_at=handoff.created_at,
                queued_at=handoff.queued_at,
                assigned_at=handoff.assigned_at,
                closed_at=handoff.closed_at,
                first_agent_reply_at=replies.get(handoff.id),
                transfers=transfers.get(handoff.id, 0),
                reopened=reopened_after(handoff.closed_at, candidates),
                sla_seconds=sla.get(handoff.queue),
                csat_score=handoff.csat_score,
            )
        )
    return facts


def handed_off_conversations(session: Session, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """``(conversation_id, created_at)`` of every handoff created in ``[start, end)``: the bot did not contain those."""
    rows = session.execute(
        select(Handoff.conversation_id, Handoff.created_at).where(Handoff.created_at >= start, Handoff.created_at < end)
    ).all()
    return [(str(conversation_id), created_at) for conversation_id, created_at in rows]
