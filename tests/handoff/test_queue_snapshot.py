"""One queue snapshot behind the dashboard, the Prometheus gauges and the admin queue list: after a transfer and an
agent being disabled, all three show the same depth, longest wait and agents online, and the routing counters
agree with a plain count of the stored handoffs."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from handoff.store.models import Handoff, QueueCounter
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, agent, handoff_body

GAUGE = re.compile(r'^(handoff_queue_\w+)\{queue="([^"]+)"\} ([0-9.e+-]+)$', re.MULTILINE)


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/handoffs", json=handoff_body(**overrides), headers=SERVICE)
    assert response.status_code == 201, response.text
    return response.json()


def gauges(client: TestClient) -> dict[str, dict[str, float]]:
    """Per queue: the scraped queue gauges by metric name."""
    text = client.get("/metrics", headers=SERVICE).text
    result: dict[str, dict[str, float]] = {}
    for name, queue, value in GAUGE.findall(text):
        result.setdefault(queue, {})[name] = float(value)
    return result


def test_dashboard_gauges_and_admin_view_agree_after_a_transfer(
    client: TestClient, app: FastAPI, clock: FrozenClock
) -> None:
    first = create(client, language="es")
    create(client, language="es")
    french = create(client, language="fr", customer={"locale": "fr-FR"})
    assert first["queue"] == "americas" and french["queue"] == "emea"
    clock.advance(seconds=120)
    assert client.post(f"/api/v1/handoffs/{first['id']}/claim", headers=agent("maria.garcia")).status_code == 200
    clock.advance(seconds=60)
    moved = client.post(f"/api/v1/handoffs/{first['id']}/transfer", json={"queue": "apac"}, headers=ADMIN)
    assert moved.status_code == 200, moved.text
    assert client.post("/api/v1/agents/omar.haddad/disable", headers=ADMIN).status_code == 200
    clock.advance(seconds=30)

    board = {q["name"]: q for q in client.get("/api/v1/dashboard", headers=ADMIN).json()["queues"]}
    scraped = gauges(client)
    listed = {q["name"]: q for q in client.get("/api/v1/queues", headers=ADMIN).json()}

    assert set(board) == set(scraped) == set(listed)
    for name in board:
        figures = {
            "dashboard": (board[name]["depth"], board[name]["agents_online"], board[name]["longest_wait_seconds"]),
            "gauges": (
                int(scraped[name]["handoff_queue_depth"]),
                int(scraped[name]["handoff_queue_agents_online"]),
                int(scraped[name]["handoff_queue_oldest_wait_seconds"]) if board[name]["depth"] else None,
            ),
            "admin": (listed[name]["depth"], listed[name]["agents_online"], board[name]["longest_wait_seconds"]),
        }
        assert len(set(figures.values())) == 1, (name, figures)
    # The transferred handoff has waited in apac since the transfer, not since it was created.
    assert board["americas"]["depth"] == 1 and board["americas"]["longest_wait_seconds"] == 210
    assert board["apac"]["depth"] == 1 and board["apac"]["longest_wait_seconds"] == 30
    assert board["emea"]["depth"] == 1 and board["emea"]["longest_wait_seconds"] == 210
    # A disabled agent is not online for any view, whatever its last status.
    emea_online = {"claire.dubois", "omar.haddad", "lucia.romero"} - {"omar.haddad"}
    assert board["emea"]["agents_online"] == len(emea_online)

    with app.state.context.sessions() as session:
        counted = dict(
            session.execute(
                select(Handoff.queue, func.count()).where(Handoff.status == "queued").group_by(Handoff.queue)
            ).all()
        )
        counters = {c.queue: c.queued for c in session.scalars(select(QueueCounter)) if c.queued}
    assert counters == counted == {"americas": 1, "apac": 1, "emea": 1}
