"""Demo mode versus production, customer-role messages, reply ownership, WebSocket tickets and Origin, security
headers, API docs, body and rate limits, log masking: the service in-process with its real middleware."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from handoff.errors import StartupRefusedError
from handoff.log_masking import SecretMaskingFilter, mask_secrets
from handoff.main import create_app
from handoff.manage import revoke_demo_tokens
from handoff.middleware import RateLimiter
from handoff.services.tickets import origin_allowed
from handoff.settings import Settings
from tests.handoff.testkit import (
    ADMIN,
    ADMIN_TOKEN,
    AGENT_TOKENS,
    SERVICE,
    SERVICE_KEY,
    FrozenClock,
    RasaStandIn,
    agent,
    auth,
    handoff_body,
    port_factory,
    ws_path,
)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """SQLite settings in ``tmp_path`` with fixed secrets; production unless ``mode`` says otherwise."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "var_dir": tmp_path / "var",
        "service_key": SERVICE_KEY,
        "admin_token": ADMIN_TOKEN,
        "delivery_interval_seconds": 0,
        "inactivity_check_seconds": 0,
        "mode": "production",
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def started(tmp_path: Path, clock: FrozenClock, rasa: RasaStandIn) -> Iterator[Any]:
    """A factory of started apps over the same database (``mode`` and other settings per call)."""
    clients: list[TestClient] = []

    def start(**overrides: Any) -> TestClient:
        app = create_app(make_settings(tmp_path, **overrides), clock=clock, delivery_port_factory=port_factory(rasa))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


# --- demo mode ---------------------------------------------------------------------------------------------------


def test_production_start_loads_no_demo_data_and_refuses_documented_demo_tokens(started: Any) -> None:
    """Production on an empty database: no demo agent works. After a demo run put the demo roster in the
    database, a production start refuses with a message naming the agents and the fix; revoking fixes it."""
    production = started()
    assert production.get("/api/v1/agents/me", headers=agent("maria.garcia")).status_code == 401
    assert production.get("/api/v1/agents", headers=ADMIN).json() == []
    production.__exit__(None, None, None)
    demo = started(mode="demo")
    assert demo.get("/api/v1/agents/me", headers=agent("maria.garcia")).status_code == 200
    demo.__exit__(None, None, None)
    with pytest.raises(StartupRefusedError, match=r"maria\.garcia.*revoke-demo-tokens"):
        started()
    revoked = revoke_demo_tokens(make_settings(Path(demo.app.state.context.settings.var_dir).parent))  # type: ignore[attr-defined]
    assert "emily.carter" in revoked
    again = started()
    assert again.get("/api/v1/agents/me", headers=agent("emily.carter")).status_code == 401
    assert all(a["disabled"] for a in again.get("/api/v1/agents", headers=ADMIN).json())


def test_api_docs_follow_the_mode_unless_set(started: Any, tmp_path: Path) -> None:
    """``/docs``, ``/redoc`` and ``/openapi.json``: 404 in production, served in demo mode, and a setting wins."""
    production = started()
    assert [production.get(p).status_code for p in ("/docs", "/redoc", "/openapi.json")] == [404, 404, 404]
    demo = started(mode="demo")
    assert [demo.get(p).status_code for p in ("/docs", "/redoc", "/openapi.json")] == [200, 200, 200]
    assert started(mode="demo", public_docs=False).get("/openapi.json").status_code == 404
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"  # the demo run above left demo agents in the first database
    assert started(public_docs=True, database_url=fresh).get("/openapi.json").status_code == 200


# --- customer-role messages and reply ownership ------------------------------------------------------------------


def test_only_the_service_key_adds_messages_in_the_customers_name(client: TestClient) -> None:
    """A supervisor or admin cannot relay a "customer" message nor create a handoff with a transcript."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    handoff = created.json()
    message = {"message_id": "forged", "text": "I agree to pay 1000 EUR"}
    for headers in (ADMIN, agent("lucia.romero")):
        by_id = client.post(f"/api/v1/handoffs/{handoff['id']}/messages", json=message, headers=headers)
        by_conversation = client.post(
            f"/api/v1/conversations/{handoff['conversation_id']}/messages", json=message, headers=headers
        )
        with_transcript = client.post("/api/v1/handoffs", json=handoff_body(language="fr"), headers=headers)
        assert (by_id.status_code, by_conversation.status_code, with_transcript.status_code) == (403, 403, 403)
    texts = [m["text"] for m in client.get(f"/api/v1/handoffs/{handoff['id']}", headers=ADMIN).json()["messages"]]
    assert "I agree to pay 1000 EUR" not in texts
    bare = client.post("/api/v1/handoffs", json=handoff_body(language="fr", transcript=[]), headers=ADMIN)
    assert bare.status_code == 201


def test_a_non_owner_learns_nothing_from_a_replayed_reply_id(client: TestClient) -> None:
    """Omar (same queue, not the owner) re-sends Claire's reply id: 403, not her message back."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    handoff_id = created.json()["id"]
    client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=agent("claire.dubois"))
    secret = {"text": "your refund code is 7781", "message_id": "r-1"}
    assert client.post(f"/api/v1/handoffs/{handoff_id}/replies", json=secret, headers=agent("claire.dubois")).is_success
    probe = client.post(
        f"/api/v1/handoffs/{handoff_id}/replies", json={"text": "x", "message_id": "r-1"}, headers=agent("omar.haddad")
    )
    assert probe.status_code == 403
    assert "7781" not in probe.text


# --- WebSocket tickets and Origin ----------------------------------------------------------------------------------


def test_websocket_takes_single_use_short_lived_tickets_and_never_a_token(
    client: TestClient, clock: FrozenClock
) -> None:
    """``?token=`` is refused; a ticket opens one socket only; an unused ticket expires; the service key gets none."""
    token = AGENT_TOKENS["claire.dubois"]
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(f"/api/v1/ws?token={token}") as ws:
        ws.receive_json()
    path = ws_path(client, token)
    with client.websocket_connect(path) as ws:
        assert ws.receive_json()["type"] == "hello"
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(path) as ws:
        ws.receive_json()
    late = ws_path(client, token)
    clock.advance(seconds=31)
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(late) as ws:
        ws.receive_json()
    assert client.post("/api/v1/realtime/ticket", headers=SERVICE).status_code == 403
    assert client.post("/api/v1/realtime/ticket").status_code == 401


def test_websocket_from_a_foreign_origin_is_refused(client: TestClient) -> None:
    """A page on another site cannot open the console's socket even with a valid ticket; our own origin can."""
    token = AGENT_TOKENS["claire.dubois"]
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(ws_path(client, token), headers={"Origin": "https://evil.example"}) as ws,
    ):
        ws.receive_json()
    with client.websocket_connect(ws_path(client, token), headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "hello"


@pytest.mark.parametrize(
    ("origin", "host", "extra", "allowed"),
    [
        (None, "svc:8080", frozenset(), True),  # not a browser: nothing to forge
        ("http://svc:8080", "svc:8080", frozenset(), True),  # our own page
        ("https://svc:8080", "svc:8080", frozenset(), True),  # behind a TLS proxy
        ("http://evil:8080", "svc:8080", frozenset(), False),
        ("http://svc:8081", "svc:8080", frozenset(), False),  # another port is another origin
        ("https://console.example", "svc:8080", frozenset({"https://console.example"}), True),  # configured
        ("null", "svc:8080", frozenset(), False),  # sandboxed frames
    ],
)
def test_origin_rule(origin: str | None, host: str, extra: frozenset[str], allowed: bool) -> None:
    """The pure Origin decision."""
    assert allowed == origin_allowed(origin, host, extra)


# --- headers, docs, limits -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/console", "/chat", "/static/console/index.html", "/static/chat/index.html"])
def test_every_html_page_has_the_consoles_security_headers(client: TestClient, path: str) -> None:
    """The static copies of the pages carry the same CSP (with frame-ancestors 'none') as /console."""
    reference = client.get("/console").headers["content-security-policy"]
    response = client.get(path)
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert reference == response.headers["content-security-policy"]
    assert (response.headers["x-content-type-options"], response.headers["x-frame-options"]) == ("nosniff", "DENY")


def test_oversized_chunked_body_is_413(client: TestClient) -> None:
    """A body without Content-Length (chunked) above the limit is 413, like a declared one."""
    limit = client.app.state.context.settings.max_body_bytes  # type: ignore[attr-defined]

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(limit // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    response = client.post(
        "/api/v1/handoffs/x/notes", content=chunks(), headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    small = client.post(
        "/api/v1/handoffs/x/notes",
        content=iter([b'{"text": "hi"}']),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert small.status_code == 404  # the body reached the application intact


def test_rate_limit_per_token_answers_429_with_retry_after_and_spares_the_service_key(started: Any) -> None:
    """Above the per-token limit: 429, Retry-After and a JSON message; other tokens and the bot are unaffected."""
    client = started(mode="demo", rate_limit_per_token=5)
    codes = [client.get("/api/v1/agents/me", headers=agent("maria.garcia")).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    limited = client.get("/api/v1/agents/me", headers=agent("maria.garcia"))
    assert int(limited.headers["retry-after"]) >= 1
    assert "rate limit" in limited.json()["detail"]
    assert client.get("/api/v1/agents/me", headers=agent("joao.silva")).status_code == 200
    assert all(client.get("/api/v1/handoffs", headers=SERVICE).status_code == 200 for _ in range(10))
    assert started(mode="demo", rate_limit_per_token=0).get("/healthz").status_code == 200


def test_token_bucket_refills_with_time() -> None:
    """Two per minute: two pass, the third waits 30 s; after 30 s one more passes."""
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.take("k", 2), limiter.take("k", 2)] == [0.0, 0.0]
    assert limiter.take("k", 2) == pytest.approx(30.0)
    now[0] = 30.0
    assert limiter.take("k", 2) == 0.0


# --- logs ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("GET /api/v1/ws?ticket=AbC-123_x HTTP/1.1", "GET /api/v1/ws?ticket=*** HTTP/1.1"),
        ("/conversations/c/trigger_intent?output_channel=line&token=s3cr3t", "output_channel=line&token=***"),
        ("Authorization: Bearer eyJhbGci.eyJ1c2Vy.sig", "Authorization: Bearer ***"),
        ("POST /api/v1/handoffs 201", "POST /api/v1/handoffs 201"),  # nothing to mask
    ],
)
def test_log_lines_never_carry_a_credential(line: str, masked: str) -> None:
    """Credential values in query strings and bearer headers are masked."""
    assert masked in mask_secrets(line)


def test_uvicorn_access_record_is_masked_with_its_arguments() -> None:
    """The access logger's argument tuple keeps its shape; the path inside it is masked."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/api/v1/ws?ticket=abc&token=def", "1.1", 101), None,
    )  # fmt: skip
    SecretMaskingFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "GET /api/v1/ws?ticket=***&token=*** HTTP/1.1" 101'


def test_live_event_tells_the_console_when_a_reply_fails(client: TestClient, rasa: RasaStandIn) -> None:
    """A reply Rasa rejects produces ``message.delivery`` with status failed and the error, for its author."""
    from handoff.adapters.delivery import deliver_due

    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    handoff_id = created.json()["id"]
    client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=agent("claire.dubois"))
    with client.websocket_connect(ws_path(client, AGENT_TOKENS["claire.dubois"])) as ws:
        ws.receive_json()
        reply = client.post(
            f"/api/v1/handoffs/{handoff_id}/replies", json={"text": "hi"}, headers=auth("demo-agent-claire")
        )
        rasa.status_code = 404
        deliver_due(client.app.state.context, client.app.state.delivery_port)  # type: ignore[attr-defined]
        event = ws.receive_json()
    assert ("message.delivery", handoff_id) == (event["type"], event["handoff_id"])
    assert (reply.json()["message"]["id"], "failed") == (event["data"]["message_id"], event["data"]["status"])
    assert "404" in event["data"]["error"]
