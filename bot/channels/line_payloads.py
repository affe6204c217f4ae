"""LINE Messaging API payloads: webhook bodies in, reply/push bodies out. Pure functions over plain data.

Incoming: `{"destination": ..., "events": [...]}`; `message` events (text, sticker, image, video, audio, file,
location) and `postback` events (a chosen quick reply) become messages, every other event (follow, unfollow, join,
read...) is ignored. The reply token of an event is valid about one minute and only once.
Outgoing: `POST {api}/v2/bot/message/reply` (`replyToken`) or `/v2/bot/message/push` (`to`), at most 5 messages
per call, 5000 characters per text, quick replies of at most 13 items with 20-character labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.channels.buttons import Choice, choices, numbered_fallback
from bot.channels.inbound import SHARE_MEDIA, InboundMessage, PayloadError, attachment, compact
from bot.channels.splitting import split_message

TEXT_LIMIT = 5000
MAX_MESSAGES_PER_CALL = 5
MAX_QUICK_REPLIES = 13
LABEL_LIMIT = 20
REPLY_TOKEN_SECONDS = 50.0  # LINE documents about one minute; keep a margin for our own processing time

_MEDIA_TYPES = {"image": "image", "video": "video", "audio": "audio", "file": "file"}


@dataclass(frozen=True)
class LineEvent:
    """A customer message of a webhook with what is needed to answer it."""

    message: InboundMessage
    reply_token: str | None
    timestamp_ms: int | None


def _sender(source: dict[str, Any]) -> str:
    kind = source.get("type")
    key = {"group": "groupId", "room": "roomId"}.get(str(kind), "userId")
    return str(source.get(key) or source.get("userId") or "")


def _event(event: dict[str, Any]) -> LineEvent | None:
    kind = event.get("type")
    raw_source = event.get("source")
    source: dict[str, Any] = raw_source if isinstance(raw_source, dict) else {}
    sender = _sender(source)
    metadata: dict[str, Any] = {}
    if kind == "message":
        message = event.get("message")
        if not isinstance(message, dict) or not message.get("id") or not message.get("type"):
            raise PayloadError("a LINE message event needs 'message' with 'id' and 'type'")
        message_id = str(message["id"])
        message_type = message["type"]
        if message_type == "text":
            text = str(message.get("text") or "")
        elif message_type == "sticker":
            metadata["attachment"] = attachment(
                "sticker", id=str(message.get("stickerId") or ""), package_id=str(message.get("packageId") or "")
            )
            text = SHARE_MEDIA
        elif message_type in _MEDIA_TYPES:
            metadata["attachment"] = attachment(
                _MEDIA_TYPES[message_type], id=message_id, filename=message.get("fileName")
            )
            text = SHARE_MEDIA
        elif message_type == "location":
            metadata["attachment"] = attachment(
                "location",
                latitude=message.get("latitude"),
                longitude=message.get("longitude"),
                name=message.get("title"),
                address=message.get("address"),
            )
            text = SHARE_MEDIA
        else:
            return None
    elif kind == "postback":
        data = (event.get("postback") or {}).get("data")
        text = str(data or "")
        message_id = str(event.get("webhookEventId") or "")
    else:
        return None
    if not sender or not message_id:
        raise PayloadError("a LINE event needs 'source' with a user id and a message or webhook event id")
    if not text.strip():
        return None
    metadata["platform_message_id"] = message_id
    inbound = InboundMessage(sender_id=sender, text=text, message_id=message_id, metadata=compact(metadata))
    timestamp = event.get("timestamp")
    return LineEvent(
        message=inbound,
        reply_token=str(event["replyToken"]) if event.get("replyToken") else None,
        timestamp_ms=int(timestamp) if isinstance(timestamp, int | float) else None,
    )


def parse_webhook(body: Any) -> list[LineEvent]:
    """The customer messages of a webhook body with their reply tokens, in order."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise PayloadError("a LINE webhook body is an object with an 'events' list")
    events = []
    for raw in body["events"]:
        if not isinstance(raw, dict):
            raise PayloadError("LINE events are objects")
        event = _event(raw)
        if event is not None:
            events.append(event)
    return events


def text_message(text: str) -> dict[str, Any]:
    """A text message object (at most `TEXT_LIMIT` characters)."""
    return {"type": "text", "text": text}


def quick_reply_message(text: str, items: Sequence[Choice]) -> dict[str, Any]:
    """A text with up to 13 quick replies; choosing one shows its title in the chat and sends its payload as a
    postback."""
    quick_items = [
        {
            "type": "action",
            "action": {
                "type": "postback",
                "label": item.title[:LABEL_LIMIT],
                "data": item.payload[:300],
                "displayText": item.title,
            },
        }
        for item in items[:MAX_QUICK_REPLIES]
    ]
    return {"type": "text", "text": text, "quickReply": {"items": quick_items}}


def image_message(url: str) -> dict[str, Any]:
    """An image message by HTTPS URL (used as its own preview)."""
    return {"type": "image", "originalContentUrl": url, "previewImageUrl": url}


def attachment_messages(attachment: dict[str, Any]) -> list[dict[str, Any]]:
    """An agent's file (Rasa's `{"type", "payload": {"src", "name"}}`): an image message, or, since LINE bots
    cannot send files, the document's name and link as text."""
    payload = attachment.get("payload") or {}
    url = str(payload.get("src") or "")
    if attachment.get("type") == "image":
        return [image_message(url)]
    return text_messages(f"{payload.get('name') or 'document'}: {url}")


def batches(messages: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Message objects in calls of at most `MAX_MESSAGES_PER_CALL`."""
    return [
        list(messages[start : start + MAX_MESSAGES_PER_CALL])
        for start in range(0, len(messages), MAX_MESSAGES_PER_CALL)
    ]


def reply_token_usable(received_at: float, now: float, validity: float = REPLY_TOKEN_SECONDS) -> bool:
    """Whether a reply token received at `received_at` (seconds) may still be used at `now`."""
    return now - received_at < validity


def text_messages(text: str) -> list[dict[str, Any]]:
    """A text as message objects within LINE's length limit, split on sentences."""
    return [text_message(part) for part in split_message(text, TEXT_LIMIT)]


def button_messages(text: str, buttons: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa buttons as quick replies on the (last part of the) text, or a numbered text beyond 13 choices."""
    items = choices(buttons, LABEL_LIMIT)
    if not items or len(items) > MAX_QUICK_REPLIES:
        return text_messages(numbered_fallback(text, items))
    parts = split_message(text, TEXT_LIMIT) or ["…"]
    return [text_message(part) for part in parts[:-1]] + [quick_reply_message(parts[-1], items)]
