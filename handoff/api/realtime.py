"""Live updates for agent consoles: ``POST /api/v1/realtime/ticket`` then ``/api/v1/ws?ticket=<ticket>``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect, status
from starlette.concurrency import run_in_threadpool

from handoff.api.deps import Caller, Context
from handoff.schemas import TicketOut
from handoff.services.context import ServiceContext
from handoff.services.tickets import issue_ticket, origin_allowed, principal_still_valid, redeem_ticket

router = APIRouter(tags=["realtime"])

# How often an open socket re-checks its agent, so a disabled or deleted agent stops hearing events.
REVALIDATE_SECONDS = 5.0


@router.post("/realtime/ticket", response_model=TicketOut)
def realtime_ticket(ctx: Context, caller: Caller) -> TicketOut:
    """A single-use ticket for the WebSocket, valid ``HANDOFF_WS_TICKET_SECONDS`` (agents, supervisors, admins)."""
    if caller.is_service:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "live updates are for agent, supervisor and admin tokens")
    return TicketOut(ticket=issue_ticket(ctx, caller), expires_in_seconds=ctx.settings.ws_ticket_seconds)


@router.websocket("/ws")
async def live_updates(websocket: WebSocket, ticket: str = "") -> None:
    """Sends ``handoff.created`` for my queues, ``message.customer`` for my conversations and assignment changes.

    Supervisors and admins receive everything. The first frame is ``{"type": "hello", ...}``.
    """
    ctx: ServiceContext = websocket.app.state.context
    origin = websocket.headers.get("origin")
    if not origin_allowed(origin, websocket.headers.get("host"), ctx.settings.extra_origins):
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="origin not allowed")
        return
    principal = await run_in_threadpool(redeem_ticket, ctx, ticket)
    if principal is None:
        await websocket.close(
            code=status.WS_1008_POLICY_VIOLATION, reason="valid ticket required (POST /api/v1/realtime/ticket)"
        )
        return
    await websocket.accept()
    subscriber = ctx.hub.subscribe(principal.agent_id or principal.kind, principal.queues, principal.is_manager)
    try:
        await websocket.send_json({"type": "hello", "agent_id": principal.agent_id, "queues": sorted(principal.queues)})
        receiver = asyncio.create_task(_drain(websocket))
        getter: asyncio.Task[dict[str, object]] | None = None
        while not receiver.done():
            getter = getter or asyncio.create_task(subscriber.inbox.get())
            done, _ = await asyncio.wait({getter, receiver}, timeout=REVALIDATE_SECONDS, return_when="FIRST_COMPLETED")
            if getter in done:
                await websocket.send_json(getter.result())
                getter = None
            elif not done:
                still = await run_in_threadpool(principal_still_valid, ctx, principal.kind, principal.agent_id)
                if still is None:
                    await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="token no longer valid")
                    break
        if getter is not None:
            getter.cancel()
        receiver.cancel()
    except WebSocketDisconnect:
        pass
    finally:
        ctx.hub.unsubscribe(subscriber)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) client frames until the client disconnects."""
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        return
