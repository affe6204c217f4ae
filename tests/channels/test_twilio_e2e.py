"""WhatsApp through Twilio: Rasa's Twilio channel with signatures checked, against a stand-in Twilio API."""

from __future__ import annotations

import time

import pytest

from tests.channels import signing
from tests.channels.conftest import SECRETS, ChannelSystem, all_texts
from tests.channels.standin import Call
from tests.e2e.client import Responses

pytestmark = pytest.mark.e2e

WEBHOOK = "/webhooks/twilio/webhook"
MESSAGES = f"/twilio/2010-04-01/Accounts/{SECRETS['TWILIO_ACCOUNT_SID']}/Messages.json"


def form(phone: str, **fields: str) -> dict[str, str]:
    """The fields Twilio posts for an incoming WhatsApp message."""
    return {
        "SmsMessageSid": f"SM{time.time_ns()}",
        "NumMedia": "0",
        "ProfileName": "João",
        "WaId": phone,
        "SmsStatus": "received",
        "Body": "",
        "To": SECRETS["TWILIO_WHATSAPP_NUMBER"],
        "NumSegments": "1",
        "MessageSid": f"SM{time.time_ns()}",
        "AccountSid": SECRETS["TWILIO_ACCOUNT_SID"],
        "From": f"whatsapp:+{phone}",
        "ApiVersion": "2010-04-01",
        **fields,
    }


def post(system: ChannelSystem, fields: dict[str, str], signature: str | None = "good") -> int:
    url = f"{system.stack.config.rasa_url}{WEBHOOK}"
    headers = {}
    if signature == "good":
        headers["X-Twilio-Signature"] = signing.twilio(SECRETS["TWILIO_AUTH_TOKEN"], url, fields)
    elif signature == "bad":
        headers["X-Twilio-Signature"] = signing.twilio("wrong", url, fields)
    return system.rasa.post(WEBHOOK, data=fields, headers=headers).status_code


def sent_to(system: ChannelSystem, phone: str, count: int = 1) -> list[dict[str, str]]:
    """Messages created at the stand-in Twilio API for the customer, with HTTP Basic auth checked."""

    def to_customer(call: Call) -> bool:
        return call.form().get("To") == f"whatsapp:+{phone}"

    calls = system.standin.wait_for(MESSAGES, to_customer, count=count)
    for call in calls:
        assert call.headers.get("Authorization", "").startswith("Basic ")
    return [call.form() for call in calls if call.answered < 400]


def test_signed_text_is_answered_through_the_twilio_api(channels: ChannelSystem, responses: Responses) -> None:
    """A signed message reaches the bot with name and country; the answer is created at the Twilio API."""
    phone = "5511" + str(time.time_ns())[-9:]

    assert post(channels, form(phone, Body="Olá, bom dia")) == 204

    [event] = channels.user_events(f"twilio:whatsapp:+{phone}")
    assert (event["text"], event["metadata"]["name"], event["metadata"]["country"]) == ("Olá, bom dia", "João", "BR")
    [answer] = sent_to(channels, phone)
    assert SECRETS["TWILIO_WHATSAPP_NUMBER"] == answer["From"]
    assert answer["Body"] in all_texts(responses, "utter_greet")


@pytest.mark.parametrize(("signature", "status"), [("bad", 403), (None, 401)])
def test_bad_or_missing_signature(channels: ChannelSystem, signature: str | None, status: int) -> None:
    """Rasa's own Twilio channel accepts anything; ours refuses unsigned requests, and nothing reaches the bot."""
    phone = "4477" + str(time.time_ns())[-8:]

    assert status == post(channels, form(phone, Body="hello"), signature)
    assert channels.user_events(f"twilio:whatsapp:+{phone}") == []


def test_media_duplicates_and_malformed(channels: ChannelSystem, responses: Responses) -> None:
    """A photo gets the polite answer once even when Twilio retries; a form without sender gets 400."""
    phone = "3465" + str(time.time_ns())[-8:]
    fields = form(
        phone, NumMedia="1", MediaUrl0="https://api.twilio.com/2010-04-01/M/ME1", MediaContentType0="image/jpeg"
    )

    assert [post(channels, fields), post(channels, fields)] == [204, 204]

    [event] = channels.user_events(f"twilio:whatsapp:+{phone}")
    assert event["metadata"]["attachment"]["type"] == "image"
    [answer] = sent_to(channels, phone)
    assert answer["Body"] in all_texts(responses, "utter_media_unsupported")
    assert post(channels, {"Body": "no sender"}) == 400


def test_agent_reply_survives_an_outage(channels: ChannelSystem) -> None:
    """An agent reply through the external-event path is retried after a 503 and arrives in Chinese intact."""
    phone = "8613" + str(time.time_ns())[-9:]
    channels.standin.fail_next(MESSAGES, 503)

    answer = channels.agent_reply(f"twilio:whatsapp:+{phone}", "twilio", "您好，您的订单已经发货。")

    assert answer.status_code == 200
    calls = channels.standin.calls_to(MESSAGES, lambda call: call.form().get("To") == f"whatsapp:+{phone}")
    assert [call.answered for call in calls] == [503, 201]
    assert calls[-1].form()["Body"] == "您好，您的订单已经发货。"
