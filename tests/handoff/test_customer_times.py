"""What the bot needs from the handoff service to tell a customer times: the queue's time zone beside `opens_at`
(the bot says times in the customer's zone when it knows it, else in this one, and names it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.handoff.testkit import ADMIN, SERVICE, handoff_body


@pytest.mark.parametrize(
    ("language", "topic", "queue", "zone"),
    [
        ("pt", "general", "americas", "America/Mexico_City"),  # Monday 09:00 in Mexico City: open
        ("fr", "orders", "emea", "Europe/Paris"),
        ("zh", "orders", "billing-global", "UTC"),  # Shanghai is closed at 23:00: the 24/7 overflow
    ],
)
def test_answer_names_the_queues_time_zone(
    client: TestClient, language: str, topic: str, queue: str, zone: str
) -> None:
    """The handoff answer carries the time zone the chosen queue keeps its hours in."""
    answer = client.post("/api/v1/handoffs", json=handoff_body(language=language, topic=topic), headers=SERVICE)
    assert (queue, zone) == (answer.json()["queue"], answer.json()["queue_timezone"])
    zones = {q["name"]: q["timezone"] for q in client.get("/api/v1/queues", headers=ADMIN).json()}
    assert zones[queue] == zone
