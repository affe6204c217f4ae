"""Pydantic request and response models of the public API (``/api/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from handoff.customers.schemas import CustomerRecordOut
from handoff.states import AgentRole, AgentStatus, DeliveryStatus, HandoffStatus, MessageRole, Priority, Reason
from language_registry import codes


def _spoken(value: str) -> str:
    """A language of the registry (languages.yml), else a validation error naming the known ones."""
    if value not in codes():
        raise ValueError(f"unknown language {value!r} (one of {', '.join(codes())})")
    return value


# A code of the language registry, checked against it when a request is read; the schema lists the codes.
Language = Annotated[str, AfterValidator(_spoken), WithJsonSchema({"type": "string", "enum": list(codes())})]
Topic = Literal["general", "orders", "billing", "account"]
# What the bot's transcript may hold: notes are written in the console only.
TranscriptRole = Literal[MessageRole.CUSTOMER, MessageRole.BOT, MessageRole.AGENT]

_ID = Field(min_length=1, max_length=256)


class CustomerProfile(BaseModel):
    """What is known about the customer; every field optional."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=256)
    locale: str | None = Field(default=None, max_length=35)
    country: str | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    vip: bool = Field(default=False, description="ignored on input: only the customer directory makes a VIP")


class TranscriptEntry(BaseModel):
    """One transcript line as the bot saw it."""

    role: TranscriptRole
    text: str
    timestamp: datetime | None = None
    language: str | None = Field(default=None, max_length=16)


class HandoffCreate(BaseModel):
    """Body of ``POST /api/v1/handoffs`` (docs/contracts.md)."""

    conversation_id: str = _ID
    channel: str = Field(min_length=1, max_length=32)
    customer_id: str | None = Field(default=None, min_length=1, max_length=256)
    customer: CustomerProfile = Field(default_factory=CustomerProfile)
    language: Language
    language_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    transcript: list[TranscriptEntry] = Field(default_factory=list)
    intents: list[str] = Field(default_factory=list, max_length=1000)
    slots: dict[str, Any] = Field(default_factory=dict)
    reason: Reason
    topic: Topic = "general"
    priority: Priority = Field(
        default=Priority.NORMAL,
        description="a request: honoured as high only for reason frustration; the directory decides",
    )
    kb_articles_tried: list[str] = Field(default_factory=list, max_length=200)
    summary: str | None = None


class MessageTranslation(BaseModel):
    """A message in the reading agent's language; when ``failed``, ``text`` is the original, shown with a marker."""

    language: str
    text: str
    provider: str
    failed: bool = False


class MessageOut(BaseModel):
    """A stored transcript line, relayed message, reply or private note.

    Agent replies carry their delivery to the customer: ``pending`` (not yet delivered), ``delivered`` or ``failed``
    (``delivery_error`` says why; a failed reply is still retried while the handoff is open, and can be retried now
    with ``POST /handoffs/{id}/messages/{message_id}/retry``). Other messages have ``delivery_status`` null.
    """

    model_config = ConfigDict(from_attributes=True)

    id: int
    role: MessageRole
    text: str
    language: str | None
    timestamp: datetime
    client_message_id: str | None
    agent_id: str | None
    private: bool
    delivery_status: DeliveryStatus | None = None
    delivery_error: str | None = None
    delivery_attempts: int = 0
    read_at: datetime | None = Field(default=None, description="when the customer's platform reported it read")
    original_text: str | None = Field(
        default=None, description="a translated reply: the agent's own words (``text`` is what the customer received)"
    )
    original_language: str | None = None
    translation: MessageTranslation | None = Field(
        default=None, description="for an agent who does not speak the message's language: it in theirs"
    )


class HandoffOut(BaseModel):
    """A handoff as the API shows it; ``position``/``expected_wait_seconds`` only while queued."""

    id: str
    status: HandoffStatus
    queue: str
    position: int | None
    expected_wait_seconds: int | None
    opens_at: datetime | None
    queue_timezone: str | None = Field(
        default=None,
        description="the queue's IANA time zone: the bot tells opening times in it when the customer's is unknown",
    )
    language: str
    language_covered: bool
    language_confidence: float | None
    conversation_id: str
    channel: str
    customer_id: str
    customer: dict[str, Any]
    reason: str
    topic: str
    priority: str
    intents: list[Any]
    slots: dict[str, Any]
    kb_articles_tried: list[Any]
    summary: str | None
    agent_id: str | None
    created_at: datetime
    assigned_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    return_to_bot: bool | None
    routing_rule: str | None = None
    routing_via: str | None = Field(
        default=None, description="on creation: language | translation | overflow (how the customer is served)"
    )
    routing_skill_from: str | None = Field(
        default=None, description="on creation: what chose the skill (``topic``): intent | topic | kb_article | default"
    )
    routing_agent: str | None = Field(
        default=None, description="on creation: last_agent when the customer went straight to the agent of last time"
    )
    customer_record_id: str | None = Field(default=None, description="the customer's record (history across channels)")
    window_closes_at: datetime | None = Field(
        default=None, description="until when the platform accepts an agent reply (WhatsApp, Messenger); null: always"
    )
    window_open: bool = True
    csat_score: int | None = Field(default=None, description="the customer's rating, 1 (poor) to 5 (excellent)")
    csat_comment: str | None = None
    csat_at: datetime | None = Field(default=None, description="when the rating arrived")
    messages: list[MessageOut] | None = None


class HandoffFacets(BaseModel):
    """How many handoffs a listing's filters match, and per language, channel and queue value how many would match
    with that value chosen for its dimension (the other filters applied)."""

    total: int
    language: dict[str, int]
    channel: dict[str, int]
    queue: dict[str, int]


class CustomerMessageIn(BaseModel):
    """A customer message relayed by the bot while a human owns the conversation."""

    message_id: str = Field(min_length=1, max_length=128, description="client id; a retry with the same id is a no-op")
    text: str
    timestamp: datetime | None = None
    language: str | None = Field(default=None, max_length=16)
    conversation_language: str | None = Field(
        default=None,
        max_length=16,
        description="the conversation's language as the bot now holds it; a change updates the handoff (and its "
        "routing while it waits in a queue that does not serve it)",
    )


class MessageCreated(BaseModel):
    """Answer to a relayed message or a reply: the stored message and whether it was a duplicate."""

    handoff_id: str
    message: MessageOut
    duplicate: bool


class ReplyIn(BaseModel):
    """An agent's reply to the customer."""

    text: str = Field(min_length=1)
    message_id: str | None = Field(default=None, min_length=1, max_length=128)
    original_text: str | None = Field(
        default=None, min_length=1, description="when ``text`` is a translation: what the agent wrote"
    )
    original_language: Language | None = None

    @model_validator(mode="after")
    def _original_pair(self) -> ReplyIn:
        """The agent's own words and their language come together or not at all."""
        if (self.original_text is None) != (self.original_language is None):
            raise ValueError("original_text and original_language go together")
        return self


class TranslatePreviewIn(BaseModel):
    """What the agent wrote, to see in the customer's language before sending."""

    text: str = Field(min_length=1, max_length=8000)


class TranslationInfo(BaseModel):
    """Whether agents and customers without a common language are served through machine translation."""

    enabled: bool
    provider: str


class TranslatePreviewOut(BaseModel):
    """The reply as the customer would receive it; when ``failed`` (or not ``needed``), ``translated`` is the text."""

    translated: str
    source_language: str
    target_language: str
    provider: str
    needed: bool
    failed: bool


class NoteIn(BaseModel):
    """A private note, visible to agents only."""

    text: str = Field(min_length=1)


class TransferIn(BaseModel):
    """Transfer to another queue, another agent, or both (agent must be a member of the queue)."""

    queue: str | None = Field(default=None, min_length=1, max_length=64)
    agent_id: str | None = Field(default=None, min_length=1, max_length=64)
    note: str | None = None


class CloseIn(BaseModel):
    """Close with a resolution; ``return_to_bot`` hands the conversation back to the bot."""

    resolution: str = Field(min_length=1, max_length=2000)
    return_to_bot: bool = True


class CsatIn(BaseModel):
    """The customer's rating of a closed handoff, sent by the bot for the conversation it belongs to."""

    conversation_id: str = _ID
    score: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")


class CsatCommentIn(BaseModel):
    """The customer's optional comment after their rating."""

    conversation_id: str = _ID
    comment: str = Field(min_length=1, max_length=2000)


class CsatOut(BaseModel):
    """A handoff's customer-satisfaction fields."""

    handoff_id: str
    conversation_id: str
    queue: str
    language: str
    channel: str
    agent_id: str | None
    closed_at: datetime | None
    score: int | None
    comment: str | None
    rated_at: datetime | None


class QueueIn(BaseModel):
    """Create or replace a queue (supervisor/admin)."""

    languages: list[Language] = Field(default_factory=list)
    translation_languages: list[Language] = Field(
        default_factory=list, description="languages served through machine translation (when it is configured)"
    )
    skills: list[str] = Field(min_length=1)
    timezone: str = "UTC"
    hours: dict[str, list[str]] = Field(default_factory=dict)
    holiday_calendar: str | None = None
    overflow_queue: str | None = None
    capacity: int = Field(default=100, ge=0)
    auto_assign: bool = False
    sla_seconds: int = Field(default=300, ge=1)
    region: str = ""
    prefer_last_agent: bool = Field(
        default=False, description="a returning customer goes to the agent of last time when they can take them now"
    )

    @model_validator(mode="after")
    def _serves_something(self) -> QueueIn:
        """A queue serves at least one language, itself or through translation."""
        if not self.languages and not self.translation_languages:
            raise ValueError("give languages or translation_languages")
        return self


class QueueOut(QueueIn):
    """A queue with live figures."""

    name: str
    open_now: bool
    opens_at: datetime | None
    depth: int
    agents_online: int


class AgentIn(BaseModel):
    """Create an agent (supervisor/admin); the token is returned once."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    display_name: str = Field(min_length=1, max_length=128)
    role: AgentRole = AgentRole.AGENT
    languages: list[Language] = Field(min_length=1)
    skills: list[str] = Field(min_length=1)
    queues: list[str] = Field(default_factory=list)
    max_concurrent: int = Field(default=3, ge=0, le=100)
    status: AgentStatus = AgentStatus.OFFLINE
    expires_at: datetime | None = Field(default=None, description="the token stops working at this time")


class AgentPatch(BaseModel):
    """Partial update of an agent; agents may only change their own ``status``."""

    display_name: str | None = Field(default=None, min_length=1, max_length=128)
    role: AgentRole | None = None
    languages: list[Language] | None = None
    skills: list[str] | None = None
    queues: list[str] | None = None
    max_concurrent: int | None = Field(default=None, ge=0, le=100)
    status: AgentStatus | None = None
    expires_at: datetime | None = Field(default=None, description="new token expiry (rotate the token to clear it)")


class AgentOut(BaseModel):
    """An agent as the API shows it (never the token)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    display_name: str
    role: AgentRole
    languages: list[Any]
    skills: list[Any]
    queues: list[Any]
    max_concurrent: int
    status: AgentStatus
    idle_since: datetime | None
    active: int = 0
    disabled: bool = False
    expires_at: datetime | None = None
    deleted_at: datetime | None = None


class AgentCreated(AgentOut):
    """A newly created agent with its bearer token (shown only here)."""

    token: str


class TokenRotateIn(BaseModel):
    """Optional expiry of the new token."""

    expires_at: datetime | None = None


class TokenRotated(BaseModel):
    """The agent's new bearer token, shown only in this answer; the old one no longer works."""

    agent_id: str
    token: str
    expires_at: datetime | None


class TicketOut(BaseModel):
    """A single-use ticket for ``/api/v1/ws?ticket=...``."""

    ticket: str
    expires_in_seconds: float


class AuditOut(BaseModel):
    """One audit-log entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    handoff_id: str | None
    from_status: str | None
    to_status: str | None
    details: dict[str, Any]


class CustomerExport(BaseModel):
    """Everything stored about one customer, in the handoff database and in every other store."""

    customer_id: str
    pseudonym: str = Field(description="the keyed pseudonym under which the audit log records this customer")
    handoffs: list[HandoffOut]
    records: list[CustomerRecordOut] = Field(
        default_factory=list, description="the customer's records (profile, identities) across channels"
    )
    audit: list[AuditOut]
    stores: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per store (rasa, actions, redis), per conversation id: what it holds"
    )
    unavailable: dict[str, str] = Field(
        default_factory=dict, description="stores that could not answer (or are not configured), with why"
    )
    attachments: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the files of the customer's handoffs: id, handoff_id, message_id, direction, kind, mime_type, "
        "size, filename and the bytes as content_base64",
    )


class StoreReport(BaseModel):
    """One store's part of an erasure."""

    store: str
    status: Literal["done", "pending", "not_configured"]
    result: dict[str, Any] = Field(default_factory=dict, description="what the store deleted, per conversation id")
    error: str | None = None


class ErasureResult(BaseModel):
    """What an erasure removed, per store; ``complete`` is false while any store still has to confirm it."""

    customer_id: str
    pseudonym: str = ""
    request_id: str = ""
    handoffs: int
    messages_deleted: int
    outbox_deleted: int
    complete: bool = True
    stores: list[StoreReport] = Field(default_factory=list)


class RetentionResult(BaseModel):
    """One retention pass: closed handoffs and Rasa trackers older than the retention period."""

    ran: bool
    older_than_days: int
    handoffs_purged: int = 0
    messages_purged: int = 0
    rasa_trackers_purged: int | None = None
    customer_records_purged: int = 0
    errors: dict[str, str] = Field(default_factory=dict)
    erasures_retried: int = 0
    erasures_still_pending: int = 0


class QueueLoad(BaseModel):
    """One queue on the supervisor's dashboard."""

    name: str
    open_now: bool
    depth: int
    longest_wait_seconds: int | None
    agents_online: int
    sla_seconds: int


class AgentLoad(BaseModel):
    """One agent on the supervisor's dashboard."""

    id: str
    display_name: str
    status: AgentStatus
    active: int
    max_concurrent: int
    queues: list[str]


class LanguageToday(BaseModel):
    """Today's handoffs in one language (UTC day)."""

    language: str
    handoffs: int
    waiting: int
    average_wait_seconds: int | None
    longest_wait_seconds: int | None


class DashboardOut(BaseModel):
    """Supervisor view: queues, agents and today's handoffs by language."""

    generated_at: datetime
    queues: list[QueueLoad]
    agents: list[AgentLoad]
    languages: list[LanguageToday]


class SuggestionOut(BaseModel):
    """A knowledge-base article an agent may insert into the reply, in the customer's language when it exists."""

    article_id: str
    language: str
    title: str
    answer: str
    score: float
    url: str | None
    already_tried: bool
