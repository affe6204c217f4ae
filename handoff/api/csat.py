"""Customer-satisfaction endpoints: the bot posts a customer's rating and comment; supervisors read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from handoff.api.deps import Context, Manager, ServiceOnly
from handoff.schemas import CsatCommentIn, CsatIn, CsatOut
from handoff.services import csat as service

router = APIRouter(tags=["csat"])


@router.post("/handoffs/{handoff_id}/csat", response_model=CsatOut)
def rate_handoff(handoff_id: str, body: CsatIn, ctx: Context, caller: ServiceOnly) -> CsatOut:
    """The customer's rating (1-5) of a closed handoff of ``conversation_id``, once.

    404 when the handoff is not that conversation's, 409 while it is open, when it was not offered for rating, after
    the rating window or when it is already rated, 422 for a score outside 1-5.
    """
    return service.rate(ctx, handoff_id, body, actor=caller.actor)


@router.post("/handoffs/{handoff_id}/csat/comment", response_model=CsatOut)
def comment_handoff(handoff_id: str, body: CsatCommentIn, ctx: Context, caller: ServiceOnly) -> CsatOut:
    """The customer's optional comment on their rating, once (409 before a rating or for a second comment)."""
    return service.comment(ctx, handoff_id, body, actor=caller.actor)


@router.get("/csat", response_model=list[CsatOut])
def list_ratings(
    ctx: Context,
    caller: Manager,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CsatOut]:
    """Rated handoffs, newest rating first, with score, comment, agent and queue (supervisors and admins)."""
    return service.recent(ctx, queue=queue, limit=limit, offset=offset)
