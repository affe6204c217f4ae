"""Messenger channel: `/webhooks/messenger/webhook` (GET verification handshake, POST messages and postbacks).

credentials.yml (`bot.channels.messenger.MessengerInput:`): `verify_token`, `app_secret`, `page_access_token`,
optional `graph_base` (default https://graph.facebook.com), `api_version` (default v21.0), `dedup_redis_url`,
`dedup_lease_seconds`, `retry_max_attempts`, `retry_base_delay`, `retry_max_delay`.

Messages go out as `RESPONSE`, or with the message tag the handoff service chose for an agent's reply (it alone
knows when the customer last wrote, whichever worker received it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint

from bot.channels import messenger_payloads as payloads
from bot.channels.agent import message_tag
from bot.channels.dedup import DedupStore, build_store, lease_from_credentials
from bot.channels.http_client import PlatformClient, policy_from_credentials
from bot.channels.inbound import InboundMessage
from bot.channels.media_relay import MediaRelay, public_url_fetch
from bot.channels.meta_webhook import meta_webhook
from bot.channels.namespacing import StripsOwnPrefix
from bot.channels.read_receipts import messenger_reads
from bot.channels.receipts_relay import ReceiptRelay
from bot.channels.webhook import required
from bot.security.edge import Edge, default_edge

logger = logging.getLogger(__name__)

CHANNEL = "messenger"


@dataclass(frozen=True)
class MessengerSettings:
    """Where the Send API is."""

    graph_base: str = "https://graph.facebook.com"
    api_version: str = "v21.0"

    @property
    def messages_url(self) -> str:
        return f"{self.graph_base.rstrip('/')}/{self.api_version}/me/messages"


class MessengerOutput(StripsOwnPrefix):
    """Sends bot and agent messages through the Send API within Messenger's limits and messaging windows."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self,
        client: PlatformClient,
        settings: MessengerSettings,
    ) -> None:
        self._client = client
        self._settings = settings

    @staticmethod
    def _delivery(kwargs: dict[str, Any]) -> dict[str, str]:
        return payloads.delivery_fields(message_tag(kwargs))

    async def _post(self, payload: dict[str, Any]) -> None:
        await self._client.request("POST", self._settings.messages_url, payload)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for body in payloads.text_messages(recipient_id, text, self._delivery(kwargs)):
            await self._post(body)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        for body in payloads.button_messages(recipient_id, text, buttons, self._delivery(kwargs)):
            await self._post(body)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        delivery = self._delivery(kwargs)
        for body in payloads.button_messages(recipient_id, text, quick_replies, delivery, quick=True):
            await self._post(body)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(payloads.image_payload(recipient_id, image, self._delivery(kwargs)))

    async def send_attachment(self, recipient_id: str, attachment: dict[str, Any], **kwargs: Any) -> None:
        await self._post(payloads.attachment_payload(recipient_id, attachment, self._delivery(kwargs)))

    async def send_typing(self, recipient_id: str, on: bool, message_id: str | None = None) -> bool:
        """The typing bubble (`sender_action` typing_on / typing_off), as the handoff service asks."""
        await self._post({"recipient": {"id": recipient_id}, "sender_action": "typing_on" if on else "typing_off"})
        return True

    async def send_seen(self, recipient_id: str, message_id: str | None = None) -> bool:
        """The customer's messages marked seen (`sender_action` mark_seen) when an agent opens the conversation."""
        await self._post({"recipient": {"id": recipient_id}, "sender_action": "mark_seen"})
        return True

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A Send API `message` object from a `custom` response."""
        body = {"recipient": {"id": recipient_id}, **self._delivery(kwargs), "message": json_message}
        await self._post(body)


class MessengerInput(InputChannel):
    """Receives Messenger webhooks."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    edge: Edge = default_edge()
    receipts: ReceiptRelay = ReceiptRelay("", "")
    media: MediaRelay = MediaRelay("", "")

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = required(credentials, cls.name())
        settings = MessengerSettings(
            graph_base=str(credentials.get("graph_base") or MessengerSettings.graph_base),
            api_version=str(credentials.get("api_version") or MessengerSettings.api_version),
        )
        token = str(credentials.get("page_access_token") or "")
        channel = cls(
            verify_token=str(credentials.get("verify_token") or ""),
            app_secret=str(credentials.get("app_secret") or ""),
            settings=settings,
            client=PlatformClient(CHANNEL, token, policy_from_credentials(credentials)),
            dedup=build_store(
                credentials.get("dedup_redis_url") or None, lease_seconds=lease_from_credentials(credentials)
            ),
        )
        channel.receipts = ReceiptRelay.from_credentials(credentials)
        channel.media = MediaRelay.from_credentials(credentials)
        return channel

    def __init__(
        self,
        verify_token: str,
        app_secret: str,
        settings: MessengerSettings,
        client: PlatformClient,
        dedup: DedupStore,
    ) -> None:
        if not app_secret or not verify_token:
            logger.warning("Messenger channel without 'app_secret' or 'verify_token': every webhook is rejected")
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.settings = settings
        self.client = client
        self.dedup = dedup

    def get_output_channel(self) -> OutputChannel:
        return MessengerOutput(self.client, self.settings)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return meta_webhook(
            channel=CHANNEL,
            label="Messenger",
            verify_token=self.verify_token,
            app_secret=self.app_secret,
            parse=payloads.parse_webhook,
            dedup=self.dedup,
            output_for=self._output_for,
            # Customers' files reach the handoff service during a handoff (when `handoff_url` is configured).
            on_new_message=self.media.wrap(on_new_message, public_url_fetch) if self.media.enabled else on_new_message,
            edge=self.edge,
            on_body=self._relay_reads,
        )

    async def _relay_reads(self, body: Any) -> None:
        """Customers' read receipts reach the handoff service (when `handoff_url` is configured)."""
        await self.receipts.relay(messenger_reads(body))

    def _output_for(self, _: InboundMessage) -> OutputChannel:
        return self.get_output_channel()
