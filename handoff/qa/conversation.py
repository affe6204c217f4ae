"""A closed conversation as plain data, the only input of the checks (built from the store by ``qa.store``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class QaMessage:
    """One stored message: ``text`` is what its reader saw, ``original_text`` the agent's words before translation."""

    id: int
    role: str
    text: str
    timestamp: datetime
    private: bool = False
    agent_id: str | None = None
    language: str | None = None
    original_text: str | None = None
    original_language: str | None = None

    @property
    def by_agent(self) -> bool:
        """A public reply an agent wrote (transcript lines carry no agent)."""
        return self.role == "agent" and not self.private and self.agent_id is not None

    @property
    def agent_note(self) -> bool:
        """A private note an agent wrote."""
        return self.private and self.agent_id is not None

    @property
    def by_customer(self) -> bool:
        """A public customer message."""
        return self.role == "customer" and not self.private


@dataclass(frozen=True, slots=True)
class Conversation:
    """A closed handoff with its queue's SLA and its messages in time order."""

    handoff_id: str
    queue: str
    language: str
    created_at: datetime
    closed_at: datetime
    sla_seconds: int | None
    agent_id: str | None
    messages: tuple[QaMessage, ...] = field(default_factory=tuple)

    @property
    def agent_replies(self) -> list[QaMessage]:
        """Public agent replies, in order."""
        return [m for m in self.messages if m.by_agent]

    @property
    def customer_messages(self) -> list[QaMessage]:
        """Public customer messages (the transcript before the handoff included), in order."""
        return [m for m in self.messages if m.by_customer]

    @property
    def agent_involved(self) -> bool:
        """An agent owned the handoff or wrote in it: only then do the agent's checks apply."""
        return self.agent_id is not None or bool(self.agent_replies)

    def customer_language_at(self, message: QaMessage) -> str:
        """The language the customer last wrote in before ``message`` (the handoff's language when unknown)."""
        language = self.language
        for earlier in self.messages:
            if earlier.timestamp > message.timestamp or earlier.id == message.id:
                break
            if earlier.by_customer and earlier.language:
                language = earlier.language
        return language
