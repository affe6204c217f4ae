"""Found by the soak in the scaled set-up: with two handoff-service workers over one database, a reply another worker
is still sending (or that a killed worker left `sending` until its restart) was overtaken by the conversation's next
reply, so the customer got them out of order. The next entry now waits for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from handoff.adapters.delivery import deliver_due
from handoff.main import create_app
from handoff.services.context import ServiceContext
from handoff.settings import Settings
from handoff.store.models import OutboxEntry
from tests.handoff.testkit import (
    ADMIN_TOKEN,
    MONDAY_AFTERNOON_UTC,
    RASA_JWT_SECRET,
    SERVICE,
    SERVICE_KEY,
    FrozenClock,
    RasaStandIn,
    agent,
    handoff_body,
    port_factory,
)


@pytest.fixture
def rasa() -> RasaStandIn:
    return RasaStandIn()


@pytest.fixture
def client(tmp_path: Path, rasa: RasaStandIn) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'handoff.sqlite3'}",
        var_dir=tmp_path / "var",
        service_key=SERVICE_KEY,
        admin_token=ADMIN_TOKEN,
        delivery_interval_seconds=0,  # the test runs the delivery passes itself
        inactivity_check_seconds=0,
        retention_check_seconds=0,
        qa_interval_seconds=0,
        rasa_url="http://rasa.test:5005",
        rasa_jwt_secret=RASA_JWT_SECRET,
        mode="demo",
    )
    app = create_app(settings, clock=FrozenClock(MONDAY_AFTERNOON_UTC), delivery_port_factory=port_factory(rasa))
    with TestClient(app) as test_client:
        yield test_client


def set_status(ctx: ServiceContext, entry_id: int, status: str) -> None:
    with ctx.sessions() as session:
        session.execute(update(OutboxEntry).where(OutboxEntry.id == entry_id).values(status=status))
        session.commit()


def test_a_reply_another_worker_is_sending_is_not_overtaken(client: TestClient, rasa: RasaStandIn) -> None:
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    port = client.app.state.delivery_port  # type: ignore[attr-defined]
    handoff = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE)
    hid = handoff.json()["id"]
    client.post(f"/api/v1/handoffs/{hid}/claim", headers=agent("claire.dubois")).raise_for_status()
    for text in ("one", "two"):
        client.post(f"/api/v1/handoffs/{hid}/replies", json={"text": text}, headers=agent("claire.dubois"))
    with ctx.sessions() as session:
        first, _second = session.scalars(select(OutboxEntry.id).order_by(OutboxEntry.id)).all()

    set_status(ctx, first, "sending")  # claimed by the other worker, not sent yet
    assert deliver_due(ctx, port).sent == 0
    assert rasa.calls == []

    set_status(ctx, first, "sent")  # the other worker finished
    assert deliver_due(ctx, port).sent == 1
    assert [call["json"]["entities"]["agent_message"] for call in rasa.calls] == ["two"]
