"""Per-customer data export and erasure (right of access, right to be forgotten)."""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult

from handoff.auth import Principal
from handoff.errors import NotFoundError
from handoff.schemas import AuditOut, CustomerExport, ErasureResult
from handoff.services.context import ServiceContext
from handoff.services.presenter import present
from handoff.services.transitions import OPEN_STATUSES, audit, transition
from handoff.store.models import AuditEntry, Handoff, Message, OutboxEntry


def export_customer(ctx: ServiceContext, customer_id: str) -> CustomerExport:
    """Every handoff (with all messages and notes) and audit entry about the customer."""
    now = ctx.clock()
    with ctx.sessions() as session:
        handoffs = session.scalars(
            select(Handoff).where(Handoff.customer_id == customer_id).order_by(Handoff.created_at)
        ).all()
        if not handoffs:
            raise NotFoundError("customer", customer_id)
        ids = [h.id for h in handoffs]
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.handoff_id.in_(ids)).order_by(AuditEntry.id)
        ).all()
        return CustomerExport(
            customer_id=customer_id,
            handoffs=[
                present(session, h, settings=ctx.settings, now=now, with_messages=True, include_private=True)
                for h in handoffs
            ],
            audit=[AuditOut.model_validate(e) for e in entries],
        )


def _count(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


def erase_customer(ctx: ServiceContext, caller: Principal, customer_id: str) -> ErasureResult:
    """Close the customer's open handoffs, delete messages and pending deliveries, scrub identifiers.

    Handoff rows stay (anonymised) so queue statistics remain correct; the audit log records the erasure
    under a one-way hash of the customer id, never the id itself.
    """
    now = ctx.clock()
    pseudonym = "erased:" + hashlib.sha256(customer_id.encode()).hexdigest()[:16]
    with ctx.sessions() as session:
        handoffs = session.scalars(select(Handoff).where(Handoff.customer_id == customer_id)).all()
        if not handoffs:
            raise NotFoundError("customer", customer_id)
        ids = [h.id for h in handoffs]
        for handoff in handoffs:
            if handoff.status in OPEN_STATUSES:
                transition(
                    session,
                    handoff.id,
                    expected=OPEN_STATUSES,
                    to_status="closed",
                    actor=caller.actor,
                    action="erased",
                    at=now,
                    changes={"closed_at": now, "resolution": None, "return_to_bot": True},
                )
        messages = session.execute(delete(Message).where(Message.handoff_id.in_(ids)))
        outbox = session.execute(delete(OutboxEntry).where(OutboxEntry.handoff_id.in_(ids)))
        for index, handoff in enumerate(session.scalars(select(Handoff).where(Handoff.id.in_(ids)))):
            handoff.customer_id = pseudonym
            handoff.conversation_id = f"{pseudonym}:{index}"
            handoff.open_conversation_key = None
            handoff.customer = {}
            handoff.slots = {}
            handoff.summary = None
            handoff.resolution = None
        audit(
            session,
            at=now,
            actor=caller.actor,
            action="customer_erased",
            handoff_id=None,
            details={"customer": pseudonym, "handoffs": len(ids)},
        )
        session.commit()
        return ErasureResult(
            customer_id=customer_id, handoffs=len(ids), messages_deleted=_count(messages), outbox_deleted=_count(outbox)
        )
