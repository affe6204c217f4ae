"""The routing state a process keeps stays exact when another process (its own engine) changes the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, update

from handoff.services.queue_stats import queue_states
from handoff.store.db import make_engine, make_session_factory, upgrade_schema
from handoff.store.models import Agent, Handoff, Queue

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def queued_handoff(queue: str) -> Handoff:
    return Handoff(
        id=str(uuid.uuid4()),
        conversation_id=uuid.uuid4().hex,
        open_conversation_key=None,
        channel="rest",
        customer_id="c",
        customer={},
        language="en",
        intents=[],
        slots={},
        reason="explicit_request",
        topic="general",
        priority="normal",
        priority_rank=2,
        kb_articles_tried=[],
        status="queued",
        queue=queue,
        created_at=NOW,
        queued_at=NOW,
        version=1,
    )


def test_a_second_worker_sees_the_first_workers_changes(database_url: str) -> None:
    first, second = make_engine(database_url), make_engine(database_url)
    upgrade_schema(first)
    mine, theirs = make_session_factory(first), make_session_factory(second)
    with theirs() as session:
        session.add(
            Queue(name="q1", languages=["en"], skills=["general"], timezone="UTC", hours={"daily": ["00:00-24:00"]})
        )
        session.add(
            Agent(
                id="a1",
                display_name="A",
                token_hash="x" * 64,
                role="agent",
                languages=["en"],
                skills=["general"],
                queues=["q1"],
                max_concurrent=2,
                status="online",
            )
        )
        session.commit()

    def state() -> tuple[int, int, int, frozenset[str]]:
        with mine() as session:
            (q1,) = [q for q in queue_states(session, 20, 300.0, NOW) if q.name == "q1"]
            return q1.depth, q1.agents_online, q1.free_slots, q1.languages

    assert state() == (0, 1, 2, frozenset({"en"}))

    with theirs() as session:
        waiting = queued_handoff("q1")
        session.add_all([waiting, queued_handoff("q1")])
        session.commit()
        session.execute(update(Handoff).where(Handoff.id == waiting.id).values(status="assigned", agent_id="a1"))
        session.execute(update(Queue).where(Queue.name == "q1").values(languages=["en", "es"]))
        session.commit()
    assert state() == (1, 1, 1, frozenset({"en", "es"}))

    with theirs() as session:
        session.execute(update(Agent).where(Agent.id == "a1").values(status="away"))
        session.execute(delete(Handoff).where(Handoff.status == "queued"))
        session.commit()
    assert state() == (0, 0, 0, frozenset({"en", "es"}))
    first.dispose()
    second.dispose()
