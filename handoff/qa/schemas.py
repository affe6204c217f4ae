"""Request and response models of ``/api/v1/qa`` (docs/contracts.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from handoff.qa.enums import Check, Decision, FindingStatus, Severity


class CheckOut(BaseModel):
    """How one check went: ``passed`` is null when it did not apply or is disabled for the queue."""

    check: Check
    enabled: bool
    applicable: bool
    passed: bool | None
    weight: float


class FindingMessage(BaseModel):
    """A message that failed a check, exactly as stored (``text`` is what its reader saw)."""

    id: int
    role: str
    text: str
    original_text: str | None = None
    original_language: str | None = None
    timestamp: datetime
    private: bool
    agent_id: str | None


class FindingOut(BaseModel):
    """A failed check; ``messages`` are the stored messages of ``message_ids`` (erased ones are left out)."""

    id: int
    check: Check
    severity: Severity
    status: FindingStatus
    detail: str
    message_ids: list[int]
    messages: list[FindingMessage] = Field(default_factory=list)
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None


class ReviewSummary(BaseModel):
    """One line of the review queue."""

    handoff_id: str
    queue: str
    language: str
    channel: str
    agent_id: str | None
    closed_at: datetime | None
    score: int
    reviewed_at: datetime
    rules_version: str
    failed_checks: list[Check]
    open_findings: int
    confirmed_findings: int
    dismissed_findings: int


class ReviewOut(ReviewSummary):
    """A review with every check's outcome and its findings with the failing messages."""

    checks: list[CheckOut]
    findings: list[FindingOut]


class DecisionIn(BaseModel):
    """A supervisor's decision about a finding."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    note: str | None = Field(default=None, max_length=1000)
