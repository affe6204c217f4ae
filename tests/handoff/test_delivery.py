"""Outbox delivery to Rasa: retry with back-off, order per conversation, give-up, and the real HTTP shape."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from handoff.adapters.delivery import Delivery, DeliveryError, RasaDelivery, deliver_due
from handoff.services.context import ServiceContext
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


def test_failing_reply_shows_failed_but_keeps_retrying_while_the_handoff_is_open(
    client: TestClient, rasa: RasaStandIn, clock: FrozenClock
) -> None:
    """After the configured attempts a reply shows ``failed`` with Rasa's error in the API, yet it is retried with
    back-off while the handoff is open and ends ``delivered``; a failure is counted in metrics."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    port = client.app.state.delivery_port  # type: ignore[attr-defined]
    hid = claimed_handoff(client)
    client.post(f"/api/v1/handoffs/{hid}/replies", json={"text": "hello"}, headers=agent("claire.dubois"))
    rasa.fail_next = ctx.settings.delivery_max_attempts + 2
    for _ in range(ctx.settings.delivery_max_attempts):
        deliver_due(ctx, port)
        clock.advance(seconds=400)
    reply = reply_of(client, hid)
    assert (reply["delivery_status"], reply["delivery_error"]) == ("failed", "Rasa answered 503")
    for _ in range(3):
        deliver_due(ctx, port)
        clock.advance(seconds=400)
    assert reply_of(client, hid)["delivery_status"] == "delivered"
    assert [c["json"]["entities"]["agent_message"] for c in rasa.calls] == ["hello"]


def test_close_notice_gives_up_after_max_attempts(client: TestClient, rasa: RasaStandIn, clock: FrozenClock) -> None:
    """Once the handoff is closed, an undeliverable close notice ends as failed after the configured attempts."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    port = client.app.state.delivery_port  # type: ignore[attr-defined]
    hid = claimed_handoff(client)
    client.post(f"/api/v1/handoffs/{hid}/close", json={"resolution": "done"}, headers=agent("claire.dubois"))
    rasa.fail_next = 100
    failed = 0
    for _ in range(ctx.settings.delivery_max_attempts + 2):
        failed += deliver_due(ctx, port).failed
        clock.advance(seconds=400)
    assert failed == 1
    assert 'handoff_deliveries_total{outcome="failed"} 1.0' in client.get("/metrics", headers=SERVICE).text


def test_rejected_reply_is_failed_at_once_and_the_agent_can_retry_it(
    client: TestClient, rasa: RasaStandIn, clock: FrozenClock
) -> None:
    """A 4xx from Rasa is not retried by itself: the reply shows failed; the owner's retry makes it go out."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    port = client.app.state.delivery_port  # type: ignore[attr-defined]
    hid = claimed_handoff(client)
    message = client.post(f"/api/v1/handoffs/{hid}/replies", json={"text": "hi"}, headers=agent("claire.dubois"))
    assert message.json()["message"]["delivery_status"] == "pending"
    rasa.status_code = 400
    deliver_due(ctx, port)
    assert reply_of(client, hid)["delivery_status"] == "failed"
    clock.advance(seconds=400)
    assert deliver_due(ctx, port).sent == 0
    message_id = message.json()["message"]["id"]
    other = client.post(f"/api/v1/handoffs/{hid}/messages/{message_id}/retry", headers=agent("omar.haddad"))
    assert other.status_code == 403
    rasa.status_code = 200
    retried = client.post(f"/api/v1/handoffs/{hid}/messages/{message_id}/retry", headers=agent("claire.dubois"))
    assert (retried.status_code, retried.json()["delivery_status"]) == (200, "pending")
    assert deliver_due(ctx, port).sent == 1
    assert reply_of(client, hid)["delivery_status"] == "delivered"


def reply_of(client: TestClient, handoff_id: str) -> dict[str, Any]:
    """The (only) agent reply of a handoff as the API shows it."""
    messages = client.get(f"/api/v1/handoffs/{handoff_id}", headers=SERVICE).json()["messages"]
    return next(m for m in messages if m["role"] == "agent")


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
        _Recorder.received.append(
            {
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "body": json.loads(self.rfile.read(length)),
            }
        )
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
    """Over a real socket: path with the escaped conversation id, output_channel in the query, no token in the URL,
    and a JWT for Rasa's admin signed with RASA_JWT_SECRET in the Authorization header."""
    secret = "a-rasa-jwt-secret-of-thirty-two-bytes"
    with httpx.Client() as client:
        RasaDelivery(client, local_rasa + "/", secret).send(
            Delivery("line:U 1/2", "line", "agent_handback", {"resolution": "done"})
        )
    authorization = _Recorder.received[0].pop("authorization")
    claims = jwt.decode(authorization.removeprefix("Bearer "), secret, algorithms=["HS256"])
    assert claims["user"] == {"username": "nimbus-internal", "role": "admin"}
    assert 0 < claims["exp"] - time.time() <= 60
    assert _Recorder.received == [
        {
            "path": "/conversations/line%3AU%201%2F2/trigger_intent?output_channel=line",
            "body": {"name": "agent_handback", "entities": {"resolution": "done"}},
        }
    ]
