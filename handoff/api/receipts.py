"""Read receipts relayed by the bot's channels (the bot's service key only)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from handoff.api.deps import Context, ServiceOnly
from handoff.errors import InvalidInputError
from handoff.services import read_receipts

router = APIRouter(tags=["receipts"])


class ReadIn(BaseModel):
    """The platform's read time (it covers every earlier reply)."""

    read_at: datetime = Field(description="with a time zone")


class ReadOut(BaseModel):
    """How many replies were newly marked read."""

    read: int


@router.post("/conversations/{conversation_id}/read", response_model=ReadOut)
def conversation_read(conversation_id: str, body: ReadIn, ctx: Context, caller: ServiceOnly) -> ReadOut:
    """Mark the conversation's open handoff's agent replies up to ``read_at`` read (404 when none is open)."""
    if body.read_at.tzinfo is None:
        raise InvalidInputError("read_at", "needs a time zone")
    return ReadOut(read=read_receipts.mark_read(ctx, conversation_id, body.read_at))
