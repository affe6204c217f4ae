"""Customer records: found or created for each handoff, linked only on verified facts, listed with their history.

A handoff's conversation id is an identity of its customer. The record that holds it is the customer's; failing
that, the record holding a phone or e-mail address the channel verified for it (:mod:`handoff.customers.identity`);
failing that, a new record. Two records become one only through :func:`link_identity`, an explicit, audited agent
action. Services never import FastAPI; the caller commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, inspect, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from handoff.customers.identity import Identity, conversation_identity, verified_contacts
from handoff.customers.schemas import CustomerContext, CustomerHistoryItem, CustomerIdentityOut, CustomerRecordOut
from handoff.errors import ConflictError
from handoff.privacy.directory import DirectoryEntry
from handoff.services.transitions import audit
from handoff.store.models import Agent, CustomerIdentity, CustomerRecord, Handoff

PROFILE_FIELDS = ("name", "locale", "timezone", "country")
HISTORY_LIMIT = 50


# Built once: constructing the statement per lookup costs more than running it.
_HOLDER = select(CustomerIdentity).where(
    CustomerIdentity.channel == bindparam("channel"), CustomerIdentity.external_id == bindparam("external_id")
)


def _holder(session: Session, identity: Identity) -> CustomerIdentity | None:
    return session.scalar(_HOLDER, {"channel": identity.channel, "external_id": identity.external_id})


def _add_identity(session: Session, record_id: str, identity: Identity, verified_by: str, now: datetime) -> bool:
    """Add an identity to a record unless some record holds it already.

    A concurrent creation of the same identity fails on the unique constraint (see :func:`prepare_record`).
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


@dataclass(frozen=True, slots=True)
class RecordRows:
    """What a creation writes about its customer: a new record, or the changed columns of the one found, and the
    identities the conversation proves that no record holds yet."""

    record_id: str
    insert: dict[str, Any] | None
    changes: dict[str, Any]
    identities: list[dict[str, Any]]


def prepare_record(
    session: Session, *, channel: str, conversation_id: str, now: datetime
) -> tuple[CustomerRecord, bool, list[Identity]]:
    """The customer's record, found (True: it is in the session) or made (False: outside the session), and the
    identities the conversation proves that no record holds, for the caller to change with :func:`update_record`,
    turn into rows with :func:`record_rows` and write in its own transaction with :func:`write_record_rows`;
    nothing is written through the session.

    Two conversations of one customer created at the same moment meet on the identities' unique constraint (an
    :class:`~sqlalchemy.exc.IntegrityError` when written); the caller rolls back and runs again, and then finds the
    winner's record.
    """
    held = {
        candidate: _holder(session, candidate) for candidate in _proven(conversation_identity(channel, conversation_id))
    }
    missing = [candidate for candidate, holder in held.items() if holder is None]
    holder = next((h for h in held.values() if h is not None), None)
    if holder is None:
        return CustomerRecord(id=str(uuid.uuid4()), vip=False, created_at=now, updated_at=now), False, missing
    found = session.get(CustomerRecord, holder.customer_id)
    if found is None:  # erased since its identity was read: the identity went with it, so start again
        raise ConflictError("the customer's record was erased concurrently; try again")
    return found, True, missing


def record_rows(record: CustomerRecord, *, found: bool, missing: list[Identity], now: datetime) -> RecordRows:
    """The rows of a record :func:`prepare_record` gave and :func:`update_record` changed, with its new identities."""
    identities = [
        {
            "customer_id": record.id,
            "channel": candidate.channel,
            "external_id": candidate.external_id,
            "verified_by": "channel",
            "created_at": now,
        }
        for candidate in missing
    ]
    if not found:
        return RecordRows(record.id, {name: getattr(record, name) for name in _RECORD_COLUMNS}, {}, identities)
    state = inspect(record)
    changes = {name: getattr(record, name) for name in _RECORD_COLUMNS if state.attrs[name].history.has_changes()}
    return RecordRows(record.id, None, changes, identities)


def write_record_rows(session: Session, rows: Sequence[RecordRows]) -> None:
    """Write the records' rows with plain statements (new records and identities each as one executemany).

    A concurrent creation of the same identity fails here on the unique constraint; a record erased since it was
    read is a :class:`ConflictError`.
    """
    inserts = [r.insert for r in rows if r.insert is not None]
    if inserts:
        session.execute(_INSERT_RECORD, inserts)
    for changed in rows:
        if changed.changes:
            result = session.execute(
                update(CustomerRecord)
                .where(CustomerRecord.id == changed.record_id)
                .values(**changed.changes)
                .execution_options(synchronize_session=False)
            )
            if not isinstance(result, CursorResult) or result.rowcount != 1:
                raise ConflictError("the customer's record was erased concurrently; try again")
    identities = [identity for r in rows for identity in r.identities]
    if identities:
        session.execute(_INSERT_IDENTITY, identities)


_INSERT_RECORD = insert(cast(Table, CustomerRecord.__table__))
_INSERT_IDENTITY = insert(cast(Table, CustomerIdentity.__table__))
_RECORD_COLUMNS = ("id", "name", "locale", "timezone", "country", "vip", "tier", "created_at", "updated_at")


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
