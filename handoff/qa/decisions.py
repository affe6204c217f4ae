"""A supervisor confirms or dismisses a finding: a conditional update and its audit row in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from handoff.errors import ConflictError, NotFoundError
from handoff.qa.enums import Decision
from handoff.qa.queries import finding_out
from handoff.qa.schemas import FindingOut
from handoff.services.transitions import audit
from handoff.store.models import Message, QaFinding, QaReview

AUDIT_ACTION = "qa_finding_decided"


def decide(
    session: Session, finding_id: int, decision: Decision, note: str | None, actor: str, now: datetime
) -> FindingOut:
    """Set the finding's status (a later decision may change an earlier one; each is audited with both statuses)."""
    finding = session.get(QaFinding, finding_id)
    if finding is None:
        raise NotFoundError("finding", str(finding_id))
    handoff_id = session.scalar(select(QaReview.handoff_id).where(QaReview.id == finding.review_id))
    previous = finding.status
    target = decision.status.value
    cleaned = (note or "").strip() or None
    result = session.execute(
        update(QaFinding)
        .where(QaFinding.id == finding_id, QaFinding.status == previous)
        .values(status=target, decided_by=actor, decided_at=now, decision_note=cleaned)
        .execution_options(synchronize_session=False)
    )
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        session.rollback()
        raise ConflictError("another supervisor decided on this finding at the same moment; reload it", status=previous)
    audit(
        session,
        at=now,
        actor=actor,
        action=AUDIT_ACTION,
        handoff_id=handoff_id,
        from_status=previous,
        to_status=target,
        details={"finding_id": finding_id, "check": finding.check, "decision": decision.value, "note": cleaned},
    )
    session.commit()
    session.refresh(finding)
    ids = [int(i) for i in finding.message_ids]
    messages = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))} if ids else {}
    return finding_out(finding, messages)
