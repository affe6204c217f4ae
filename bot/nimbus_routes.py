"""The Rasa server's own routes under /nimbus: readiness for the launcher, and export, erasure and retention for the
handoff service's privacy operations (admin JWT only)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.mailbox import messages_after
from bot.channels.webchat import CHANNEL as WEBCHAT
from bot.channels.webchat import WebChatInput
from bot.security.edge import Edge
from bot.security.http import error, presented
from bot.security.senders import platform_recipient
from bot.security.tokens import is_admin_jwt
from bot.stores import privacy

logger = logging.getLogger(__name__)


def nimbus_blueprint(edge: Edge, channels: Sequence[InputChannel]) -> Blueprint:
    """`GET /nimbus/ready` (open) and the privacy routes (admin JWT)."""
    blueprint = Blueprint("nimbus", url_prefix="/nimbus")
    webchats = [channel for channel in channels if isinstance(channel, WebChatInput)]

    def agent(request: Request) -> Any:
        return getattr(request.app.ctx, "agent", None)

    def refused(request: Request) -> HTTPResponse | None:
        if is_admin_jwt(presented(request), edge.settings.jwt_secret):
            return None
        return error(401, "requires 'Authorization: Bearer <admin JWT>' signed with the Rasa JWT secret")

    @blueprint.get("/ready")
    async def ready(request: Request) -> HTTPResponse:
        loaded = agent(request)
        if loaded is None or not loaded.is_ready():
            return error(503, "the model is not loaded yet")
        return response.json({"status": "ready"})

    @blueprint.get("/conversations/<conversation_id:path>/export")
    async def export(request: Request, conversation_id: str) -> HTTPResponse:
        rejection = refused(request)
        if rejection is not None:
            return rejection
        try:
            events = await privacy.export_events(agent(request).tracker_store, conversation_id)
        except privacy.UnsupportedStore as problem:
            return error(501, str(problem))
        logger.info("conversation exported from the tracker store (%d events)", len(events))
        return response.json(
            {"conversation_id": conversation_id, "events": events, "mailbox": messages_after(events, 0.0)}
        )

    @blueprint.delete("/conversations/<conversation_id:path>")
    async def erase(request: Request, conversation_id: str) -> HTTPResponse:
        rejection = refused(request)
        if rejection is not None:
            return rejection
        store = agent(request).tracker_store
        try:
            mailbox = len(messages_after(await privacy.export_events(store, conversation_id), 0.0))
            counts = await privacy.erase(store, conversation_id)
        except privacy.UnsupportedStore as problem:
            return error(501, str(problem))
        sockets = 0
        if conversation_id.startswith(f"{WEBCHAT}:"):
            for channel in webchats:
                sockets += await channel.forget(platform_recipient(WEBCHAT, conversation_id))
        logger.info("conversation erased from the tracker store (%d events)", counts["tracker_events"])
        return response.json(
            {"conversation_id": conversation_id, **counts, "mailbox_messages": mailbox, "webchat_sockets": sockets}
        )

    @blueprint.post("/retention")
    async def retention(request: Request) -> HTTPResponse:
        rejection = refused(request)
        if rejection is not None:
            return rejection
        body = request.json if request.body else None
        seconds = body.get("older_than_seconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            return error(400, 'body must be {"older_than_seconds": <number > 0>}')
        try:
            purged = await privacy.purge_idle(agent(request).tracker_store, time.time() - float(seconds))
        except privacy.UnsupportedStore as problem:
            return error(501, str(problem))
        logger.info("retention: %d conversations idle for more than %g s purged", len(purged), seconds)
        return response.json({"purged": len(purged)})

    return blueprint
