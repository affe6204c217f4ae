"""Auto-assignment chooser and expected-wait arithmetic (pure), with property tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.routing.assign import AgentState, choose_agent
from handoff.routing.wait import average_handle_seconds, expected_wait_seconds, priority_rank

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make_agent(agent_id: str, **overrides: object) -> AgentState:
    """An online French/general emea agent with free capacity, customised by keyword."""
    values: dict[str, object] = {
        "id": agent_id,
        "status": "online",
        "languages": frozenset({"fr"}),
        "skills": frozenset({"general"}),
        "queues": frozenset({"emea"}),
        "active": 0,
        "max_concurrent": 2,
        "idle_since": T0,
    }
    values.update(overrides)
    return AgentState(**values)  # type: ignore[arg-type]


CHOICES = [
    # (agents, expected id, why)
    ([make_agent("a"), make_agent("b", idle_since=T0 - timedelta(minutes=5))], "b", "idle longest wins"),
    ([make_agent("a"), make_agent("b", idle_since=None)], "b", "never assigned counts as idle longest"),
    ([make_agent("a", status="away"), make_agent("b")], "b", "away agents are skipped"),
    ([make_agent("a", languages=frozenset({"en"})), make_agent("b")], "b", "must speak the language"),
    ([make_agent("a", skills=frozenset({"billing"})), make_agent("b")], "b", "must have the skill"),
    ([make_agent("a", queues=frozenset({"apac"})), make_agent("b")], "b", "must serve the queue"),
    ([make_agent("a", active=2, idle_since=None), make_agent("b")], "b", "full agents are skipped"),
    ([make_agent("a", active=2)], None, "nobody free: leave for claiming"),
    ([make_agent("b"), make_agent("a")], "a", "ties broken by id"),
]


@pytest.mark.parametrize(("agents", "expected", "why"), CHOICES, ids=[c[2] for c in CHOICES])
def test_choose_agent(agents: list[AgentState], expected: str | None, why: str) -> None:
    """Each row: a roster and who gets a French general handoff in emea."""
    chosen = choose_agent(agents, "emea", "fr", "general")
    assert expected == (chosen.id if chosen else None)


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from(["online", "away", "offline"])),
        min_size=1,
        max_size=8,
    ),
    st.integers(1, 30),
)
def test_repeated_assignment_never_exceeds_capacity(roster: list[tuple[int, int, str]], handoffs: int) -> None:
    """Assigning handoffs one by one never puts an agent above max_concurrent, and stops only when nobody is free."""
    agents = [
        make_agent(f"a{i}", active=min(active, cap), max_concurrent=cap, status=status)
        for i, (active, cap, status) in enumerate(roster)
    ]
    for step in range(handoffs):
        chosen = choose_agent(agents, "emea", "fr", "general")
        if chosen is None:
            assert all(a.status != "online" or a.active >= a.max_concurrent for a in agents)
            break
        agents = [
            make_agent(
                a.id,
                active=a.active + 1,
                max_concurrent=a.max_concurrent,
                status=a.status,
                idle_since=T0 + timedelta(seconds=step),
            )
            if a.id == chosen.id
            else a
            for a in agents
        ]
    assert all(a.active <= a.max_concurrent for a in agents)


WAITS = [
    # (position, online, free, handle, opens_in, expected, why)
    (1, 2, 1, 300, 0, 0, "a free agent takes it at once"),
    (3, 2, 1, 300, 0, 300, "two ahead of free capacity, two agents: one round"),
    (4, 2, 1, 300, 0, 600, "three ahead, two agents: two rounds"),
    (1, 0, 0, 300, 0, 300, "nobody online: assume one agent"),
    (1, 3, 0, 240, 3600, 3840, "closed queue: time to opening plus a round"),
]


@pytest.mark.parametrize(
    ("position", "online", "free", "handle", "opens_in", "expected", "why"), WAITS, ids=[w[-1] for w in WAITS]
)
def test_expected_wait(
    position: int, online: int, free: int, handle: float, opens_in: float, expected: int, why: str
) -> None:
    """Each row: queue position and staffing → seconds."""
    assert expected == expected_wait_seconds(
        position=position,
        agents_online=online,
        free_slots=free,
        avg_handle_seconds=handle,
        opens_in_seconds=opens_in,
    )


def test_average_handle_and_priority_rank() -> None:
    """History averages (default without any); VIP lifts normal to high but never lowers urgent."""
    assert average_handle_seconds([], 300) == 300
    assert average_handle_seconds([100, 300], 300) == 200
    assert (priority_rank("normal", True), priority_rank("urgent", True), priority_rank("normal", False)) == (1, 0, 2)
