"""The closed sets of values a handoff, its messages, agents and deliveries take, shared by the database models,
the API schemas and the services.

Each is a `StrEnum`, so a member is the very string stored in the database and sent in JSON, and a value read back
as a plain string compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class HandoffStatus(StrEnum):
    """Where a handoff is: waiting in a queue, with an agent, or over."""

    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class MessageRole(StrEnum):
    """Who wrote a stored message; a note is private to agents and never reaches the customer, and an event is what
    the service records in the transcript for everyone to see (a message the platform would not take)."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    NOTE = "note"
    EVENT = "event"


class Reason(StrEnum):
    """Why the bot handed the conversation over."""

    EXPLICIT_REQUEST = "explicit_request"
    REPEATED_FALLBACK = "repeated_fallback"
    REPEATED_FAILURE = "repeated_failure"
    OUT_OF_SCOPE = "out_of_scope"
    FRUSTRATION = "frustration"
    TRANSACTIONAL = "transactional"
    NO_KB_ANSWER = "no_kb_answer"


class Priority(StrEnum):
    """How soon a handoff should be served (the customer directory may raise it)."""

    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class AgentRole(StrEnum):
    """What an agent's account may do."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class AgentStatus(StrEnum):
    """An agent's presence; only online agents are offered handoffs."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class OutboxStatus(StrEnum):
    """Where an outbox entry (one delivery to the customer's channel) stands; `sending` while a worker holds it."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    """What an agent sees of a reply's delivery: still trying, delivered, or given up (with the error)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
