"""WhatsApp Cloud API payloads: webhook bodies in, Graph API message bodies out. Pure functions over plain data.

Incoming shape (Meta's "messages" webhook): `entry[].changes[].value` with `contacts[]` (`wa_id`, `profile.name`),
`messages[]` (`from`, `id`, `type` and a field named after the type) and, for delivery receipts, `statuses[]`
(ignored). Outgoing: `POST {graph}/{version}/{phone_number_id}/messages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.channels.buttons import Choice, choices, numbered_fallback, shorten
from bot.channels.inbound import SHARE_MEDIA, InboundMessage, PayloadError, attachment, compact
from bot.channels.phone_country import country_of
from bot.channels.splitting import split_message

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
LIST_BUTTON_LABEL = "☰"  # the button that opens a list; language-neutral so it suits every customer

_MEDIA_TYPES = {"image": "image", "sticker": "sticker", "audio": "audio", "voice": "audio", "video": "video"}


def _message(raw: dict[str, Any], names: dict[str, str]) -> InboundMessage | None:
    sender = str(raw.get("from") or "")
    message_id = str(raw.get("id") or "")
    kind = raw.get("type")
    if not sender or not message_id or not isinstance(kind, str):
        raise PayloadError("a WhatsApp message needs 'from', 'id' and 'type'")
    metadata: dict[str, Any] = {
        "name": names.get(sender),
        "country": country_of(sender),
        "platform_message_id": message_id,
    }
    content = raw.get(kind)
    body: dict[str, Any] = content if isinstance(content, dict) else {}
    if kind == "text":
        text = str(body.get("body") or "")
    elif kind == "interactive":
        reply = body.get(body.get("type") or "") or {}
        text = str(reply.get("id") or reply.get("title") or "")
    elif kind == "button":  # quick-reply button of a template message
        text = str(body.get("payload") or body.get("text") or "")
    elif kind in _MEDIA_TYPES or kind == "document":
        media_type = "file" if kind == "document" else _MEDIA_TYPES[kind]
        metadata["attachment"] = attachment(
            media_type,
            id=body.get("id"),
            mime_type=body.get("mime_type"),
            caption=body.get("caption"),
            filename=body.get("filename"),
        )
        text = SHARE_MEDIA
    elif kind == "location":
        metadata["attachment"] = attachment(
            "location",
            latitude=body.get("latitude"),
            longitude=body.get("longitude"),
            name=body.get("name"),
            address=body.get("address"),
        )
        text = SHARE_MEDIA
    else:  # reactions, "unsupported", system messages: nothing the bot could answer
        return None
    if not text.strip():
        return None
    return InboundMessage(sender_id=sender, text=text, message_id=message_id, metadata=compact(metadata))


def parse_webhook(body: Any) -> list[InboundMessage]:
    """The customer messages of a webhook body, in order; status callbacks and unknown types give none."""
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise PayloadError("a WhatsApp webhook body is an object with an 'entry' list")
    messages: list[InboundMessage] = []
    for entry in body["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise PayloadError("each WhatsApp webhook entry has a 'changes' list")
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                raise PayloadError("each WhatsApp webhook change has a 'value' object")
            names = {
                str(contact.get("wa_id")): str((contact.get("profile") or {}).get("name") or "")
                for contact in value.get("contacts") or []
                if isinstance(contact, dict)
            }
            for raw in value.get("messages") or []:
                if not isinstance(raw, dict):
                    raise PayloadError("WhatsApp messages are objects")
                message = _message(raw, names)
                if message is not None:
                    messages.append(message)
    return messages


def _envelope(to: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: content}


def text_payload(to: str, text: str) -> dict[str, Any]:
    """A text message (at most `TEXT_LIMIT` characters: split longer texts first)."""
    return _envelope(to, "text", {"preview_url": False, "body": text})


def buttons_payload(to: str, text: str, items: Sequence[Choice], descriptions: Sequence[str] = ()) -> dict[str, Any]:
    """Reply buttons (up to 3, none with a description) or a list (up to 10 rows, each with its description, if any).

    The caller falls back to text beyond that.
    """
    if len(items) <= MAX_REPLY_BUTTONS and not any(descriptions):
        action: dict[str, Any] = {
            "buttons": [
                {"type": "reply", "reply": {"id": item.payload[:256], "title": item.title[:BUTTON_TITLE_LIMIT]}}
                for item in items
            ]
        }
        interactive = {"type": "button", "body": {"text": text}, "action": action}
    elif len(items) <= MAX_LIST_ROWS:
        rows = [{"id": item.payload[:200], "title": item.title[:ROW_TITLE_LIMIT]} for item in items]
        for row, description in zip(rows, descriptions, strict=False):
            if description:
                row["description"] = description[:ROW_DESCRIPTION_LIMIT]
        action = {"button": LIST_BUTTON_LABEL, "sections": [{"rows": rows}]}
        interactive = {"type": "list", "body": {"text": text}, "action": action}
    else:
        raise ValueError(f"WhatsApp shows at most {MAX_LIST_ROWS} choices")
    return _envelope(to, "interactive", interactive)


def image_payload(to: str, url: str) -> dict[str, Any]:
    """An image by public link."""
    return _envelope(to, "image", {"link": url})


def attachment_payload(to: str, attachment: dict[str, Any]) -> dict[str, Any]:
    """An agent's file (Rasa's `{"type", "payload": {"src", "name"}}`) by public link: an image as `image`,
    anything else as a `document` with its file name."""
    payload = attachment.get("payload") or {}
    url = str(payload.get("src") or "")
    if attachment.get("type") == "image":
        return image_payload(to, url)
    return _envelope(to, "document", {"link": url, "filename": str(payload.get("name") or "document")})


def text_messages(to: str, text: str) -> list[dict[str, Any]]:
    """A text as messages within WhatsApp's length limit, split on sentences."""
    return [text_payload(to, part) for part in split_message(text, TEXT_LIMIT)]


def button_messages(to: str, text: str, buttons: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa buttons as WhatsApp messages: reply buttons (up to 3), a list (up to 10), else a numbered text.

    A title longer than a reply button allows (an article title in a clarification, say) makes the choices a list,
    whose rows carry the full title as their description, so no choice is reduced to a few ambiguous words. A text
    longer than an interactive body allows goes first as plain text; the buttons come with its last part.
    """
    full = choices(buttons, ROW_TITLE_LIMIT + ROW_DESCRIPTION_LIMIT)
    if not full:
        return text_messages(to, text)
    if len(full) > MAX_LIST_ROWS:
        return text_messages(to, numbered_fallback(text, full))
    fits_buttons = len(full) <= MAX_REPLY_BUTTONS and all(len(item.title) <= BUTTON_TITLE_LIMIT for item in full)
    title_limit = BUTTON_TITLE_LIMIT if fits_buttons else ROW_TITLE_LIMIT
    items = choices(buttons, title_limit)
    descriptions = [
        shorten(whole.title, ROW_DESCRIPTION_LIMIT) if len(whole.title) > title_limit else "" for whole in full
    ]
    parts = split_message(text, INTERACTIVE_BODY_LIMIT) or ["…"]
    return [text_payload(to, part) for part in parts[:-1]] + [buttons_payload(to, parts[-1], items, descriptions)]
