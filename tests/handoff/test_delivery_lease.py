"""Several handoff-service workers over one database (SQLite and PostgreSQL): a worker that starts, or runs a delivery
pass, leaves alone an entry another live worker is sending right now; a claim older than the lease (its worker died)
is taken back and sent."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from handoff.adapters.delivery import DeliveryPort, RasaDelivery, claim_lease, deliver_due
from handoff.main import create_app
from handoff.services.context import ServiceContext
from handoff.settings import Settings
from handoff.states import OutboxStatus
from handoff.store.models import OutboxEntry
from tests.handoff.testkit import SERVICE, FrozenClock, agent, handoff_body

Handler = Callable[[httpx.Request], httpx.Response]


def rasa_port(handler: Handler) -> Callable[[Settings], tuple[DeliveryPort, Callable[[], None]]]:
    """A delivery-port factory whose Rasa is `handler`."""

    def build(settings: Settings) -> tuple[DeliveryPort, Callable[[], None]]:
        client = httpx.Client(transport=httpx.MockTransport(handler))
        return RasaDelivery(client, settings.rasa_url, settings.rasa_jwt_secret), client.close

    return build


def recording(texts: list[str], before_answer: Callable[[], None] = lambda: None) -> Handler:
    """A Rasa that records the text of every reply it is asked to send."""

    def handle(request: httpx.Request) -> httpx.Response:
        texts.append(httpx.Response(200, content=request.content).json()["entities"]["agent_message"])
        before_answer()
        return httpx.Response(200, json={"ok": True})

    return handle


def reply_waiting(client: TestClient, text: str) -> None:
    """A French handoff claimed by Claire, with her reply `text` waiting in the outbox."""
    handoff = client.post("/api/v1/handoffs", json=handoff_body(language="fr", topic="general"), headers=SERVICE).json()
    client.post(f"/api/v1/handoffs/{handoff['id']}/claim", headers=agent("claire.dubois")).raise_for_status()
    sent = client.post(f"/api/v1/handoffs/{handoff['id']}/replies", json={"text": text}, headers=agent("claire.dubois"))
    sent.raise_for_status()


def statuses(ctx: ServiceContext) -> list[str]:
    with ctx.sessions() as session:
        return list(session.scalars(select(OutboxEntry.status).order_by(OutboxEntry.id)))


def test_a_worker_that_starts_leaves_another_workers_send_alone(settings: Settings, clock: FrozenClock) -> None:
    """Worker A is inside Rasa's request for a reply when worker B starts and runs its passes: B sends nothing, and
    the reply reaches Rasa once, marked sent by A."""
    texts: list[str] = []
    in_flight, finish = threading.Event(), threading.Event()

    def hold() -> None:
        in_flight.set()
        finish.wait(30)

    app_a = create_app(settings, clock=clock, delivery_port_factory=rasa_port(recording(texts, hold)))
    with TestClient(app_a) as worker_a:
        reply_waiting(worker_a, "bonjour")
        ctx_a: ServiceContext = worker_a.app.state.context  # type: ignore[attr-defined]
        sending = threading.Thread(target=deliver_due, args=(ctx_a, worker_a.app.state.delivery_port))  # type: ignore[attr-defined]
        sending.start()
        try:
            assert in_flight.wait(10), "worker A never reached Rasa"
            app_b = create_app(settings, clock=clock, delivery_port_factory=rasa_port(recording(texts)))
            with TestClient(app_b) as worker_b:  # its start-up takes back stuck entries
                ctx_b: ServiceContext = worker_b.app.state.context  # type: ignore[attr-defined]
                assert statuses(ctx_b) == [OutboxStatus.SENDING]
                assert deliver_due(ctx_b, worker_b.app.state.delivery_port).sent == 0  # type: ignore[attr-defined]
        finally:
            finish.set()
            sending.join(10)
        assert texts == ["bonjour"]
        assert statuses(ctx_a) == [OutboxStatus.SENT]


def test_a_claim_older_than_the_lease_is_taken_back(settings: Settings, clock: FrozenClock) -> None:
    """A worker died while sending: its claim holds until the lease is over, then any worker's pass sends the
    reply; a claim kept from before claim times were recorded is taken back when a worker starts."""
    texts: list[str] = []
    app = create_app(settings, clock=clock, delivery_port_factory=rasa_port(recording(texts)))
    with TestClient(app) as worker:
        ctx: ServiceContext = worker.app.state.context  # type: ignore[attr-defined]
        port = worker.app.state.delivery_port  # type: ignore[attr-defined]
        reply_waiting(worker, "bonjour")
        with ctx.sessions() as session:  # what a worker killed inside Rasa's request leaves behind
            session.execute(update(OutboxEntry).values(status=OutboxStatus.SENDING, claimed_at=clock()))
            session.commit()
        clock.advance(seconds=claim_lease(settings.delivery_timeout_seconds).total_seconds() - 1)
        assert deliver_due(ctx, port).sent == 0
        clock.advance(seconds=2)
        assert deliver_due(ctx, port).sent == 1
        assert texts == ["bonjour"]

        reply_waiting(worker, "encore")
        with ctx.sessions() as session:
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.SENDING, claimed_at=None)
            )
            session.commit()
    assert timedelta(seconds=45) == claim_lease(10)  # the default HTTP timeout's lease
    with TestClient(create_app(settings, clock=clock, delivery_port_factory=rasa_port(recording(texts)))) as again:
        assert deliver_due(again.app.state.context, again.app.state.delivery_port).sent == 1  # type: ignore[attr-defined]
    assert texts == ["bonjour", "encore"]
