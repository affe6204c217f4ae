"""API shapes of attachments."""

from __future__ import annotations

from pydantic import BaseModel, Field

from handoff.schemas import MessageCreated


class AttachmentOut(BaseModel):
    """A stored attachment; ``url`` is a signed link that works without a token until it expires."""

    id: str
    handoff_id: str
    message_id: int | None
    direction: str = Field(description="in: from the customer; out: from an agent")
    kind: str = Field(description="image (shown inline) or file (a download)")
    mime_type: str
    size: int
    filename: str
    url: str


class AttachmentCreated(BaseModel):
    """Answer to an upload: the attachment and the transcript message that carries it."""

    attachment: AttachmentOut
    message: MessageCreated


class AttachmentRefusedOut(BaseModel):
    """A refused file: why (``too_large`` or ``type``) and what the channel tells the customer, in their language."""

    detail: str
    reason: str
    customer_message: str
