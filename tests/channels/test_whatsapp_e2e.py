"""WhatsApp Cloud API channel through the real Rasa server, with a stand-in Graph API."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from tests.channels import signing
from tests.channels.conftest import SECRETS, ChannelSystem, all_texts
from tests.channels.standin import Call
from tests.e2e.client import Responses

pytestmark = pytest.mark.e2e

WEBHOOK = "/webhooks/whatsapp/webhook"
MESSAGES_PATH = f"/meta/v21.0/{SECRETS['WHATSAPP_PHONE_NUMBER_ID']}/messages"


def phone(country_code: str = "521") -> str:
    """A fresh customer number (wa_id) with the given calling code."""
    return country_code + str(time.time_ns())[-10:]


def webhook_body(wa_id: str, message: dict[str, Any], name: str = "Sheena Nelson") -> dict[str, Any]:
    """A "messages" webhook as Meta documents it, with one message from `wa_id`."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": SECRETS["WHATSAPP_PHONE_NUMBER_ID"],
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {"from": wa_id, "id": f"wamid.{time.time_ns()}", "timestamp": "1749416383", **message}
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def post(system: ChannelSystem, body: dict[str, Any] | bytes, signature: str | None = "good") -> int:
    """Posts a webhook signed with the app secret ("good"), a wrong one ("bad") or no header (None)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "good":
        headers["X-Hub-Signature-256"] = signing.meta(SECRETS["WHATSAPP_APP_SECRET"], raw)
    elif signature == "bad":
        headers["X-Hub-Signature-256"] = signing.meta("not-the-secret", raw)
    return system.rasa.post(WEBHOOK, content=raw, headers=headers).status_code


def sent_to(system: ChannelSystem, wa_id: str, count: int = 1) -> list[dict[str, Any]]:
    """The Graph API messages our server sent to `wa_id` (waiting for `count` of them)."""

    def to_customer(call: Call) -> bool:
        return call.method == "POST" and call.json().get("to") == wa_id

    calls = system.standin.wait_for(MESSAGES_PATH, to_customer, count=count)
    for call in calls:
        assert "Bearer " + SECRETS["WHATSAPP_ACCESS_TOKEN"] == call.headers.get("Authorization")
        assert call.headers.get("Content-Type", "").startswith("application/json")
    return [call.json() for call in calls if call.answered < 400]


def test_verification_handshake(channels: ChannelSystem) -> None:
    """Meta's GET handshake gets the challenge back with the right verify token, 403 otherwise."""
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": SECRETS["WHATSAPP_VERIFY_TOKEN"],
        "hub.challenge": "1158201444",
    }
    good = channels.rasa.get(WEBHOOK, params=params)
    bad = channels.rasa.get(WEBHOOK, params={**params, "hub.verify_token": "guess"})

    assert (good.status_code, good.text) == (200, "1158201444")
    assert bad.status_code == 403


def test_text_message_is_answered_with_name_and_country(channels: ChannelSystem, responses: Responses) -> None:
    """A signed text reaches the bot with profile name, country and message id; the answer goes to the Graph API."""
    wa_id = phone("521")
    body = webhook_body(wa_id, {"type": "text", "text": {"body": "hola"}}, name="María López")

    assert post(channels, body) == 200

    [event] = channels.user_events(f"whatsapp:{wa_id}")
    assert channels.user_events(wa_id) == []  # the conversation id is namespaced: a REST sender cannot reach it
    message_id = body["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert event["text"] == "hola"
    assert {"name": "María López", "country": "MX", "platform_message_id": message_id}.items() <= event[
        "metadata"
    ].items()
    [answer] = sent_to(channels, wa_id)
    assert {"messaging_product": "whatsapp", "to": wa_id, "type": "text"}.items() <= answer.items()
    assert answer["text"]["body"] in all_texts(responses, "utter_greet")


@pytest.mark.parametrize("signature", ["bad", None])
def test_unsigned_or_badly_signed_webhooks_never_reach_the_bot(channels: ChannelSystem, signature: str | None) -> None:
    """A wrong signature gets 403, a missing one 401, and Rasa records nothing."""
    wa_id = phone()

    status = post(channels, webhook_body(wa_id, {"type": "text", "text": {"body": "hello"}}), signature)

    assert (403 if signature else 401) == status
    assert channels.user_events(f"whatsapp:{wa_id}") == []


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",  # not JSON at all
        b'{"object": "whatsapp_business_account"}',  # no entry list
        b'{"entry": [{"changes": [{"value": {"messages": [{"type": "text"}]}}]}]}',  # message without from/id
    ],
)
def test_malformed_bodies_get_400(channels: ChannelSystem, raw: bytes) -> None:
    """A correctly signed body that is not a WhatsApp webhook gets 400."""
    assert post(channels, raw) == 400


def test_retried_delivery_reaches_the_bot_once(channels: ChannelSystem) -> None:
    """Meta delivering the same message id twice results in one user message and one answer."""
    wa_id = phone()
    body = webhook_body(wa_id, {"type": "text", "text": {"body": "hello"}})

    assert [post(channels, body), post(channels, body)] == [200, 200]

    assert len(channels.user_events(f"whatsapp:{wa_id}")) == 1
    assert len(sent_to(channels, wa_id)) == 1


def test_status_callbacks_are_ignored(channels: ChannelSystem) -> None:
    """Delivery receipts get 200 and reach nobody."""
    wa_id = phone()
    body = webhook_body(wa_id, {"type": "text", "text": {"body": "x"}})
    value = body["entry"][0]["changes"][0]["value"]
    value.pop("messages")
    value["statuses"] = [{"id": "wamid.abc", "status": "delivered", "timestamp": "1749416383", "recipient_id": wa_id}]

    assert post(channels, body) == 200
    assert channels.user_events(f"whatsapp:{wa_id}") == []


@pytest.mark.parametrize(
    ("message", "attachment"),
    [
        ({"type": "image", "image": {"mime_type": "image/jpeg", "sha256": "abc", "id": "1479537139650973"}}, "image"),
        ({"type": "sticker", "sticker": {"mime_type": "image/webp", "sha256": "abc", "id": "7712"}}, "sticker"),
        ({"type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "id": "9981", "voice": True}}, "audio"),
        (
            {"type": "document", "document": {"filename": "invoice.pdf", "mime_type": "application/pdf", "id": "77"}},
            "file",
        ),
        (
            {"type": "location", "location": {"latitude": 19.4326, "longitude": -99.1332, "name": "Zócalo"}},
            "location",
        ),
    ],
)
def test_media_gets_the_polite_answer(
    channels: ChannelSystem, responses: Responses, message: dict[str, Any], attachment: str
) -> None:
    """Media, stickers and locations reach the bot as /share_media with the reference, and get an answer."""
    wa_id = phone("34")

    assert post(channels, webhook_body(wa_id, message)) == 200

    [event] = channels.user_events(f"whatsapp:{wa_id}")
    assert event["parse_data"]["intent"]["name"] == "share_media"
    assert attachment == event["metadata"]["attachment"]["type"]
    assert event["metadata"]["country"] == "ES"
    [answer] = sent_to(channels, wa_id)
    assert answer["text"]["body"] in all_texts(responses, "utter_media_unsupported")


@pytest.mark.parametrize(
    "reply",
    [
        {"type": "button_reply", "button_reply": {"id": "/affirm", "title": "Yes"}},  # reply button
        {"type": "list_reply", "list_reply": {"id": "/affirm", "title": "Yes", "description": "Talk to a person"}},
    ],
)
def test_interactive_reply_id_is_the_text(channels: ChannelSystem, reply: dict[str, Any]) -> None:
    """Interactive button and list replies reach Rasa as their id (an intent trigger)."""
    wa_id = phone()

    assert post(channels, webhook_body(wa_id, {"type": "interactive", "interactive": reply})) == 200

    [event] = channels.user_events(f"whatsapp:{wa_id}")
    assert event["parse_data"]["intent"]["name"] == "affirm"


def test_arabic_text_arrives_intact(channels: ChannelSystem) -> None:
    """Right-to-left text reaches the bot unchanged and the answer goes back out."""
    wa_id = phone("966")
    text = "مرحبا، أين طلبي؟"

    assert post(channels, webhook_body(wa_id, {"type": "text", "text": {"body": text}})) == 200

    [event] = channels.user_events(f"whatsapp:{wa_id}")
    assert (text, "SA") == (event["text"], event["metadata"]["country"])
    assert sent_to(channels, wa_id)


def test_long_chinese_agent_reply_is_split_on_sentences(channels: ChannelSystem) -> None:
    """An agent reply through the external-event path arrives split within 4096 characters, on sentence ends,
    with every character intact."""
    wa_id = phone("86")
    sentence = "您好，我们已经收到您的退款申请，款项将在五到七个工作日内退回您的原支付账户。"
    text = sentence * 150  # about 5,700 characters

    answer = channels.agent_reply(f"whatsapp:{wa_id}", "whatsapp", text)

    assert answer.status_code == 200
    bodies = [message["text"]["body"] for message in sent_to(channels, wa_id, count=2)]
    assert len(bodies) == 2
    assert all(len(body) <= 4096 and body.endswith("。") for body in bodies)
    assert text == "".join(bodies)


def test_agent_reply_survives_a_rate_limit_and_an_outage(channels: ChannelSystem) -> None:
    """429 with Retry-After, then 503: the reply is retried, waiting as told, and delivered on the third attempt."""
    wa_id = phone()
    channels.standin.fail_next(MESSAGES_PATH, 429, retry_after="1")
    channels.standin.fail_next(MESSAGES_PATH, 503)

    answer = channels.agent_reply(f"whatsapp:{wa_id}", "whatsapp", "Your replacement ships today.")

    assert answer.status_code == 200
    calls = channels.standin.wait_for(MESSAGES_PATH, lambda call: call.json().get("to") == wa_id, count=3)
    assert [call.answered for call in calls] == [429, 503, 200]
    assert calls[1].at - calls[0].at >= 0.9  # Retry-After: 1 was honoured
    assert calls[2].json()["text"]["body"] == "Your replacement ships today."


def test_agent_reply_fails_loudly_when_the_platform_stays_down(channels: ChannelSystem) -> None:
    """After the last attempt the external-event call fails (the handoff service tells the agent) and the log
    says why."""
    wa_id = phone()
    channels.standin.fail_next(MESSAGES_PATH, 503, times=4)

    answer = channels.agent_reply(f"whatsapp:{wa_id}", "whatsapp", "Are you still there?")

    assert answer.status_code >= 500
    calls = channels.standin.calls_to(MESSAGES_PATH, lambda call: call.json().get("to") == wa_id)
    assert [call.answered for call in calls] == [503, 503, 503, 503]
    assert re.search(r"Outgoing whatsapp call failed: whatsapp: .* after 4 attempt", channels.rasa_log())
