"""Customers' images and documents during a handoff: fetched from the platform, handed to the handoff service.

A media message is handed on as usual; before that, its file is fetched with the platform's token and uploaded to
the handoff service (`POST /api/v1/conversations/{id}/attachments`, service key). The service stores it only while
a human owns the conversation (404 otherwise: the bot answers as before). A refused file (type by content, size) is
answered with the service's notice in the customer's language. Credentials (per channel): `handoff_url`,
`handoff_service_key`, optional `attachment_max_bytes` (bytes read from the platform at most, default 25000000).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

# The attachment types worth fetching; stickers are WebP images, audio and video are not accepted.
FETCHED = ("image", "sticker", "file")
# At least the service's HANDOFF_ATTACHMENT_MAX_BYTES, so that the service's limit is the one customers meet.
DEFAULT_MAX_BYTES = 25_000_000


class MediaFetchError(RuntimeError):
    """The platform did not hand over a media file."""


@dataclass(frozen=True)
class Fetched:
    """A file's bytes (at most one byte over the limit, so the service can refuse it) and its name when known."""

    content: bytes
    filename: str | None = None


Fetcher = Callable[[aiohttp.ClientSession, dict[str, Any], int], Awaitable[Fetched]]


async def read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The body, stopped one byte past ``max_bytes`` so an oversized file is never read whole."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            break
    return b"".join(chunks)[: max_bytes + 1]


@dataclass(frozen=True)
class MediaRelay:
    """Uploads a media message's file to the handoff service; no `handoff_url` means the feature is off."""

    handoff_url: str
    service_key: str
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_seconds: float = 30.0

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any]) -> MediaRelay:
        return cls(
            handoff_url=str(credentials.get("handoff_url") or "").rstrip("/"),
            service_key=str(credentials.get("handoff_service_key") or ""),
            max_bytes=int(credentials.get("attachment_max_bytes") or DEFAULT_MAX_BYTES),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.handoff_url and self.service_key)

    def wrap(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], fetch: Fetcher
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """`on_new_message` preceded, for a media message, by the upload of its file."""

        async def handle(message: UserMessage) -> Any:
            attachment = (message.metadata or {}).get("attachment")
            if self.enabled and isinstance(attachment, dict) and attachment.get("type") in FETCHED:
                await self._relay(message, attachment, fetch)
            return await on_new_message(message)

        return handle

    async def _relay(self, message: UserMessage, attachment: dict[str, Any], fetch: Fetcher) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                fetched = await fetch(session, attachment, self.max_bytes)
                params = {"message_id": str(message.message_id)}
                headers = {"Authorization": f"Bearer {self.service_key}", "Content-Type": "application/octet-stream"}
                # Names and captions go in headers, never in the URL, so that no access log carries them.
                if fetched.filename:
                    headers["X-Attachment-Filename"] = quote(fetched.filename[:256], safe="")
                if len(fetched.content) > self.max_bytes:
                    # Cut at the channel's limit: the service refuses it (with the customer's notice), never keeps it.
                    headers["X-Attachment-Incomplete"] = "true"
                if attachment.get("caption"):
                    headers["X-Attachment-Caption"] = quote(str(attachment["caption"])[:1000], safe="")
                url = f"{self.handoff_url}/api/v1/conversations/{message.sender_id}/attachments"
                async with session.post(url, params=params, data=fetched.content, headers=headers) as response:
                    answer = await response.json(content_type=None) if response.status != 404 else {}
                    status = response.status
        except (aiohttp.ClientError, TimeoutError, MediaFetchError, ValueError) as error:
            logger.warning(
                "attachment of %s message %s not stored: %s", message.input_channel, message.message_id, error
            )
            return
        if status == 201:
            attachment["stored"] = str((answer.get("attachment") or {}).get("id") or "")
        elif status in (413, 415):
            attachment["refused"] = str(answer.get("reason") or status)
            notice = str(answer.get("customer_message") or "")
            if notice and message.output_channel is not None:
                # Through send_response, which addresses the platform id as every bot answer does.
                await message.output_channel.send_response(message.sender_id, {"text": notice})
        elif status != 404:  # 404: no handoff is open, the bot answers the message itself
            logger.warning(
                "attachment of %s message %s refused (%s)", message.input_channel, message.message_id, status
            )


async def public_url_fetch(session: aiohttp.ClientSession, attachment: dict[str, Any], max_bytes: int) -> Fetched:
    """A file at the plain URL the platform gave (Messenger's attachment `payload.url`), fetched without a token."""
    url = str(attachment.get("url") or "")
    if not url.startswith(("https://", "http://")):
        raise MediaFetchError("an attachment without a download url")
    async with session.get(url) as response:
        if response.status != 200:
            raise MediaFetchError(f"attachment download answered {response.status}")
        return Fetched(await read_capped(response, max_bytes), attachment.get("filename"))
