"""Handoff endpoints used by the bot (create, read, list, relay customer messages)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from handoff.access import can_see
from handoff.api.deps import Caller, Context, ServiceOnly, ServiceOrManager, Translation
from handoff.api.responses import json_response
from handoff.auth import Principal
from handoff.schemas import CustomerMessageIn, HandoffCreate, HandoffFacets, HandoffOut, Language, MessageCreated
from handoff.services import handoff_list as listing
from handoff.services import handoffs as service
from handoff.services.handoff_list import HandoffFilter
from handoff.translation.transcript import agent_languages, translate_transcript

router = APIRouter(tags=["handoffs"])


@router.post(
    "/handoffs",
    response_model=HandoffOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": HandoffOut, "description": "an open handoff already exists for the conversation"}},
)
def create_handoff(body: HandoffCreate, ctx: Context, caller: ServiceOrManager) -> Response:
    """Create a handoff and route it; returns the open one (200) if the conversation already has one.

    Only the bot's service key may send a transcript: its lines are stored as the customer's and the bot's words.
    """
    if body.transcript and not caller.is_service:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the bot's service key may send transcript entries")
    result = service.create_handoff(ctx, body, actor=caller.actor)
    return json_response(result.handoff, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


def _listing_filter(
    caller: Principal,
    *,
    status_filter: str | None,
    queue: str | None,
    language: str | None,
    channel: str | None,
    agent_id: str | None,
    conversation_id: str | None = None,
) -> HandoffFilter:
    """The caller's filter; agents see only their queues and their own conversations."""
    restricted = not (caller.is_service or caller.is_manager)
    return HandoffFilter(
        conversation_id=conversation_id,
        status=status_filter,
        queue=queue,
        language=language,
        channel=channel,
        agent_id=agent_id,
        queues_visible=caller.queues if restricted else None,
        visible_agent=caller.agent_id if restricted else None,
    )


StatusFilter = Annotated[
    Literal["queued", "assigned", "closed", "open"] | None, Query(alias="status", description="open = not closed")
]
QueueFilter = Annotated[str | None, Query(max_length=64)]
ChannelFilter = Annotated[str | None, Query(max_length=32)]
AgentFilter = Annotated[str | None, Query(max_length=64, description="handoffs assigned to this agent")]


# Declared before /handoffs/{handoff_id}, which would otherwise read "facets" as an id.
@router.get("/handoffs/facets", response_model=HandoffFacets)
def handoff_facets(
    ctx: Context,
    caller: Caller,
    status_filter: StatusFilter = None,
    queue: QueueFilter = None,
    language: Annotated[Language | None, Query()] = None,
    channel: ChannelFilter = None,
) -> HandoffFacets:
    """How many handoffs the caller sees under these filters (``total``), and per language, channel and queue how
    many it would see choosing that value instead (the other filters still apply): the console's filter counts."""
    where = _listing_filter(
        caller, status_filter=status_filter, queue=queue, language=language, channel=channel, agent_id=None
    )
    total, counts = listing.facet_counts(ctx, where)
    return HandoffFacets(total=total, **counts)


@router.get("/handoffs/{handoff_id}", response_model=HandoffOut)
def get_handoff(handoff_id: str, ctx: Context, caller: Caller, translator: Translation) -> HandoffOut:
    """One handoff with its transcript (private notes only for agents).

    For an agent who does not speak the customer's language, each customer and bot message carries
    ``translation`` in the agent's first language (when translation is configured; failed ones say so).
    """
    if not can_see(caller, service.load_handoff(ctx, handoff_id)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not in your queues")
    handoff = service.get_handoff(ctx, handoff_id, include_private=not caller.is_service)
    if not translator.enabled:
        return handoff
    return translate_transcript(ctx, translator, handoff, agent_languages(ctx, caller))


@router.get("/handoffs", response_model=list[HandoffOut])
def list_handoffs(
    ctx: Context,
    caller: Caller,
    response: Response,
    conversation_id: Annotated[str | None, Query(max_length=256)] = None,
    status_filter: StatusFilter = None,
    queue: QueueFilter = None,
    language: Annotated[Language | None, Query()] = None,
    channel: ChannelFilter = None,
    agent_id: AgentFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[HandoffOut]:
    """Filtered list ordered by priority then waiting time; agents see their queues and conversations.

    ``X-Total-Count`` says how many rows the whole filtered list has, for paging with ``limit`` and ``offset``.
    """
    where = _listing_filter(
        caller,
        conversation_id=conversation_id,
        status_filter=status_filter,
        queue=queue,
        language=language,
        channel=channel,
        agent_id=agent_id,
    )
    page = listing.list_page(ctx, where, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(page.total)
    return page.items


@router.post("/handoffs/{handoff_id}/messages", response_model=MessageCreated, status_code=status.HTTP_201_CREATED)
def add_message(
    handoff_id: str, body: CustomerMessageIn, ctx: Context, caller: ServiceOnly, response: Response
) -> MessageCreated:
    """Relay a customer message to the agent; retries with the same ``message_id`` answer 200 and store nothing."""
    result = service.add_customer_message(ctx, body, handoff_id=handoff_id)
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return result


@router.post(
    "/conversations/{conversation_id}/messages", response_model=MessageCreated, status_code=status.HTTP_201_CREATED
)
def add_message_by_conversation(
    conversation_id: str, body: CustomerMessageIn, ctx: Context, caller: ServiceOnly, response: Response
) -> MessageCreated:
    """Relay a customer message to the conversation's open handoff (404 when there is none)."""
    result = service.add_customer_message(ctx, body, conversation_id=conversation_id)
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return result
