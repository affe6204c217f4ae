"""The web chat's socket.io channel: server-issued signed sessions, bounded messages, rooms shared through Redis.

Sessions: the browser asks for a session with `session_request` (offering the token it kept, if any); the server
answers `session_confirm` with that token when it signed it itself (HMAC with NIMBUS_SESSION_SECRET), else with a new
one. Messages are taken as the session confirmed on that socket, whatever the client writes into them, so a client
can neither choose nor guess another customer's conversation. The conversation id is `socketio:<session id>`.

Rasa's own socket.io channel keeps each browser's session (its room) inside the worker process the browser's
WebSocket reached. An agent's reply arrives through Rasa's HTTP API, which any worker may serve: on another worker the
reply would be emitted to a room nobody is in, and lost. With ``redis_url`` set, every worker's socket.io server
shares rooms through Redis pub/sub (python-socketio's Redis client manager), so the reply reaches the browser
whichever worker sends it. Without it (one worker, the default) everything stays in-process.

Missed messages: every `bot_uttered` carries its message's `timestamp` (Rasa's, as the tracker keeps it). A message
emitted while the customer's socket was reconnecting reaches nobody; so a client that resumes its session offers
`after` (the timestamp of the last bot message it has) in `session_request`, and the server sends it the bot messages
the tracker holds after that one, on that socket only, read as the REST channel's mailbox reads them. A message can
then arrive twice (pushed to the rejoined room while being read back): clients skip a timestamp and text they show.

Configured in credentials.yml as ``bot.channels.webchat.WebChatInput:``; the channel keeps the name ``socketio``
(same path ``/socket.io``, same events, same ``output_channel=socketio`` for external events).
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.client_ids import client_id_problem, client_message_id
from bot.channels.inbound import SHARE_MEDIA
from bot.channels.inbound import attachment as attachment_metadata
from bot.channels.mailbox import messages_after
from bot.channels.media_relay import Fetched, MediaRelay
from bot.channels.namespacing import StripsOwnPrefix
from bot.security.edge import Edge, default_edge
from bot.security.http import client_address
from bot.security.metadata import customer_metadata
from bot.security.senders import namespaced
from bot.security.settings import origin_allowed
from bot.security.tokens import new_session_token, session_id_of

logger = logging.getLogger(__name__)

CHANNEL = "socketio"
ERROR_EVENT = "nimbus_error"
TYPING_EVENT = "agent_typing"


class WebChatOutput(StripsOwnPrefix, SocketIOOutput):
    """Rasa's socket.io output, sending to the session's room (the conversation id without `socketio:`), each part
    with the timestamp of the message it belongs to."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self._timestamp: float | None = None

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        stamp = message.get("timestamp")
        self._timestamp = float(stamp) if isinstance(stamp, (int, float)) else None
        try:
            await super().send_response(recipient_id, message)
        finally:
            self._timestamp = None

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if self._timestamp is not None and isinstance(response, dict):
            response = {**response, "timestamp": self._timestamp}
        await super()._send_message(socket_id, response)

    async def send_typing(self, recipient_id: str, on: bool, message_id: str | None = None) -> bool:
        """`agent_typing` `{"typing": bool}` to the session's room, as the handoff service asks."""
        await self.sio.emit(TYPING_EVENT, {"typing": on}, room=recipient_id)
        return True


class WebChatInput(SocketIOInput):
    """Socket.io input channel named ``socketio``, with rooms shared through Redis when ``redis_url`` is set."""

    edge: Edge = default_edge()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebChatInput)
        channel.redis_url = str(credentials.get("redis_url") or "") or None
        channel.media = MediaRelay.from_credentials(credentials)
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_url: str | None = None
        self.media: MediaRelay | None = None
        self.app: Any = None  # the Sanic app serving this channel, for its agent's tracker store

    async def send_missed(self, sid: str, session_id: str, after: float) -> int:
        """Send one socket the conversation's bot messages after `after` (Unix seconds), as the mailbox reads them."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if self.sio is None or agent is None or agent.tracker_store is None:
            return 0
        tracker = await agent.tracker_store.retrieve(namespaced(CHANNEL, session_id))
        if tracker is None:
            return 0
        missed = messages_after([event.as_dict() for event in tracker.events], after)
        output = WebChatOutput(self.sio, self.bot_message_evt)
        for message in missed:
            await output.send_response(sid, message)
        return len(missed)

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return None
        return WebChatOutput(self.sio, self.bot_message_evt)

    def _server(self) -> AsyncServer:
        settings = self.edge.settings

        def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
            host = environ.get("HTTP_HOST")
            own = f"{environ.get('wsgi.url_scheme', 'http')}://{host}" if host else None
            return origin_allowed(origin, settings.cors_origins, own)

        options: dict[str, Any] = {
            "async_mode": "sanic",
            "cors_allowed_origins": allowed,
            "max_http_buffer_size": settings.max_body_bytes,
        }
        if self.redis_url:
            logger.info("web chat: socket.io rooms shared through Redis")
            return AsyncServer(client_manager=AsyncRedisManager(self.redis_url), **options)
        return AsyncServer(**options)

    async def forget(self, session_id: str) -> int:
        """Revoke a session (erasure): its token no longer resumes it, and its sockets here are disconnected."""
        self.edge.revoked_sessions.add(session_id)
        if self.sio is None:
            return 0
        sids = [sid for sid, _ in self.sio.manager.get_participants(self.namespace or "/", session_id)]
        for sid in sids:
            await self.sio.disconnect(sid, namespace=self.namespace)
        return len(sids)

    def _session_of(self, token: object) -> str | None:
        session_id = session_id_of(self.edge.settings.session_secret, token)
        return None if session_id is None or session_id in self.edge.revoked_sessions else session_id

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server (attached at ``socketio_path``) and a health route."""
        sio = self._server()
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        namespace = self.namespace
        settings = self.edge.settings

        async def refuse(sid: str, status: int, message: str, **extra: Any) -> None:
            await sio.emit(ERROR_EVENT, {"status": status, "error": message, **extra}, room=sid, namespace=namespace)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/attachments", methods=["POST"])
        async def upload(request: Request) -> HTTPResponse:
            """A customer's file (raw body, `X-Session`: the confirmed session token) as a media message."""
            session_id = self._session_of(request.headers.get("x-session"))
            if session_id is None:
                return response.json({"error": "a confirmed session token in X-Session is required"}, status=401)
            if self.media is None or not self.media.enabled:
                return response.json({"error": "file sharing is not configured"}, status=404)
            content = request.body or b""
            if not content:
                return response.json({"error": "the body is the file, and it is empty"}, status=400)
            filename = unquote(str(request.headers.get("x-attachment-filename") or ""))[:256] or None
            shared = attachment_metadata("file", filename=filename)
            message = UserMessage(
                SHARE_MEDIA,
                WebChatOutput(sio, self.bot_message_evt),
                namespaced(CHANNEL, session_id),
                input_channel=self.name(),
                metadata={"attachment": shared},
            )

            async def fetch(*_: Any) -> Fetched:
                return Fetched(content, filename)

            await self.media.wrap(on_new_message, fetch)(message)
            outcome = "refused" if "refused" in shared else "stored" if "stored" in shared else "sent"
            return response.json({"status": outcome})

        @webhook.listener("before_server_start")
        async def keep_app(app: Any, *_: Any) -> None:
            self.app = app

        @webhook.listener("before_server_start")
        async def own_host_id(*_: Any) -> None:
            # Sanic forks its workers after this server was built; the Redis manager skips messages carrying its own
            # host id, so workers sharing one would drop each other's emits (an agent's reply sent by another worker).
            if hasattr(sio.manager, "host_id"):
                sio.manager.host_id = uuid.uuid4().hex

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None) -> bool:
            request = environ.get("sanic.request")
            address = client_address(request) if request is not None else "unknown"
            await sio.save_session(sid, {"address": address}, namespace=namespace)
            return True

        async def over_rate(sid: str, session: dict[str, Any], sender_id: str | None) -> bool:
            """Whether the socket's address or the sender is over its rate (the client is told so)."""
            wait = self.edge.ips.allow(session.get("address", "unknown"))
            if wait is None and sender_id is not None:
                wait = self.edge.senders.allow(sender_id)
            if wait is None:
                return False
            await refuse(sid, 429, "too many messages; wait before sending more", retry_after=round(wait, 1))
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            token = (data or {}).get("session_id") if isinstance(data, dict) else None
            after = (data or {}).get("after") if isinstance(data, dict) else None
            session_id = self._session_of(token)
            resumed = session_id is not None
            if session_id is None:
                if await over_rate(sid, session, None):  # each new session has a fresh per-sender bucket
                    return
                token = new_session_token(settings.session_secret)
                session_id = self._session_of(token)
            await sio.save_session(sid, {**session, "session_id": session_id}, namespace=namespace)
            entered = sio.enter_room(sid, session_id, namespace=namespace)
            if inspect.isawaitable(entered):  # a coroutine since python-socketio 5.10
                await entered
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)
            # After joining the room, so that nothing sent meanwhile falls between the read-back and the room.
            missed_after = after if isinstance(after, (int, float)) and not isinstance(after, bool) else None
            if resumed and session_id is not None and missed_after is not None:
                try:
                    await self.send_missed(sid, session_id, float(missed_after))
                except Exception:  # the session stands; only the read-back of missed messages failed
                    logger.exception("web chat: missed messages not sent")

        @sio.on(self.user_message_evt, namespace=namespace)
        async def user_message(sid: str, data: dict[str, Any]) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            session_id = session.get("session_id")
            if session_id is None or session_id in self.edge.revoked_sessions:
                await refuse(sid, 401, "send session_request first and use the session it confirms")
                return
            text = data.get("message", "") if isinstance(data, dict) else None
            if not isinstance(text, str):
                await refuse(sid, 400, "'message' must be a string")
                return
            if len(text) > settings.max_message_chars:
                await refuse(sid, 413, f"'message' is longer than {settings.max_message_chars} characters")
                return
            id_problem = client_id_problem(data.get("message_id"))
            if id_problem:
                await refuse(sid, 400, id_problem)
                return
            sender_id = namespaced(CHANNEL, session_id)
            if await over_rate(sid, session, sender_id):
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            output = WebChatOutput(sio, self.bot_message_evt)
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    sender_id,
                    input_channel=self.name(),
                    message_id=client_message_id(sender_id, data.get("message_id")),
                    metadata=customer_metadata(metadata) or None,
                )
            )

        return webhook
