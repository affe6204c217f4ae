"""Approved WhatsApp templates: offered once the 24-hour window has closed, sent as a template, and a close outside
the window reaches the customer by the re-engagement template or is recorded visibly."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from handoff.adapters.delivery import deliver_due
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, agent, handoff_body

CUSTOMER = {"name": "Camille", "locale": "fr-FR", "country": "FR", "timezone": None, "vip": False}


def whatsapp_handoff(client: TestClient, language: str, conversation_id: str) -> str:
    body = handoff_body(language=language, topic="general", channel="whatsapp", conversation_id=conversation_id,
                        customer=CUSTOMER)  # fmt: skip
    response = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def deliver(client: TestClient) -> None:
    deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]


def test_closed_window_offers_filled_templates_and_sends_one_as_a_template(
    client: TestClient, clock: FrozenClock, rasa: RasaStandIn
) -> None:
    """French WhatsApp conversation 25 hours later: the French template is filled with the customer's name; sending
    it stores the text and hands the bot the exact Cloud API template object."""
    handoff_id = whatsapp_handoff(client, "fr", "wa-33600000002")
    claire = agent("claire.dubois")
    assert client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=claire).status_code == 200
    clock.advance(hours=25)
    [offered] = client.get(f"/api/v1/handoffs/{handoff_id}/templates", headers=claire).json()
    assert (offered["name"], offered["code"], offered["parameters"], offered["values"]) == (
        "follow_up", "fr", ["customer_name"], ["Camille"]
    )  # fmt: skip
    assert offered["preview"].startswith("Bonjour Camille, nous avons du nouveau")
    assert offered["missing"] == []

    unknown = client.post(f"/api/v1/handoffs/{handoff_id}/templates", json={"name": "nope"}, headers=claire)
    assert unknown.status_code == 422
    sent = client.post(
        f"/api/v1/handoffs/{handoff_id}/templates", json={"name": "follow_up", "message_id": "t-1"}, headers=claire
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["message"]["text"] == offered["preview"]
    again = client.post(
        f"/api/v1/handoffs/{handoff_id}/templates", json={"name": "follow_up", "message_id": "t-1"}, headers=claire
    )
    assert again.json()["duplicate"] is True
    deliver(client)
    [call] = rasa.calls
    assert call["json"]["name"] == "agent_reply"
    assert json.loads(call["json"]["entities"]["whatsapp_template"]) == {
        "name": "follow_up",
        "language": {"policy": "deterministic", "code": "fr"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Camille"}]}],
    }


def test_no_templates_off_whatsapp(client: TestClient) -> None:
    """Messenger has no templates: none offered, and sending one is a clear 422."""
    body = handoff_body(language="fr", topic="general", channel="messenger", conversation_id="psid-9")
    handoff_id = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()["id"]
    claire = agent("claire.dubois")
    client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=claire)
    assert client.get(f"/api/v1/handoffs/{handoff_id}/templates", headers=claire).json() == []
    refused = client.post(f"/api/v1/handoffs/{handoff_id}/templates", json={"name": "follow_up"}, headers=claire)
    assert refused.status_code == 422


def test_close_outside_the_window_without_a_reengagement_template_is_recorded_visibly(
    client: TestClient, clock: FrozenClock, rasa: RasaStandIn
) -> None:
    """French has no re-engagement template: the close tells the bot the window is closed (no rating offered) and
    the transcript and the audit log say the customer could not be reached."""
    handoff_id = whatsapp_handoff(client, "fr", "wa-33600000003")
    claire = agent("claire.dubois")
    client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=claire)
    clock.advance(hours=30)
    closed = client.post(
        f"/api/v1/handoffs/{handoff_id}/close", json={"resolution": "done", "return_to_bot": True}, headers=claire
    )
    assert closed.status_code == 200, closed.text
    deliver(client)
    [call] = rasa.calls
    entities = call["json"]["entities"]
    assert entities["window_closed"] == "true"
    assert "whatsapp_template" not in entities and "csat_handoff_id" not in json.dumps(entities)
    messages = client.get(f"/api/v1/handoffs/{handoff_id}", headers=ADMIN).json()["messages"]
    [event] = [m for m in messages if m["role"] == "event"]
    assert event["text"].startswith("Could not reach the customer: window closed")
    audit = client.get("/api/v1/audit", params={"handoff_id": handoff_id}, headers=ADMIN)
    assert "customer_unreachable" in audit.text


def test_close_outside_the_window_sends_the_reengagement_template(
    client: TestClient, clock: FrozenClock, rasa: RasaStandIn
) -> None:
    """Spanish has one: the close notice carries it, and the transcript says it was sent."""
    handoff_id = whatsapp_handoff(client, "es", "wa-34600000004")
    clock.advance(hours=26)
    closed = client.post(
        f"/api/v1/handoffs/{handoff_id}/close", json={"resolution": "done", "return_to_bot": False}, headers=ADMIN
    )
    assert closed.status_code == 200, closed.text
    deliver(client)
    entities = rasa.calls[0]["json"]["entities"]
    assert json.loads(entities["whatsapp_template"]) == {
        "name": "conversation_closed", "language": {"policy": "deterministic", "code": "es"}
    }  # fmt: skip
    messages = client.get(f"/api/v1/handoffs/{handoff_id}", headers=ADMIN).json()["messages"]
    assert any(m["role"] == "event" and "conversation_closed" in m["text"] for m in messages)
