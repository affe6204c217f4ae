"""Response models of ``/api/v1/reports/unanswered`` (docs/contracts.md)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class UnansweredExampleOut(BaseModel):
    """One distinct question of a group, personal data masked."""

    text: str
    language: str | None = Field(description="the language it was asked in most often (null: unknown)")
    count: int


class UnansweredGroupOut(BaseModel):
    """Questions of one meaning."""

    id: str = Field(description="stable for the same data; names the group in the export actions")
    label: str = Field(description="the most central question of the group")
    count: int = Field(description="how many times its questions were asked")
    languages: dict[str, int]
    kinds: dict[str, int] = Field(
        description="nlu_fallback, kb_no_answer, clarification_declined, repeated_failure (a question may have several)"
    )
    examples: list[UnansweredExampleOut]


class UnansweredOut(BaseModel):
    """The groups of a date range, most asked first."""

    from_: date = Field(serialization_alias="from")
    to: date
    tz: str
    languages: list[str] = Field(description="the language filter (empty: every language)")
    generated_at: datetime
    available: bool = Field(description="false when there is no encoder to group with (no knowledge-base index)")
    unavailable_reason: str | None = None
    tracker_available: bool = Field(
        description="false when the tracker store cannot be read: only repeated-failure handoffs are counted"
    )
    tracker_unavailable_reason: str | None = None
    encoder: str | None = Field(description="the encoder that grouped the questions (null when there were none)")
    threshold: float = Field(description="mean cosine similarity from which questions share a group")
    questions: int = Field(description="unanswered questions in the range and languages")
    ungrouped: int = Field(description="questions in the long tail beyond the distinct questions that are grouped")
    groups: list[UnansweredGroupOut]
