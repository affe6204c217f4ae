"""A customer who changes language while a handoff is open: the handoff carries the new language, the agent sees a
note, and a handoff in a queue that does not serve the language is routed again unless its agent speaks it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from handoff.services.language_change import LanguagePlan, plan_language_change
from tests.handoff.testkit import SERVICE, agent, handoff_body

AMERICAS = frozenset({"en", "es", "pt"})


@pytest.mark.parametrize(
    ("current", "new", "status", "expected"),
    [
        ("pt", "pt", "queued", LanguagePlan(changed=False, reroute=False)),  # no change
        ("pt", "es", "queued", LanguagePlan(changed=True, reroute=False)),  # the queue speaks it too
        ("pt", "ar", "queued", LanguagePlan(changed=True, reroute=True)),  # it does not: route again
        ("pt", "ar", "assigned", LanguagePlan(changed=True, reroute=True)),  # an agent who does not speak it: routed
        ("pt", "xx", "queued", LanguagePlan(changed=False, reroute=False)),  # not a language the service knows
    ],
)
def test_plan(current: str, new: str, status: str, expected: LanguagePlan) -> None:
    """What a language change does, per situation."""
    assert expected == plan_language_change(current, new, status, AMERICAS)


def test_an_agent_who_speaks_the_new_language_keeps_the_conversation() -> None:
    """The queue does not serve Arabic, but the agent who owns the conversation does: nothing moves."""
    expected = LanguagePlan(changed=True, reroute=False)
    assert expected == plan_language_change("pt", "ar", "assigned", AMERICAS, frozenset({"pt", "ar"}))


def relay(client: TestClient, handoff_id: str, message_id: str, text: str, language: str) -> None:
    body = {"message_id": message_id, "text": text, "language": language, "conversation_language": language}
    response = client.post(f"/api/v1/handoffs/{handoff_id}/messages", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text


def test_waiting_handoff_follows_the_customer_to_a_queue_that_speaks_the_new_language(client: TestClient) -> None:
    """Portuguese (americas), then the customer carries on in Arabic: the handoff is Arabic and moves to emea, with a
    note for the agent and both steps in the audit trail."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="pt", topic="general"), headers=SERVICE)
    record = created.json()
    assert (record["queue"], record["status"]) == ("americas", "queued")
    relay(client, record["id"], "m-1", "مرحبا، هل يمكنكم مساعدتي؟", "ar")

    after = client.get(f"/api/v1/handoffs/{record['id']}", headers=agent("emily.carter")).json()
    assert (after["language"], after["queue"], after["language_covered"]) == ("ar", "emea", True)
    notes = [m["text"] for m in after["messages"] if m["role"] == "note"]
    assert notes == ["The customer now writes in ar (was pt)."]
    audit = client.get("/api/v1/audit", params={"handoff_id": record["id"]}, headers=agent("emily.carter"))
    assert {"language_changed", "rerouted"} <= {entry["action"] for entry in audit.json()}


def test_claimed_handoff_goes_to_a_team_that_speaks_the_new_language(client: TestClient) -> None:
    """María (Spanish, English, Portuguese) owns a Portuguese conversation; the customer carries on in French: it goes
    back to waiting in emea, where French is spoken, and María is free again."""
    record = client.post("/api/v1/handoffs", json=handoff_body(language="pt", topic="general"), headers=SERVICE).json()
    claimed = client.post(f"/api/v1/handoffs/{record['id']}/claim", headers=agent("maria.garcia"))
    assert claimed.status_code == 200, claimed.text
    relay(client, record["id"], "m-1", "en fait je préfère parler français, s'il vous plaît", "fr")

    after = client.get(f"/api/v1/handoffs/{record['id']}", headers=agent("emily.carter")).json()
    assert (after["language"], after["queue"], after["status"], after["agent_id"]) == ("fr", "emea", "queued", None)
    assert any(m["role"] == "note" and "fr (was pt)" in m["text"] for m in after["messages"])


def test_same_language_changes_nothing(client: TestClient) -> None:
    """Messages in the handoff's language add no note and keep the queue."""
    record = client.post("/api/v1/handoffs", json=handoff_body(language="pt", topic="general"), headers=SERVICE).json()
    relay(client, record["id"], "m-1", "oi, alguém aí?", "pt")
    after = client.get(f"/api/v1/handoffs/{record['id']}", headers=SERVICE).json()
    assert (after["language"], after["queue"]) == ("pt", "americas")
    assert [m for m in after["messages"] if m["role"] == "note"] == []
