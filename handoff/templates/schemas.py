"""API shapes of approved templates."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TemplateOut(BaseModel):
    """An approved template filled with a conversation's values, as the customer would read it."""

    name: str
    title: str
    language: str
    code: str = Field(description="WhatsApp's language code of the approved template")
    body: str = Field(description="the approved text with {{1}}-style parameters")
    parameters: list[str] = Field(description="the conversation field filling each parameter, in order")
    values: list[str] = Field(description="the values the parameters get ('' when the conversation has none)")
    preview: str = Field(description="the text the customer will read")
    missing: list[str] = Field(description="fields without a value: the template cannot be sent until they have one")
    reengagement: bool


class TemplateSendIn(BaseModel):
    """Send an approved template (the only message WhatsApp accepts once its 24-hour window has closed)."""

    name: str = Field(min_length=1, max_length=512)
    message_id: str | None = Field(default=None, min_length=1, max_length=128, description="idempotency key")
