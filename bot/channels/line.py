"""LINE Messaging API channel: `/webhooks/line/webhook`.

credentials.yml (`bot.channels.line.LineInput:`): `channel_secret`, `channel_access_token`, optional `api_base`
(default https://api.line.me), `reply_token_seconds` (default 50), `dedup_redis_url`, `dedup_lease_seconds`,
`retry_max_attempts`, `retry_base_delay`, `retry_max_delay`.

The answers to one customer message are collected and sent in one reply call with the event's reply token while it
is valid (the rest, beyond 5 messages, and everything after it expired, is pushed); agent replies through Rasa's
external events are always pushed. The customer's profile language (`GET /v2/bot/profile/{userId}`) is looked up
once per user and process and passed to the language detector as the `locale` hint.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import line_payloads as payloads
from bot.channels.agent import sent_by_agent
from bot.channels.dedup import DedupStore, build_store, lease_from_credentials
from bot.channels.http_client import PlatformClient, PlatformDeliveryError, policy_from_credentials
from bot.channels.inbound import InboundMessage, PayloadError
from bot.channels.line_media import DEFAULT_DATA_API_BASE, line_fetcher
from bot.channels.media_relay import Fetcher, MediaRelay
from bot.channels.namespacing import StripsOwnPrefix
from bot.channels.signatures import verify_line_signature
from bot.channels.webhook import bad_request, busy, decode, dispatch, required, signature_rejection
from bot.security.edge import Edge, default_edge

logger = logging.getLogger(__name__)

CHANNEL = "line"
SIGNATURE_HEADER = "X-Line-Signature"
DEFAULT_API_BASE = "https://api.line.me"


def _data_api_base(credentials: dict[str, Any]) -> str:
    """Where message contents are downloaded: `data_api_base`, else LINE's data host, or the `api_base` of a
    stand-in (which serves both)."""
    api_base = str(credentials.get("api_base") or DEFAULT_API_BASE)
    configured = str(credentials.get("data_api_base") or "")
    return configured or (DEFAULT_DATA_API_BASE if api_base == DEFAULT_API_BASE else api_base)


class LineOutput(StripsOwnPrefix):
    """Sends messages to LINE: pushed at once, or, with a reply token, collected until `flush`."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self,
        client: PlatformClient,
        api_base: str,
        reply_token: str | None = None,
        received_at: float = 0.0,
        reply_token_seconds: float = payloads.REPLY_TOKEN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._api = api_base.rstrip("/")
        self._reply_token = reply_token
        self._received_at = received_at
        self._validity = reply_token_seconds
        self._clock = clock
        self._pending: list[dict[str, Any]] = []
        self._recipient: str | None = None

    async def _send(self, recipient_id: str, messages: list[dict[str, Any]], from_agent: bool) -> None:
        if self._reply_token is not None and not from_agent:
            self._recipient = recipient_id
            self._pending.extend(messages)
            return
        await self._push(recipient_id, messages)

    async def _push(self, recipient_id: str, messages: list[dict[str, Any]]) -> None:
        for batch in payloads.batches(messages):
            await self._client.request(
                "POST", f"{self._api}/v2/bot/message/push", {"to": recipient_id, "messages": batch}
            )

    async def flush(self) -> None:
        """Sends the collected answers: the first 5 as a reply while the token is valid, the rest pushed."""
        pending, self._pending = self._pending, []
        token, self._reply_token = self._reply_token, None
        if not pending or self._recipient is None:
            return
        if token is not None and payloads.reply_token_usable(self._received_at, self._clock(), self._validity):
            first, pending = payloads.batches(pending)[0], pending[payloads.MAX_MESSAGES_PER_CALL :]
            try:
                await self._client.request(
                    "POST", f"{self._api}/v2/bot/message/reply", {"replyToken": token, "messages": first}, retry=False
                )
            except PlatformDeliveryError as error:
                if error.status is not None and error.status < 500 and error.status != 429:
                    logger.warning("LINE refused the reply token (%s); pushing instead", error.status)
                pending = first + pending
        await self._push(self._recipient, pending)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, payloads.text_messages(text), sent_by_agent(kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, payloads.button_messages(text, buttons), sent_by_agent(kwargs))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, [payloads.image_message(image)], sent_by_agent(kwargs))

    async def send_attachment(self, recipient_id: str, attachment: dict[str, Any], **kwargs: Any) -> None:
        await self._send(recipient_id, payloads.attachment_messages(attachment), sent_by_agent(kwargs))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A LINE message object (or a list of them) from a `custom` response."""
        listed = json_message.get("messages")
        messages: list[dict[str, Any]] = listed if isinstance(listed, list) else [json_message]
        await self._send(recipient_id, messages, sent_by_agent(kwargs))


class LineInput(InputChannel):
    """Receives LINE webhooks."""

    edge: Edge = default_edge()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = required(credentials, cls.name())
        token = str(credentials.get("channel_access_token") or "")
        return cls(
            channel_secret=str(credentials.get("channel_secret") or ""),
            api_base=str(credentials.get("api_base") or DEFAULT_API_BASE),
            client=PlatformClient(CHANNEL, token, policy_from_credentials(credentials)),
            dedup=build_store(
                credentials.get("dedup_redis_url") or None, lease_seconds=lease_from_credentials(credentials)
            ),
            reply_token_seconds=float(credentials.get("reply_token_seconds") or payloads.REPLY_TOKEN_SECONDS),
            media=MediaRelay.from_credentials(credentials),
            media_fetch=line_fetcher(_data_api_base(credentials), token),
        )

    def __init__(
        self,
        channel_secret: str,
        api_base: str,
        client: PlatformClient,
        dedup: DedupStore,
        reply_token_seconds: float = payloads.REPLY_TOKEN_SECONDS,
        media: MediaRelay | None = None,
        media_fetch: Fetcher | None = None,
    ) -> None:
        if not channel_secret:
            logger.warning("LINE channel without 'channel_secret': every webhook is rejected")
        self.channel_secret = channel_secret
        self.api_base = api_base
        self.client = client
        self.dedup = dedup
        self.reply_token_seconds = reply_token_seconds
        self.profile_languages: dict[str, str | None] = {}
        self.media = media
        self.media_fetch = media_fetch

    def get_output_channel(self) -> OutputChannel:
        return LineOutput(self.client, self.api_base)

    async def profile_language(self, user_id: str) -> str | None:
        """The language of the user's LINE profile ("ja", "zh-Hant"...), None when unknown; cached per process."""
        if user_id in self.profile_languages:
            return self.profile_languages[user_id]
        language: str | None = None
        try:
            profile = await self.client.request(
                "GET", f"{self.api_base.rstrip('/')}/v2/bot/profile/{user_id}", retry=False
            )
            if isinstance(profile, dict) and profile.get("language"):
                language = str(profile["language"])
        except PlatformDeliveryError as error:
            logger.info("No LINE profile language for a user: %s", error)
            if error.status is None or error.status >= 500 or error.status == 429:
                return None  # a passing failure: ask again next time
        self.profile_languages[user_id] = language
        return language

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("line_webhook", __name__)
        if self.media is not None and self.media_fetch is not None and self.media.enabled:
            # Customers' files reach the handoff service during a handoff.
            on_new_message = self.media.wrap(on_new_message, self.media_fetch)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            received_at = time.monotonic()
            header = request.headers.get(SIGNATURE_HEADER)
            if not verify_line_signature(self.channel_secret, request.body, header):
                return signature_rejection(CHANNEL, header)
            try:
                events = decode(CHANNEL, request.body, payloads.parse_webhook)
            except PayloadError as error:
                return bad_request(CHANNEL, error)
            reply_tokens = {event.message.message_id: event.reply_token for event in events}
            messages = []
            for event in events:
                language = await self.profile_language(event.message.sender_id)
                metadata = dict(event.message.metadata, **({"locale": language} if language else {}))
                messages.append(
                    InboundMessage(event.message.sender_id, event.message.text, event.message.message_id, metadata)
                )

            def output_for(message: InboundMessage) -> OutputChannel:
                return LineOutput(
                    self.client,
                    self.api_base,
                    reply_tokens.get(message.message_id),
                    received_at,
                    self.reply_token_seconds,
                )

            dispatched = await dispatch(CHANNEL, messages, self.dedup, output_for, on_new_message, self.edge)
            if dispatched.in_progress:
                return busy(CHANNEL, dispatched.in_progress)
            return response.json({"status": "ok"})

        return webhook
