"""Per-customer export and erasure across the handoff database, Rasa and the action server (stand-ins)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.privacy_kit import StoresStandIn, privacy_settings
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, agent, handoff_body, port_factory


@pytest.fixture
def stores(settings: Settings) -> StoresStandIn:
    """Rasa and the action server, both up and empty."""
    assert settings.rasa_jwt_secret
    return StoresStandIn(jwt_secret=settings.rasa_jwt_secret)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, rasa: RasaStandIn, stores: StoresStandIn) -> FastAPI:
    """The service with every store configured, the other stores answered by the stand-in."""
    return create_app(
        privacy_settings(settings),
        clock=clock,
        delivery_port_factory=port_factory(rasa),
        privacy_transport=httpx.MockTransport(stores.handle),
    )


def test_export_contains_every_handoff_message_and_audit(client: TestClient) -> None:
    """The export holds both handoffs of the customer with transcripts, notes and audit entries."""
    first = client.post("/api/v1/handoffs", json=handoff_body(customer_id="cust-9"), headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{first['id']}/close", json={"resolution": "ok"}, headers=ADMIN)
    second = client.post("/api/v1/handoffs", json=handoff_body(customer_id="cust-9"), headers=SERVICE).json()
    client.post("/api/v1/handoffs", json=handoff_body(customer_id="someone-else"), headers=SERVICE)
    export = client.get("/api/v1/customers/cust-9/export", headers=ADMIN).json()
    assert {first["id"], second["id"]} == {h["id"] for h in export["handoffs"]}
    assert all(h["messages"] for h in export["handoffs"])
    assert {"created", "closed"} <= {e["action"] for e in export["audit"]}
    assert client.get("/api/v1/customers/unknown/export", headers=ADMIN).status_code == 404
    assert client.get("/api/v1/customers/cust-9/export", headers=SERVICE).status_code == 403
    assert client.get("/api/v1/customers/cust-9/export", headers=agent("emily.carter")).status_code == 403


def test_export_includes_rasa_and_the_action_server_and_is_audited(client: TestClient, stores: StoresStandIn) -> None:
    """What Rasa and the actions outbox hold about the customer's conversation is in the export; the audit entry
    names the customer only by pseudonym and says which stores answered."""
    conversation = "whatsapp:+34600000077"
    stores.trackers[conversation] = [{"event": "user", "text": "hola"}]
    stores.outbox[conversation] = [{"message_id": "m1", "text": "sigo esperando"}]
    client.post(
        "/api/v1/handoffs",
        json=handoff_body(conversation_id=conversation, customer_id=conversation, channel="whatsapp"),
        headers=SERVICE,
    )
    export = client.get(f"/api/v1/customers/{conversation}/export", headers=ADMIN).json()
    assert export["stores"]["rasa"][conversation]["events"] == [{"event": "user", "text": "hola"}]
    assert export["stores"]["actions"][conversation]["records"]["pending_message"] == [
        {"message_id": "m1", "text": "sigo esperando"}
    ]
    again = client.get(f"/api/v1/customers/{conversation}/export", headers=ADMIN).json()
    assert "customer_exported" in [e["action"] for e in again["audit"]]  # the customer sees their earlier export
    entry = client.get("/api/v1/audit", headers=ADMIN).json()[0]
    assert ("customer_exported", export["pseudonym"]) == (entry["action"], entry["details"]["customer"])
    assert entry["details"]["stores"] == {"rasa": "data", "actions": "data"}
    assert "34600000077" not in str(entry)


def test_erasure_removes_messages_and_identifiers_and_closes_open(client: TestClient) -> None:
    """After erasure nothing is found for the customer, messages are gone and open handoffs are closed."""
    created = client.post(
        "/api/v1/handoffs",
        json=handoff_body(customer_id="cust-erase", conversation_id="wa-5215512345678", customer={"name": "Ana"}),
        headers=SERVICE,
    ).json()
    result = client.delete("/api/v1/customers/cust-erase", headers=ADMIN).json()
    assert (result["handoffs"], result["messages_deleted"]) == (1, 3)
    assert client.get("/api/v1/customers/cust-erase/export", headers=ADMIN).status_code == 404
    stored = client.get(f"/api/v1/handoffs/{created['id']}", headers=ADMIN).json()
    assert (stored["status"], stored["messages"], stored["customer"], stored["summary"]) == ("closed", [], {}, None)
    assert "5215512345678" not in stored["conversation_id"]
    assert client.get("/api/v1/handoffs", params={"conversation_id": "wa-5215512345678"}, headers=SERVICE).json() == []
    audit = client.get("/api/v1/audit", headers=ADMIN).json()
    assert [a for a in audit if a["action"] == "customer_erased"]
    assert "cust-erase" not in str(audit)
    assert "5215512345678" not in str(audit)


def test_ids_the_stores_cannot_hold_are_refused(client: TestClient) -> None:
    """Over-long ids and ids with control characters are a 422, not a database error (on PostgreSQL: NUL)."""
    assert client.delete("/api/v1/customers/" + "x" * 257, headers=ADMIN).status_code == 422
    assert client.get("/api/v1/customers/a%00b/export", headers=ADMIN).status_code == 422
    assert client.delete("/api/v1/customers/a%0Ab", headers=ADMIN).status_code == 422
