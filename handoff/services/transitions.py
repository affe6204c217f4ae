"""The one place that changes a handoff's status or owner, atomically and with an audit entry.

A transition is a conditional ``UPDATE ... WHERE id = :id AND status IN (:expected)``; exactly one
of two concurrent callers sees a matched row, on SQLite and PostgreSQL alike, so claims never race.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from handoff.errors import ConflictError, NotFoundError
from handoff.services.routing_state import forget_loads
from handoff.states import HandoffStatus
from handoff.store.models import AuditEntry, Handoff

STATUSES = tuple(HandoffStatus)
OPEN_STATUSES = (HandoffStatus.QUEUED, HandoffStatus.ASSIGNED)


def audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    handoff_id: str | None,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the current transaction."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor,
            action=action,
            handoff_id=handoff_id,
            from_status=from_status,
            to_status=to_status,
            details=details or {},
        )
    )


def transition(
    session: Session,
    handoff_id: str,
    *,
    expected: Collection[str],
    to_status: str,
    actor: str,
    action: str,
    at: datetime,
    changes: dict[str, Any] | None = None,
    expected_agent: str | None = None,
    details: dict[str, Any] | None = None,
) -> Handoff:
    """Move a handoff from one of ``expected`` statuses to ``to_status`` and audit it, or raise.

    ``expected_agent`` additionally requires the current owner (reply/transfer/close by the owner).
    Raises :class:`NotFoundError` or :class:`ConflictError`; the caller commits.
    """
    if to_status not in STATUSES:
        raise ValueError(f"unknown status {to_status!r}")
    current = session.get(Handoff, handoff_id, populate_existing=True)
    if current is None:
        raise NotFoundError("handoff", handoff_id)
    from_status = current.status
    values: dict[str, Any] = {"status": to_status, "version": Handoff.version + 1, **(changes or {})}
    if to_status == HandoffStatus.CLOSED:
        values["open_conversation_key"] = None
    statement = update(Handoff).where(Handoff.id == handoff_id, Handoff.status.in_(list(expected)))
    if expected_agent is not None:
        statement = statement.where(Handoff.agent_id == expected_agent)
    result = session.execute(statement.values(**values).execution_options(synchronize_session=False))
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        latest = session.get(Handoff, handoff_id, populate_existing=True)
        status = latest.status if latest else None
        raise ConflictError(f"handoff {handoff_id} cannot be {action}: it is {status}", status=status)
    forget_loads(session)
    audit(
        session,
        at=at,
        actor=actor,
        action=action,
        handoff_id=handoff_id,
        from_status=from_status,
        to_status=to_status,
        details=details,
    )
    session.flush()
    updated = session.get(Handoff, handoff_id, populate_existing=True)
    assert updated is not None
    return updated
