"""Messenger channel through the real Rasa server, with a stand-in Send API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.channels import signing
from tests.channels.conftest import SECRETS, ChannelSystem, all_texts, unique
from tests.channels.standin import Call
from tests.e2e.client import Responses

pytestmark = pytest.mark.e2e

WEBHOOK = "/webhooks/messenger/webhook"
SEND_API = "/meta/v21.0/me/messages"


def webhook_body(psid: str, **content: Any) -> dict[str, Any]:
    """A page webhook as Meta documents it, with one messaging event from `psid`."""
    now = int(time.time() * 1000)
    messaging = {"sender": {"id": psid}, "recipient": {"id": "110123456789"}, "timestamp": now, **content}
    return {"object": "page", "entry": [{"id": "110123456789", "time": now, "messaging": [messaging]}]}


def post(system: ChannelSystem, body: dict[str, Any], signature: str | None = "good") -> int:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "good":
        headers["X-Hub-Signature-256"] = signing.meta(SECRETS["MESSENGER_APP_SECRET"], raw)
    elif signature == "bad":
        headers["X-Hub-Signature-256"] = signing.meta("wrong", raw)
    return system.rasa.post(WEBHOOK, content=raw, headers=headers).status_code


def sent_to(system: ChannelSystem, psid: str, count: int = 1) -> list[dict[str, Any]]:
    """The Send API bodies our server sent to `psid`, with the page token checked."""

    def to_customer(call: Call) -> bool:
        return call.json().get("recipient", {}).get("id") == psid

    calls = system.standin.wait_for(SEND_API, to_customer, count=count)
    for call in calls:
        assert "Bearer " + SECRETS["MESSENGER_PAGE_ACCESS_TOKEN"] == call.headers.get("Authorization")
    return [call.json() for call in calls]


def test_text_is_answered_within_the_window(channels: ChannelSystem, responses: Responses) -> None:
    """A signed message reaches the bot; the answer is a RESPONSE to the same person."""
    psid = unique("fb")
    body = webhook_body(psid, message={"mid": unique("m_"), "text": "bonjour"})

    assert post(channels, body) == 200

    [event] = channels.user_events(f"messenger:{psid}")
    assert ("bonjour", body["entry"][0]["messaging"][0]["message"]["mid"]) == (
        event["text"],
        event["metadata"]["platform_message_id"],
    )
    [answer] = sent_to(channels, psid)
    assert answer["messaging_type"] == "RESPONSE"
    assert answer["message"]["text"] in all_texts(responses, "utter_greet")


@pytest.mark.parametrize(
    "content",
    [
        {"postback": {"mid": "m_postback", "title": "Yes", "payload": "/affirm"}},  # button template postback
        {"message": {"mid": "m_quick", "text": "Yes", "quick_reply": {"payload": "/affirm"}}},  # quick reply
    ],
)
def test_postbacks_and_quick_replies_trigger_the_intent(channels: ChannelSystem, content: dict[str, Any]) -> None:
    """Postbacks and quick replies reach Rasa as their payload, not their title."""
    psid = unique("fb")
    content = json.loads(json.dumps(content).replace('"m_', f'"{unique("m_")}'))

    assert post(channels, webhook_body(psid, **content)) == 200

    [event] = channels.user_events(f"messenger:{psid}")
    assert event["parse_data"]["intent"]["name"] == "affirm"


def test_verification_handshake(channels: ChannelSystem) -> None:
    """Meta's GET handshake gets the challenge back with the right verify token, 403 otherwise."""
    params = {"hub.mode": "subscribe", "hub.verify_token": SECRETS["MESSENGER_VERIFY_TOKEN"], "hub.challenge": "31"}
    assert channels.rasa.get(WEBHOOK, params=params).text == "31"
    assert channels.rasa.get(WEBHOOK, params={**params, "hub.verify_token": "x"}).status_code == 403


def test_sticker_gets_the_polite_answer(channels: ChannelSystem, responses: Responses) -> None:
    """A sticker reaches the bot as /share_media with its reference."""
    psid = unique("fb")
    sticker = {
        "type": "image",
        "payload": {"url": "https://scontent.example/sticker.png", "sticker_id": 369239263222822},
    }

    assert post(channels, webhook_body(psid, message={"mid": unique("m_"), "attachments": [sticker]})) == 200

    [event] = channels.user_events(f"messenger:{psid}")
    assert event["metadata"]["attachment"] == {
        "type": "sticker",
        "url": "https://scontent.example/sticker.png",
        "id": "369239263222822",
    }
    [answer] = sent_to(channels, psid)
    assert answer["message"]["text"] in all_texts(responses, "utter_media_unsupported")


@pytest.mark.parametrize(("signature", "status"), [("bad", 403), (None, 401)])
def test_bad_or_missing_signature(channels: ChannelSystem, signature: str | None, status: int) -> None:
    """Unsigned or wrongly signed deliveries are refused and reach nobody."""
    psid = unique("fb")

    assert status == post(channels, webhook_body(psid, message={"mid": unique("m_"), "text": "hi"}), signature)
    assert channels.user_events(f"messenger:{psid}") == []


def test_duplicates_and_malformed_bodies(channels: ChannelSystem) -> None:
    """The same mid twice reaches the bot once; a body that is not a page webhook gets 400."""
    psid = unique("fb")
    body = webhook_body(psid, message={"mid": unique("m_"), "text": "hello"})

    assert [post(channels, body), post(channels, body)] == [200, 200]
    assert len(channels.user_events(f"messenger:{psid}")) == 1
    assert post(channels, {"object": "page", "entry": [{"messaging": "nope"}]}) == 400


def test_agent_replies_carry_the_tag_the_handoff_service_chose(channels: ChannelSystem) -> None:
    """The channel does not guess Messenger's window: a reply the service sent without a tag is a RESPONSE, one it
    tagged HUMAN_AGENT (after 24 hours) goes out with that tag."""
    recent = unique("fb")
    late = unique("fb")

    assert channels.agent_reply(f"messenger:{recent}", "messenger", "Hi, this is Ana from support.").status_code == 200
    reply = channels.agent_reply(f"messenger:{late}", "messenger", "Hi, this is Ana from support.", "HUMAN_AGENT")
    assert reply.status_code == 200

    [untagged] = sent_to(channels, recent)
    assert (untagged["messaging_type"], untagged.get("tag")) == ("RESPONSE", None)
    [tagged] = sent_to(channels, late)
    assert (
        tagged["messaging_type"],
        tagged["tag"],
        tagged["message"]["text"],
    ) == ("MESSAGE_TAG", "HUMAN_AGENT", "Hi, this is Ana from support.")


def test_long_agent_reply_is_split_within_2000_characters(channels: ChannelSystem) -> None:
    """A 4,500-character reply arrives in three parts that end on sentences."""
    psid = unique("fb")
    text = " ".join(f"Sentence number {n} explains one more step of the refund." for n in range(80))

    assert channels.agent_reply(f"messenger:{psid}", "messenger", text).status_code == 200

    parts = [body["message"]["text"] for body in sent_to(channels, psid, count=3)]
    assert len(parts) == 3
    assert all(len(part) <= 2000 and part.endswith(".") for part in parts)
    assert text == " ".join(parts)


def test_outage_is_retried(channels: ChannelSystem) -> None:
    """500 then 429 (Retry-After 0): the agent reply is delivered on the third attempt."""
    psid = unique("fb")
    channels.standin.fail_next(SEND_API, 500)
    channels.standin.fail_next(SEND_API, 429, retry_after="0")

    assert channels.agent_reply(f"messenger:{psid}", "messenger", "Back online.").status_code == 200

    calls = channels.standin.calls_to(SEND_API, lambda call: call.json()["recipient"]["id"] == psid)
    assert [call.answered for call in calls] == [500, 429, 200]
