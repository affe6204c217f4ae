"""After a Rasa restart: replies that failed while Rasa was down wait out a back-off of up to minutes; the delivery
worker asks Rasa whether it answers again and then sends them at once."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from handoff.main import create_app
from handoff.services.context import ServiceContext
from handoff.settings import Settings
from handoff.store.models import OutboxEntry
from tests.handoff.test_delivery_lease import rasa_port, reply_waiting
from tests.handoff.testkit import FrozenClock

LONGEST_BACKOFF = timedelta(seconds=300)


def failed_once(ctx: ServiceContext) -> bool:
    """Whether the reply's first attempt failed."""
    with ctx.sessions() as session:
        return session.scalar(select(OutboxEntry.last_error)) is not None


def test_waiting_replies_go_as_soon_as_rasa_answers_again(settings: Settings, clock: FrozenClock) -> None:
    """Rasa refuses connections; the reply has failed often (next attempt minutes away, and the test's clock does not
    move): once Rasa answers, the running worker sends it within a second or two, once."""
    up = False
    texts: list[str] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        if not up:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path.endswith("/trigger_intent"):
            texts.append(httpx.Response(200, content=request.content).json()["entities"]["agent_message"])
        return httpx.Response(200, json={"ok": True})

    running = settings.model_copy(update={"delivery_interval_seconds": 0.05})
    with TestClient(create_app(running, clock=clock, delivery_port_factory=rasa_port(rasa))) as worker:
        ctx: ServiceContext = worker.app.state.context  # type: ignore[attr-defined]
        reply_waiting(worker, "bonjour")
        deadline = time.monotonic() + 10
        while not failed_once(ctx) and time.monotonic() < deadline:
            time.sleep(0.05)
        with ctx.sessions() as session:  # as after many failed attempts: the back-off is at its longest
            session.execute(update(OutboxEntry).values(attempts=9, next_attempt_at=clock() + LONGEST_BACKOFF))
            session.commit()
        time.sleep(0.5)
        assert texts == []

        up = True
        deadline = time.monotonic() + 5
        while not texts and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert texts == ["bonjour"]
