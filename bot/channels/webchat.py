"""The web chat's socket.io channel, which also works when Rasa runs several workers.

Rasa's own socket.io channel keeps each browser's session (its room) inside the worker process the browser's
WebSocket reached. An agent's reply arrives through Rasa's HTTP API, which any worker may serve: on another worker the
reply would be emitted to a room nobody is in, and lost. With ``redis_url`` set, every worker's socket.io server
shares rooms through Redis pub/sub (python-socketio's Redis client manager), so the reply reaches the browser
whichever worker sends it. Without it (one worker, the default) everything stays in-process.

Configured in credentials.yml as ``bot.channels.webchat.WebChatInput:``; the channel keeps the name ``socketio``
(same path ``/socket.io``, same events, same ``output_channel=socketio`` for external events).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

logger = logging.getLogger(__name__)


class WebChatInput(SocketIOInput):
    """Socket.io input channel named ``socketio``, with rooms shared through Redis when ``redis_url`` is set."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebChatInput)
        channel.redis_url = str(credentials.get("redis_url") or "") or None
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_url: str | None = None

    def _server(self) -> AsyncServer:
        if self.redis_url:
            logger.info("web chat: socket.io rooms shared through Redis at %s", self.redis_url)
            return AsyncServer(
                async_mode="sanic", cors_allowed_origins=[], client_manager=AsyncRedisManager(self.redis_url)
            )
        return AsyncServer(async_mode="sanic", cors_allowed_origins=[])

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server (attached at ``socketio_path``) and a health route."""
        sio = self._server()
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        namespace = self.namespace

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session_id = (data or {}).get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def user_message(sid: str, data: dict[str, Any]) -> None:
            if self.session_persistence and not data.get("session_id"):
                logger.warning("web chat: message without a session_id ignored (send session_request first)")
                return
            sender_id = data["session_id"] if self.session_persistence else sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            output = SocketIOOutput(sio, self.bot_message_evt)
            await on_new_message(
                UserMessage(data.get("message", ""), output, sender_id, input_channel=self.name(), metadata=metadata)
            )

        return webhook
