"""LINE and Twilio webhook parsing (shapes from the LINE Messaging API reference and Twilio's WhatsApp webhook
documentation) and LINE message bodies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.buttons import Choice
from bot.channels.inbound import PayloadError
from bot.channels.line_payloads import batches, parse_webhook, quick_reply_message, reply_token_usable
from bot.channels.twilio_payloads import media_type, parse_form

USER = "U4af4980629d1a2b3c4d5e6f7a8b9c0d1"


def line_event(message: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": 1692251666727,
        "source": {"type": "user", "userId": USER},
        "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6T",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "38ef843bde154d9b91c21320ffd17a0f",
        **extra,
    }
    if message is not None:
        event["message"] = message
    return event


@pytest.mark.parametrize(
    ("message", "text", "attachment"),
    [
        ({"type": "text", "id": "4687", "quoteToken": "q", "text": "你好"}, "你好", None),
        ({"type": "sticker", "id": "4687", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC"},
         "/share_media", {"type": "sticker", "id": "1988", "package_id": "446"}),
        ({"type": "image", "id": "4687", "contentProvider": {"type": "line"}}, "/share_media",
         {"type": "image", "id": "4687"}),
        ({"type": "location", "id": "4687", "title": "my location", "address": "Tokyo", "latitude": 35.65,
          "longitude": 139.70}, "/share_media",
         {"type": "location", "latitude": 35.65, "longitude": 139.70, "name": "my location", "address": "Tokyo"}),
    ],
)  # fmt: skip
def test_line_message_events(message: dict[str, Any], text: str, attachment: dict[str, Any] | None) -> None:
    """Text, sticker, image and location events with their reply token."""
    [event] = parse_webhook({"destination": "Uxxx", "events": [line_event(message)]})
    assert (event.message.sender_id, event.message.text, event.message.message_id) == (USER, text, "4687")
    assert event.message.metadata.get("attachment") == attachment
    assert event.reply_token == "38ef843bde154d9b91c21320ffd17a0f"


def test_line_postbacks_and_other_events() -> None:
    """A chosen quick reply (postback) is its data; follow/unfollow events are ignored."""
    events = [
        line_event(type="postback", postback={"data": "/affirm"}),
        line_event(type="follow"),
        {"type": "unfollow", "source": {"type": "user", "userId": USER}, "timestamp": 1},
    ]
    [postback] = parse_webhook({"destination": "Uxxx", "events": events})
    assert (postback.message.text, postback.message.message_id) == ("/affirm", "01H810YECXQQZ37VAXPF6H9E6T")


@pytest.mark.parametrize(
    "bad",
    [
        {"destination": "U"},  # no events
        {"events": ["x"]},  # event not an object
        {"events": [line_event({"type": "text", "text": "no id"})]},  # message without id
    ],
)
def test_line_malformed_bodies_raise(bad: Any) -> None:
    """Bodies that do not follow LINE's shape are refused."""
    with pytest.raises(PayloadError):
        parse_webhook(bad)


def test_line_limits() -> None:
    """At most 5 messages per call, 13 quick replies with 20-character labels, a reply token for 50 seconds."""
    assert [len(batch) for batch in batches([{"type": "text", "text": str(n)} for n in range(12)])] == [5, 5, 2]
    message = quick_reply_message("選んでください", [Choice("x" * 25, f"/p{n}") for n in range(15)])
    items = message["quickReply"]["items"]
    assert (len(items), len(items[0]["action"]["label"]), items[0]["action"]["data"]) == (13, 20, "/p0")
    assert reply_token_usable(100.0, 149.0)
    assert not reply_token_usable(100.0, 151.0)


def twilio_form(**fields: str) -> dict[str, str]:
    return {
        "SmsMessageSid": "SM11",
        "MessageSid": "SM11",
        "AccountSid": "AC1",
        "From": "whatsapp:+5511912345678",
        "To": "whatsapp:+14155238886",
        "ProfileName": "João",
        "WaId": "5511912345678",
        "NumMedia": "0",
        "Body": "",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "text", "attachment"),
    [
        ({"Body": "Olá"}, "Olá", None),  # text
        ({"ButtonPayload": "/affirm", "ButtonText": "Sim", "Body": "Sim"}, "/affirm", None),  # quick reply
        ({"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/m/ME1", "MediaContentType0": "image/jpeg"},
         "/share_media", {"type": "image", "url": "https://api.twilio.com/m/ME1", "mime_type": "image/jpeg"}),
        ({"Latitude": "-23.55", "Longitude": "-46.63", "Address": "São Paulo"}, "/share_media",
         {"type": "location", "latitude": -23.55, "longitude": -46.63, "address": "São Paulo"}),
    ],
)  # fmt: skip
def test_twilio_forms(fields: dict[str, str], text: str, attachment: dict[str, Any] | None) -> None:
    """Twilio's WhatsApp fields become text, name, country and the media reference."""
    parsed = parse_form(twilio_form(**fields))
    assert parsed is not None
    assert (parsed.sender_id, parsed.text, parsed.message_id) == ("whatsapp:+5511912345678", text, "SM11")
    assert (parsed.metadata["name"], parsed.metadata["country"]) == ("João", "BR")
    assert parsed.metadata.get("attachment") == attachment


def test_twilio_malformed_forms() -> None:
    """A form without sender or id, or with a non-numeric media count, is refused; an empty body is nothing."""
    with pytest.raises(PayloadError):
        parse_form({"Body": "hi"})
    with pytest.raises(PayloadError):
        parse_form(twilio_form(NumMedia="many"))
    assert parse_form(twilio_form()) is None


@pytest.mark.parametrize(
    ("mime", "kind"),
    [
        ("image/webp", "sticker"),
        ("image/png", "image"),
        ("audio/ogg", "audio"),
        ("video/mp4", "video"),
        ("application/pdf", "file"),
    ],
)
def test_twilio_media_types(mime: str, kind: str) -> None:
    """MIME types map to our attachment types (WhatsApp stickers are WebP)."""
    assert media_type(mime) == kind
