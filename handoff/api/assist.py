"""What helps people at work: the supervisor's dashboard and knowledge-base suggestions for an agent's reply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from starlette.concurrency import run_in_threadpool

from handoff.access import can_see
from handoff.api.deps import AgentOrManager, Context, Manager
from handoff.schemas import DashboardOut, SuggestionOut
from handoff.services import handoffs as handoff_service
from handoff.services.dashboard import dashboard
from handoff.services.suggestions import MAX_SUGGESTIONS, SuggestionsUnavailable, suggest

router = APIRouter(tags=["assist"])


@router.get("/dashboard", response_model=DashboardOut)
def supervisor_dashboard(ctx: Context, caller: Manager) -> DashboardOut:
    """Queues (depth, longest wait, agents online), agents and their load, today's handoffs by language."""
    return dashboard(ctx)


@router.get(
    "/handoffs/{handoff_id}/suggestions",
    response_model=list[SuggestionOut],
    responses={503: {"description": "the knowledge-base index is not built or cannot be loaded"}},
)
async def reply_suggestions(
    handoff_id: str,
    ctx: Context,
    caller: AgentOrManager,
    q: Annotated[str | None, Query(max_length=2000, description="default: the customer's last message")] = None,
    k: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS)] = 3,
) -> list[SuggestionOut]:
    """Articles for the agent's reply from the bot's own retriever, in the customer's language where it exists."""
    handoff = await run_in_threadpool(handoff_service.load_handoff, ctx, handoff_id)
    if not can_see(caller, handoff):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not in your queues")
    try:
        return await run_in_threadpool(suggest, ctx, handoff_id, q, k)
    except SuggestionsUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
