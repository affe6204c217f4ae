"""Reading reviews for supervisors: the review queue (lowest scores first) and one review with its findings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from handoff.errors import NotFoundError
from handoff.qa.enums import Check, FindingStatus, ReviewState, Severity
from handoff.qa.schemas import CheckOut, FindingMessage, FindingOut, ReviewOut, ReviewSummary
from handoff.store.models import Handoff, Message, QaFinding, QaReview


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """The review queue's filters: queue, highest score shown, and a status at least one finding has."""

    queue: str | None = None
    max_score: int | None = None
    status: FindingStatus | None = None


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """One page of the review queue and the size of the whole filtered list."""

    items: list[ReviewSummary]
    total: int


def _filtered(query: Select[QaReview, Handoff], where: ReviewFilter) -> Select[QaReview, Handoff]:
    query = query.where(QaReview.state == ReviewState.DONE.value)
    if where.queue:
        query = query.where(Handoff.queue == where.queue)
    if where.max_score is not None:
        query = query.where(QaReview.score <= where.max_score)
    if where.status is not None:
        query = query.where(exists().where(QaFinding.review_id == QaReview.id, QaFinding.status == where.status.value))
    return query


def _summary(review: QaReview, handoff: Handoff, findings: list[QaFinding]) -> ReviewSummary:
    statuses = Counter(f.status for f in findings)
    assert review.score is not None and review.reviewed_at is not None
    return ReviewSummary(
        handoff_id=handoff.id,
        queue=handoff.queue,
        language=handoff.language,
        channel=handoff.channel,
        agent_id=handoff.agent_id,
        closed_at=handoff.closed_at,
        score=review.score,
        reviewed_at=review.reviewed_at,
        rules_version=review.rules_version or "",
        failed_checks=[Check(f.check) for f in findings],
        open_findings=statuses[FindingStatus.OPEN.value],
        confirmed_findings=statuses[FindingStatus.CONFIRMED.value],
        dismissed_findings=statuses[FindingStatus.DISMISSED.value],
    )


def _findings(session: Session, review_ids: list[int]) -> dict[int, list[QaFinding]]:
    by_review: dict[int, list[QaFinding]] = {review_id: [] for review_id in review_ids}
    if review_ids:
        rows = session.scalars(select(QaFinding).where(QaFinding.review_id.in_(review_ids)).order_by(QaFinding.id))
        for finding in rows:
            by_review[finding.review_id].append(finding)
    return by_review


def list_reviews(session: Session, where: ReviewFilter, limit: int, offset: int) -> ReviewPage:
    """Reviews lowest score first (then the latest closed first), with counts of their findings by status."""
    base = _filtered(select(QaReview, Handoff).join(Handoff, Handoff.id == QaReview.handoff_id), where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        base.order_by(QaReview.score, Handoff.closed_at.desc(), QaReview.id).limit(limit).offset(offset)
    ).all()
    findings = _findings(session, [review.id for review, _ in rows])
    return ReviewPage([_summary(review, handoff, findings[review.id]) for review, handoff in rows], int(total))


def finding_out(finding: QaFinding, messages: dict[int, Message]) -> FindingOut:
    """A finding with the stored messages it names."""
    ids = [int(i) for i in finding.message_ids]
    return FindingOut(
        id=finding.id,
        check=Check(finding.check),
        severity=Severity(finding.severity),
        status=FindingStatus(finding.status),
        detail=finding.detail,
        message_ids=ids,
        messages=[
            FindingMessage(
                id=m.id,
                role=m.role,
                text=m.text,
                original_text=m.original_text,
                original_language=m.original_language,
                timestamp=m.timestamp,
                private=m.private,
                agent_id=m.agent_id,
            )
            for m in (messages.get(i) for i in ids)
            if m is not None
        ],
        decided_by=finding.decided_by,
        decided_at=finding.decided_at,
        decision_note=finding.decision_note,
    )


def get_review(session: Session, handoff_id: str) -> ReviewOut:
    """The review of ``handoff_id`` with every check and its findings' messages; NotFoundError if not reviewed."""
    row = session.execute(
        select(QaReview, Handoff)
        .join(Handoff, Handoff.id == QaReview.handoff_id)
        .where(QaReview.handoff_id == handoff_id, QaReview.state == ReviewState.DONE.value)
    ).first()
    if row is None:
        raise NotFoundError("quality review of handoff", handoff_id)
    review, handoff = row
    findings = _findings(session, [review.id])[review.id]
    wanted = {int(i) for f in findings for i in f.message_ids}
    messages = {
        m.id: m
        for m in session.scalars(select(Message).where(Message.handoff_id == handoff_id, Message.id.in_(wanted)))
    } if wanted else {}  # fmt: skip
    summary = _summary(review, handoff, findings)
    return ReviewOut(
        **summary.model_dump(),
        checks=[CheckOut.model_validate(c) for c in review.checks],
        findings=[finding_out(f, messages) for f in findings],
    )
