"""Canned replies over the API, on SQLite and PostgreSQL: supervisors manage them (audited), agents read them and
get them filled for a conversation, in the conversation's language first."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from language_registry import codes
from tests.handoff.testkit import ADMIN, SERVICE, agent, auth, handoff_body

SUPERVISOR = agent("emily.carter")
MACROS = "/api/v1/macros"


def macro(**overrides: Any) -> dict[str, Any]:
    """A valid canned reply, customised by keyword."""
    body: dict[str, Any] = {
        "shortcut": "delay",
        "language": "fr",
        "title": "Retard de livraison",
        "text": "Bonjour {customer_name}, la commande {order_id} a du retard.",
    }
    body.update(overrides)
    return body


def audit_of(client: TestClient, action: str) -> list[dict[str, Any]]:
    """The audit entries with this action, newest first."""
    return [e for e in client.get("/api/v1/audit", headers=ADMIN).json() if e["action"] == action]


def test_demo_mode_seeds_canned_replies_in_every_language(client: TestClient) -> None:
    """``make run`` (demo mode) starts with canned replies in every language of the registry."""
    listed = client.get(MACROS, params={"limit": 500}, headers=agent("claire.dubois")).json()
    assert set(codes()) == {m["language"] for m in listed}
    greet_fr = next(m for m in listed if (m["shortcut"], m["language"]) == ("greet", "fr"))
    assert greet_fr["placeholders"] == ["customer_name", "agent_name"]
    assert greet_fr["updated_by"] == "demo-config"


def test_supervisor_creates_updates_and_deletes_and_every_change_is_audited(client: TestClient) -> None:
    """Create (201), read, change (only changed fields named in the audit), delete (204, then 404)."""
    created = client.post(MACROS, json=macro(), headers=SUPERVISOR)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["placeholders"] == ["customer_name", "order_id"]
    assert body["updated_by"] == "agent:emily.carter"
    assert body == client.get(f"{MACROS}/{body['id']}", headers=agent("claire.dubois")).json()

    patched = client.patch(f"{MACROS}/{body['id']}", json={"title": "Retard", "language": "fr"}, headers=SUPERVISOR)
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "Retard"
    deleted = client.delete(f"{MACROS}/{body['id']}", headers=ADMIN)
    assert deleted.status_code == 204
    assert client.get(f"{MACROS}/{body['id']}", headers=SUPERVISOR).status_code == 404

    created_entry = audit_of(client, "macro_created")[0]
    assert ("agent:emily.carter", body["id"], "delay") == (
        created_entry["actor"],
        created_entry["details"]["macro_id"],
        created_entry["details"]["shortcut"],
    )
    assert audit_of(client, "macro_updated")[0]["details"]["changed"] == ["title"]
    deleted_entry = audit_of(client, "macro_deleted")[0]
    assert (
        deleted_entry["actor"],
        deleted_entry["details"]["title"],
        deleted_entry["details"]["language"],
    ) == ("admin", "Retard", "fr")


def test_agents_read_but_only_supervisors_and_admins_change(client: TestClient) -> None:
    """Agents get 403 on every change; the bot's service key has no business here; no token is 401."""
    claire = agent("claire.dubois")
    existing = client.get(MACROS, headers=claire).json()[0]
    assert client.post(MACROS, json=macro(), headers=claire).status_code == 403
    assert client.patch(f"{MACROS}/{existing['id']}", json={"title": "x"}, headers=claire).status_code == 403
    assert client.delete(f"{MACROS}/{existing['id']}", headers=claire).status_code == 403
    assert client.get(MACROS, headers=SERVICE).status_code == 403
    assert client.get(MACROS).status_code == 401
    assert client.get(MACROS, headers=auth("not-a-token")).status_code == 401
    assert existing == client.get(f"{MACROS}/{existing['id']}", headers=claire).json()
    assert audit_of(client, "macro_created") == []


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        (macro(text="Hello {customer}"), "text", "unknown placeholder {customer}"),  # unknown field
        (macro(text="Total: {order_id"), "text", "unmatched '{'"),  # broken brace
        (macro(text="{order_id.__class__}"), "text", "unknown placeholder"),  # no attribute access
        (macro(shortcut="Has Space"), "shortcut", "pattern"),  # shortcut is what follows `/`
        (macro(language="de"), "language", "unknown language 'de'"),  # a language the product does not serve
        (macro(title=""), "title", "at least 1"),  # blank title
        (macro(text="x" * 4001), "text", "at most 4000"),  # too long
        ({**macro(), "html": True}, "html", "Extra inputs"),  # unknown field
    ],
)
def test_bad_canned_replies_are_422_naming_the_field_and_nothing_is_stored(
    client: TestClient, body: dict[str, Any], field: str, detail: str
) -> None:
    """Every refusal names the field and why; the table and the audit log are unchanged."""
    before = client.get(MACROS, params={"limit": 500}, headers=SUPERVISOR).json()
    response = client.post(MACROS, json=body, headers=SUPERVISOR)
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"]
    assert detail in response.json()["detail"]
    assert before == client.get(MACROS, params={"limit": 500}, headers=SUPERVISOR).json()
    assert audit_of(client, "macro_created") == []


def test_a_bad_text_in_a_change_is_422_and_the_reply_is_unchanged(client: TestClient) -> None:
    """PATCH validates placeholders like POST."""
    created = client.post(MACROS, json=macro(), headers=SUPERVISOR).json()
    response = client.patch(f"{MACROS}/{created['id']}", json={"text": "{nope}"}, headers=SUPERVISOR)
    assert response.status_code == 422
    assert response.json()["fields"] == ["text"]
    assert created == client.get(f"{MACROS}/{created['id']}", headers=SUPERVISOR).json()
    assert audit_of(client, "macro_updated") == []


def test_a_shortcut_is_unique_per_language(client: TestClient) -> None:
    """The same shortcut in another language is another reply; twice in one language is a 409."""
    assert client.post(MACROS, json=macro(), headers=SUPERVISOR).status_code == 201
    assert client.post(MACROS, json=macro(language="es"), headers=SUPERVISOR).status_code == 201
    again = client.post(MACROS, json=macro(title="Autre"), headers=SUPERVISOR)
    assert again.status_code == 409
    assert "/delay" in again.json()["detail"]
    spanish = next(
        m for m in client.get(MACROS, params={"q": "delay"}, headers=SUPERVISOR).json() if m["language"] == "es"
    )
    assert client.patch(f"{MACROS}/{spanish['id']}", json={"language": "fr"}, headers=SUPERVISOR).status_code == 409


def test_search_matches_shortcut_title_and_text_with_the_language_first(client: TestClient) -> None:
    """``q`` searches shortcuts, titles and texts case-insensitively; ``language`` comes first."""
    listed = client.get(MACROS, params={"q": "/order", "language": "pt"}, headers=SUPERVISOR).json()
    assert (listed[0]["shortcut"], listed[0]["language"]) == ("order-status", "pt")
    assert {"order-status"} <= {m["shortcut"] for m in listed}
    by_title = client.get(MACROS, params={"q": "REMBOURSEMENT"}, headers=SUPERVISOR).json()
    assert [(m["shortcut"], m["language"]) for m in by_title] == [("refund", "fr")]
    assert client.get(MACROS, params={"q": "zzz-nothing"}, headers=SUPERVISOR).json() == []


def test_replies_for_a_conversation_are_filled_in_its_language_first(client: TestClient) -> None:
    """A French conversation: French replies first, then the agent's other language (English), filled with the
    order id, the queue and the agent's name; the customer's unknown name stays visible as {customer_name} and is
    listed as missing."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    claire = agent("claire.dubois")
    client.post(
        MACROS, json=macro(text="{agent_name} ({queue}) : commande {order_id}, {customer_name}."), headers=SUPERVISOR
    )
    found = client.get(f"/api/v1/handoffs/{created['id']}/macros", params={"q": "/"}, headers=claire).json()
    assert found[0]["language"] == "fr"
    assert {m["language"] for m in found[:5]} == {"fr"}
    delay = next(m for m in found if m["shortcut"] == "delay")
    assert delay["filled"] == "Claire Dubois (emea) : commande NB-123456, {customer_name}."
    assert delay["missing"] == ["customer_name"]
    status = client.get(f"/api/v1/handoffs/{created['id']}/macros", params={"q": "order-st"}, headers=claire).json()
    assert [(m["shortcut"], m["language"]) for m in status[:2]] == [("order-status", "fr"), ("order-status", "en")]
    assert "Je vérifie la commande NB-123456" in status[0]["filled"]


def test_filled_replies_follow_who_may_see_the_conversation(client: TestClient) -> None:
    """An agent outside the conversation's queues gets 403; an unknown handoff is 404; the service key 403."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    path = f"/api/v1/handoffs/{created['id']}/macros"
    assert client.get(path, headers=agent("li.wei")).status_code == 403
    assert client.get(path, headers=SERVICE).status_code == 403
    assert client.get("/api/v1/handoffs/no-such-handoff/macros", headers=SUPERVISOR).status_code == 404
    assert client.get(path, headers=agent("lucia.romero")).status_code == 200
