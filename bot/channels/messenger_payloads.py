"""Messenger Platform payloads: webhook bodies in, Send API bodies out. Pure functions over plain data.

Incoming (`object: page`): `entry[].messaging[]` events with `sender.id` (the page-scoped id), `message` (`mid`,
`text`, `quick_reply.payload`, `attachments[]`, `is_echo`) or `postback` (`mid`, `title`, `payload`); delivery and
read receipts and echoes are ignored. Outgoing: `POST {graph}/{version}/me/messages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.channels.buttons import Choice, choices, numbered_fallback
from bot.channels.inbound import SHARE_MEDIA, InboundMessage, PayloadError, attachment, compact
from bot.channels.splitting import split_message

TEXT_LIMIT = 2000
TEMPLATE_TEXT_LIMIT = 640
MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13
TITLE_LIMIT = 20

_ATTACHMENT_TYPES = {"image": "image", "audio": "audio", "video": "video", "file": "file", "location": "location"}


def _attachment(raw: dict[str, Any]) -> dict[str, Any]:
    payload = raw.get("payload") or {}
    kind = str(raw.get("type") or "file")
    if kind == "location" or "coordinates" in payload:
        coordinates = payload.get("coordinates") or {}
        return attachment("location", latitude=coordinates.get("lat"), longitude=coordinates.get("long"))
    if kind == "image" and payload.get("sticker_id"):
        return attachment("sticker", url=payload.get("url"), id=str(payload["sticker_id"]))
    return attachment(_ATTACHMENT_TYPES.get(kind, "file"), url=payload.get("url"))


def _event(event: dict[str, Any]) -> InboundMessage | None:
    sender = str((event.get("sender") or {}).get("id") or "")
    locale = event.get("locale") or (event.get("sender") or {}).get("locale")
    metadata: dict[str, Any] = {"locale": locale}
    if isinstance(event.get("message"), dict):
        message = event["message"]
        if message.get("is_echo"):
            return None
        message_id = str(message.get("mid") or "")
        attachments = [item for item in message.get("attachments") or [] if isinstance(item, dict)]
        if isinstance(message.get("quick_reply"), dict) and message["quick_reply"].get("payload"):
            text = str(message["quick_reply"]["payload"])
        elif message.get("text"):
            text = str(message["text"])
        elif attachments:
            metadata["attachment"] = _attachment(attachments[0])
            text = SHARE_MEDIA
        else:
            return None
    elif isinstance(event.get("postback"), dict):
        postback = event["postback"]
        text = str(postback.get("payload") or postback.get("title") or "")
        message_id = str(postback.get("mid") or f"postback:{sender}:{event.get('timestamp')}:{text}")
    else:  # delivery, read, reaction, optin, referral...
        return None
    if not sender or not message_id:
        raise PayloadError("a Messenger message event needs 'sender.id' and a message id ('mid')")
    metadata["platform_message_id"] = message_id
    return InboundMessage(sender_id=sender, text=text, message_id=message_id, metadata=compact(metadata))


def parse_webhook(body: Any) -> list[InboundMessage]:
    """The customer messages and postbacks of a webhook body, in order."""
    if not isinstance(body, dict) or body.get("object") != "page" or not isinstance(body.get("entry"), list):
        raise PayloadError('a Messenger webhook body is an object with "object": "page" and an \'entry\' list')
    messages: list[InboundMessage] = []
    for entry in body["entry"]:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        if not isinstance(events, list):
            raise PayloadError("each Messenger webhook entry has a 'messaging' list")
        for event in events:
            if not isinstance(event, dict):
                raise PayloadError("Messenger messaging events are objects")
            message = _event(event)
            if message is not None:
                messages.append(message)
    return messages


def delivery_fields(tag: str | None) -> dict[str, str]:
    """`messaging_type` (and `tag`) for a message: the tag the handoff service chose for a late agent reply, else
    RESPONSE (the service alone knows when the customer last wrote, so the channel never guesses)."""
    if tag:
        return {"messaging_type": "MESSAGE_TAG", "tag": tag}
    return {"messaging_type": "RESPONSE"}


def text_payload(recipient: str, text: str, delivery: dict[str, str]) -> dict[str, Any]:
    """A text message (at most `TEXT_LIMIT` characters)."""
    return {"recipient": {"id": recipient}, **delivery, "message": {"text": text}}


def quick_replies_payload(
    recipient: str, text: str, items: Sequence[Choice], delivery: dict[str, str]
) -> dict[str, Any]:
    """A text with up to 13 quick replies."""
    replies = [
        {"content_type": "text", "title": item.title[:TITLE_LIMIT], "payload": item.payload[:1000]}
        for item in items[:MAX_QUICK_REPLIES]
    ]
    return {"recipient": {"id": recipient}, **delivery, "message": {"text": text, "quick_replies": replies}}


def button_template_payload(
    recipient: str, text: str, items: Sequence[Choice], delivery: dict[str, str]
) -> dict[str, Any]:
    """A button template: up to 3 postback buttons under a text of at most 640 characters."""
    buttons = [
        {"type": "postback", "title": item.title[:TITLE_LIMIT], "payload": item.payload[:1000]}
        for item in items[:MAX_TEMPLATE_BUTTONS]
    ]
    template = {"template_type": "button", "text": text, "buttons": buttons}
    return {
        "recipient": {"id": recipient},
        **delivery,
        "message": {"attachment": {"type": "template", "payload": template}},
    }


def image_payload(recipient: str, url: str, delivery: dict[str, str]) -> dict[str, Any]:
    """An image by URL."""
    attachment_body = {"type": "image", "payload": {"url": url, "is_reusable": True}}
    return {"recipient": {"id": recipient}, **delivery, "message": {"attachment": attachment_body}}


def attachment_payload(recipient: str, attachment: dict[str, Any], delivery: dict[str, str]) -> dict[str, Any]:
    """An agent's file (Rasa's `{"type", "payload": {"src"}}`) by URL: `image`, or `file` for a document."""
    url = str((attachment.get("payload") or {}).get("src") or "")
    kind = "image" if attachment.get("type") == "image" else "file"
    attachment_body = {"type": kind, "payload": {"url": url, "is_reusable": True}}
    return {"recipient": {"id": recipient}, **delivery, "message": {"attachment": attachment_body}}


def text_messages(recipient: str, text: str, delivery: dict[str, str]) -> list[dict[str, Any]]:
    """A text as Send API bodies within Messenger's length limit, split on sentences."""
    return [text_payload(recipient, part, delivery) for part in split_message(text, TEXT_LIMIT)]


def button_messages(
    recipient: str, text: str, buttons: Sequence[dict[str, Any]], delivery: dict[str, str], quick: bool = False
) -> list[dict[str, Any]]:
    """Rasa buttons as Send API bodies: a button template for up to 3 (unless `quick`), quick replies for up to 13,
    else a numbered text. Text that does not fit the template or a message goes first as plain text."""
    items = choices(buttons, TITLE_LIMIT)
    if not items:
        return text_messages(recipient, text, delivery)
    if len(items) > MAX_QUICK_REPLIES:
        return text_messages(recipient, numbered_fallback(text, items), delivery)
    template = not quick and len(items) <= MAX_TEMPLATE_BUTTONS
    parts = split_message(text, TEMPLATE_TEXT_LIMIT if template else TEXT_LIMIT) or ["…"]
    last = (button_template_payload if template else quick_replies_payload)(recipient, parts[-1], items, delivery)
    return [text_payload(recipient, part, delivery) for part in parts[:-1]] + [last]
