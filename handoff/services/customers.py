"""Per-customer data export and erasure (right of access, right to be forgotten) across every store.

The handoff database is handled here in one transaction; Rasa (tracker store, mailbox, web-chat state), the action
server's outbox and Redis are reached through :mod:`handoff.privacy.stores`. The customer's conversation ids are
the customer id itself (the bot uses the conversation id as customer id) and those of every handoff of theirs,
including the handoffs of every identity linked to their customer record; erasure deletes those records too.
Every export and erasure is audited under the customer's keyed pseudonym, never the identifier.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult

from handoff.attachments.service import erase_for_handoffs as erase_attachments
from handoff.attachments.service import export_for_handoffs as export_attachments
from handoff.attachments.service import store_for as attachment_store
from handoff.auth import Principal
from handoff.errors import NotFoundError
from handoff.privacy.disk import checkpoint_deleted
from handoff.privacy.runtime import PrivacyRuntime
from handoff.privacy.stores import StoreUnavailable, holds_data
from handoff.privacy.tasks import add_tasks, run_tasks
from handoff.schemas import AuditOut, CustomerExport, ErasureResult, StoreReport
from handoff.services.context import ServiceContext
from handoff.services.customer_records import erase_records, record_out, records_of
from handoff.services.presenter import present
from handoff.services.transitions import OPEN_STATUSES, audit, transition
from handoff.states import HandoffStatus
from handoff.store.models import AuditEntry, CustomerRecord, Handoff, Message, OutboxEntry


def _conversation_ids(customer_id: str, handoffs: list[Handoff]) -> list[str]:
    return sorted({customer_id, *(h.conversation_id for h in handoffs)})


def _customer_handoffs(session: Any, customer_id: str) -> tuple[list[Handoff], list[CustomerRecord]]:
    """The customer's handoffs: under this id and, through their customer records, on every linked channel."""
    own = list(session.scalars(select(Handoff).where(Handoff.customer_id == customer_id)).all())
    records = records_of(session, customer_id, own)
    linked = select(Handoff).where(Handoff.customer_record_id.in_([r.id for r in records]))
    by_id = {h.id: h for h in [*own, *session.scalars(linked)]}
    return sorted(by_id.values(), key=lambda h: (h.created_at, h.id)), records


def export_customer(
    ctx: ServiceContext, runtime: PrivacyRuntime, caller: Principal, customer_id: str
) -> CustomerExport:
    """Every handoff (with all messages and notes), its audit entries, and what each other store holds."""
    now = ctx.clock()
    customer = runtime.pseudonym(customer_id)
    with ctx.sessions() as session:
        handoffs, records = _customer_handoffs(session, customer_id)
        ids = [h.id for h in handoffs]
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.handoff_id.in_(ids)).order_by(AuditEntry.id)
        ).all()
        presented = [
            present(session, h, settings=ctx.settings, now=now, with_messages=True, include_private=True)
            for h in handoffs
        ]
        audit_out = [AuditOut.model_validate(e) for e in [*entries, *_privacy_history(session, customer)]]
        conversation_ids = _conversation_ids(customer_id, handoffs)
        records_out = [record_out(session, r) for r in records]
    stores: dict[str, dict[str, Any]] = {}
    unavailable = dict(runtime.not_configured)
    for name, store in runtime.stores.items():
        try:
            found = {cid: data for cid in conversation_ids if holds_data(data := store.export(cid), cid)}
        except StoreUnavailable as e:
            unavailable[name] = str(e)
            continue
        if found:
            stores[name] = found
    answered = {name: ("data" if name in stores else "nothing") for name in runtime.stores if name not in unavailable}
    with ctx.sessions() as session:
        audit(
            session,
            at=now,
            actor=caller.actor,
            action="customer_exported",
            handoff_id=None,
            details={
                "customer": customer,
                "handoffs": len(handoffs),
                "stores": {
                    **answered,
                    **{name: "unavailable" for name in unavailable if name in runtime.stores},
                    **{name: "not_configured" for name in runtime.not_configured},
                },
            },
        )
        session.commit()
    if not handoffs and not records_out and not stores and not (set(unavailable) & set(runtime.stores)):
        raise NotFoundError("customer", customer)
    return CustomerExport(
        customer_id=customer_id,
        pseudonym=customer,
        handoffs=presented,
        records=records_out,
        audit=audit_out,
        stores=stores,
        unavailable=unavailable,
        attachments=export_attachments(ctx, [h.id for h in handoffs]),
    )


PRIVACY_ACTIONS = ("customer_exported", "customer_erased", "erasure_store_done")


def _privacy_history(session: Any, customer: str) -> list[AuditEntry]:
    """Earlier exports and erasures of this customer (audited under the pseudonym, with no handoff id)."""
    query = select(AuditEntry).where(AuditEntry.handoff_id.is_(None), AuditEntry.action.in_(PRIVACY_ACTIONS))
    return [
        entry for entry in session.scalars(query.order_by(AuditEntry.id)) if entry.details.get("customer") == customer
    ]


def _count(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


def _erase_local(
    ctx: ServiceContext, session: Any, caller: Principal, handoffs: list[Handoff], customer: str
) -> tuple[int, int]:
    """Close open handoffs, delete messages and pending deliveries, scrub identifiers; (messages, outbox) deleted.

    Handoff rows stay (anonymised) so queue statistics remain correct.
    """
    now = ctx.clock()
    ids = [h.id for h in handoffs]
    for handoff in handoffs:
        if handoff.status in OPEN_STATUSES:
            transition(
                session,
                handoff.id,
                expected=OPEN_STATUSES,
                to_status=HandoffStatus.CLOSED,
                actor=caller.actor,
                action="erased",
                at=now,
                changes={"closed_at": now, "resolution": None, "return_to_bot": True},
            )
    erase_attachments(session, attachment_store(ctx), ids)
    messages = session.execute(delete(Message).where(Message.handoff_id.in_(ids)))
    outbox = session.execute(delete(OutboxEntry).where(OutboxEntry.handoff_id.in_(ids)))
    for index, handoff in enumerate(session.scalars(select(Handoff).where(Handoff.id.in_(ids)))):
        handoff.customer_id = customer
        handoff.customer_record_id = None
        handoff.conversation_id = f"{customer}:{index}"
        handoff.open_conversation_key = None
        handoff.customer = {}
        handoff.slots = {}
        handoff.summary = None
        handoff.resolution = None
        handoff.csat_comment = None  # the customer's own words; the score alone stays for the statistics
    return _count(messages), _count(outbox)


def erase_customer(ctx: ServiceContext, runtime: PrivacyRuntime, caller: Principal, customer_id: str) -> ErasureResult:
    """Erase the customer from the handoff database at once and from every other store, reporting each store.

    A store that cannot answer keeps a pending task that the privacy worker retries until it confirms; the
    result then says ``complete: false`` and which store is pending, with its error.
    """
    now = ctx.clock()
    customer = runtime.pseudonym(customer_id)
    request_id = str(uuid.uuid4())
    with ctx.sessions() as session:
        handoffs, records = _customer_handoffs(session, customer_id)
        conversation_ids = _conversation_ids(customer_id, handoffs)
        messages_deleted, outbox_deleted = _erase_local(ctx, session, caller, handoffs, customer)
        records_deleted, identities_deleted = erase_records(session, records)
        add_tasks(
            session,
            runtime,
            request_id=request_id,
            customer=customer,
            actor=caller.actor,
            conversation_ids=conversation_ids,
            now=now,
        )
        session.commit()
    checkpoint_deleted(ctx)
    tasks = run_tasks(ctx, runtime, request_id=request_id)
    reports = [
        StoreReport(
            store="handoff_db",
            status="done",
            result={
                "handoffs": len(handoffs),
                "messages": messages_deleted,
                "outbox": outbox_deleted,
                "customer_records": records_deleted,
                "identities": identities_deleted,
            },
        )
    ]
    for name in runtime.stores:
        mine = [task for task in tasks if task.store == name]
        pending = [task for task in mine if task.status != "done"]
        reports.append(
            StoreReport(
                store=name,
                status="pending" if pending else "done",
                result={f"conversation {i + 1}": task.result for i, task in enumerate(mine) if task.status == "done"},
                error="; ".join(sorted({task.last_error or "" for task in pending})) or None,
            )
        )
    reports += [
        StoreReport(store=name, status="not_configured", error=why) for name, why in runtime.not_configured.items()
    ]
    complete = all(report.status == "done" for report in reports)
    with ctx.sessions() as session:
        audit(
            session,
            at=now,
            actor=caller.actor,
            action="customer_erased",
            handoff_id=None,
            details={
                "customer": customer,
                "request": request_id,
                "handoffs": len(handoffs),
                "complete": complete,
                "stores": {r.store: {"status": r.status, "result": r.result, "error": r.error} for r in reports},
            },
        )
        session.commit()
    return ErasureResult(
        customer_id=customer_id,
        pseudonym=customer,
        request_id=request_id,
        handoffs=len(handoffs),
        messages_deleted=messages_deleted,
        outbox_deleted=outbox_deleted,
        complete=complete,
        stores=reports,
    )
