"""Live updates across worker processes through Redis pub/sub (needs Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.testkit import (
    ADMIN_TOKEN,
    AGENT_TOKENS,
    SERVICE,
    SERVICE_KEY,
    FrozenClock,
    RasaStandIn,
    handoff_body,
    port_factory,
    ws_path,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_channel() -> str:
    """A channel of its own for this test; skips when Redis is not running."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    return f"handoff-test-{uuid.uuid4().hex[:8]}"


def test_console_on_one_worker_sees_handoff_created_on_another(
    tmp_path: Path, redis_channel: str, rasa: RasaStandIn, clock: FrozenClock
) -> None:
    """Worker A holds the agent's WebSocket; the bot's request lands on worker B; the event still arrives."""
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        var_dir=tmp_path / "var",
        service_key=SERVICE_KEY,
        admin_token=ADMIN_TOKEN,
        delivery_interval_seconds=0,
        redis_url=REDIS_URL,
        redis_channel=redis_channel,
        mode="demo",
    )
    worker_a = create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))
    worker_b = create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))
    with (
        TestClient(worker_a) as a,
        TestClient(worker_b) as b,
        a.websocket_connect(ws_path(a, AGENT_TOKENS["claire.dubois"])) as ws,
    ):
        ws.receive_json()
        created = b.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
        event = ws.receive_json()
        assert ("handoff.created", created.json()["id"]) == (event["type"], event["handoff_id"])
