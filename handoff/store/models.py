"""SQLAlchemy tables of the handoff service (the Alembic migrations create exactly these)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from handoff.states import AgentRole, AgentStatus, OutboxStatus


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store naive values as UTC and aware ones converted to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base; every timestamp is stored timezone-aware in UTC."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Queue(Base):
    """A team queue: languages, skills, business hours in a time zone, holidays and overflow."""

    __tablename__ = "queues"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    region: Mapped[str] = mapped_column(String(64), default="")
    languages: Mapped[list[Any]] = mapped_column(default=list)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holiday_calendar: Mapped[str | None] = mapped_column(String(64), nullable=True)
    overflow_queue: Mapped[str | None] = mapped_column(String(64), nullable=True)
    capacity: Mapped[int] = mapped_column(Integer, default=100)
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_seconds: Mapped[int] = mapped_column(Integer, default=300)
    # Languages this queue's agents serve through machine translation (used only when a provider is configured).
    translation_languages: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # A returning customer goes to the agent who last helped them when that agent can take them now.
    prefer_last_agent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class HolidayCalendar(Base):
    """Named list of local dates (ISO ``YYYY-MM-DD``) on which a queue is closed all day."""

    __tablename__ = "holiday_calendars"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    dates: Mapped[list[Any]] = mapped_column(default=list)


class Agent(Base):
    """A human agent (or supervisor/admin) with languages, skills, queues and capacity."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default=AgentRole.AGENT)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    queues: Mapped[list[Any]] = mapped_column(default=list)
    max_concurrent: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(16), default=AgentStatus.OFFLINE)  # AgentStatus
    idle_since: Mapped[datetime | None] = mapped_column(nullable=True)
    # A disabled, soft-deleted or expired agent's token is refused everywhere (API and WebSocket).
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    token_rotated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Handoff(Base):
    """One conversation handed to humans; ``status`` changes only through ``services.transitions``."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_queue_status_queued", "queue", "status", "queued_at"),
        Index("ix_handoffs_status_agent", "status", "agent_id"),
        Index("ix_handoffs_customer", "customer_id"),
        Index("ix_handoffs_closed_at", "closed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(256), index=True)
    # Equal to conversation_id while the handoff is open, NULL once closed: the unique
    # constraint makes "one open handoff per conversation" hold under concurrent creation.
    open_conversation_key: Mapped[str | None] = mapped_column(String(256), unique=True, nullable=True)
    channel: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str] = mapped_column(String(256))
    customer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(8))
    language_confidence: Mapped[float | None] = mapped_column(nullable=True)
    language_covered: Mapped[bool] = mapped_column(Boolean, default=True)
    intents: Mapped[list[Any]] = mapped_column(default=list)
    slots: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    priority_rank: Mapped[int] = mapped_column(Integer)
    kb_articles_tried: Mapped[list[Any]] = mapped_column(default=list)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # HandoffStatus
    queue: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    opens_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    queued_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    return_to_bot: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    csat_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    csat_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    csat_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The customer record (``customers.id``) this handoff belongs to: the customer's history across channels.
    customer_record_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class QueueCounter(Base):
    """Queued handoffs of one queue, kept by database triggers on ``handoffs`` (see its migration), so every writer in
    every process keeps it exact in the writing transaction."""

    __tablename__ = "queue_counters"

    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    queued: Mapped[int] = mapped_column(Integer, server_default="0")


class RoutingVersion(Base):
    """One row whose ``version`` triggers bump on any change of queues, calendars or agents' routing columns:
    processes cache the routing configuration and reload it when the version moved."""

    __tablename__ = "routing_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Message(Base):
    """Transcript entry, relayed customer message, agent reply or private note."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("handoff_id", "client_message_id", name="uq_messages_client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # MessageRole
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    timestamp: Mapped[datetime]
    client_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # A translated agent reply: ``text`` is what the customer received, these are the agent's own words.
    original_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    original_language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Machine translations of ``text`` by language, so a reload does not translate again.
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # When the customer's platform reported this agent reply read (WhatsApp and Messenger read receipts).
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Attachment(Base):
    """An image or document a customer or an agent sent, stored on disk under a random key."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    mime_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(128))
    storage_key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]


class CannedReply(Base):
    """A supervisor-managed reply text in one language, with ``{placeholder}`` fields filled at use."""

    __tablename__ = "canned_replies"
    __table_args__ = (UniqueConstraint("shortcut", "language", name="uq_canned_replies_shortcut_language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shortcut: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(96))


class AuditEntry(Base):
    """Who changed what and when; written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(96))
    action: Mapped[str] = mapped_column(String(32))
    handoff_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxEntry(Base):
    """A delivery to the customer's channel (via Rasa) that is retried until it succeeds or gives up."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(256))
    channel: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(32))
    entities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)  # OutboxStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The agent reply this entry delivers (null for close notices), so the reply can show its delivery status.
    message_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # When a worker took the entry to send it: a claim older than the lease belongs to a worker that died.
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RealtimeTicket(Base):
    """A single-use WebSocket ticket (stored hashed), so a ticket issued by one worker is redeemable at any."""

    __tablename__ = "realtime_tickets"

    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PrivacyTask(Base):
    """One store's part of an erasure, kept until that store confirmed it, so a store that is down is retried.

    ``conversation_id`` is the only plain identifier the service keeps after an erasure, and only until the store
    answered; the task then keeps the customer's pseudonym and the store's answer for the audit.
    """

    __tablename__ = "privacy_tasks"
    __table_args__ = (Index("ix_privacy_tasks_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    store: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    customer: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(96))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CustomerRecord(Base):
    """One customer across conversations and channels: profile, and VIP/tier from the customer-data provider."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    country: Mapped[str | None] = mapped_column(String(8), nullable=True)
    vip: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CustomerIdentity(Base):
    """A channel id (or an e-mail / phone a channel vouched for) that belongs to one customer record.

    ``verified_by`` says which fact linked it: ``channel`` (the platform's own id or a contact it verified) or
    ``agent:<id>`` (an explicit, audited agent action); customer claims never create an identity.
    """

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_customer_identities_channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(256))
    verified_by: Mapped[str] = mapped_column(String(96))
    # Lets one flush write a new record before its identities (the unit of work orders related mappers only).
    record: Mapped[CustomerRecord] = relationship(lazy="raise")
    created_at: Mapped[datetime]


class QaReview(Base):
    """The automatic quality review of one closed handoff; the row is inserted first as a worker's claim."""

    __tablename__ = "qa_reviews"
    __table_args__ = (Index("ix_qa_reviews_state_score", "state", "score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rules_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # What every check did (enabled, applicable, passed, weight), so a score can be explained.
    checks: Mapped[list[Any]] = mapped_column(default=list)


class QaFinding(Base):
    """A failed check of a review, with the ids of the messages at fault, until a supervisor decides on it."""

    __tablename__ = "qa_findings"
    __table_args__ = (Index("ix_qa_findings_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("qa_reviews.id", ondelete="CASCADE"), index=True)
    check: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    message_ids: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(96), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
