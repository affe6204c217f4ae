"""The REST channel with a mailbox: Rasa's REST webhook plus `GET /webhooks/rest/messages` for messages that arrive
later (an agent's replies during a handoff, the bot taking over again).

REST clients only receive what answers their own request; agent replies are sent through Rasa's external-event
endpoint, outside any customer request. They are stored in the tracker like every bot message, and this endpoint
returns those after a timestamp the client remembers, so nothing an agent writes is lost for a REST customer.
Configured in credentials.yml as `bot.channels.rest.RestMailboxInput:` (it keeps the name `rest`, so the webhook
URL stays `/webhooks/rest/webhook`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.mailbox import messages_after


class RestMailboxInput(RestInput):
    """Rasa's REST input channel plus a mailbox endpoint."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.route("/messages", methods=["GET"])
        async def mailbox(request: Request) -> HTTPResponse:
            sender = request.args.get("sender")
            if not sender:
                return response.json({"error": "query parameter 'sender' is required"}, status=400)
            try:
                after = float(request.args.get("after", "0"))
            except ValueError:
                return response.json({"error": "'after' must be a Unix timestamp in seconds"}, status=400)
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            if tracker is None:
                return response.json([])
            events = [event.as_dict() for event in tracker.events]
            return response.json(messages_after(events, after))

        return blueprint
