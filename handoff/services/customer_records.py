"""Customer records: found or created for each handoff, linked only on verified facts, listed with their history.

A handoff's conversation id is an identity of its customer. The record that holds it is the customer's; failing
that, the record holding a phone or e-mail address the channel verified for it (:mod:`handoff.customers.identity`);
failing that, a new record. Two records become one only through :func:`link_identity`, an explicit, audited agent
action. Services never import FastAPI; the caller commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from handoff.customers.identity import Identity, conversation_identity, verified_contacts
from handoff.customers.schemas import CustomerContext, CustomerHistoryItem, CustomerIdentityOut, CustomerRecordOut
from handoff.errors import ConflictError
from handoff.privacy.directory import DirectoryEntry
from handoff.services.transitions import audit
from handoff.store.models import Agent, CustomerIdentity, CustomerRecord, Handoff

PROFILE_FIELDS = ("name", "locale", "timezone", "country")
HISTORY_LIMIT = 50


def _holder(session: Session, identity: Identity) -> CustomerIdentity | None:
    return session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.channel == identity.channel, CustomerIdentity.external_id == identity.external_id
        )
    )


def _add_identity(session: Session, record_id: str, identity: Identity, verified_by: str, now: datetime) -> bool:
    """Add an identity to a record unless some record holds it already.

    A concurrent creation of the same identity fails on the unique constraint (see :func:`ensure_record`).
    """
    if _holder(session, identity) is not None:
        return False
    session.add(
        CustomerIdentity(
            customer_id=record_id,
            channel=identity.channel,
            external_id=identity.external_id,
            verified_by=verified_by,
            created_at=now,
        )
    )
    session.flush()
    return True


def _proven(identity: Identity) -> list[Identity]:
    """The conversation's own identity and the contacts its channel verified, each once (an e-mail sender is both)."""
    return list(dict.fromkeys([identity, *verified_contacts(identity)]))


def find_record(session: Session, identity: Identity) -> CustomerRecord | None:
    """The record holding the identity, else the one holding a contact its channel verified."""
    for candidate in _proven(identity):
        held = _holder(session, candidate)
        if held is not None:
            return session.get(CustomerRecord, held.customer_id)
    return None


def ensure_record(session: Session, *, channel: str, conversation_id: str, now: datetime) -> CustomerRecord:
    """The customer's record, found or created (with the identities the conversation proves), in the
    caller's transaction.

    Two conversations of one customer created at the same moment meet on the identities' unique constraint (an
    :class:`~sqlalchemy.exc.IntegrityError` at flush or commit); the caller rolls back and runs again, and then finds
    the winner's record.
    """
    identity = conversation_identity(channel, conversation_id)
    proven = _proven(identity)
    held = {candidate: _holder(session, candidate) for candidate in proven}
    holder = next((h for h in held.values() if h is not None), None)
    if holder is None:
        # Nobody holds any of them: a new record with all of them, written at the caller's commit.
        record_id = str(uuid.uuid4())
        record = CustomerRecord(id=record_id, vip=False, created_at=now, updated_at=now)
        session.add(record)
        session.add_all(
            CustomerIdentity(
                record=record,
                channel=candidate.channel,
                external_id=candidate.external_id,
                verified_by="channel",
                created_at=now,
            )
            for candidate in proven
        )
        return record
    for candidate, current in held.items():
        if current is None:
            _add_identity(session, holder.customer_id, candidate, "channel", now)
    found = session.get(CustomerRecord, holder.customer_id)
    if found is None:  # erased since its identity was read: the identity went with it, so start again
        raise ConflictError("the customer's record was erased concurrently; try again")
    return found


def update_record(
    record: CustomerRecord, *, profile: dict[str, Any], entry: DirectoryEntry | None, now: datetime
) -> CustomerRecord:
    """The record with the profile the channel gave and the provider's VIP and tier.

    ``entry`` None (unknown to the provider, or the provider did not answer) keeps what the record knew.
    """
    for name in PROFILE_FIELDS:
        if profile.get(name):
            setattr(record, name, str(profile[name]))
    if entry is not None:
        record.vip, record.tier = entry.vip, entry.tier
    record.updated_at = now
    return record


def record_entry(record: CustomerRecord) -> DirectoryEntry | None:
    """What the record last learned from the provider, as a directory entry (None when nothing special)."""
    if not record.vip and record.tier is None:
        return None
    return DirectoryEntry(vip=record.vip, tier=record.tier, priority="high" if record.vip else "normal")


def last_agent_id(session: Session, record_id: str, exclude: str | None = None) -> str | None:
    """The agent of the customer's latest handoff that had one (closed or not), excluding ``exclude``."""
    query = select(Handoff.agent_id).where(Handoff.customer_record_id == record_id, Handoff.agent_id.is_not(None))
    if exclude is not None:
        query = query.where(Handoff.id != exclude)
    latest = func.coalesce(Handoff.assigned_at, Handoff.created_at)
    return session.scalar(query.order_by(latest.desc(), Handoff.id.desc()).limit(1))


def record_out(session: Session, record: CustomerRecord) -> CustomerRecordOut:
    """The record with its identities."""
    identities = session.scalars(
        select(CustomerIdentity).where(CustomerIdentity.customer_id == record.id).order_by(CustomerIdentity.id)
    ).all()
    out = CustomerRecordOut.model_validate(record)
    out.identities = [CustomerIdentityOut.model_validate(i) for i in identities]
    return out


def history(session: Session, record_id: str, *, exclude: str | None = None) -> list[CustomerHistoryItem]:
    """The record's handoffs, newest first (at most ``HISTORY_LIMIT``), without ``exclude``."""
    query = select(Handoff, Agent.display_name).outerjoin(Agent, Agent.id == Handoff.agent_id)
    query = query.where(Handoff.customer_record_id == record_id)
    if exclude is not None:
        query = query.where(Handoff.id != exclude)
    rows = session.execute(query.order_by(Handoff.created_at.desc(), Handoff.id).limit(HISTORY_LIMIT)).all()
    return [
        CustomerHistoryItem(
            handoff_id=h.id,
            created_at=h.created_at,
            closed_at=h.closed_at,
            status=h.status,
            channel=h.channel,
            language=h.language,
            topic=h.topic,
            reason=h.reason,
            queue=h.queue,
            resolution=h.resolution,
            agent_id=h.agent_id,
            agent_name=name,
            csat_score=h.csat_score,
        )
        for h, name in rows
    ]


def context_for(session: Session, handoff: Handoff) -> CustomerContext:
    """The customer beside a conversation: their record and their other handoffs."""
    record = session.get(CustomerRecord, handoff.customer_record_id) if handoff.customer_record_id else None
    if record is None:
        return CustomerContext(record=None, history=[])
    return CustomerContext(
        record=record_out(session, record),
        history=history(session, record.id, exclude=handoff.id),
        last_agent_id=last_agent_id(session, record.id, exclude=handoff.id),
    )


def _belongs(handoff: Handoff, identity: Identity) -> bool:
    return conversation_identity(handoff.channel, handoff.conversation_id) == identity


def link_identity(
    session: Session,
    record: CustomerRecord,
    identity: Identity,
    *,
    actor: str,
    pseudonym: str,
    now: datetime,
    handoff_id: str | None = None,
) -> tuple[int, str | None]:
    """Make ``identity`` (and the contacts its channel verified) the record's, with its handoffs; audited.

    A record left without identities is merged into this one. Returns (handoffs moved, merged record id).
    """
    moving = _proven(identity)
    sources: set[str] = set()
    for candidate in moving:
        held = _holder(session, candidate)
        if held is None:
            _add_identity(session, record.id, candidate, actor if candidate == identity else "channel", now)
        elif held.customer_id != record.id:
            sources.add(held.customer_id)
            held.customer_id = record.id
            if candidate == identity:
                held.verified_by = actor
    moved = 0
    candidates = select(Handoff).where((Handoff.customer_record_id.in_(sources)) | Handoff.customer_record_id.is_(None))
    if identity.channel != "rest":
        candidates = candidates.where(Handoff.conversation_id.like(f"{identity.channel}:%"))
    for handoff in session.scalars(candidates):
        if _belongs(handoff, identity):
            handoff.customer_record_id = record.id
            moved += 1
    session.flush()
    merged: str | None = None
    for source in sorted(sources):
        left = session.scalar(select(func.count()).where(CustomerIdentity.customer_id == source))
        if not left:
            for handoff in session.scalars(select(Handoff).where(Handoff.customer_record_id == source)):
                handoff.customer_record_id = record.id
                moved += 1
            session.execute(delete(CustomerRecord).where(CustomerRecord.id == source))
            merged = source
    record.updated_at = now
    audit(
        session,
        at=now,
        actor=actor,
        action="customer_linked",
        handoff_id=handoff_id,
        details={
            "record": record.id,
            "identity": pseudonym,
            "channel": identity.channel,
            "from_records": sorted(sources),
            "merged_record": merged,
            "moved_handoffs": moved,
        },
    )
    return moved, merged


def records_of(session: Session, customer_id: str, handoffs: list[Handoff]) -> list[CustomerRecord]:
    """Every record of a customer id: the one its identity names and those of its handoffs."""
    ids = {h.customer_record_id for h in handoffs if h.customer_record_id}
    found = find_record(session, conversation_identity("rest", customer_id))
    if found is not None:
        ids.add(found.id)
    return [r for r in (session.get(CustomerRecord, i) for i in sorted(ids)) if r is not None]


def erase_records(session: Session, records: list[CustomerRecord]) -> tuple[int, int]:
    """Delete the records and their identities; (records, identities) deleted."""
    ids = [r.id for r in records]
    if not ids:
        return 0, 0
    identities = session.execute(delete(CustomerIdentity).where(CustomerIdentity.customer_id.in_(ids)))
    session.execute(delete(CustomerRecord).where(CustomerRecord.id.in_(ids)))
    return len(ids), int(getattr(identities, "rowcount", 0) or 0)


def purge_idle_records(session: Session, cutoff: datetime) -> int:
    """Delete records untouched since ``cutoff`` that no handoff refers to any more (retention); how many."""
    referenced = select(Handoff.customer_record_id).where(Handoff.customer_record_id.is_not(None))
    idle = list(
        session.scalars(
            select(CustomerRecord.id).where(CustomerRecord.updated_at < cutoff, CustomerRecord.id.not_in(referenced))
        )
    )
    return erase_records(session, [r for r in (session.get(CustomerRecord, i) for i in idle) if r is not None])[0]
