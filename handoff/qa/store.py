"""The review rows in the database: which closed handoffs still need a review, claiming one safely when several
workers run (an insert that does nothing when another worker's row is there, on PostgreSQL and SQLite alike),
reading a conversation for the checks, and storing the result under the claim."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handoff.qa.conversation import Conversation, QaMessage
from handoff.qa.enums import FindingStatus, ReviewState
from handoff.qa.reviewer import ReviewResult
from handoff.states import HandoffStatus
from handoff.store.models import Handoff, Message, QaFinding, QaReview, Queue


def _count(result: Any) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


def unreviewed(session: Session, limit: int) -> list[str]:
    """Closed handoffs without a review row, the longest closed first."""
    has_review = exists().where(QaReview.handoff_id == Handoff.id)
    query = (
        select(Handoff.id)
        .where(Handoff.status == HandoffStatus.CLOSED, Handoff.closed_at.is_not(None), ~has_review)
        .order_by(Handoff.closed_at, Handoff.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim(session: Session, handoff_id: str, worker: str, now: datetime) -> int | None:
    """Insert the review row as this worker's claim; its id, or None when another worker's row is already there."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "handoff_id": handoff_id,
        "state": ReviewState.PENDING.value,
        "claimed_by": worker,
        "claimed_at": now,
        "checks": [],
    }
    statement = insert(QaReview).values(**values).on_conflict_do_nothing(index_elements=["handoff_id"])
    inserted = _count(session.execute(statement))
    session.commit()
    if not inserted:
        return None
    return session.scalar(select(QaReview.id).where(QaReview.handoff_id == handoff_id, QaReview.claimed_by == worker))


def reclaim_stale(session: Session, worker: str, now: datetime, older_than: datetime, limit: int) -> list[int]:
    """Take over claims a stopped worker left pending; each row is taken by one worker only (conditional update)."""
    stale = list(
        session.scalars(
            select(QaReview.id)
            .where(QaReview.state == ReviewState.PENDING.value, QaReview.claimed_at < older_than)
            .order_by(QaReview.claimed_at, QaReview.id)
            .limit(limit)
        )
    )
    taken: list[int] = []
    for review_id in stale:
        result = session.execute(
            update(QaReview)
            .where(
                QaReview.id == review_id,
                QaReview.state == ReviewState.PENDING.value,
                QaReview.claimed_at < older_than,
            )
            .values(claimed_by=worker, claimed_at=now)
        )
        session.commit()
        if _count(result) == 1:
            taken.append(review_id)
    return taken


def conversation_of(session: Session, review_id: int) -> Conversation | None:
    """The claimed review's closed conversation with its queue's SLA (None if the handoff is gone)."""
    handoff = session.scalar(
        select(Handoff).join(QaReview, QaReview.handoff_id == Handoff.id).where(QaReview.id == review_id)
    )
    if handoff is None or handoff.closed_at is None:
        return None
    sla = session.scalar(select(Queue.sla_seconds).where(Queue.name == handoff.queue))
    rows = session.scalars(
        select(Message).where(Message.handoff_id == handoff.id).order_by(Message.timestamp, Message.id)
    ).all()
    messages = tuple(
        QaMessage(
            id=row.id,
            role=row.role,
            text=row.text,
            timestamp=row.timestamp,
            private=row.private,
            agent_id=row.agent_id,
            language=row.language,
            original_text=row.original_text,
            original_language=row.original_language,
        )
        for row in rows
    )
    return Conversation(
        handoff_id=handoff.id,
        queue=handoff.queue,
        language=handoff.language,
        created_at=handoff.created_at,
        closed_at=handoff.closed_at,
        sla_seconds=sla,
        agent_id=handoff.agent_id,
        messages=messages,
    )


def save(
    session: Session, review_id: int, worker: str, result: ReviewResult, rules_version: str, now: datetime
) -> bool:
    """Store the result and its findings if this worker still holds the claim; False when it lost it."""
    stored = session.execute(
        update(QaReview)
        .where(
            QaReview.id == review_id,
            QaReview.claimed_by == worker,
            QaReview.state == ReviewState.PENDING.value,
        )
        .values(
            state=ReviewState.DONE.value,
            score=result.score,
            reviewed_at=now,
            rules_version=rules_version,
            checks=[
                {
                    "check": c.check.value,
                    "enabled": c.enabled,
                    "applicable": c.applicable,
                    "passed": c.passed,
                    "weight": c.weight,
                }
                for c in result.checks
            ],
        )
    )
    if _count(stored) != 1:
        session.rollback()
        return False
    for finding in result.findings:
        session.add(
            QaFinding(
                review_id=review_id,
                check=finding.check.value,
                severity=finding.severity.value,
                message_ids=list(finding.message_ids),
                detail=finding.detail,
                status=FindingStatus.OPEN.value,
            )
        )
    session.commit()
    return True


def drop_claim(session: Session, review_id: int, worker: str) -> None:
    """Remove a claim whose handoff vanished between the claim and the review (purged or erased)."""
    claimed = session.get(QaReview, review_id)
    if claimed is not None and claimed.claimed_by == worker and claimed.state == ReviewState.PENDING.value:
        session.delete(claimed)
    session.commit()
