"""The agent's typing reaches the customer through the real handoff service, Rasa and channel: a Messenger
`sender_action` typing_on / typing_off on the stand-in Send API (exact bodies), a socket.io `agent_typing` event on
web chat, WhatsApp's read mark with `typing_indicator`; a second "typing" within a few seconds is throttled, a
"stopped" goes out once; opening the conversation marks the customer's messages seen (Messenger, WhatsApp)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import socketio

from tests.channels.conftest import ChannelSystem, unique
from tests.channels.standin import Call
from tests.channels.test_csat_whatsapp_e2e import SPANISH_AGENT, says
from tests.channels.test_messenger_e2e import SEND_API, post, webhook_body
from tests.channels.test_whatsapp_e2e import MESSAGES_PATH, phone
from tests.channels.test_whatsapp_e2e import post as wa_post
from tests.channels.test_whatsapp_e2e import webhook_body as wa_body
from tests.e2e.client import AgentClient, wait_until, web_chat_session

pytestmark = pytest.mark.e2e


def claimed(channels: ChannelSystem, conversation_id: str) -> tuple[AgentClient, str]:
    """The conversation's handoff, claimed by a supervisor (who may claim in any queue)."""
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    [record] = wait_until(lambda: agent.http.get("/api/v1/handoffs", params={"conversation_id": conversation_id},
                                                 headers=admin).json() or None, timeout=30)  # fmt: skip
    agent.claim(record["id"])
    return agent, str(record["id"])


def typing(agent: AgentClient, handoff_id: str, on: bool) -> dict[str, Any]:
    response = agent.http.post(f"/api/v1/handoffs/{handoff_id}/typing", json={"typing": on})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_messenger_typing_on_throttled_then_off(channels: ChannelSystem) -> None:
    psid = unique("fb")
    for text in ("hola", "quiero hablar con una persona"):
        assert post(channels, webhook_body(psid, message={"mid": unique("m_"), "text": text})) == 200
    agent, handoff_id = claimed(channels, f"messenger:{psid}")
    try:
        assert typing(agent, handoff_id, True) == {"sent": True, "throttled": False}
        assert typing(agent, handoff_id, True) == {"sent": False, "throttled": True}
        assert typing(agent, handoff_id, False) == {"sent": True, "throttled": False}
        assert typing(agent, handoff_id, False) == {"sent": False, "throttled": True}
        assert agent.http.post(f"/api/v1/handoffs/{handoff_id}/seen").json() == {"sent": True, "throttled": False}

        def action(call: Call) -> bool:
            return call.json().get("recipient", {}).get("id") == psid and "sender_action" in call.json()

        calls = channels.standin.wait_for(SEND_API, action, count=3)
        assert [call.json() for call in calls] == [
            {"recipient": {"id": psid}, "sender_action": "typing_on"},
            {"recipient": {"id": psid}, "sender_action": "typing_off"},
            {"recipient": {"id": psid}, "sender_action": "mark_seen"},
        ]
        # The customer's read receipt (`message_reads` watermark) marks the delivered reply read.
        agent.reply(handoff_id, "Un momento, por favor.")
        wait_until(lambda: [m for m in agent.handoff(handoff_id)["messages"] if m["role"] == "agent"] or None)
        watermark = int(time.time() * 1000) + 1000
        assert post(channels, webhook_body(psid, read={"watermark": watermark})) == 200
        read = wait_until(lambda: [m["read_at"] for m in agent.handoff(handoff_id)["messages"] if m["role"] == "agent"])
        assert read[0] is not None
        other = AgentClient(channels.stack.config.handoff_url, "demo-agent-claire")
        with other.http:
            refused = other.http.post(f"/api/v1/handoffs/{handoff_id}/typing", json={"typing": True})
            assert refused.status_code == 409
        agent.close_handoff(handoff_id, return_to_bot=False)
    finally:
        agent.close()


def test_web_chat_customer_gets_the_agent_typing_event(channels: ChannelSystem) -> None:
    events: list[dict[str, Any]] = []
    arrived = threading.Event()
    client = socketio.Client(reconnection=False)
    client.on("agent_typing", lambda data: (events.append(data), arrived.set()))
    client.connect(channels.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        token, conversation_id = web_chat_session(client)
        for text in ("hola", "quiero hablar con una persona"):
            client.emit("user_uttered", {"message": text, "session_id": token})
        agent, handoff_id = claimed(channels, conversation_id)
        try:
            assert typing(agent, handoff_id, True) == {"sent": True, "throttled": False}
            assert arrived.wait(10), "no agent_typing event over socket.io"
            assert events == [{"typing": True}]
            agent.close_handoff(handoff_id, return_to_bot=False)
        finally:
            agent.close()
    finally:
        client.disconnect()


def test_whatsapp_typing_and_seen_mark_the_customers_latest_message_read(channels: ChannelSystem) -> None:
    """WhatsApp shows typing only with a read mark of the customer's latest message (Meta's typing indicator);
    opening the conversation marks it read; "stopped" sends nothing (WhatsApp dismisses the indicator itself)."""
    wa_id = phone("34")
    says(channels, wa_id, "hola")
    says(channels, wa_id, "quiero hablar con una persona")
    agent, handoff_id = claimed(channels, f"whatsapp:{wa_id}")
    try:
        # Messages relayed during the handoff carry their WhatsApp id (the transcript before it does not).
        last = wa_body(wa_id, {"type": "text", "text": {"body": "¿sigue ahí?"}})
        wamid = last["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        assert wa_post(channels, last) == 200
        wait_until(lambda: any(m["text"] == "¿sigue ahí?" for m in agent.handoff(handoff_id)["messages"]) or None)
        seen = agent.http.post(f"/api/v1/handoffs/{handoff_id}/seen")
        assert seen.json() == {"sent": True, "throttled": False}
        assert typing(agent, handoff_id, True) == {"sent": True, "throttled": False}
        assert typing(agent, handoff_id, False) == {"sent": False, "throttled": False}

        def marks(call: Call) -> bool:
            return call.json().get("status") == "read" and call.json().get("message_id") == wamid

        calls = channels.standin.wait_for(MESSAGES_PATH, marks, count=2)
        assert [call.json() for call in calls] == [
            {"messaging_product": "whatsapp", "status": "read", "message_id": wamid},
            {
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": wamid,
                "typing_indicator": {"type": "text"},
            },
        ]
        agent.close_handoff(handoff_id, return_to_bot=False)
    finally:
        agent.close()
