"""The webhook Meta's platforms share (WhatsApp Cloud API and Messenger): the GET verification handshake and the
POST of events signed with X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.dedup import DedupStore
from bot.channels.inbound import InboundMessage, PayloadError
from bot.channels.signatures import verify_handshake, verify_hub_signature
from bot.channels.webhook import bad_request, busy, decode, dispatch, signature_rejection
from bot.security.edge import Edge

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"


def meta_webhook(
    *,
    channel: str,
    label: str,
    verify_token: str,
    app_secret: str,
    parse: Callable[[Any], list[InboundMessage]],
    dedup: DedupStore,
    output_for: Callable[[InboundMessage], OutputChannel],
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    edge: Edge | None = None,
    on_body: Callable[[Any], Awaitable[None]] | None = None,
) -> Blueprint:
    """A blueprint with `/` (health), `GET /webhook` (handshake) and `POST /webhook` (signed events); `on_body`
    sees each signed, well-formed body too (read receipts and other non-message events)."""
    webhook = Blueprint(f"{channel}_webhook", __name__)

    @webhook.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @webhook.route("/webhook", methods=["GET"])
    async def verify(request: Request) -> HTTPResponse:
        if verify_handshake(verify_token, request.args.get("hub.mode"), request.args.get("hub.verify_token")):
            return response.text(request.args.get("hub.challenge") or "")
        logger.warning("%s webhook verification with a wrong token or mode: rejected", label)
        return response.text("verification failed", status=403)

    @webhook.route("/webhook", methods=["POST"])
    async def receive(request: Request) -> HTTPResponse:
        header = request.headers.get(SIGNATURE_HEADER)
        if not verify_hub_signature(app_secret, request.body, header):
            return signature_rejection(channel, header)
        try:
            messages = decode(channel, request.body, parse)
        except PayloadError as error:
            return bad_request(channel, error)
        dispatched = await dispatch(channel, messages, dedup, output_for, on_new_message, edge)
        if dispatched.in_progress:
            # The whole body comes again, so its other events are left for that delivery.
            return busy(channel, dispatched.in_progress)
        if on_body is not None:
            await on_body(request.json)
        return response.json({"status": "ok"})

    return webhook
