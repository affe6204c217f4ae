"""An agent's life: disable, enable, delete (soft and hard), token rotation and expiry, and who may do it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, agent, auth, handoff_body, ws_path

SUPERVISOR = agent("emily.carter")


def new_agent(client: TestClient, agent_id: str, role: str = "agent", **extra: Any) -> str:
    """Create an emea agent through the admin API and return its token."""
    body = {"id": agent_id, "display_name": agent_id, "role": role, "languages": ["fr"], "skills": ["general"]}
    response = client.post(
        "/api/v1/agents", json={**body, "queues": ["emea"], "status": "online", **extra}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def claimed_by(client: TestClient, token: str) -> str:
    """A French handoff claimed with ``token``."""
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    handoff_id = str(created.json()["id"])
    assert client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=auth(token)).status_code == 200
    return handoff_id


def audit_actions(client: TestClient) -> list[str]:
    """Audit actions, newest first."""
    return [entry["action"] for entry in client.get("/api/v1/audit", headers=ADMIN).json()]


def test_disabled_agent_is_refused_everywhere_and_their_conversations_go_back_to_the_queue(
    client: TestClient,
) -> None:
    """Disable: API 401, no WebSocket ticket, an open socket is closed, the claimed handoff is queued again
    (audited); enable: the same token works again."""
    token = new_agent(client, "ana.test")
    handoff_id = claimed_by(client, token)
    path = ws_path(client, token)
    with client.websocket_connect(path) as ws:
        assert ws.receive_json()["type"] == "hello"
        disabled = client.post("/api/v1/agents/ana.test/disable", headers=SUPERVISOR)
        assert (disabled.status_code, disabled.json()["disabled"], disabled.json()["status"]) == (200, True, "offline")
        with pytest.raises(WebSocketDisconnect):
            while True:  # events of the requeue may arrive first; then the socket closes
                ws.receive_json()
    assert client.get("/api/v1/agents/me", headers=auth(token)).status_code == 401
    assert client.post("/api/v1/realtime/ticket", headers=auth(token)).status_code == 401
    handoff = client.get(f"/api/v1/handoffs/{handoff_id}", headers=ADMIN).json()
    assert (handoff["status"], handoff["agent_id"]) == ("queued", None)
    assert {"agent_disabled", "requeued"} <= set(audit_actions(client)[:3])
    assert client.post("/api/v1/agents/ana.test/enable", headers=SUPERVISOR).status_code == 200
    assert client.get("/api/v1/agents/me", headers=auth(token)).status_code == 200


def test_ticket_of_an_agent_disabled_before_redeeming_it_is_refused(client: TestClient) -> None:
    """A ticket bought before the agent was disabled does not open a socket afterwards."""
    token = new_agent(client, "bo.test")
    path = ws_path(client, token)
    client.post("/api/v1/agents/bo.test/disable", headers=ADMIN)
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(path) as ws:
        ws.receive_json()


@pytest.mark.parametrize("hard", [False, True])
def test_deleted_agent_is_gone_audited_and_their_conversations_requeued(client: TestClient, hard: bool) -> None:
    """Soft delete keeps the row (listed with include_deleted), hard delete removes it; both refuse the token,
    requeue the open handoff and are audited."""
    token = new_agent(client, "cy.test")
    handoff_id = claimed_by(client, token)
    response = client.delete(f"/api/v1/agents/cy.test?hard={str(hard).lower()}", headers=SUPERVISOR)
    assert response.status_code == 204
    assert client.get("/api/v1/agents/me", headers=auth(token)).status_code == 401
    assert client.get(f"/api/v1/handoffs/{handoff_id}", headers=ADMIN).json()["status"] == "queued"
    listed = [a["id"] for a in client.get("/api/v1/agents", headers=ADMIN).json()]
    everyone = [a["id"] for a in client.get("/api/v1/agents?include_deleted=true", headers=ADMIN).json()]
    assert "cy.test" not in listed
    assert ("cy.test" in everyone) is not hard
    entry = next(e for e in client.get("/api/v1/audit", headers=ADMIN).json() if e["action"] == "agent_deleted")
    assert (entry["actor"], entry["details"]) == ("agent:emily.carter", {"agent_id": "cy.test", "hard": hard})


def test_rotation_kills_the_old_token_at_once_and_returns_the_new_one_once(client: TestClient) -> None:
    """After rotation the old token is 401 and the new one works; nothing else ever shows a token."""
    old = new_agent(client, "di.test")
    rotated = client.post("/api/v1/agents/di.test/token", headers=SUPERVISOR)
    assert rotated.status_code == 200
    new = rotated.json()["token"]
    assert new != old
    assert client.get("/api/v1/agents/me", headers=auth(old)).status_code == 401
    assert client.get("/api/v1/agents/me", headers=auth(new)).status_code == 200
    assert new not in client.get("/api/v1/agents?include_deleted=true", headers=ADMIN).text
    assert new not in client.get("/api/v1/audit", headers=ADMIN).text
    mine = client.post("/api/v1/agents/me/token", headers=auth(new))
    assert client.get("/api/v1/agents/me", headers=auth(new)).status_code == 401
    assert client.get("/api/v1/agents/me", headers=auth(mine.json()["token"])).status_code == 200
    assert "agent_token_rotated" in audit_actions(client)


def test_expired_token_is_refused(client: TestClient, clock: FrozenClock) -> None:
    """A token with ``expires_at`` works until then and is 401 afterwards (API and ticket alike)."""
    token = new_agent(client, "ed.test", expires_at=(clock.now + timedelta(hours=1)).isoformat())
    assert client.get("/api/v1/agents/me", headers=auth(token)).status_code == 200
    clock.advance(hours=1, seconds=1)
    assert client.get("/api/v1/agents/me", headers=auth(token)).status_code == 401
    assert client.post("/api/v1/realtime/ticket", headers=auth(token)).status_code == 401
    past = client.post("/api/v1/agents/ed.test/token", json={"expires_at": "2000-01-01T00:00:00Z"}, headers=ADMIN)
    assert past.status_code == 422
    renewed = client.post(
        "/api/v1/agents/ed.test/token", json={"expires_at": (clock.now + timedelta(days=1)).isoformat()}, headers=ADMIN
    )
    assert client.get("/api/v1/agents/me", headers=auth(renewed.json()["token"])).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/v1/agents/root.admin", {"role": "agent"}),  # demote
        ("PATCH", "/api/v1/agents/root.admin", {"display_name": "pwned"}),  # edit
        ("POST", "/api/v1/agents/root.admin/disable", None),
        ("POST", "/api/v1/agents/root.admin/token", None),  # take over by rotating
        ("DELETE", "/api/v1/agents/root.admin", None),
        ("DELETE", "/api/v1/agents/root.admin?hard=true", None),
        ("PATCH", "/api/v1/agents/maria.garcia", {"role": "admin"}),  # promote someone
    ],
)
def test_a_supervisor_cannot_touch_an_admin_or_make_one(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """Each of these is 403 for a supervisor, and the admin still works unchanged."""
    admin_token = new_agent(client, "root.admin", role="admin")
    response = client.request(method, path, json=body, headers=SUPERVISOR)
    assert response.status_code == 403, response.text
    me = client.get("/api/v1/agents/me", headers=auth(admin_token)).json()
    assert (me["role"], me["display_name"], me["disabled"]) == ("admin", "root.admin", False)
    maria = next(a for a in client.get("/api/v1/agents", headers=ADMIN).json() if a["id"] == "maria.garcia")
    assert maria["role"] == "agent"


def test_an_admin_may_manage_an_admin(client: TestClient) -> None:
    """The same operations succeed for the admin token."""
    new_agent(client, "root.admin", role="admin")
    assert client.patch("/api/v1/agents/root.admin", json={"role": "supervisor"}, headers=ADMIN).status_code == 200
    assert client.post("/api/v1/agents/root.admin/disable", headers=ADMIN).status_code == 200
    assert client.delete("/api/v1/agents/root.admin", headers=ADMIN).status_code == 204


def test_plain_agents_cannot_manage_agents(client: TestClient) -> None:
    """An agent token gets 403 for every management call."""
    maria = agent("maria.garcia")
    assert client.post("/api/v1/agents/joao.silva/disable", headers=maria).status_code == 403
    assert client.post("/api/v1/agents/joao.silva/token", headers=maria).status_code == 403
    assert client.delete("/api/v1/agents/joao.silva", headers=maria).status_code == 403


@pytest.mark.parametrize("state", ["disabled", "expired"])
def test_auto_assignment_skips_agents_who_cannot_sign_in(client: TestClient, clock: FrozenClock, state: str) -> None:
    """An online agent who is disabled or whose token expired gets no work in an auto-assign queue."""
    queue = {"languages": ["fr"], "skills": ["general"], "hours": {"daily": ["00:00-24:00"]}, "auto_assign": True}
    assert client.put("/api/v1/queues/fr-auto", json=queue, headers=ADMIN).status_code == 200
    for name in ("emea", "americas", "apac", "billing-global"):
        client.put(f"/api/v1/queues/{name}", json={**queue, "languages": ["zh"], "auto_assign": False}, headers=ADMIN)
    expiry = (clock.now + timedelta(minutes=5)).isoformat()
    token = new_agent(client, "solo.test", queues=["fr-auto"], expires_at=expiry)
    if state == "disabled":
        client.post("/api/v1/agents/solo.test/disable", headers=ADMIN)
        client.patch("/api/v1/agents/solo.test", json={"status": "online"}, headers=ADMIN)  # refused: 409
    else:
        clock.advance(minutes=6)
    created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    assert (created.json()["queue"], created.json()["status"]) == ("fr-auto", "queued")
    assert client.get("/api/v1/agents/me", headers=auth(token)).status_code == 401
