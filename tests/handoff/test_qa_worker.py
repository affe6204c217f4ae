"""The background quality reviewer on SQLite and PostgreSQL: handoffs closed while it was not running are reviewed
once, oldest first, in batches; a second worker never duplicates a review; a claim a stopped worker left behind is
taken over after its lease; the worker started by the app catches up on its own."""

from __future__ import annotations

import threading
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from handoff.main import create_app
from handoff.qa import store
from handoff.qa.enums import Check, ReviewState
from handoff.qa.reviewer import review
from handoff.qa.worker import Reviewer
from handoff.settings import Settings
from handoff.store.models import Handoff, QaFinding, QaReview
from tests.handoff.qa_history import good_handoff, poor_handoff
from tests.handoff.testkit import ADMIN, SERVICE, FrozenClock, RasaStandIn, handoff_body, port_factory


def reviewer_of(app: FastAPI, name: str, batch_size: int = 50) -> Reviewer:
    """Another worker on the app's database (as a second process would be), with the app's rules and detector."""
    base: Reviewer = app.state.qa_reviewer
    return Reviewer(base.sessions, base.rules, base.detector, base.clock, batch_size=batch_size, name=name)


def reviews(app: FastAPI) -> list[tuple[str, str, int | None, str | None]]:
    with app.state.context.sessions() as session:
        rows = session.execute(
            select(QaReview.handoff_id, QaReview.state, QaReview.score, QaReview.claimed_by).order_by(QaReview.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_handoffs_closed_while_no_worker_ran_are_reviewed_once_oldest_first(
    client: TestClient, app: FastAPI, clock: FrozenClock
) -> None:
    """Five handoffs closed with the reviewer off; batches of two review them all in closing order; running the
    same and another worker again stores nothing more; the poor one has its findings with the failing messages."""
    closed = [good_handoff(client, clock), poor_handoff(client, clock)]
    closed += [good_handoff(client, clock) for _ in range(3)]
    first = reviewer_of(app, "worker-a", batch_size=2)
    assert first.run_batch() == 2
    assert [r[0] for r in reviews(app)] == closed[:2]
    assert first.run_until_idle() == 3
    assert reviewer_of(app, "worker-b").run_until_idle() == 0
    assert first.run_until_idle() == 0
    stored = reviews(app)
    assert [r[0] for r in stored] == closed
    assert {r[1] for r in stored} == {ReviewState.DONE.value}
    scores = {r[0]: r[2] for r in stored}
    assert scores[closed[0]] == 100
    assert scores[closed[1]] is not None and scores[closed[1]] < 30
    with app.state.context.sessions() as session:
        findings = {f.check: f for f in session.scalars(select(QaFinding))}
        assert set(findings) == {
            Check.FIRST_RESPONSE, Check.LANGUAGE, Check.UNANSWERED_QUESTION, Check.PERSONAL_DATA,
            Check.GREETING, Check.CLOSING, Check.TONE,
        }  # fmt: skip
        assert findings[Check.TONE].message_ids == findings[Check.PERSONAL_DATA].message_ids


def test_two_workers_at_once_review_each_handoff_exactly_once(
    client: TestClient, app: FastAPI, clock: FrozenClock
) -> None:
    """Two workers racing over the same backlog (threads, each with its own sessions): one review and one set of
    findings per handoff."""
    ids = [poor_handoff(client, clock) for _ in range(6)]
    workers = [reviewer_of(app, f"racer-{n}", batch_size=3) for n in range(2)]
    done: list[int] = []
    threads = [threading.Thread(target=lambda w=w: done.append(w.run_until_idle())) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(done) == 6
    stored = reviews(app)
    assert sorted(r[0] for r in stored) == sorted(ids)
    with app.state.context.sessions() as session:
        per_review = session.execute(select(QaFinding.review_id, func.count()).group_by(QaFinding.review_id)).all()
    assert {count for _, count in per_review} == {7}
    assert len(per_review) == 6


def test_a_claim_left_by_a_stopped_worker_is_taken_over_after_its_lease(
    client: TestClient, app: FastAPI, clock: FrozenClock
) -> None:
    """A worker that claimed a handoff and died leaves a pending row: nobody touches it within the lease, another
    worker finishes it afterwards, and the dead worker's late save is refused."""
    handoff_id = good_handoff(client, clock)
    with app.state.context.sessions() as session:
        review_id = store.claim(session, handoff_id, "crashed", clock())
        assert review_id is not None
        assert store.claim(session, handoff_id, "other", clock()) is None
    survivor = reviewer_of(app, "survivor")
    assert survivor.run_until_idle() == 0
    assert reviews(app) == [(handoff_id, ReviewState.PENDING.value, None, "crashed")]
    clock.advance(seconds=survivor.lease_seconds + 1)
    assert survivor.run_until_idle() == 1
    assert reviews(app) == [(handoff_id, ReviewState.DONE.value, 100, "survivor")]
    with app.state.context.sessions() as session:
        conversation = store.conversation_of(session, review_id)
        assert conversation is not None
        late = review(conversation, survivor.rules.for_queue(conversation.queue), survivor.detector)
        assert not store.save(session, review_id, "crashed", late, "v", clock())


def test_the_service_reviews_what_was_closed_while_it_was_down(
    settings: Settings, clock: FrozenClock, rasa: RasaStandIn
) -> None:
    """Handoffs closed by a service with the reviewer off are reviewed by the next start's background worker;
    a purged handoff takes its review with it."""
    with TestClient(create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))) as before:
        ids = [poor_handoff(before, clock), good_handoff(before, clock)]
        open_one = before.post("/api/v1/handoffs", json=handoff_body(), headers=SERVICE).json()["id"]
    restarted = settings.model_copy(update={"qa_interval_seconds": 0.2})
    app = create_app(restarted, clock=clock, delivery_port_factory=port_factory(rasa))
    with TestClient(app):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len([r for r in reviews(app) if r[1] == "done"]) < 2:
            time.sleep(0.1)
        stored = reviews(app)
        assert sorted(r[0] for r in stored) == sorted(ids)
        assert open_one not in {r[0] for r in stored}
        with app.state.context.sessions() as session:
            session.delete(session.get(Handoff, ids[0]))
            session.commit()
            assert session.scalar(select(func.count()).select_from(QaReview)) == 1
            assert session.scalar(select(func.count()).select_from(QaFinding)) == 0


def test_closed_handoff_without_agent_gets_a_perfect_score(
    client: TestClient, app: FastAPI, clock: FrozenClock
) -> None:
    """A handoff a supervisor closed from the queue is reviewed (so it is not picked again) with score 100."""
    created = client.post("/api/v1/handoffs", json=handoff_body(), headers=SERVICE).json()
    clock.advance(minutes=20)
    assert (
        client.post(f"/api/v1/handoffs/{created['id']}/close", json={"resolution": "spam"}, headers=ADMIN).status_code
        == 200
    )
    assert reviewer_of(app, "w").run_until_idle() == 1
    assert reviews(app)[0][2] == 100
