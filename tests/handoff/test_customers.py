"""Per-customer export and erasure."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.handoff.testkit import ADMIN, SERVICE, agent, handoff_body


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
    assert audit[0]["action"] == "customer_erased"
    assert "cust-erase" not in str(audit)
