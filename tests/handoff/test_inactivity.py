"""Inactivity timeouts: a quiet customer hands the conversation back to the bot; a quiet agent loses it to the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from handoff.services.inactivity import (
    CLOSE_CUSTOMER_INACTIVE,
    REQUEUE_AGENT_INACTIVE,
    Activity,
    inactivity_action,
    sweep,
)
from tests.handoff.test_agents_api import create
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, agent

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
CUSTOMER_TIMEOUT = timedelta(hours=2)
AGENT_TIMEOUT = timedelta(minutes=15)


@pytest.mark.parametrize(
    ("assigned", "customer", "agent_at", "now", "expected"),
    [
        # the agent answered and the customer has been quiet for the customer timeout
        (T0, T0 + MIN, T0 + 2 * MIN, T0 + 2 * MIN + CUSTOMER_TIMEOUT, CLOSE_CUSTOMER_INACTIVE),
        (T0, T0 + MIN, T0 + 2 * MIN, T0 + 2 * MIN + CUSTOMER_TIMEOUT - MIN, None),
        # the customer wrote after the agent and waits for an answer past the agent timeout
        (T0, T0 + 5 * MIN, T0 + 2 * MIN, T0 + 5 * MIN + AGENT_TIMEOUT, REQUEUE_AGENT_INACTIVE),
        (T0, T0 + 5 * MIN, T0 + 2 * MIN, T0 + 5 * MIN + AGENT_TIMEOUT - MIN, None),
        # assigned, the agent never said anything: the wait counts from the assignment, not the first message
        (T0 + 30 * MIN, T0, None, T0 + 30 * MIN + AGENT_TIMEOUT, REQUEUE_AGENT_INACTIVE),
        (T0 + 30 * MIN, T0, None, T0 + 30 * MIN + AGENT_TIMEOUT - MIN, None),
    ],
)
def test_inactivity_action(
    assigned: datetime, customer: datetime | None, agent_at: datetime | None, now: datetime, expected: str | None
) -> None:
    """Who went quiet, and for how long."""
    activity = Activity(assigned_at=assigned, last_customer_at=customer, last_agent_at=agent_at)
    assert inactivity_action(activity, now, CUSTOMER_TIMEOUT, AGENT_TIMEOUT) == expected


def test_timeouts_switched_off() -> None:
    """A timeout of None never fires."""
    activity = Activity(assigned_at=T0, last_customer_at=T0, last_agent_at=None)
    assert inactivity_action(activity, T0 + timedelta(days=30), None, None) is None


def test_quiet_customer_is_handed_back_to_the_bot(client: TestClient, clock: FrozenClock) -> None:
    """After the agent's answer and two quiet hours, the handoff closes, audited, and the bot is told to take over."""
    handoff = create(client, language="fr", topic="general", channel="rest", conversation_id="quiet-customer")
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    client.post(f"/api/v1/handoffs/{handoff['id']}/replies", json={"text": "Bonjour !"}, headers=agent("claire.dubois"))
    clock.advance(hours=2, minutes=1)

    assert sweep(client.app.state.context)[CLOSE_CUSTOMER_INACTIVE] == 1  # type: ignore[attr-defined]

    closed = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=ADMIN).json()
    assert (closed["status"], closed["return_to_bot"]) == ("closed", True)
    audit = client.get("/api/v1/audit", params={"handoff_id": handoff["id"]}, headers=ADMIN).json()
    assert any(entry["actor"] == "system:inactivity" for entry in audit)


def test_customer_waiting_for_a_quiet_agent_goes_back_to_the_queue(client: TestClient, clock: FrozenClock) -> None:
    """The customer wrote and the assigned agent did not answer within 15 minutes: the handoff is queued again."""
    handoff = create(client, language="fr", topic="general", channel="rest", conversation_id="quiet-agent")
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois"))
    client.post(
        f"/api/v1/handoffs/{handoff['id']}/messages", json={"message_id": "m1", "text": "allô ?"}, headers=SERVICE
    )
    clock.advance(minutes=16)

    assert sweep(client.app.state.context)[REQUEUE_AGENT_INACTIVE] == 1  # type: ignore[attr-defined]

    requeued = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=ADMIN).json()
    assert (requeued["status"], requeued["agent_id"]) == ("queued", None)
