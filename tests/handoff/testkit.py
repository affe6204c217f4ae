"""Helpers shared by the handoff tests: constants, a frozen clock, the Rasa stand-in, request builders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from handoff.adapters.delivery import DeliveryPort, RasaDelivery
from handoff.settings import Settings

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
SERVICE_KEY = "test-service-key"
ADMIN_TOKEN = "test-admin-token"
RASA_JWT_SECRET = "test-rasa-jwt-secret-of-at-least-32-bytes"
# Monday 2026-11-23 15:00 UTC: Paris 16:00 (emea open), Mexico City 09:00 (americas open),
# Shanghai 23:00 (apac closed).
MONDAY_AFTERNOON_UTC = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

AGENT_TOKENS = {
    "maria.garcia": "demo-agent-maria",
    "joao.silva": "demo-agent-joao",
    "emily.carter": "demo-agent-emily",
    "claire.dubois": "demo-agent-claire",
    "omar.haddad": "demo-agent-omar",
    "lucia.romero": "demo-agent-lucia",
    "li.wei": "demo-agent-liwei",
    "sam.okoro": "demo-agent-sam",
}


class FrozenClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        """Move forward by a ``timedelta(**kwargs)``."""
        self.now += timedelta(**kwargs)


@dataclass
class RasaStandIn:
    """Records trigger_intent calls; ``fail_next`` answers that many calls with 503."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    status_code: int = 200

    def handle(self, request: httpx.Request) -> httpx.Response:
        """MockTransport handler."""
        if self.fail_next > 0:
            self.fail_next -= 1
            return httpx.Response(503, json={"error": "unavailable"})
        self.calls.append(
            {
                "path": request.url.path,
                "params": dict(request.url.params),
                "authorization": request.headers.get("authorization"),
                "json": httpx.Response(200, content=request.content).json(),
            }
        )
        return httpx.Response(self.status_code, json={"ok": True})


def port_factory(rasa: RasaStandIn) -> Callable[[Settings], tuple[DeliveryPort, Callable[[], None]]]:
    """A delivery-port factory whose HTTP client talks to the stand-in."""

    def build(settings: Settings) -> tuple[DeliveryPort, Callable[[], None]]:
        client = httpx.Client(transport=httpx.MockTransport(rasa.handle))
        return RasaDelivery(client, settings.rasa_url, settings.rasa_jwt_secret), client.close

    return build


def auth(token: str) -> dict[str, str]:
    """Authorization header for a bearer token."""
    return {"Authorization": f"Bearer {token}"}


SERVICE = auth(SERVICE_KEY)
ADMIN = auth(ADMIN_TOKEN)


def agent(agent_id: str) -> dict[str, str]:
    """Authorization header of a demo agent."""
    return auth(AGENT_TOKENS[agent_id])


def ws_path(client: Any, token: str) -> str:
    """The live-update WebSocket path with a fresh single-use ticket bought with ``token``."""
    response = client.post("/api/v1/realtime/ticket", headers=auth(token))
    assert response.status_code == 200, response.text
    return f"/api/v1/ws?ticket={response.json()['ticket']}"


def handoff_body(**overrides: Any) -> dict[str, Any]:
    """A valid handoff request (docs/contracts.md), customised by keyword."""
    body: dict[str, Any] = {
        "conversation_id": f"conv-{uuid.uuid4().hex[:8]}",
        "channel": "rest",
        "customer_id": "customer-1",
        "customer": {"name": None, "locale": "es-MX", "country": "MX", "timezone": None, "vip": False},
        "language": "es",
        "language_confidence": 0.97,
        "transcript": [
            {"role": "customer", "text": "hola", "timestamp": "2026-11-23T14:59:00Z", "language": "es"},
            {"role": "bot", "text": "¡Hola! ¿En qué puedo ayudarte?", "timestamp": "2026-11-23T14:59:01Z"},
            {"role": "customer", "text": "quiero hablar con una persona", "timestamp": "2026-11-23T14:59:30Z"},
        ],
        "intents": ["greet", "request_human"],
        "slots": {"order_id": "NB-123456"},
        "reason": "explicit_request",
        "topic": "orders",
        "priority": "normal",
        "kb_articles_tried": ["shipping-times"],
        "summary": None,
    }
    body.update(overrides)
    return body
