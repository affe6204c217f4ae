"""No lost writes: concurrent claims, concurrent creation for one conversation, concurrent relays."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from fastapi.testclient import TestClient

from handoff.auth import Principal
from handoff.errors import CapacityError, ConflictError
from handoff.schemas import CloseIn, CustomerMessageIn, HandoffCreate
from handoff.services import agent_ops, handoffs
from handoff.services.context import ServiceContext
from tests.handoff.testkit import ADMIN, handoff_body

T = TypeVar("T")

CLAIRE = Principal(kind="agent", role="agent", agent_id="claire.dubois", queues=frozenset({"emea"}))
OMAR = Principal(kind="agent", role="agent", agent_id="omar.haddad", queues=frozenset({"emea"}))


def race(calls: list[Callable[[], T]]) -> list[T | Exception]:
    """Run the calls in threads released together by a barrier; return results or raised exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[T | Exception] = [RuntimeError("not run")] * len(calls)

    def run(index: int, call: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as e:
            results[index] = e

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_agents_claiming_the_same_handoff_exactly_one_wins(client: TestClient) -> None:
    """Twenty rounds of two simultaneous claims: each round one success and one ConflictError."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    for round_number in range(20):
        created = handoffs.create_handoff(
            ctx,
            HandoffCreate.model_validate(
                handoff_body(language="fr", topic="general", conversation_id=f"r{round_number}")
            ),
        ).handoff
        results = race(
            [lambda h=created.id: agent_ops.claim(ctx, CLAIRE, h), lambda h=created.id: agent_ops.claim(ctx, OMAR, h)]
        )
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1, results
        assert [ConflictError] == [type(e) for e in losers], losers
        stored = handoffs.get_handoff(ctx, created.id, include_private=True)
        assert winners[0].agent_id == stored.agent_id
        # free the winner's capacity for the next round
        agent_ops.close(
            ctx,
            CLAIRE if stored.agent_id == "claire.dubois" else OMAR,
            created.id,
            CloseIn(resolution="ok"),
            lambda: None,
        )


def test_claim_next_by_many_agents_never_double_assigns(client: TestClient) -> None:
    """Three agents pulling concurrently from one queue get distinct handoffs."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    for index in range(6):
        handoffs.create_handoff(
            ctx, HandoffCreate.model_validate(handoff_body(language="fr", topic="general", conversation_id=f"n{index}"))
        )
    lucia = Principal(kind="agent", role="supervisor", agent_id="lucia.romero", queues=frozenset({"emea", "americas"}))
    results = race([lambda p=p: agent_ops.claim_next(ctx, p, "emea") for p in (CLAIRE, OMAR, lucia) for _ in range(2)])
    claimed = [r.id for r in results if r is not None and not isinstance(r, Exception)]
    assert len(claimed) == len(set(claimed))
    assert len(claimed) == 6


def test_concurrent_creation_for_one_conversation_creates_one(client: TestClient) -> None:
    """Four simultaneous creations for the same conversation yield a single handoff id."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    body = HandoffCreate.model_validate(handoff_body(conversation_id="same-conversation"))
    results = race([lambda: handoffs.create_handoff(ctx, body) for _ in range(4)])
    ids = {r.handoff.id for r in results if not isinstance(r, Exception)}
    assert len(ids) == 1, results
    assert sum(1 for r in results if not isinstance(r, Exception) and r.created) == 1


def test_concurrent_relay_of_the_same_message_stores_it_once(client: TestClient) -> None:
    """Retries racing each other never duplicate a customer message."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    created = handoffs.create_handoff(ctx, HandoffCreate.model_validate(handoff_body(transcript=[]))).handoff
    message = CustomerMessageIn(message_id="dup-1", text="hello?")
    results = race([lambda: handoffs.add_customer_message(ctx, message, handoff_id=created.id) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    stored = handoffs.get_handoff(ctx, created.id, include_private=False).messages or []
    assert len(stored) == 1


def test_one_agent_claiming_two_handoffs_at_once_never_exceeds_capacity(client: TestClient) -> None:
    """With max_concurrent 1, two simultaneous claims of different handoffs by the same agent: one wins."""
    ctx: ServiceContext = client.app.state.context  # type: ignore[attr-defined]
    client.patch("/api/v1/agents/claire.dubois", json={"max_concurrent": 1}, headers=ADMIN)
    for round_number in range(10):
        pair = [
            handoffs.create_handoff(
                ctx,
                HandoffCreate.model_validate(
                    handoff_body(language="fr", topic="general", conversation_id=f"cap{round_number}-{i}")
                ),
            ).handoff.id
            for i in range(2)
        ]
        results = race([lambda h=h: agent_ops.claim(ctx, CLAIRE, h) for h in pair])
        winners = [r for r in results if not isinstance(r, Exception)]
        assert len(winners) == 1, results
        assert [CapacityError] == [type(r) for r in results if isinstance(r, Exception)]
        agent_ops.close(ctx, CLAIRE, winners[0].id, CloseIn(resolution="ok"), lambda: None)
