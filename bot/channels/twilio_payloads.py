"""Twilio (WhatsApp through Twilio) webhook forms as customer messages. Pure functions over the form fields.

Twilio posts `application/x-www-form-urlencoded` fields: `MessageSid`, `From` ("whatsapp:+5215512345678"), `Body`,
`ProfileName`, `WaId`, `NumMedia` with `MediaUrl0`/`MediaContentType0`, `Latitude`/`Longitude`/`Address`/`Label`
for locations, and `ButtonPayload`/`ButtonText` for quick-reply buttons.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.inbound import SHARE_MEDIA, InboundMessage, PayloadError, attachment, compact
from bot.channels.phone_country import country_of

TEXT_LIMIT = 1600  # Twilio's maximum message body


def media_type(content_type: str) -> str:
    """Our attachment type for a media MIME type (WhatsApp stickers arrive as WebP images)."""
    if content_type == "image/webp":
        return "sticker"
    major = content_type.split("/", 1)[0]
    return major if major in ("image", "audio", "video") else "file"


def parse_form(form: Mapping[str, str]) -> InboundMessage | None:
    """The customer message of a webhook form; None for a form without anything to answer."""
    sender = form.get("From", "").strip()
    message_id = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not sender or not message_id:
        raise PayloadError("a Twilio webhook needs 'From' and 'MessageSid'")
    metadata: dict[str, object] = {
        "name": form.get("ProfileName"),
        "country": country_of(form.get("WaId") or sender),
        "platform_message_id": message_id,
    }
    if form.get("ButtonPayload"):
        text = form["ButtonPayload"]
    elif form.get("Latitude") and form.get("Longitude"):
        metadata["attachment"] = attachment(
            "location",
            latitude=_number(form["Latitude"]),
            longitude=_number(form["Longitude"]),
            name=form.get("Label"),
            address=form.get("Address"),
        )
        text = SHARE_MEDIA
    elif _media_count(form) > 0 and form.get("MediaUrl0"):
        kind = media_type(form.get("MediaContentType0", ""))
        metadata["attachment"] = attachment(kind, url=form["MediaUrl0"], mime_type=form.get("MediaContentType0"))
        text = SHARE_MEDIA
    else:
        text = form.get("Body", "")
    if not text.strip():
        return None
    return InboundMessage(sender_id=sender, text=text, message_id=message_id, metadata=compact(metadata))


def _media_count(form: Mapping[str, str]) -> int:
    try:
        return int(form.get("NumMedia") or 0)
    except ValueError as error:
        raise PayloadError("'NumMedia' is not a number") from error


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError as error:
        raise PayloadError(f"coordinate {value!r} is not a number") from error
