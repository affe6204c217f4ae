"""LINE channel through the real Rasa server, with a stand-in Messaging API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.channels import signing
from tests.channels.conftest import LINE_PROFILES, SECRETS, ChannelSystem, all_texts, unique
from tests.channels.standin import Call
from tests.e2e.client import Responses

pytestmark = pytest.mark.e2e

WEBHOOK = "/webhooks/line/webhook"
REPLY = "/line/v2/bot/message/reply"
PUSH = "/line/v2/bot/message/push"
PLAIN_USER, ZH_USER = LINE_PROFILES


def webhook_body(user: str, message: dict[str, Any], reply_token: str) -> dict[str, Any]:
    """A webhook as LINE documents it, with one message event from `user`."""
    event = {
        "type": "message",
        "message": {"id": str(time.time_ns()), **message},
        "webhookEventId": unique("01H"),
        "deliveryContext": {"isRedelivery": False},
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "replyToken": reply_token,
        "mode": "active",
    }
    return {"destination": "U0123456789abcdef0123456789abcdef", "events": [event]}


def post(system: ChannelSystem, body: dict[str, Any] | bytes, signature: str | None = "good") -> int:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "good":
        headers["X-Line-Signature"] = signing.line(SECRETS["LINE_CHANNEL_SECRET"], raw)
    elif signature == "bad":
        headers["X-Line-Signature"] = signing.line("wrong", raw)
    return system.rasa.post(WEBHOOK, content=raw, headers=headers).status_code


def authorized(calls: list[Call]) -> list[dict[str, Any]]:
    for call in calls:
        assert "Bearer " + SECRETS["LINE_CHANNEL_ACCESS_TOKEN"] == call.headers.get("Authorization")
    return [call.json() for call in calls]


def test_text_is_answered_with_the_reply_token_and_profile_language(
    channels: ChannelSystem, responses: Responses
) -> None:
    """The answer goes out as one reply call with the event's token; the profile language is the locale hint."""
    token = unique("rt")
    user = ZH_USER

    assert post(channels, webhook_body(user, {"type": "text", "text": "你好"}, token)) == 200

    event = channels.user_events(f"line:{user}")[-1]
    assert (event["text"], event["metadata"]["locale"]) == ("你好", "zh-Hans")
    [reply] = authorized(channels.standin.wait_for(REPLY, lambda call: call.json()["replyToken"] == token))
    assert 1 <= len(reply["messages"]) <= 5
    assert reply["messages"][0]["text"] in all_texts(responses, "utter_greet")
    assert channels.standin.calls_to(f"/line/v2/bot/profile/{user}")


def test_sticker_gets_the_polite_answer(channels: ChannelSystem, responses: Responses) -> None:
    """A sticker reaches the bot as /share_media with its ids, and is answered through the reply token."""
    token = unique("rt")
    user = PLAIN_USER
    sticker = {"type": "sticker", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC"}

    assert post(channels, webhook_body(user, sticker, token)) == 200

    event = channels.user_events(f"line:{user}")[-1]
    assert event["metadata"]["attachment"] == {"type": "sticker", "id": "1988", "package_id": "446"}
    [reply] = authorized(channels.standin.wait_for(REPLY, lambda call: call.json()["replyToken"] == token))
    assert reply["messages"][0]["text"] in all_texts(responses, "utter_media_unsupported")


def test_image_and_quick_reply_postback(channels: ChannelSystem) -> None:
    """An image reaches the bot with its content id; a chosen quick reply (postback) reaches it as its data."""
    user = unique("U")
    image = webhook_body(user, {"type": "image", "contentProvider": {"type": "line"}}, unique("rt"))
    postback = webhook_body(user, {"type": "text", "text": "unused"}, unique("rt"))
    event = postback["events"][0]
    event.pop("message")
    event.update(type="postback", postback={"data": "/affirm"})

    assert [post(channels, image), post(channels, postback)] == [200, 200]

    first, second = channels.user_events(f"line:{user}")
    assert first["metadata"]["attachment"] == {"type": "image", "id": image["events"][0]["message"]["id"]}
    assert (second["text"], second["parse_data"]["intent"]["name"]) == ("/affirm", "affirm")


@pytest.mark.parametrize(("signature", "status"), [("bad", 403), (None, 401)])
def test_bad_or_missing_signature(channels: ChannelSystem, signature: str | None, status: int) -> None:
    """Unsigned or wrongly signed deliveries are refused and reach nobody."""
    user = unique("U")

    assert status == post(channels, webhook_body(user, {"type": "text", "text": "hi"}, unique("rt")), signature)
    assert channels.user_events(f"line:{user}") == []


def test_redelivery_reaches_the_bot_once_and_malformed_gets_400(channels: ChannelSystem) -> None:
    """LINE redelivering the same message id reaches the bot once; a body without events gets 400."""
    user = unique("U")
    body = webhook_body(user, {"type": "location", "title": "Office", "latitude": 35.66, "longitude": 139.70}, "rt1")

    assert [post(channels, body), post(channels, body)] == [200, 200]
    assert len(channels.user_events(f"line:{user}")) == 1
    assert post(channels, b'{"destination": "U1"}') == 400


def test_long_agent_reply_is_pushed_in_one_call(channels: ChannelSystem) -> None:
    """An agent reply always goes out as a push; 12,000 characters become 3 text messages in one call."""
    user = unique("U")
    text = " ".join(["مرحبا، نحن نعمل على طلبك وسنرسل لك التحديث قريبًا."] * 240)

    assert channels.agent_reply(f"line:{user}", "line", text).status_code == 200

    [push] = authorized(channels.standin.wait_for(PUSH, lambda call: call.json()["to"] == user))
    texts = [message["text"] for message in push["messages"]]
    assert len(texts) == 3
    assert all(len(part) <= 5000 for part in texts)
    assert text == " ".join(texts)


def test_outage_is_retried_and_then_reported(channels: ChannelSystem) -> None:
    """A 503 is retried; four in a row fail the agent reply with an error."""
    user = unique("U")
    channels.standin.fail_next(PUSH, 503)
    assert channels.agent_reply(f"line:{user}", "line", "one moment").status_code == 200
    assert [c.answered for c in channels.standin.calls_to(PUSH, lambda c: c.json()["to"] == user)] == [503, 200]

    channels.standin.fail_next(PUSH, 503, times=4)
    assert channels.agent_reply(f"line:{user}", "line", "still there?").status_code >= 500
