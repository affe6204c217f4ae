"""WhatsApp Cloud API channel: `/webhooks/whatsapp/webhook` (GET verification handshake, POST messages).

credentials.yml (`bot.channels.whatsapp.WhatsAppInput:`): `verify_token`, `app_secret`, `access_token`,
`phone_number_id`, optional `graph_base` (default https://graph.facebook.com), `api_version` (default v21.0),
`dedup_redis_url` (empty = in-process de-duplication), `dedup_lease_seconds` (default 120), `retry_max_attempts`,
`retry_base_delay`, `retry_max_delay`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint

from bot.channels import whatsapp_payloads as payloads
from bot.channels.dedup import DedupStore, build_store, lease_from_credentials
from bot.channels.http_client import PlatformClient, policy_from_credentials
from bot.channels.inbound import InboundMessage
from bot.channels.media_relay import Fetcher, MediaRelay
from bot.channels.meta_webhook import meta_webhook
from bot.channels.namespacing import StripsOwnPrefix
from bot.channels.read_receipts import whatsapp_read_mark, whatsapp_reads
from bot.channels.receipts_relay import ReceiptRelay
from bot.channels.webhook import required
from bot.channels.whatsapp_media import whatsapp_fetcher
from bot.security.edge import Edge, default_edge

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"


@dataclass(frozen=True)
class WhatsAppSettings:
    """Where and as whom the channel sends."""

    phone_number_id: str
    graph_base: str = "https://graph.facebook.com"
    api_version: str = "v21.0"

    @property
    def messages_url(self) -> str:
        return f"{self.graph_base.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"


class WhatsAppOutput(StripsOwnPrefix):
    """Sends bot and agent messages through the Graph API, split and adapted to WhatsApp's limits."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, client: PlatformClient, settings: WhatsAppSettings) -> None:
        self._client = client
        self._settings = settings

    async def _post(self, payload: dict[str, Any]) -> None:
        await self._client.request("POST", self._settings.messages_url, payload)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for payload in payloads.text_messages(recipient_id, text):
            await self._post(payload)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        for payload in payloads.button_messages(recipient_id, text, buttons):
            await self._post(payload)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(payloads.image_payload(recipient_id, image))

    async def send_attachment(self, recipient_id: str, attachment: dict[str, Any], **kwargs: Any) -> None:
        await self._post(payloads.attachment_payload(recipient_id, attachment))

    async def send_typing(self, recipient_id: str, on: bool, message_id: str | None = None) -> bool:
        """The typing indicator, which WhatsApp shows only with a read mark of the customer's message `message_id`
        and dismisses by itself (on the reply or after 25 seconds): nothing to send for "stopped"."""
        if not on or not message_id:
            return False
        await self._post(whatsapp_read_mark(message_id, typing=True))
        return True

    async def send_seen(self, recipient_id: str, message_id: str | None = None) -> bool:
        """The customer's message `message_id` (and every earlier one) marked read."""
        if not message_id:
            return False
        await self._post(whatsapp_read_mark(message_id))
        return True

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A Graph API message body from a `custom` response, completed with the recipient."""
        await self._post({"messaging_product": "whatsapp", "to": recipient_id, **json_message})


class WhatsAppInput(InputChannel):
    """Receives WhatsApp Cloud API webhooks."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    edge: Edge = default_edge()
    receipts: ReceiptRelay = ReceiptRelay("", "")

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = required(credentials, cls.name())
        settings = WhatsAppSettings(
            phone_number_id=str(credentials.get("phone_number_id") or ""),
            graph_base=str(credentials.get("graph_base") or WhatsAppSettings.graph_base),
            api_version=str(credentials.get("api_version") or WhatsAppSettings.api_version),
        )
        client = PlatformClient(
            CHANNEL, str(credentials.get("access_token") or ""), policy_from_credentials(credentials)
        )
        channel = cls(
            verify_token=str(credentials.get("verify_token") or ""),
            app_secret=str(credentials.get("app_secret") or ""),
            settings=settings,
            client=client,
            dedup=build_store(
                credentials.get("dedup_redis_url") or None, lease_seconds=lease_from_credentials(credentials)
            ),
            media=MediaRelay.from_credentials(credentials),
            media_fetch=whatsapp_fetcher(
                settings.graph_base, settings.api_version, str(credentials.get("access_token") or "")
            ),
        )
        channel.receipts = ReceiptRelay.from_credentials(credentials)
        return channel

    def __init__(
        self,
        verify_token: str,
        app_secret: str,
        settings: WhatsAppSettings,
        client: PlatformClient,
        dedup: DedupStore,
        media: MediaRelay | None = None,
        media_fetch: Fetcher | None = None,
    ) -> None:
        if not app_secret or not verify_token:
            logger.warning("WhatsApp channel without 'app_secret' or 'verify_token': every webhook is rejected")
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.settings = settings
        self.client = client
        self.dedup = dedup
        self.media = media
        self.media_fetch = media_fetch

    def get_output_channel(self) -> OutputChannel:
        return WhatsAppOutput(self.client, self.settings)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return meta_webhook(
            channel=CHANNEL,
            label="WhatsApp",
            verify_token=self.verify_token,
            app_secret=self.app_secret,
            parse=payloads.parse_webhook,
            dedup=self.dedup,
            output_for=self._output_for,
            on_new_message=self._with_media(on_new_message),
            edge=self.edge,
            on_body=self._relay_reads,
        )

    async def _relay_reads(self, body: Any) -> None:
        """Customers' read receipts reach the handoff service (when `handoff_url` is configured)."""
        await self.receipts.relay(whatsapp_reads(body))

    def _with_media(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """Customers' files reach the handoff service during a handoff (when `handoff_url` is configured)."""
        if self.media is None or self.media_fetch is None or not self.media.enabled:
            return on_new_message
        return self.media.wrap(on_new_message, self.media_fetch)

    def _output_for(self, _: InboundMessage) -> OutputChannel:
        return self.get_output_channel()
