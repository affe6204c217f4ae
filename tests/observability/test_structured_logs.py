"""The JSON line format, request ids and the handoff service's access lines (real app, real SQLite)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import structured_logs as logs
from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.testkit import (
    ADMIN_TOKEN,
    MONDAY_AFTERNOON_UTC,
    RASA_JWT_SECRET,
    SERVICE,
    SERVICE_KEY,
    FrozenClock,
    RasaStandIn,
    handoff_body,
    port_factory,
)


def test_a_sane_caller_id_is_kept_and_anything_else_replaced() -> None:
    assert logs.accepted_request_id("req-0123456789") == "req-0123456789"
    for bad in (None, "", "short", "a b c d e f g h", "x" * 129, "id\nforged-line-000"):
        replaced = logs.accepted_request_id(bad)
        assert replaced != bad and len(replaced) == 32 and replaced.isalnum()


def test_json_is_the_default_in_production_and_the_setting_wins() -> None:
    assert logs.json_logs_wanted({})
    assert logs.json_logs_wanted({"NIMBUS_MODE": "production"})
    assert not logs.json_logs_wanted({"NIMBUS_MODE": "demo"})
    assert logs.json_logs_wanted({"NIMBUS_MODE": "demo", "NIMBUS_LOG_FORMAT": "JSON"})
    assert not logs.json_logs_wanted({"NIMBUS_LOG_FORMAT": "text"})
    with pytest.raises(ValueError):
        logs.json_logs_wanted({"NIMBUS_LOG_FORMAT": "xml"})


def test_a_line_carries_the_bound_request_and_the_conversation_pseudonym_only() -> None:
    logs.bind_request("req-abcdefgh")
    logs.bind_conversation("+34600111222")
    record = logging.LogRecord("actions.access", logging.INFO, __file__, 1, "action %s", ("action_x",), None)
    record.duration_ms = 3.5
    line = json.loads(logs.JsonFormatter("actions").format(record))
    assert line["request_id"] == "req-abcdefgh"
    assert line["conversation"] == logs.conversation_pseudonym("+34600111222")
    assert "+34600111222" not in json.dumps(line)
    assert (line["service"], line["message"], line["duration_ms"], line["level"]) == (
        "actions",
        "action action_x",
        3.5,
        "info",
    )
    assert logs.outgoing_headers() == {"X-Request-ID": "req-abcdefgh"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'handoff.sqlite3'}",
        var_dir=tmp_path / "var",
        service_key=SERVICE_KEY,
        admin_token=ADMIN_TOKEN,
        delivery_interval_seconds=0,
        inactivity_check_seconds=0,
        retention_check_seconds=0,
        qa_interval_seconds=0,
        rasa_url="http://rasa.test:5005",
        rasa_jwt_secret=RASA_JWT_SECRET,
        mode="demo",
    )
    clock = FrozenClock(MONDAY_AFTERNOON_UTC)
    app = create_app(settings, clock=clock, delivery_port_factory=port_factory(RasaStandIn()))
    with TestClient(app) as test_client:
        yield test_client


def test_handoff_service_echoes_the_request_id_and_logs_the_route_not_the_path(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = "obs-34600111222"
    body = handoff_body(conversation_id=conversation)
    with caplog.at_level(logging.INFO, logger="handoff.access"):
        created = client.post("/api/v1/handoffs", json=body, headers={**SERVICE, "X-Request-ID": "req-create-0001"})
        relayed = client.post(
            f"/api/v1/conversations/{conversation}/messages",
            json={"message_id": "m1", "text": "secret words"},
            headers={**SERVICE, "X-Request-ID": "req-relay-0001"},
        )
        anonymous = client.get("/api/v1/handoffs")
    assert created.status_code == 201 and relayed.status_code == 201, (created.text, relayed.text)
    assert created.headers["X-Request-ID"] == "req-create-0001"
    assert len(anonymous.headers["X-Request-ID"]) == 32
    formatter = logs.JsonFormatter("handoff")
    lines = [json.loads(formatter.format(record)) for record in caplog.records if record.name == "handoff.access"]
    by_id = {line.get("request_id"): line for line in lines}
    relay = by_id["req-relay-0001"]
    assert relay["route"] == "/api/v1/conversations/{conversation_id}/messages" and relay["status"] == 201
    assert relay["conversation"] == logs.conversation_pseudonym(conversation)
    assert by_id["req-create-0001"]["route"] == "/api/v1/handoffs"
    text = json.dumps(lines)
    assert "34600111222" not in text and "secret words" not in text
