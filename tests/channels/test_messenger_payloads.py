"""Messenger payloads: webhook parsing (shapes from Meta's Messenger webhook reference) and Send API bodies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.buttons import Choice
from bot.channels.inbound import PayloadError
from bot.channels.messenger_payloads import (
    button_template_payload,
    delivery_fields,
    parse_webhook,
    quick_replies_payload,
)

RESPONSE = {"messaging_type": "RESPONSE"}


def body(*events: dict[str, Any]) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1458692752478, "messaging": list(events)}]}


def event(**content: Any) -> dict[str, Any]:
    return {"sender": {"id": "PSID1"}, "recipient": {"id": "PAGE"}, "timestamp": 1458692752478, **content}


@pytest.mark.parametrize(
    ("raw", "text", "attachment"),
    [
        (event(message={"mid": "m_1", "text": "bonjour"}), "bonjour", None),  # text
        # quick reply: the payload, not the title, is the text
        (event(message={"mid": "m_1", "text": "Oui", "quick_reply": {"payload": "/affirm"}}), "/affirm", None),
        # postback of a template button
        (event(postback={"mid": "m_1", "title": "Oui", "payload": "/affirm"}), "/affirm", None),
        # image
        (event(message={"mid": "m_1", "attachments": [{"type": "image", "payload": {"url": "https://x/i.jpg"}}]}),
         "/share_media", {"type": "image", "url": "https://x/i.jpg"}),
        # a sticker is an image with a sticker id
        (event(message={"mid": "m_1", "attachments": [
            {"type": "image", "payload": {"url": "https://x/s.png", "sticker_id": 369239263222822}}]}),
         "/share_media", {"type": "sticker", "url": "https://x/s.png", "id": "369239263222822"}),
        # location
        (event(message={"mid": "m_1", "attachments": [
            {"type": "location", "payload": {"coordinates": {"lat": 48.85, "long": 2.35}}}]}),
         "/share_media", {"type": "location", "latitude": 48.85, "longitude": 2.35}),
    ],
)  # fmt: skip
def test_events(raw: dict[str, Any], text: str, attachment: dict[str, Any] | None) -> None:
    """Messages, quick replies, postbacks and attachments become Rasa texts with the message id."""
    [parsed] = parse_webhook(body(raw))
    assert (parsed.sender_id, parsed.text, parsed.message_id) == ("PSID1", text, "m_1")
    assert parsed.metadata.get("attachment") == attachment


def test_locale_is_a_hint_when_the_payload_has_it() -> None:
    """A locale carried by the event becomes the language hint."""
    [parsed] = parse_webhook(body(event(message={"mid": "m_2", "text": "oi"}, locale="pt_BR")))
    assert parsed.metadata["locale"] == "pt_BR"


def test_echoes_receipts_and_reads_are_ignored() -> None:
    """Our own echoes, delivery and read receipts are not customer messages."""
    events = [
        event(message={"mid": "m_3", "text": "bot said", "is_echo": True}),
        event(delivery={"mids": ["m_3"], "watermark": 1}),
        event(read={"watermark": 1}),
    ]
    assert parse_webhook(body(*events)) == []


def test_postback_without_mid_gets_a_stable_id() -> None:
    """Older postbacks have no mid: the id is built from sender, time and payload, so retries still match."""
    raw = event(postback={"title": "Oui", "payload": "/affirm"})
    assert parse_webhook(body(raw))[0].message_id == parse_webhook(body(raw))[0].message_id


@pytest.mark.parametrize(
    "bad",
    [
        {"object": "instagram", "entry": []},  # another product
        {"object": "page"},  # no entry
        {"object": "page", "entry": [{"messaging": None}]},  # no messaging list
        body({"message": {"mid": "m_1", "text": "x"}}),  # no sender
    ],
)
def test_malformed_bodies_raise(bad: Any) -> None:
    """Bodies that do not follow Messenger's shape are refused."""
    with pytest.raises(PayloadError):
        parse_webhook(bad)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (None, RESPONSE),  # a bot answer, or an agent reply inside the 24-hour window
        ("HUMAN_AGENT", {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),  # the service tagged a late reply
    ],
)
def test_messaging_type(tag: str | None, expected: dict[str, str]) -> None:
    """RESPONSE unless the handoff service chose a message tag, which is then sent as given."""
    assert delivery_fields(tag) == expected


def test_buttons_and_quick_replies_bodies() -> None:
    """A button template for up to 3 choices, quick replies for up to 13, titles cut to 20 characters."""
    items = [Choice("Oui", "/affirm"), Choice("Non", "/deny")]
    template = button_template_payload("PSID1", "Autre chose ?", items, RESPONSE)
    assert template["message"]["attachment"]["payload"]["buttons"][1] == {
        "type": "postback",
        "title": "Non",
        "payload": "/deny",
    }
    many = [Choice("x" * 30, f"/p{n}") for n in range(15)]
    quick = quick_replies_payload("PSID1", "Choisissez", many, RESPONSE)
    replies = quick["message"]["quick_replies"]
    assert (len(replies), len(replies[0]["title"]), quick["messaging_type"]) == (13, 20, "RESPONSE")
