"""`POST /nimbus/conversations/<id>/typing` and `/seen`: the handoff service shows the agent's typing, and that the
agent has read the customer's messages, on channels that support it (admin JWT only; the handoff service decides
when and for which message, the channel only obeys)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.security.edge import Edge
from bot.security.http import error, presented
from bot.security.senders import platform_recipient
from bot.security.tokens import is_admin_jwt

logger = logging.getLogger(__name__)


def typing_blueprint(edge: Edge, channels: Sequence[InputChannel]) -> Blueprint:
    """`/typing` body `{"typing": bool, "message_id"?}`, `/seen` body `{"message_id"?}` (the customer's latest
    platform message id, which WhatsApp needs) → `{"sent": bool}` (false where the channel cannot)."""
    blueprint = Blueprint("nimbus_typing", url_prefix="/nimbus")
    by_name = {channel.name(): channel for channel in channels}

    async def signal(request: Request, conversation_id: str, method: str, *args: object) -> HTTPResponse:
        name = conversation_id.split(":", 1)[0] if ":" in conversation_id else ""
        channel = by_name.get(name)
        output = channel.get_output_channel() if channel is not None else None
        send = getattr(output, method, None)
        if send is None:
            return response.json({"sent": False})
        try:
            sent = await send(platform_recipient(name, conversation_id), *args)
        except Exception as problem:  # typing and read marks are informative only: never an error for the agent
            logger.warning("%s %s not sent: %s", name, method, type(problem).__name__)
            return response.json({"sent": False})
        return response.json({"sent": bool(sent)})

    def parsed(request: Request) -> tuple[dict[str, object] | None, HTTPResponse | None]:
        if not is_admin_jwt(presented(request), edge.settings.jwt_secret):
            return None, error(401, "requires 'Authorization: Bearer <admin JWT>' signed with the Rasa JWT secret")
        body = request.json if request.body else {}
        if not isinstance(body, dict) or not isinstance(body.get("message_id") or "", str):
            return None, error(400, "body must be an object; message_id a string")
        return body, None

    @blueprint.post("/conversations/<conversation_id:path>/typing")
    async def typing(request: Request, conversation_id: str) -> HTTPResponse:
        body, rejection = parsed(request)
        if body is None or not isinstance(body.get("typing"), bool):
            return rejection or error(400, 'body must be {"typing": true|false, "message_id"?: string}')
        return await signal(request, conversation_id, "send_typing", body["typing"], body.get("message_id") or None)

    @blueprint.post("/conversations/<conversation_id:path>/seen")
    async def seen(request: Request, conversation_id: str) -> HTTPResponse:
        body, rejection = parsed(request)
        if body is None:
            return rejection or error(400, "bad body")
        return await signal(request, conversation_id, "send_seen", body.get("message_id") or None)

    return blueprint
