"""API shapes of customer records, their identities and history (``/api/v1/customer-records``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CustomerIdentityOut(BaseModel):
    """One identity of a record and the fact that linked it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str = Field(description="a channel (whatsapp, line, rest, …) or a verified contact kind (phone, email)")
    external_id: str
    verified_by: str = Field(description="channel (the platform vouches for it) or agent:<id> (an audited link)")
    created_at: datetime


class CustomerRecordOut(BaseModel):
    """A customer across conversations and channels."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str | None
    locale: str | None
    timezone: str | None
    country: str | None
    vip: bool
    tier: str | None
    created_at: datetime
    updated_at: datetime
    identities: list[CustomerIdentityOut] = Field(default_factory=list)


class CustomerHistoryItem(BaseModel):
    """One past (or other open) handoff of the customer."""

    handoff_id: str
    created_at: datetime
    closed_at: datetime | None
    status: str
    channel: str
    language: str
    topic: str
    reason: str
    queue: str
    resolution: str | None
    agent_id: str | None
    agent_name: str | None
    csat_score: int | None


class CustomerContext(BaseModel):
    """The customer beside a conversation: their record and their other handoffs, newest first."""

    record: CustomerRecordOut | None
    history: list[CustomerHistoryItem]
    last_agent_id: str | None = Field(default=None, description="the agent of their latest handoff with one")


class IdentityLinkIn(BaseModel):
    """An agent's explicit link: this handoff's customer (or this channel id) is the record's customer."""

    model_config = ConfigDict(extra="forbid")

    handoff_id: str | None = Field(default=None, min_length=1, max_length=36, pattern=r"^[0-9A-Za-z-]+$")
    channel: str | None = Field(default=None, min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")
    external_id: str | None = Field(default=None, min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")

    @model_validator(mode="after")
    def _one_target(self) -> IdentityLinkIn:
        """Either a handoff or a channel id, not both, not neither."""
        by_handoff = self.handoff_id is not None
        by_id = self.channel is not None or self.external_id is not None
        if by_handoff == by_id or (by_id and (self.channel is None or self.external_id is None)):
            raise ValueError("give handoff_id, or channel and external_id")
        return self


class IdentityLinkOut(BaseModel):
    """The record after a link, with how many handoffs moved into its history."""

    record: CustomerRecordOut
    moved_handoffs: int
    merged_record: str | None = Field(default=None, description="a record left without identities, merged and removed")
