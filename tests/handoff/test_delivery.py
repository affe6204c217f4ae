"""Outbox delivery to Rasa: retry with back-off, order per conversation, give-up, and the real HTTP shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from fastapi.testclient import TestClient

from handoff.services.context import ServiceContext
from handoff.services.delivery import Delivery, DeliveryError, RasaDelivery, deliver_due
from tests.handoff.testkit import SERVICE, FrozenClock, RasaStandIn, agent, handoff_body


def claimed_handoff(client: TestClient) -> str:
    """A French handoff claimed by Claire."""
    handoff = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    return str(handoff["id"])


def test_failed_delivery_is_retried_after_backoff_in_order(
    client: TestClient, rasa: RasaStandIn, clock: FrozenClock
) -> None:
    """Rasa down: nothing is lost or reordered; once back (and the back-off passed), both replies go in order."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    port = client.app.state.delivery_port  # type: ignore[attr-defined]
    hid = claimed_handoff(client)
    for text in ("one", "two"):
        client.post(f"/api/v1/handoffs/{hid}/replies", json={"text": text}, headers=agent("claire.dubois"))
    rasa.fail_next = 1
    first = deliver_due(ctx, port)
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    assert deliver_due(ctx, port).sent == 0  # back-off not over yet: "two" must not overtake "one"
    clock.advance(seconds=2)
    assert deliver_due(ctx, port).sent == 2
    assert [c["json"]["entities"]["agent_message"] for c in rasa.calls] == ["one", "two"]
    assert deliver_due(ctx, port).sent == 0  # nothing delivered twice


def test_delivery_gives_up_after_max_attempts(client: TestClient, rasa: RasaStandIn, clock: FrozenClock) -> None:
    """A permanently failing entry ends as failed after the configured attempts and is counted in metrics."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    port = client.app.state.delivery_port  # type: ignore[attr-defined]
    hid = claimed_handoff(client)
    client.post(f"/api/v1/handoffs/{hid}/replies", json={"text": "hello"}, headers=agent("claire.dubois"))
    rasa.fail_next = 100
    failed = 0
    for _ in range(ctx.settings.delivery_max_attempts):
        failed += deliver_due(ctx, port).failed
        clock.advance(seconds=400)
    assert failed == 1
    assert 'handoff_deliveries_total{outcome="failed"} 1.0' in client.get("/metrics", headers=SERVICE).text


def test_rasa_client_error_is_not_retried() -> None:
    """A 4xx from Rasa is a permanent failure; a 503 or a connection error is retryable."""

    def handler(status: int) -> RasaDelivery:
        client = httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(status)))
        return RasaDelivery(client, "http://rasa.test", None)

    delivery = Delivery("c1", "rest", "agent_reply", {})
    with pytest.raises(DeliveryError) as rejected:
        handler(404).send(delivery)
    assert rejected.value.retryable is False
    with pytest.raises(DeliveryError) as unavailable:
        handler(503).send(delivery)
    assert unavailable.value.retryable is True

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    offline = RasaDelivery(httpx.Client(transport=httpx.MockTransport(refuse)), "http://rasa.test", None)
    with pytest.raises(DeliveryError) as unreachable:
        offline.send(delivery)
    assert unreachable.value.retryable is True


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        _Recorder.received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def local_rasa() -> Iterator[str]:
    """A real local HTTP server standing in for Rasa."""
    _Recorder.received = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_real_http_request_shape_against_local_server(local_rasa: str) -> None:
    """Over a real socket: path with the escaped conversation id, output_channel and token in the query."""
    with httpx.Client() as client:
        RasaDelivery(client, local_rasa + "/", "tok en").send(
            Delivery("line:U 1/2", "line", "agent_handback", {"resolution": "done"})
        )
    assert _Recorder.received == [
        {
            "path": "/conversations/line%3AU%201%2F2/trigger_intent?output_channel=line&token=tok+en",
            "body": {"name": "agent_handback", "entities": {"resolution": "done"}},
        }
    ]
