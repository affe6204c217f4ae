"""An approved template sent from the console reaches the stand-in Graph API as a Cloud API `type: template`
message, exactly as Meta documents it, through the real handoff service, outbox, Rasa and channel; WhatsApp's
`read` statuses come back the other way and mark the agent's reply read."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.channels.conftest import ChannelSystem
from tests.channels.standin import Call
from tests.channels.test_csat_whatsapp_e2e import SPANISH_AGENT, says
from tests.channels.test_whatsapp_e2e import MESSAGES_PATH, phone, post, webhook_body
from tests.e2e.client import AgentClient, wait_until

pytestmark = pytest.mark.e2e


def test_template_goes_out_in_the_documented_format(channels: ChannelSystem) -> None:
    """Spanish customer "Sheena Nelson": the follow-up template's {{1}} is their name; the body sent is exact."""
    wa_id = phone("34")
    says(channels, wa_id, "hola")
    says(channels, wa_id, "quiero hablar con una persona")
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with agent.http as http:
        [record] = wait_until(lambda: http.get("/api/v1/handoffs", params={"conversation_id": f"whatsapp:{wa_id}"},
                                                headers=admin).json() or None)  # fmt: skip
        agent.claim(record["id"])
        sent = http.post(f"/api/v1/handoffs/{record['id']}/templates", json={"name": "follow_up"})
        assert sent.status_code == 201, sent.text

        def is_template(call: Call) -> bool:
            return call.json().get("to") == wa_id and call.json().get("type") == "template"

        [call] = channels.standin.wait_for(MESSAGES_PATH, is_template, count=1, timeout=30)
        assert call.json() == {
            "messaging_product": "whatsapp",
            "to": wa_id,
            "type": "template",
            "template": {
                "name": "follow_up",
                "language": {"policy": "deterministic", "code": "es"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Sheena Nelson"}]}],
            },
        }
        agent.close_handoff(record["id"], return_to_bot=False)


def test_whatsapp_read_status_marks_the_reply_read_in_the_console_api(channels: ChannelSystem) -> None:
    """The agent's reply is delivered; WhatsApp's `read` status for the customer reaches the handoff service through
    the channel, and the reply shows `read_at` (a `delivered` status alone does not)."""
    wa_id = phone("34")
    says(channels, wa_id, "hola")
    says(channels, wa_id, "quiero hablar con una persona")
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with agent.http as http:
        [record] = wait_until(lambda: http.get("/api/v1/handoffs", params={"conversation_id": f"whatsapp:{wa_id}"},
                                                headers=admin).json() or None)  # fmt: skip
        agent.claim(record["id"])
        agent.reply(record["id"], "Hola, le ayudo enseguida.")

        def replies() -> list[dict[str, Any]]:
            return [m for m in agent.handoff(record["id"])["messages"] if m["role"] == "agent"]

        wait_until(lambda: replies()[0]["delivery_status"] == "delivered" or None)
        for status in ("delivered", "read"):
            body = webhook_body(wa_id, {"type": "text", "text": {"body": "x"}})
            value = body["entry"][0]["changes"][0]["value"]
            value.pop("messages")
            stamp = str(int(time.time()) + 1)
            value["statuses"] = [{"id": "wamid.r", "status": status, "timestamp": stamp, "recipient_id": wa_id}]
            assert post(channels, body) == 200
            if status == "delivered":
                assert replies()[0]["read_at"] is None
        read = wait_until(lambda: replies()[0]["read_at"])
        assert read is not None
        agent.close_handoff(record["id"], return_to_bot=False)
