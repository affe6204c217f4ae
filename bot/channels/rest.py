"""The REST channel with a mailbox: Rasa's REST webhook plus `GET /webhooks/rest/messages` for messages that arrive
later (an agent's replies during a handoff, the bot taking over again).

REST clients only receive what answers their own request; agent replies are sent through Rasa's external-event
endpoint, outside any customer request. They are stored in the tracker like every bot message, and this endpoint
returns those after a timestamp the client remembers, so nothing an agent writes is lost for a REST customer.
Configured in credentials.yml as `bot.channels.rest.RestMailboxInput:` (it keeps the name `rest`, so the webhook
URL stays `/webhooks/rest/webhook`).

REST is a server-to-server integration: in production mode the webhook requires `Authorization: Bearer
<RASA_REST_TOKEN>`; in demo mode it is open. Either way the caller cannot choose the input channel (always `rest`),
metadata is cut down to language hints, and the sender id may not look like another channel's conversation id.
Every answer carries `X-Nimbus-Mailbox-Token`, the credential for reading that sender's mailbox.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.client_ids import client_id_problem, client_message_id
from bot.channels.mailbox import messages_after
from bot.security.edge import Edge, default_edge
from bot.security.http import error, is_server_to_server, presented, too_many
from bot.security.metadata import customer_metadata
from bot.security.senders import rest_sender_problem
from bot.security.tokens import constant_equal, mailbox_token, verify_mailbox_token

logger = logging.getLogger(__name__)

MAILBOX_HEADER = "X-Nimbus-Mailbox-Token"


class RestMailboxInput(RestInput):
    """Rasa's REST input channel, guarded, plus a mailbox endpoint."""

    edge: Edge = default_edge()

    def webhook_rejection(self, request: Request) -> HTTPResponse | None:
        """401 in production mode without the REST token; None when the request may go on."""
        if self.edge.settings.demo or constant_equal(self.edge.settings.rest_token, presented(request)):
            return None
        return error(401, "the REST webhook requires 'Authorization: Bearer <RASA_REST_TOKEN>' in production mode")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = Blueprint("custom_webhook_RestMailboxInput", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            rejection = self.webhook_rejection(request)
            if rejection is not None:
                return rejection
            try:
                body = request.json
            except SanicException:
                body = None
            if not isinstance(body, dict):
                return error(400, "the body must be a JSON object with 'sender' and 'message'")
            sender = body.get("sender")
            problem = rest_sender_problem(sender, self.edge.reserved_channels)
            if problem or not isinstance(sender, str):  # the second test only tells mypy what the first checked
                return error(400, problem or "'sender' must be a non-empty string")
            text = body.get("message")
            if text is not None and not isinstance(text, str):
                return error(400, "'message' must be a string")
            if text and len(text) > self.edge.settings.max_message_chars:
                return error(413, f"'message' is longer than {self.edge.settings.max_message_chars} characters")
            wait = self.edge.senders.allow(f"rest:{sender}")
            if wait is not None:
                return too_many(wait, "for this sender")
            id_problem = client_id_problem(body.get("message_id"))
            if id_problem:
                return error(400, id_problem)
            metadata = customer_metadata(body.get("metadata")) or None
            headers = {MAILBOX_HEADER: mailbox_token(self.edge.settings.session_secret, sender)}
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                stream = self.stream_response(on_new_message, text, sender, self.name(), metadata)
                return response.stream(stream, content_type="text/event-stream", headers=headers)
            collector = CollectingOutputChannel()
            try:
                message_id = client_message_id(sender, body.get("message_id"))
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=self.name(), message_id=message_id, metadata=metadata
                    )
                )
            except LockError:
                # Nothing of the message was handled yet: a 503 makes the client send it again instead of losing it.
                logger.warning("a REST message met a conversation lock it could not get; answered 503")
                return error(503, "the conversation is busy; send the message again", retry_after=1)
            except CancelledError:
                logger.error("a REST message timed out")
            except Exception:
                logger.exception("a REST message failed")
            return response.json(collector.messages, headers=headers)

        @blueprint.route("/messages", methods=["GET", "OPTIONS"])
        async def mailbox(request: Request) -> HTTPResponse:
            if request.method == "OPTIONS":  # no preflight succeeds: the mailbox is not for other origins
                return error(403, "the mailbox is not available to other origins")
            sender = request.args.get("sender")
            if not sender:
                return error(400, "query parameter 'sender' is required")
            own = verify_mailbox_token(self.edge.settings.session_secret, sender, presented(request))
            if not own and not is_server_to_server(request, self.edge):
                return error(
                    401, f"the mailbox requires 'Authorization: Bearer <token>' with the {MAILBOX_HEADER} token"
                )
            try:
                after = float(request.args.get("after", "0"))
            except ValueError:
                return error(400, "'after' must be a Unix timestamp in seconds")
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            if tracker is None:
                return response.json([])
            events: list[dict[str, Any]] = [event.as_dict() for event in tracker.events]
            return response.json(messages_after(events, after))

        return blueprint
