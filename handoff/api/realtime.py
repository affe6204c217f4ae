"""WebSocket live updates for agent consoles: ``/api/v1/ws?token=<agent token>``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status
from starlette.concurrency import run_in_threadpool

from handoff.api.deps import principal_for_token
from handoff.services.context import ServiceContext

router = APIRouter(tags=["realtime"])


@router.websocket("/ws")
async def live_updates(websocket: WebSocket, token: str = "") -> None:
    """Sends ``handoff.created`` for my queues, ``message.customer`` for my conversations and assignment changes.

    Supervisors and admins receive everything. The first frame is ``{"type": "hello", ...}``.
    """
    ctx: ServiceContext = websocket.app.state.context
    principal = await run_in_threadpool(principal_for_token, websocket.app, ctx, token)
    if principal is None or principal.is_service:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="agent token required")
        return
    await websocket.accept()
    subscriber = ctx.hub.subscribe(principal.agent_id or principal.kind, principal.queues, principal.is_manager)
    try:
        await websocket.send_json({"type": "hello", "agent_id": principal.agent_id, "queues": sorted(principal.queues)})
        receiver = asyncio.create_task(_drain(websocket))
        while not receiver.done():
            getter = asyncio.create_task(subscriber.inbox.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await websocket.send_json(getter.result())
            else:
                getter.cancel()
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
