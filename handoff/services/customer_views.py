"""What the API does with customer records: the customer beside a conversation, a record, an agent's link."""

from __future__ import annotations

from handoff.access import require_owner
from handoff.auth import Principal
from handoff.customers.identity import Identity, conversation_identity
from handoff.customers.schemas import CustomerContext, CustomerRecordOut, IdentityLinkIn, IdentityLinkOut
from handoff.errors import NotFoundError, PermissionDeniedError
from handoff.privacy.runtime import PrivacyRuntime
from handoff.services.context import ServiceContext
from handoff.services.customer_records import context_for, history, link_identity, record_out
from handoff.states import HandoffStatus
from handoff.store.models import CustomerRecord, Handoff


def customer_context(ctx: ServiceContext, handoff_id: str) -> CustomerContext:
    """The record and the other handoffs of a handoff's customer (the caller's access is checked by the view)."""
    with ctx.sessions() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFoundError("handoff", handoff_id)
        return context_for(session, handoff)


def get_record(ctx: ServiceContext, record_id: str) -> CustomerContext:
    """A record with its identities and its whole history."""
    with ctx.sessions() as session:
        record = session.get(CustomerRecord, record_id)
        if record is None:
            raise NotFoundError("customer record", record_id)
        return CustomerContext(record=record_out(session, record), history=history(session, record.id))


def link(
    ctx: ServiceContext, privacy: PrivacyRuntime, caller: Principal, record_id: str, body: IdentityLinkIn
) -> IdentityLinkOut:
    """An explicit, audited link of an identity to a record.

    Agents link the customer of a conversation assigned to them (they verified who it is); supervisors and
    admins may also link any channel id.
    """
    now = ctx.clock()
    with ctx.sessions() as session:
        record = session.get(CustomerRecord, record_id)
        if record is None:
            raise NotFoundError("customer record", record_id)
        handoff_id: str | None = None
        if body.handoff_id is not None:
            handoff = session.get(Handoff, body.handoff_id)
            if handoff is None:
                raise NotFoundError("handoff", body.handoff_id)
            refusal = "agents link only the customer of a conversation assigned to them"
            require_owner(caller, handoff, refusal)
            if handoff.status != HandoffStatus.ASSIGNED and not caller.is_manager:
                raise PermissionDeniedError(refusal)
            identity = conversation_identity(handoff.channel, handoff.conversation_id)
            handoff_id = handoff.id
        else:
            if not caller.is_manager:
                raise PermissionDeniedError("only supervisors and admins link a channel id directly")
            assert body.channel is not None and body.external_id is not None
            identity = Identity(body.channel, body.external_id)
        moved, merged = link_identity(
            session,
            record,
            identity,
            actor=caller.actor,
            pseudonym=privacy.pseudonym(identity.directory_key),
            now=now,
            handoff_id=handoff_id,
        )
        session.commit()
        out: CustomerRecordOut = record_out(session, record)
    return IdentityLinkOut(record=out, moved_handoffs=moved, merged_record=merged)
