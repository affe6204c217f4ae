"""WhatsApp Cloud API payloads: webhook parsing (shapes from Meta's webhook reference) and outgoing bodies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.buttons import Choice
from bot.channels.inbound import PayloadError
from bot.channels.phone_country import country_of
from bot.channels.whatsapp_payloads import buttons_payload, parse_webhook, text_payload


def body(*messages: dict[str, Any], statuses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "5215512345678"}],
        "messages": list(messages),
    }
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }


def message(kind: str, content: dict[str, Any], message_id: str = "wamid.1") -> dict[str, Any]:
    return {"from": "5215512345678", "id": message_id, "timestamp": "1749416383", "type": kind, kind: content}


@pytest.mark.parametrize(
    ("raw", "text", "attachment"),
    [
        # plain text
        (message("text", {"body": "¿Dónde está mi pedido?"}), "¿Dónde está mi pedido?", None),
        # reply button: the button id is the payload
        (message("interactive", {"type": "button_reply", "button_reply": {"id": "/affirm", "title": "Sí"}}),
         "/affirm", None),
        # list row
        (message("interactive", {"type": "list_reply", "list_reply": {"id": "/deny", "title": "No"}}), "/deny", None),
        # template quick-reply button
        (message("button", {"payload": "/request_human", "text": "Agent"}), "/request_human", None),
        # media: the media id is the reference
        (message("image", {"mime_type": "image/jpeg", "id": "MEDIA1", "caption": "broken"}), "/share_media",
         {"type": "image", "id": "MEDIA1", "mime_type": "image/jpeg", "caption": "broken"}),
        (message("document", {"mime_type": "application/pdf", "id": "DOC1"}), "/share_media",
         {"type": "file", "id": "DOC1", "mime_type": "application/pdf"}),
        (message("sticker", {"mime_type": "image/webp", "id": "ST1"}), "/share_media",
         {"type": "sticker", "id": "ST1", "mime_type": "image/webp"}),
        (message("location", {"latitude": 19.43, "longitude": -99.13}), "/share_media",
         {"type": "location", "latitude": 19.43, "longitude": -99.13}),
    ],
)  # fmt: skip
def test_message_types(raw: dict[str, Any], text: str, attachment: dict[str, Any] | None) -> None:
    """Each message type becomes the text Rasa needs, with name, country, id and the media reference."""
    [parsed] = parse_webhook(body(raw))
    assert (parsed.sender_id, parsed.text, parsed.message_id) == ("5215512345678", text, "wamid.1")
    assert parsed.metadata.get("attachment") == attachment
    assert {
        "name": "Sheena Nelson",
        "country": "MX",
        "platform_message_id": "wamid.1",
    }.items() <= parsed.metadata.items()


def test_status_callbacks_and_reactions_give_no_message() -> None:
    """Delivery receipts and reactions are not customer messages."""
    statuses = [{"id": "wamid.9", "status": "read", "recipient_id": "5215512345678"}]
    reaction = message("reaction", {"message_id": "wamid.0", "emoji": "👍"})
    assert parse_webhook(body(statuses=statuses)) == []
    assert parse_webhook(body(reaction)) == []


@pytest.mark.parametrize(
    "bad",
    [
        [],  # not an object
        {"object": "whatsapp_business_account"},  # no entry
        {"entry": [{"changes": "x"}]},  # changes not a list
        {"entry": [{"changes": [{"value": None}]}]},  # no value
        body({"type": "text", "text": {"body": "hi"}}),  # message without from and id
    ],
)
def test_malformed_bodies_raise(bad: Any) -> None:
    """Bodies that do not follow Meta's shape are refused with a reason."""
    with pytest.raises(PayloadError):
        parse_webhook(bad)


def test_outgoing_text_and_buttons() -> None:
    """Text bodies and up to 3 reply buttons, or a list up to 10 rows."""
    assert text_payload("521", "hola") == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "521",
        "type": "text",
        "text": {"preview_url": False, "body": "hola"},
    }
    three = buttons_payload(
        "521", "¿Algo más?", [Choice("Sí", "/affirm"), Choice("No", "/deny"), Choice("Agente", "/x")]
    )
    assert three["interactive"]["type"] == "button"
    assert three["interactive"]["action"]["buttons"][0] == {"type": "reply", "reply": {"id": "/affirm", "title": "Sí"}}
    rows = [Choice(f"Option {n}", f"/o{n}") for n in range(7)]
    listed = buttons_payload("521", "Pick", rows)
    assert listed["interactive"]["type"] == "list"
    assert len(listed["interactive"]["action"]["sections"][0]["rows"]) == 7
    with pytest.raises(ValueError):
        buttons_payload("521", "Pick", [Choice(str(n), str(n)) for n in range(11)])


@pytest.mark.parametrize(
    ("phone", "country"),
    [
        ("5215512345678", "MX"),  # Mexico mobile
        ("+44 7700 900123", "GB"),  # formatted UK number
        ("14155238886", "US"),  # +1 default
        ("14165551234", "CA"),  # Toronto area code
        ("18095551234", "DO"),  # Dominican Republic inside +1
        ("971501234567", "AE"),  # three-digit code wins over "97"
        ("8613812345678", "CN"),
        ("351912345678", "PT"),
        ("12", None),  # too short to be a number
    ],
)
def test_country_from_calling_code(phone: str, country: str | None) -> None:
    """The calling code gives the customer's country."""
    assert country_of(phone) == country
