"""Canned replies: supervisors and admins manage them, agents read them and get them filled for a conversation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from handoff.access import can_see
from handoff.api.deps import AgentOrManager, Context, Manager
from handoff.macros import service
from handoff.macros.schemas import MacroFilled, MacroIn, MacroOut, MacroPatch
from handoff.schemas import Language
from handoff.services import handoffs as handoff_service

router = APIRouter(tags=["macros"])

SearchQuery = Annotated[
    str, Query(max_length=128, description="matches shortcut, title or text; a leading / is ignored")
]


@router.get("/macros", response_model=list[MacroOut])
def list_macros(
    ctx: Context,
    caller: AgentOrManager,
    q: SearchQuery = "",
    language: Annotated[Language | None, Query(description="this language first")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MacroOut]:
    """Canned replies matching ``q``, the given language first."""
    return service.list_macros(ctx, language=language, query=q, limit=limit)


@router.post("/macros", response_model=MacroOut, status_code=status.HTTP_201_CREATED)
def create_macro(body: MacroIn, ctx: Context, caller: Manager) -> MacroOut:
    """Add a canned reply (422 for an unknown placeholder, 409 when the shortcut exists in that language)."""
    return service.create_macro(ctx, caller.actor, body)


@router.get("/macros/{macro_id}", response_model=MacroOut)
def get_macro(macro_id: int, ctx: Context, caller: AgentOrManager) -> MacroOut:
    """One canned reply."""
    return service.get_macro(ctx, macro_id)


@router.patch("/macros/{macro_id}", response_model=MacroOut)
def update_macro(macro_id: int, body: MacroPatch, ctx: Context, caller: Manager) -> MacroOut:
    """Change a canned reply's shortcut, language, title or text."""
    return service.update_macro(ctx, caller.actor, macro_id, body)


@router.delete("/macros/{macro_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_macro(macro_id: int, ctx: Context, caller: Manager) -> Response:
    """Delete a canned reply."""
    service.delete_macro(ctx, caller.actor, macro_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/handoffs/{handoff_id}/macros", response_model=list[MacroFilled])
def macros_for_handoff(
    handoff_id: str,
    ctx: Context,
    caller: AgentOrManager,
    q: SearchQuery = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 8,
) -> list[MacroFilled]:
    """Canned replies for the console's ``/`` search, in the conversation's language first, filled with its
    customer name, order id, queue and the caller's name; fields without a value stay as ``{name}``."""
    if not can_see(caller, handoff_service.load_handoff(ctx, handoff_id)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not in your queues")
    return service.macros_for_handoff(ctx, handoff_id, agent_id=caller.agent_id, query=q, limit=limit)
