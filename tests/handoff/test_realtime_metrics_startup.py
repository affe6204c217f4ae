"""Live updates over WebSocket, Prometheus metrics, health probes, and first-start behaviour."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.testkit import (
    ADMIN,
    AGENT_TOKENS,
    SERVICE,
    FrozenClock,
    RasaStandIn,
    agent,
    handoff_body,
    port_factory,
    ws_path,
)


def test_websocket_streams_new_handoffs_messages_and_assignments(client: TestClient) -> None:
    """An emea agent hears about a new French handoff, its claim, and the customer's next message."""
    with client.websocket_connect(ws_path(client, AGENT_TOKENS["claire.dubois"])) as ws:
        assert ws.receive_json()["type"] == "hello"
        created = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
        hid = created.json()["id"]
        event = ws.receive_json()
        assert ("handoff.created", hid, "emea") == (event["type"], event["handoff_id"], event["queue"])
        client.post(f"/api/v1/handoffs/{hid}/claim", headers=agent("claire.dubois"))
        assert ws.receive_json()["type"] == "handoff.assigned"
        client.post(f"/api/v1/handoffs/{hid}/messages", json={"message_id": "w1", "text": "allô ?"}, headers=SERVICE)
        message = ws.receive_json()
        assert (message["type"], message["data"]["message"]["text"]) == ("message.customer", "allô ?")


def test_websocket_other_queues_hear_nothing_and_bad_token_is_refused(client: TestClient) -> None:
    """A billing-global agent does not get the emea event; the next frame is the overflowed Chinese handoff
    (Shanghai is closed at 23:00); a bad ticket is refused."""
    with client.websocket_connect(ws_path(client, AGENT_TOKENS["sam.okoro"])) as ws:
        ws.receive_json()
        client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
        zh = client.post("/api/v1/handoffs", json=handoff_body(language="zh", topic="general"), headers=SERVICE).json()
        event = ws.receive_json()
        assert (zh["id"], "billing-global", False) == (event["handoff_id"], event["queue"], zh["language_covered"])
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/api/v1/ws?ticket=wrong") as ws:
        ws.receive_json()


def test_metrics_expose_queue_depth_and_handoffs_by_language(client: TestClient, clock: FrozenClock) -> None:
    """After two handoffs and ten minutes, depth, counts by language/reason/queue and SLA breach gauges show."""
    client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    clock.advance(minutes=10)
    text = client.get("/metrics", headers=SERVICE).text
    assert 'handoff_queue_depth{queue="emea"} 2.0' in text
    assert 'handoff_created_total{language="fr",queue="emea",reason="explicit_request",rule="match"} 2.0' in text
    assert 'handoff_queue_sla_breaching{queue="emea"} 2.0' in text
    hid = client.get("/api/v1/handoffs", headers=SERVICE).json()[0]["id"]
    client.post(f"/api/v1/handoffs/{hid}/claim", headers=agent("claire.dubois"))
    text = client.get("/metrics", headers=SERVICE).text
    assert 'handoff_sla_breaches_total{queue="emea"} 1.0' in text
    assert 'handoff_wait_seconds_count{queue="emea"} 1.0' in text


def test_health_and_readiness(client: TestClient) -> None:
    """Both probes answer without credentials."""
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"


def test_first_start_generates_secrets_0600_logs_only_the_admin_token_path_and_loads_demo(
    tmp_path: Path, rasa: RasaStandIn, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without configured secrets: files with mode 0600 in a 0700 directory, the database 0600, the admin token's
    file path (never the token) in the log, the same secrets on restart, demo queues and agents present."""
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'data' / 'db.sqlite3'}",
        var_dir=tmp_path / "var",
        delivery_interval_seconds=0,
        mode="demo",
    )
    with TestClient(create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))) as client:
        key = (tmp_path / "var" / "handoff_service_key").read_text().strip()
        admin = (tmp_path / "var" / "handoff_admin_token").read_text().strip()
        for name in ("handoff_service_key", "handoff_admin_token"):
            assert stat.S_IMODE((tmp_path / "var" / name).stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "data" / "db.sqlite3").stat().st_mode) == 0o600
        first_start_log = capsys.readouterr().err
        assert admin not in first_start_log
        assert str(tmp_path / "var" / "handoff_admin_token") in first_start_log
        queues = client.get("/api/v1/queues", headers={"Authorization": f"Bearer {admin}"}).json()
        demo_queues = {"americas", "emea", "apac", "japan", "vietnam", "billing-global", "global-translated"}
        assert demo_queues == {q["name"] for q in queues}
        assert client.get("/api/v1/handoffs", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    with TestClient(create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))) as client:
        assert admin not in capsys.readouterr().err
        assert client.get("/api/v1/agents", headers={"Authorization": f"Bearer {admin}"}).status_code == 200
        assert key == (tmp_path / "var" / "handoff_service_key").read_text().strip()


def test_demo_roster_covers_every_queue_language(client: TestClient) -> None:
    """Every demo queue has online agents for each of its languages."""
    queues = client.get("/api/v1/queues", headers=ADMIN).json()
    agents = client.get("/api/v1/agents", headers=ADMIN).json()
    for queue in queues:
        for language in queue["languages"]:
            assert any(queue["name"] in a["queues"] and language in a["languages"] for a in agents), (queue, language)


def test_metrics_need_a_token_unless_public(client: TestClient) -> None:
    """No token → 401, an agent → 403, the service key or admin → 200."""
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=agent("li.wei")).status_code == 403
    assert client.get("/metrics", headers=ADMIN).status_code == 200


def test_two_workers_starting_together_migrate_and_load_demo_once(
    database_url: str, tmp_path: Path, rasa: RasaStandIn, clock: FrozenClock
) -> None:
    """Two app instances (as with ``uvicorn --workers 2``) start at once on one empty database and one var
    directory: both come up, the demo is loaded once, and they share the generated secrets."""
    import threading

    settings = Settings(
        _env_file=None,
        database_url=database_url,
        var_dir=tmp_path / "shared-var",
        delivery_interval_seconds=0,
        mode="demo",
    )
    barrier = threading.Barrier(2)
    keys: list[str] = []
    errors: list[BaseException] = []

    def start() -> None:
        app = create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))
        barrier.wait()
        try:
            with TestClient(app) as client:
                keys.append(app.state.credentials.service_key)
                admin = {"Authorization": f"Bearer {app.state.credentials.admin_token}"}
                assert len(client.get("/api/v1/queues", headers=admin).json()) == 7
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(keys) == 2
    assert keys[0] == keys[1]
