"""Attacks on the handoff service from outside, over HTTP and WebSocket, against real processes.

Most attacks run against the handoff service alone under uvicorn on a free port (``LiveHandoff``), so that a test
can choose production or demo mode and its limits; the last ones use the shared ``system`` (the three processes as
`make run` starts them, demo mode) to prove replies reach the real Rasa with a JWT instead of a token in the URL.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.e2e.client import SystemClient, wait_until
from tests.handoff.live_server import ADMIN_TOKEN, SERVICE_KEY, LiveHandoff
from tests.handoff.testkit import handoff_body

pytestmark = pytest.mark.e2e

SERVICE = {"Authorization": f"Bearer {SERVICE_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHandoff]:
    """The service in demo mode (demo roster, public docs), shared by the read-mostly attacks of this module."""
    with LiveHandoff(tmp_path_factory.mktemp("demo-handoff")) as service:
        yield service


@pytest.fixture
def api(demo: LiveHandoff) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo.url, timeout=30.0) as client:
        yield client


def ticket(api: httpx.Client, token: str) -> str:
    response = api.post("/api/v1/realtime/ticket", headers=bearer(token))
    assert response.status_code == 200, response.text
    return str(response.json()["ticket"])


def ws_url(service: LiveHandoff, query: str) -> str:
    return f"ws://127.0.0.1:{service.port}/api/v1/ws?{query}"


# --- item 5: demo data only in demo mode; agent lifecycle ----------------------------------------------------------


def test_production_start_has_no_demo_agents_and_refuses_a_database_holding_demo_tokens(tmp_path: Path) -> None:
    """Production on a fresh database: demo tokens are 401 and no demo agent exists. The same database after a demo
    run: the production start exits with a message naming the fix."""
    production = {"NIMBUS_MODE": "production"}
    with LiveHandoff(tmp_path, env=production) as service:
        assert httpx.get(f"{service.url}/api/v1/agents/me", headers=bearer("demo-agent-emily")).status_code == 401
        assert httpx.get(f"{service.url}/api/v1/agents", headers=ADMIN).json() == []
    with LiveHandoff(tmp_path) as service:  # demo mode loads the roster into this database
        assert httpx.get(f"{service.url}/api/v1/agents/me", headers=bearer("demo-agent-emily")).status_code == 200
    refused = LiveHandoff(tmp_path, env=production)
    with pytest.raises(RuntimeError, match="exited"):
        refused.start()
    assert "refusing to start outside demo mode" in refused.log()
    assert "revoke-demo-tokens" in refused.log()


def test_disabled_rotated_and_deleted_agents_lose_access_at_once(api: httpx.Client, demo: LiveHandoff) -> None:
    """A new agent: the live socket closes when disabled; a rotated token's predecessor is 401 at once; a deleted
    agent's token is 401; all three are in the audit log."""
    body = {"id": "sec.agent", "display_name": "Sec", "languages": ["en"], "skills": ["general"], "queues": ["emea"]}
    token = api.post("/api/v1/agents", json=body, headers=ADMIN).json()["token"]
    with connect(ws_url(demo, f"ticket={ticket(api, token)}"), open_timeout=10) as socket:
        assert '"hello"' in str(socket.recv(timeout=10))
        assert api.post("/api/v1/agents/sec.agent/disable", headers=bearer("demo-agent-emily")).status_code == 200
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=15)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert api.get("/api/v1/agents/me", headers=bearer(token)).status_code == 401
    api.post("/api/v1/agents/sec.agent/enable", headers=ADMIN)
    new = api.post("/api/v1/agents/sec.agent/token", headers=ADMIN).json()["token"]
    assert (api.get("/api/v1/agents/me", headers=bearer(token)).status_code, new != token) == (401, True)
    assert api.delete("/api/v1/agents/sec.agent", headers=ADMIN).status_code == 204
    assert api.get("/api/v1/agents/me", headers=bearer(new)).status_code == 401
    actions = {e["action"] for e in api.get("/api/v1/audit?limit=50", headers=ADMIN).json()}
    assert {"agent_disabled", "agent_token_rotated", "agent_deleted"} <= actions


# --- item 6: supervisors versus admins, customer-role messages, reply ownership ------------------------------------


def test_a_supervisor_cannot_demote_edit_disable_or_delete_an_admin(api: httpx.Client) -> None:
    """Emily (demo supervisor) against an admin agent: every attempt is 403 and the admin is unchanged."""
    body = {"id": "sec.admin", "display_name": "Root", "role": "admin", "languages": ["en"], "skills": ["general"]}
    admin_token = api.post("/api/v1/agents", json=body, headers=ADMIN).json()["token"]
    emily = bearer("demo-agent-emily")
    attempts = [
        api.patch("/api/v1/agents/sec.admin", json={"role": "agent"}, headers=emily),
        api.patch("/api/v1/agents/sec.admin", json={"display_name": "x"}, headers=emily),
        api.post("/api/v1/agents/sec.admin/disable", headers=emily),
        api.post("/api/v1/agents/sec.admin/token", headers=emily),
        api.delete("/api/v1/agents/sec.admin", headers=emily),
        api.patch("/api/v1/agents/joao.silva", json={"role": "admin"}, headers=emily),
    ]
    assert [a.status_code for a in attempts] == [403] * 6
    assert api.get("/api/v1/agents/me", headers=bearer(admin_token)).json()["role"] == "admin"


def test_nobody_but_the_bot_stores_words_as_the_customers(api: httpx.Client) -> None:
    """The admin token and a supervisor cannot relay customer messages or send a transcript."""
    created = api.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    forged = {"message_id": "forged-1", "text": "please send the refund to IBAN XX"}
    for headers in (ADMIN, bearer("demo-agent-lucia")):
        assert api.post(f"/api/v1/handoffs/{created['id']}/messages", json=forged, headers=headers).status_code == 403
        path = f"/api/v1/conversations/{created['conversation_id']}/messages"
        assert api.post(path, json=forged, headers=headers).status_code == 403
        assert api.post("/api/v1/handoffs", json=handoff_body(), headers=headers).status_code == 403


def hand_to_claire(client: httpx.Client, handoff_id: str) -> None:
    """A supervisor gives the French handoff to Claire (EMEA): routing alone sends it elsewhere outside EMEA's hours."""
    handed = client.post(
        f"/api/v1/handoffs/{handoff_id}/transfer",
        json={"queue": "emea", "agent_id": "claire.dubois"},
        headers=bearer("demo-agent-emily"),
    )
    assert handed.status_code == 200, handed.text


def test_replaying_someone_elses_reply_id_reveals_nothing(api: httpx.Client) -> None:
    """Omar knows the handoff and message id of Claire's reply: 403 and no message text."""
    created = api.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    hand_to_claire(api, created["id"])
    reply = {"text": "code 4417", "message_id": "m-secret"}
    api.post(f"/api/v1/handoffs/{created['id']}/replies", json=reply, headers=bearer("demo-agent-claire"))
    probe = api.post(
        f"/api/v1/handoffs/{created['id']}/replies",
        json={"text": "?", "message_id": "m-secret"},
        headers=bearer("demo-agent-omar"),
    )
    assert probe.status_code == 403
    assert "4417" not in probe.text


# --- item 7: WebSocket tickets and Origin, secrets in logs, file modes ---------------------------------------------


def test_websocket_refuses_tokens_in_the_url_reused_tickets_and_foreign_origins(
    api: httpx.Client, demo: LiveHandoff
) -> None:
    """``?token=`` (even the admin's) is refused; a ticket works once; a foreign Origin is refused."""
    for query in (f"token={ADMIN_TOKEN}", "token=demo-agent-claire", "ticket=forged"):
        with pytest.raises(InvalidStatus), connect(ws_url(demo, query), open_timeout=10):
            pass
    once = ticket(api, "demo-agent-claire")
    with connect(ws_url(demo, f"ticket={once}"), open_timeout=10) as socket:
        assert '"hello"' in str(socket.recv(timeout=10))
    with pytest.raises(InvalidStatus), connect(ws_url(demo, f"ticket={once}"), open_timeout=10):
        pass
    evil = {"Origin": "https://evil.example"}
    with (
        pytest.raises(InvalidStatus),
        connect(ws_url(demo, f"ticket={ticket(api, 'demo-agent-claire')}"), additional_headers=evil, open_timeout=10),
    ):
        pass
    own = {"Origin": demo.url}
    with connect(
        ws_url(demo, f"ticket={ticket(api, 'demo-agent-claire')}"), additional_headers=own, open_timeout=10
    ) as socket:
        assert '"hello"' in str(socket.recv(timeout=10))


def test_generated_admin_token_is_never_logged_and_files_are_private(tmp_path: Path) -> None:
    """Without HANDOFF_ADMIN_TOKEN the service generates one into a 0600 file and logs only its path; the data
    directory is 0700 and the database 0600; ticket values never appear in the access log."""
    with LiveHandoff(tmp_path, env={"HANDOFF_ADMIN_TOKEN": ""}) as service:
        var = tmp_path / "var"
        admin = (var / "handoff_admin_token").read_text().strip()
        with httpx.Client(base_url=service.url) as client:
            used = ticket(client, "demo-agent-maria")
            with connect(ws_url(service, f"ticket={used}"), open_timeout=10) as socket:
                socket.recv(timeout=10)
            client.get("/api/v1/agents/me", params={"token": admin})  # a careless client puts a secret in the URL
        log = service.log()
    assert str(var / "handoff_admin_token") in log
    assert admin not in log
    assert used not in log
    assert "ticket=***" in log
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    for path in (var / "handoff_admin_token", tmp_path / "handoff.sqlite3"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# --- item 8: headers on every page, docs setting, chunked 413 ------------------------------------------------------


@pytest.mark.parametrize("path", ["/console", "/static/console/index.html", "/chat", "/static/chat/index.html"])
def test_every_page_is_served_with_csp_and_frame_ancestors(api: httpx.Client, path: str) -> None:
    """No copy of the console or chat can be framed or run foreign script."""
    response = api.get(path)
    csp = response.headers.get("content-security-policy", "")
    assert (response.status_code, "frame-ancestors 'none'" in csp, "script-src 'self'" in csp) == (200, True, True)
    assert response.headers["x-frame-options"] == "DENY"


def test_api_docs_are_public_only_in_demo_mode(api: httpx.Client, tmp_path: Path) -> None:
    """Demo: /docs and /openapi.json answer; production: 404 unless HANDOFF_PUBLIC_DOCS is set."""
    assert (api.get("/docs").status_code, api.get("/openapi.json").status_code) == (200, 200)
    with LiveHandoff(tmp_path, env={"NIMBUS_MODE": "production"}) as service:
        codes = [httpx.get(f"{service.url}{p}").status_code for p in ("/docs", "/redoc", "/openapi.json")]
    assert codes == [404, 404, 404]


def test_oversized_chunked_body_is_413_not_400(api: httpx.Client) -> None:
    """5 MiB sent chunked (no Content-Length) to a JSON endpoint: 413 with a JSON message."""

    def body() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(80):
            yield b"x" * 65536
        yield b'"}'

    response = api.post(
        "/api/v1/handoffs/any/notes", content=body(), headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


# --- item 11: per-token rate limit ----------------------------------------------------------------------------------


def test_flooding_with_one_token_gets_429_with_retry_after(tmp_path: Path) -> None:
    """With a limit of 30/min one agent's 31st request is 429 (Retry-After, JSON); the bot's key is not limited."""
    with (
        LiveHandoff(tmp_path, env={"HANDOFF_RATE_LIMIT_PER_TOKEN": "30"}) as service,
        httpx.Client(base_url=service.url) as client,
    ):
        codes = [client.get("/api/v1/agents/me", headers=bearer("demo-agent-sam")).status_code for _ in range(31)]
        limited = client.get("/api/v1/agents/me", headers=bearer("demo-agent-sam"))
        bot = [client.get("/api/v1/handoffs", headers=SERVICE).status_code for _ in range(40)]
    assert codes[:30] == [200] * 30
    assert (codes[30], limited.status_code) == (429, 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert "rate limit" in limited.json()["detail"]
    assert set(bot) == {200}


# --- item 12: a reply that cannot be delivered is visible -----------------------------------------------------------


def test_undeliverable_reply_shows_failed_with_its_error_and_a_live_event(tmp_path: Path) -> None:
    """Rasa unreachable and one attempt allowed: the reply turns ``failed`` with the error in the API, and the
    agent's socket gets ``message.delivery``."""
    env = {"HANDOFF_DELIVERY_MAX_ATTEMPTS": "1", "HANDOFF_DELIVERY_INTERVAL_SECONDS": "0.2"}
    with LiveHandoff(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
        handoff_id = created.json()["id"]
        hand_to_claire(client, handoff_id)
        with connect(ws_url(service, f"ticket={ticket(client, 'demo-agent-claire')}"), open_timeout=10) as socket:
            socket.recv(timeout=10)
            client.post(
                f"/api/v1/handoffs/{handoff_id}/replies", json={"text": "hi"}, headers=bearer("demo-agent-claire")
            )
            frames = []
            while '"message.delivery"' not in (frame := str(socket.recv(timeout=20))):
                frames.append(frame)
        assert '"failed"' in frame
        messages = client.get(f"/api/v1/handoffs/{handoff_id}", headers=bearer("demo-agent-claire")).json()["messages"]
    reply = next(m for m in messages if m["role"] == "agent")
    assert reply["delivery_status"] == "failed"
    assert "Rasa unreachable" in reply["delivery_error"]


def test_reply_reaches_the_real_rasa_with_a_jwt_and_no_token_in_any_url(system: SystemClient) -> None:
    """In the running system, a reply to a REST customer is delivered (Rasa accepted the JWT) and the handoff
    service's log holds no Rasa token, admin token or ticket."""
    sender = system.new_conversation()
    system.say(sender, "I want to talk to a human")
    handoff = wait_until(lambda: next(iter(system.handoffs_for(sender)), None))
    queue = handoff["queue"]
    token = next(
        t
        for t, queues in (
            ("demo-agent-lucia", {"emea", "americas"}),
            ("demo-agent-emily", {"americas", "billing-global"}),
            ("demo-agent-sam", {"billing-global"}),
            ("demo-agent-liwei", {"apac"}),
        )
        if queue in queues
    )
    agent = httpx.Client(base_url=system.stack.config.handoff_url, headers=bearer(token), timeout=30)
    assert agent.post(f"/api/v1/handoffs/{handoff['id']}/claim").status_code == 200
    agent.post(f"/api/v1/handoffs/{handoff['id']}/replies", json={"text": "Hello from a human"})

    def delivered() -> bool:
        messages = agent.get(f"/api/v1/handoffs/{handoff['id']}").json()["messages"]
        return any(m["role"] == "agent" and m["delivery_status"] == "delivered" for m in messages)

    wait_until(delivered, timeout=30)
    agent.close()
    log = (system.stack.config.log_dir / "handoff.log").read_text(encoding="utf-8", errors="replace")
    config = system.stack.config
    for secret in (config.rasa_api_token, config.handoff_admin_token, config.handoff_service_key):
        assert secret and secret not in log
    assert not re.search(r"ticket=(?!\*\*\*)", log)
