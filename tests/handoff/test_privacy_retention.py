"""Retention: closed conversations and Rasa trackers older than ``HANDOFF_RETENTION_DAYS`` go, audited; the
background pass runs at start so a service that was down catches up."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.privacy_kit import StoresStandIn, privacy_settings
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, handoff_body, port_factory

DAY = 86_400


@pytest.fixture
def stores(settings: Settings) -> StoresStandIn:
    """Rasa and the action server, up."""
    assert settings.rasa_jwt_secret
    return StoresStandIn(jwt_secret=settings.rasa_jwt_secret)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, rasa: RasaStandIn, stores: StoresStandIn) -> FastAPI:
    """The service with the default 90-day retention, the pass driven by the test."""
    return create_app(
        privacy_settings(settings, retention_days=90),
        clock=clock,
        delivery_port_factory=port_factory(rasa),
        privacy_transport=httpx.MockTransport(stores.handle),
    )


def _closed_handoff(client: TestClient) -> str:
    created = client.post("/api/v1/handoffs", json=handoff_body(), headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{created['id']}/close", json={"resolution": "ok"}, headers=ADMIN)
    return str(created["id"])


def test_closed_handoffs_older_than_the_period_are_purged_with_rasa_trackers(
    client: TestClient, clock: FrozenClock, stores: StoresStandIn
) -> None:
    """A handoff closed 91 days ago goes with its messages and its customer record; one closed 10 days ago and an
    open one stay; Rasa is asked to purge trackers idle for 90 days; the pass is audited."""
    old = _closed_handoff(client)
    clock.advance(days=81)
    recent = _closed_handoff(client)
    still_open = client.post("/api/v1/handoffs", json=handoff_body(), headers=SERVICE).json()["id"]
    clock.advance(days=10)
    result = client.post("/api/v1/privacy/retention", headers=ADMIN).json()
    assert (
        result["ran"],
        result["handoffs_purged"],
        result["messages_purged"],
        result["rasa_trackers_purged"],
    ) == (True, 1, 3, 2)
    assert result["customer_records_purged"] == 1  # the old handoff's customer has nothing left, the others do
    assert stores.purged_older_than == [90 * DAY]
    assert client.get(f"/api/v1/handoffs/{old}", headers=ADMIN).status_code == 404
    assert {200} == {client.get(f"/api/v1/handoffs/{h}", headers=ADMIN).status_code for h in (recent, still_open)}
    entry = client.get("/api/v1/audit", headers=ADMIN).json()[0]
    assert (
        entry["action"],
        entry["actor"],
        entry["details"]["handoffs_purged"],
    ) == ("retention_purged", "system:retention", 1)


def test_zero_days_keeps_everything(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, stores: StoresStandIn
) -> None:
    """``HANDOFF_RETENTION_DAYS=0``: nothing is purged here or in Rasa, however old."""
    app = create_app(
        privacy_settings(settings, retention_days=0),
        clock=clock,
        delivery_port_factory=port_factory(rasa),
        privacy_transport=httpx.MockTransport(stores.handle),
    )
    with TestClient(app) as client:
        kept = _closed_handoff(client)
        clock.advance(days=3650)
        result = client.post("/api/v1/privacy/retention", headers=ADMIN).json()
        assert (result["ran"], result["handoffs_purged"]) == (False, 0)
        assert client.get(f"/api/v1/handoffs/{kept}", headers=ADMIN).status_code == 200
    assert stores.purged_older_than == []


def test_the_background_pass_catches_up_at_start(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn, stores: StoresStandIn
) -> None:
    """A service started after a long stop purges what expired meanwhile at once, without waiting an interval."""
    first = create_app(privacy_settings(settings), clock=clock, delivery_port_factory=port_factory(rasa))
    with TestClient(first) as client:
        expired = _closed_handoff(client)
    clock.advance(days=120)
    restarted = create_app(
        privacy_settings(settings, retention_check_seconds=3600),
        clock=clock,
        delivery_port_factory=port_factory(rasa),
        privacy_transport=httpx.MockTransport(stores.handle),
    )
    with TestClient(restarted) as client:
        deadline = time.monotonic() + 10
        while client.get(f"/api/v1/handoffs/{expired}", headers=ADMIN).status_code != 404:
            assert time.monotonic() < deadline, "the start-up pass did not purge the expired handoff"
            time.sleep(0.05)
    assert stores.purged_older_than == [90 * DAY]


@pytest.mark.parametrize(
    ("pending", "errors", "configured", "soon"),
    [
        (0, {}, ("rasa",), False),  # all done: the normal interval
        (1, {}, ("rasa",), True),  # an erasure still waits for a store
        (0, {"rasa": "rasa: unreachable"}, ("rasa",), True),  # Rasa was down at this pass
        (0, {"rasa": "RASA_JWT_SECRET is not set"}, (), False),  # not configured: waiting will not help
    ],
)
def test_the_worker_comes_back_within_a_minute_when_a_store_was_down(
    pending: int, errors: dict[str, str], configured: tuple[str, ...], soon: bool
) -> None:
    """A pass that left work for a store that can come back is followed by another within a minute."""
    from handoff.privacy.retention import needs_retry_soon
    from handoff.privacy.runtime import PrivacyRuntime
    from handoff.schemas import RetentionResult

    runtime = PrivacyRuntime(key="k", stores=dict.fromkeys(configured))  # type: ignore[arg-type]
    result = RetentionResult(ran=True, older_than_days=90, erasures_still_pending=pending, errors=errors)
    assert soon == needs_retry_soon(result, runtime)
