"""Closed handoffs made through the real API for the quality-review tests (the app's frozen clock sets the times)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.handoff.testkit import SERVICE, FrozenClock, agent, handoff_body

MARIA = "maria.garcia"


def closed_handoff(
    client: TestClient,
    clock: FrozenClock,
    *,
    replies: list[tuple[float, str]],
    customer_after: list[tuple[float, str]] | None = None,
    owner: str = MARIA,
    **overrides: Any,
) -> str:
    """A Spanish handoff claimed by ``owner``, who sends ``replies`` (seconds to wait first, text); the customer's
    ``customer_after`` messages follow; then it is closed. Returns its id."""
    created = client.post("/api/v1/handoffs", json=handoff_body(**overrides), headers=SERVICE)
    assert created.status_code == 201, created.text
    handoff_id = str(created.json()["id"])
    assert client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=agent(owner)).status_code == 200
    for wait, text in replies:
        clock.advance(seconds=wait)
        sent = client.post(f"/api/v1/handoffs/{handoff_id}/replies", json={"text": text}, headers=agent(owner))
        assert sent.status_code == 201, sent.text
    for index, (wait, text) in enumerate(customer_after or []):
        clock.advance(seconds=wait)
        body = {"message_id": f"m-{handoff_id}-{index}", "text": text, "language": "es"}
        relayed = client.post(f"/api/v1/handoffs/{handoff_id}/messages", json=body, headers=SERVICE)
        assert relayed.status_code == 201, relayed.text
    clock.advance(seconds=30)
    closed = client.post(f"/api/v1/handoffs/{handoff_id}/close", json={"resolution": "answered"}, headers=agent(owner))
    assert closed.status_code == 200, closed.text
    return handoff_id


def good_handoff(client: TestClient, clock: FrozenClock) -> str:
    """Greeting, a quick answer in Spanish, a closing: no finding."""
    return closed_handoff(
        client, clock,
        replies=[(60, "¡Hola! Soy María y reviso su pedido ahora mismo"),
                 (60, "Su pedido llega mañana. ¿Algo más en lo que pueda ayudarle? Que tenga un buen día")],
    )  # fmt: skip


def poor_handoff(client: TestClient, clock: FrozenClock) -> str:
    """Late, in English, rude, a card number, and the customer's last question left unanswered."""
    return closed_handoff(
        client, clock,
        replies=[(900, "Calm down, it is not my fault. The card on file is 4111 1111 1111 1111")],
        customer_after=[(20, "¿Y cuándo llega mi pedido?")],
    )  # fmt: skip
