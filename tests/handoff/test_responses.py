"""The hot endpoints' pre-serialised answers match what FastAPI writes for their response models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from handoff.api.responses import json_response
from handoff.schemas import HandoffOut, MessageCreated, MessageOut
from handoff.settings import Settings

AT = datetime(2026, 12, 7, 22, 15, 30, 123456, tzinfo=UTC)
HANDOFF = HandoffOut(
    id="h-1",
    status="queued",
    queue="americas",
    position=2,
    expected_wait_seconds=120,
    opens_at=None,
    language="es",
    language_covered=True,
    language_confidence=0.93,
    conversation_id="ana",
    channel="rest",
    customer_id="ana",
    customer={"name": "Ana", "vip": False},
    reason="explicit_request",
    topic="orders",
    priority="normal",
    intents=["greet", "request_human"],
    slots={"order_id": "NB-123456"},
    kb_articles_tried=["shipping-times"],
    summary="Reason: explicit request (es).",
    agent_id=None,
    created_at=AT,
    assigned_at=None,
    closed_at=None,
    resolution=None,
    return_to_bot=None,
    routing_rule="match",
    messages=[
        MessageOut(
            id=7,
            role="customer",
            text="¿dónde está mi pedido? 📦",
            language="es",
            timestamp=AT,
            client_message_id=None,
            agent_id=None,
            private=False,
        )
    ],
)
REPLY = MessageCreated(handoff_id="h-1", message=HANDOFF.messages[0], duplicate=False)  # type: ignore[index]


@pytest.mark.parametrize(
    "model",
    [
        HANDOFF,  # a handoff with a transcript, dates and non-ASCII text
        REPLY,  # a reply's answer: a nested message model
    ],
)
def test_json_response_writes_the_bytes_fastapi_writes_for_the_model(model: BaseModel) -> None:
    """The same body and content type as FastAPI's own serialisation of ``response_model=type(model)``."""
    app = FastAPI()

    @app.get("/framework", response_model=type(model))
    def framework() -> BaseModel:
        return model

    @app.get("/ours", response_model=type(model))
    def ours() -> object:
        return json_response(model, 201)

    with TestClient(app) as client:
        expected, actual = client.get("/framework"), client.get("/ours")
    assert (expected.content, expected.headers["content-type"]) == (actual.content, actual.headers["content-type"])
    assert actual.status_code == 201


def test_opentelemetry_is_off_unless_asked_for() -> None:
    """FastAPI's request telemetry is an opt-in setting (``HANDOFF_OPENTELEMETRY``), off by default."""
    assert (Settings().opentelemetry, Settings(opentelemetry=True).opentelemetry) == (False, True)
