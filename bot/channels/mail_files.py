"""Files in mail: the first attachment of a customer's mail (for the handoff service) and an agent's file attached
to the answer (downloaded from its signed link)."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp

from bot.channels.media_relay import MediaFetchError, read_capped

# What an agent's file may weigh when it is downloaded to be attached (the service's own limit is lower).
MAX_OUTGOING_BYTES = 25_000_000


@dataclass(frozen=True)
class MailFile:
    """A file's bytes, its MIME type and its name."""

    content: bytes
    mime_type: str
    filename: str


def first_file(raw: bytes) -> MailFile | None:
    """The first attachment of the mail in `raw` (the type is checked by content later, not here)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - the default policy always builds one
        return None
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            return MailFile(payload, part.get_content_type(), part.get_filename() or "attachment")
    return None


async def download(attachment: dict[str, Any]) -> MailFile:
    """An agent's file (Rasa's `{"type", "payload": {"src", "name"}}`) from its link, with the served type."""
    payload = attachment.get("payload") or {}
    url = str(payload.get("src") or "")
    if not url.startswith(("https://", "http://")):
        raise MediaFetchError("an attachment without a link")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session, session.get(url) as response:
        if response.status != 200:
            raise MediaFetchError(f"attachment download answered {response.status}")
        content = await read_capped(response, MAX_OUTGOING_BYTES)
        mime_type = response.content_type or "application/octet-stream"
    if len(content) > MAX_OUTGOING_BYTES:
        raise MediaFetchError("attachment too large to send by mail")
    return MailFile(content, mime_type, str(payload.get("name") or "attachment"))


def attach(mail: EmailMessage, files: list[MailFile]) -> None:
    """Adds `files` to `mail` as MIME attachments."""
    for file in files:
        maintype, _, subtype = file.mime_type.partition("/")
        mail.add_attachment(file.content, maintype=maintype, subtype=subtype or "octet-stream", filename=file.filename)
