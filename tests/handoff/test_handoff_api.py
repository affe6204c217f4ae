"""Bot-facing API: create (routing, idempotency), read, list, relay customer messages, auth and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, agent, auth, handoff_body


def test_create_routes_to_open_queue_and_answers_contract_fields(client: TestClient) -> None:
    """A Spanish orders handoff on Monday afternoon goes to an open queue serving es+orders."""
    response = client.post("/api/v1/handoffs", json=handoff_body(), headers=SERVICE)
    assert response.status_code == 201
    data = response.json()
    assert {
        "id",
        "status",
        "queue",
        "position",
        "expected_wait_seconds",
        "opens_at",
        "language",
        "language_covered",
    } <= set(data)
    assert data["status"] == "queued"
    assert data["queue"] in ("americas", "emea")
    assert data["position"] == 1
    assert data["opens_at"] is None
    assert data["language_covered"] is True
    assert data["routing_rule"] == "match"
    # The service writes the agent summary (the bot sends none): reason, path, entities, what was tried, last words.
    assert data["summary"] == (
        "Reason: explicit request (es). Path: greet → request_human. Entities: order_id=NB-123456. "
        'Tried: shipping-times. Last: "quiero hablar con una persona"'
    )


def test_create_is_idempotent_per_open_conversation(client: TestClient) -> None:
    """Posting again for a conversation with an open handoff returns the same one with 200."""
    body = handoff_body()
    first = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    second = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    listed = client.get("/api/v1/handoffs", params={"conversation_id": body["conversation_id"]}, headers=SERVICE)
    assert len(listed.json()) == 1


def test_new_handoff_after_close_is_a_new_one(client: TestClient) -> None:
    """Once closed, the conversation may be handed off again and gets a new id."""
    body = handoff_body(language="en", topic="general")
    first = client.post("/api/v1/handoffs", json=body, headers=SERVICE).json()
    closed = client.post(f"/api/v1/handoffs/{first['id']}/close", json={"resolution": "dup"}, headers=ADMIN)
    assert closed.status_code == 200
    again = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert again.status_code == 201
    assert first["id"] != again.json()["id"]


def test_unknown_reason_and_language_are_422_naming_the_field(client: TestClient) -> None:
    """Bad enum values are rejected with 422 and the offending field names."""
    response = client.post("/api/v1/handoffs", json=handoff_body(reason="bored", language="xx"), headers=SERVICE)
    assert response.status_code == 422
    assert {"reason", "language"} == set(response.json()["fields"])
    assert "reason" in response.json()["detail"]


def test_missing_required_field_is_422(client: TestClient) -> None:
    """A body without conversation_id names it."""
    body = handoff_body()
    del body["conversation_id"]
    response = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert response.status_code == 422
    assert response.json()["fields"] == ["conversation_id"]


def test_auth_is_required_and_checked(client: TestClient) -> None:
    """No token → 401, wrong token → 401, an agent creating a handoff → 403."""
    assert client.post("/api/v1/handoffs", json=handoff_body()).status_code == 401
    assert client.post("/api/v1/handoffs", json=handoff_body(), headers=auth("nope")).status_code == 401
    assert client.post("/api/v1/handoffs", json=handoff_body(), headers=agent("maria.garcia")).status_code == 403
    assert client.get("/api/v1/handoffs").status_code == 401
    assert client.get("/api/v1/agents/me/queues").status_code == 401


def test_get_returns_transcript_and_404_for_unknown(client: TestClient) -> None:
    """GET by id includes the stored transcript in order; unknown ids are 404."""
    created = client.post("/api/v1/handoffs", json=handoff_body(), headers=SERVICE).json()
    data = client.get(f"/api/v1/handoffs/{created['id']}", headers=SERVICE).json()
    assert [m["role"] for m in data["messages"]] == ["customer", "bot", "customer"]
    assert data["messages"][0]["text"] == "hola"
    assert client.get("/api/v1/handoffs/does-not-exist", headers=SERVICE).status_code == 404


def test_list_filters_by_status_queue_and_language(client: TestClient) -> None:
    """Filters combine; an unknown language filter value is a 422."""
    client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    client.post("/api/v1/handoffs", json=handoff_body(language="es"), headers=SERVICE)
    french = client.get("/api/v1/handoffs", params={"language": "fr", "status": "queued"}, headers=SERVICE).json()
    assert [h["language"] for h in french] == ["fr"]
    assert [h["queue"] for h in french] == ["emea"]
    emea = client.get("/api/v1/handoffs", params={"queue": "emea"}, headers=SERVICE).json()
    assert all(h["queue"] == "emea" for h in emea)
    assert client.get("/api/v1/handoffs", params={"language": "xx"}, headers=SERVICE).status_code == 422


def test_agents_only_list_their_queues(client: TestClient) -> None:
    """An apac agent does not see an emea handoff; a supervisor sees everything."""
    client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    assert client.get("/api/v1/handoffs", headers=agent("li.wei")).json() == []
    assert len(client.get("/api/v1/handoffs", headers=agent("emily.carter")).json()) == 1
    created = client.get("/api/v1/handoffs", headers=SERVICE).json()[0]
    assert client.get(f"/api/v1/handoffs/{created['id']}", headers=agent("li.wei")).status_code == 403


def test_customer_messages_are_idempotent_by_message_id(client: TestClient) -> None:
    """A retried relay with the same message_id stores nothing new (200 instead of 201)."""
    created = client.post("/api/v1/handoffs", json=handoff_body(), headers=SERVICE).json()
    message = {"message_id": "m-1", "text": "¿siguen ahí?"}
    first = client.post(f"/api/v1/handoffs/{created['id']}/messages", json=message, headers=SERVICE)
    again = client.post(f"/api/v1/conversations/{created['conversation_id']}/messages", json=message, headers=SERVICE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    messages = client.get(f"/api/v1/handoffs/{created['id']}", headers=SERVICE).json()["messages"]
    assert sum(1 for m in messages if m["text"] == "¿siguen ahí?") == 1


def test_message_for_conversation_without_open_handoff_is_404(client: TestClient) -> None:
    """Relaying to a conversation nobody owns is a clear 404."""
    response = client.post(
        "/api/v1/conversations/nobody/messages", json={"message_id": "x", "text": "hi"}, headers=SERVICE
    )
    assert response.status_code == 404


def test_oversized_body_is_413_and_long_text_is_truncated_with_marker(client: TestClient) -> None:
    """Bodies above the limit are rejected; long texts are cut with a visible marker."""
    huge = handoff_body(transcript=[{"role": "customer", "text": "x" * 5_000_000}])
    assert client.post("/api/v1/handoffs", json=huge, headers=SERVICE).status_code == 413
    long_text = handoff_body(transcript=[{"role": "customer", "text": "y" * 10_000}])
    created = client.post("/api/v1/handoffs", json=long_text, headers=SERVICE).json()
    stored = client.get(f"/api/v1/handoffs/{created['id']}", headers=SERVICE).json()["messages"][0]["text"]
    assert len(stored) == 4000
    assert stored.endswith("…[truncated]")


def test_too_long_transcript_keeps_recent_entries_after_a_marker(client: TestClient) -> None:
    """A transcript longer than the configured maximum keeps the latest entries and says how many were cut."""
    body = handoff_body(transcript=[{"role": "customer", "text": f"m{i}"} for i in range(510)])
    created = client.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert created.status_code == 201
    messages = client.get(f"/api/v1/handoffs/{created.json()['id']}", headers=SERVICE).json()["messages"]
    assert len(messages) == 500
    assert messages[0]["text"] == "[11 earlier messages truncated]"
    assert [messages[1]["text"], messages[-1]["text"]] == ["m11", "m509"]


def test_openapi_docs_are_served(client: TestClient) -> None:
    """/docs and the schema list the create endpoint."""
    assert client.get("/docs").status_code == 200
    assert "/api/v1/handoffs" in client.get("/openapi.json").json()["paths"]


def test_console_page_is_served(client: TestClient) -> None:
    """The agent console is one HTML page that talks to the API (no data without a token)."""
    response = client.get("/console")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/static/console/console.js" in response.text


def test_every_api_route_requires_a_token(client: TestClient) -> None:
    """Each HTTP operation under /api/v1 in the OpenAPI schema answers 401 without or with an unknown token."""
    paths = client.get("/openapi.json").json()["paths"]
    operations = [(m.upper(), p) for p, ops in paths.items() if p.startswith("/api/v1") for m in ops]
    assert len(operations) >= 20
    for method, template in operations:
        path = template.replace("{", "").replace("}", "")
        for headers in ({}, auth("not-a-token")):
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, template, response.status_code)


def test_closed_teams_without_overflow_answer_when_they_open(client: TestClient, clock: FrozenClock) -> None:
    """Sunday, no overflow configured: a French handoff is queued in emea and the answer says when emea opens
    (Monday 08:00 Paris = 07:00 UTC), with an expected wait of at least the time until then."""
    for name in ("americas", "emea", "apac"):
        queue = next(q for q in client.get("/api/v1/queues", headers=ADMIN).json() if q["name"] == name)
        body = {k: queue[k] for k in ("languages", "skills", "timezone", "hours", "holiday_calendar", "capacity")}
        assert (
            client.put(f"/api/v1/queues/{name}", json={**body, "overflow_queue": None}, headers=ADMIN).status_code
            == 200
        )
    clock.now = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    data = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    assert (data["queue"], data["routing_rule"], data["language_covered"]) == ("emea", "scheduled", True)
    assert data["opens_at"] == "2026-11-30T07:00:00Z"
    assert data["expected_wait_seconds"] >= 21 * 3600


def test_language_nobody_covers_now_overflows_with_flag(client: TestClient, clock: FrozenClock) -> None:
    """Saturday: emea is closed, so an Arabic handoff goes to the 24/7 overflow queue flagged not covered."""
    clock.now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    data = client.post("/api/v1/handoffs", json=handoff_body(language="ar", topic="orders"), headers=SERVICE).json()
    assert (data["queue"], data["language_covered"], data["opens_at"]) == ("billing-global", False, None)
