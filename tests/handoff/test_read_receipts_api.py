"""Read receipts relayed by the bot: a read at a time marks the agent replies sent until then, shown on the message
in the console API; only the bot's key may report one; a conversation without an open handoff is 404."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.handoff.testkit import SERVICE, FrozenClock, agent, handoff_body


def test_a_read_marks_earlier_replies_only(client: TestClient, clock: FrozenClock) -> None:
    body = handoff_body(language="fr", topic="general", channel="whatsapp", conversation_id="whatsapp:33600000005")
    handoff_id = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()["id"]
    claire = agent("claire.dubois")
    client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=claire)
    assert client.post(f"/api/v1/handoffs/{handoff_id}/replies", json={"text": "Un"}, headers=claire).status_code == 201
    read_at = clock.now.isoformat()
    clock.advance(minutes=1)
    assert (
        client.post(f"/api/v1/handoffs/{handoff_id}/replies", json={"text": "Deux"}, headers=claire).status_code == 201
    )

    url = "/api/v1/conversations/whatsapp:33600000005/read"
    assert client.post(url, json={"read_at": read_at}, headers=claire).status_code == 403
    assert client.post(url, json={"read_at": "2026-12-07T10:00:00"}, headers=SERVICE).status_code == 422
    marked = client.post(url, json={"read_at": read_at}, headers=SERVICE)
    assert marked.json() == {"read": 1}
    replies = [m for m in client.get(f"/api/v1/handoffs/{handoff_id}", headers=claire).json()["messages"]
               if m["role"] == "agent"]  # fmt: skip
    assert [(m["text"], m["read_at"] is not None) for m in replies] == [("Un", True), ("Deux", False)]
    assert client.post(url, json={"read_at": read_at}, headers=SERVICE).json() == {"read": 0}
    unknown = client.post("/api/v1/conversations/whatsapp:1/read", json={"read_at": read_at}, headers=SERVICE)
    assert unknown.status_code == 404
