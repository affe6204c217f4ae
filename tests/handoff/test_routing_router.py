"""Queue choice: language and skill, open hours, follow the sun, configured overflow, earliest opening."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.routing.hours import build_schedule
from handoff.routing.router import NoRouteError, QueueState, route

MX_HOLIDAYS = ["2026-12-25"]

AMERICAS = QueueState(
    name="americas",
    languages=frozenset({"en", "es", "pt"}),
    skills=frozenset({"general", "orders", "billing"}),
    schedule=build_schedule("America/Mexico_City", {"mon-sat": ["08:00-20:00"]}, MX_HOLIDAYS),
    overflow_queue="billing-global",
    agents_online=2,
    free_slots=0,
)
EMEA = QueueState(
    name="emea",
    languages=frozenset({"en", "fr", "ar", "es"}),
    skills=frozenset({"general", "orders", "billing"}),
    schedule=build_schedule("Europe/Paris", {"mon-fri": ["08:00-18:00"]}, ["2026-12-25"]),
    overflow_queue="billing-global",
    agents_online=2,
)
APAC = QueueState(
    name="apac",
    languages=frozenset({"zh", "en"}),
    skills=frozenset({"general", "orders"}),
    schedule=build_schedule("Asia/Shanghai", {"mon-fri": ["09:00-18:00"]}),
    overflow_queue="billing-global",
    agents_online=2,
)
BILLING = QueueState(
    name="billing-global",
    languages=frozenset({"en"}),
    skills=frozenset({"billing"}),
    schedule=build_schedule("UTC", {"daily": ["00:00-24:00"]}),
    agents_online=2,
)
DEMO = [AMERICAS, EMEA, APAC, BILLING]


def utc(text: str) -> datetime:
    """Parse an ISO instant written in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


CASES = [
    # (queues, language, skill, instant UTC, queue, rule, covered, opens_at UTC or None, why)
    (DEMO, "fr", "orders", "2026-11-23T10:00", "emea", "match", True, None, "Monday 11:00 Paris: emea open"),
    (DEMO, "pt", "general", "2026-11-23T16:00", "americas", "match", True, None, "Monday 10:00 Mexico: americas"),
    (DEMO, "zh", "orders", "2026-11-23T03:00", "apac", "match", True, None, "Monday 11:00 Shanghai: apac"),
    (DEMO, "en", "billing", "2026-11-23T03:00", "billing-global", "match", True, None, "24/7 billing team"),
    (DEMO, "es", "orders", "2026-11-23T09:00", "emea", "match", True, None, "Mexico closed at 03:00; Paris open"),
    (DEMO, "ar", "orders", "2026-11-28T10:00", "billing-global", "overflow", False, None, "Saturday: emea closed"),
    (DEMO, "zh", "general", "2026-11-23T15:00", "billing-global", "overflow", False, None, "Shanghai 23:00"),
    (DEMO, "es", "orders", "2026-11-29T10:00", "billing-global", "overflow", False, None, "Sunday: overflow"),
    (DEMO, "zh", "billing", "2026-11-23T03:00", "apac", "match", True, None, "no zh billing team: general apac"),
    (DEMO, "en", "orders", "2026-11-23T03:00", "apac", "match", True, None, "en orders at night in Europe: apac"),
]

WITHOUT_OVERFLOW = [replace(q, overflow_queue=None) for q in DEMO if q.name != "billing-global"]
SCHEDULED = [
    # Nobody suitable is working and no overflow exists: earliest opening among candidates.
    (
        WITHOUT_OVERFLOW,
        "fr",
        "orders",
        "2026-11-28T10:00",
        "emea",
        "scheduled",
        True,
        "2026-11-30T07:00",
        "Saturday: emea opens Monday 08:00 Paris",
    ),
    (
        WITHOUT_OVERFLOW,
        "es",
        "orders",
        "2026-11-29T10:00",
        "emea",
        "scheduled",
        True,
        "2026-11-30T07:00",
        "Sunday: emea Monday 08:00 Paris (07:00Z) before americas 08:00 Mexico (14:00Z)",
    ),
    (
        WITHOUT_OVERFLOW,
        "es",
        "orders",
        "2026-12-25T15:00",
        "americas",
        "scheduled",
        True,
        "2026-12-26T14:00",
        "Christmas in both calendars: americas on Saturday the 26th",
    ),
    (
        WITHOUT_OVERFLOW,
        "zh",
        "orders",
        "2026-11-27T12:00",
        "apac",
        "scheduled",
        True,
        "2026-11-30T01:00",
        "Friday 20:00 Shanghai: Monday 09:00 Shanghai",
    ),
]


@pytest.mark.parametrize(
    ("queues", "language", "skill", "instant", "queue", "rule", "covered", "opens_at", "why"),
    CASES + SCHEDULED,
    ids=[c[-1] for c in CASES + SCHEDULED],
)
def test_route(
    queues: list[QueueState],
    language: str,
    skill: str,
    instant: str,
    queue: str,
    rule: str,
    covered: bool,
    opens_at: str | None,
    why: str,
) -> None:
    """Each row: the demo queues, a request and a frozen instant → queue, rule, coverage and opening."""
    decision = route(queues, language, skill, utc(instant))
    assert (queue, rule, covered) == (decision.queue, decision.rule, decision.language_covered)
    assert decision.opens_at == (utc(opens_at) if opens_at else None)


def test_follow_the_sun_to_another_region_with_general_skill() -> None:
    """English orders at 02:00 Paris on a weekday: emea and americas closed, apac (general) takes it."""
    only_orders_in_emea = [replace(EMEA, skills=frozenset({"orders"})), APAC]
    decision = route(only_orders_in_emea, "en", "orders", utc("2026-11-23T03:00"))
    assert (decision.queue, decision.rule) == ("apac", "match")
    sun = [replace(EMEA, skills=frozenset({"orders"})), replace(APAC, skills=frozenset({"general"}))]
    decision = route(sun, "en", "orders", utc("2026-11-23T03:00"))
    assert (decision.queue, decision.rule, decision.language_covered) == ("apac", "follow_the_sun", True)


def test_among_open_queues_the_shortest_expected_wait_wins() -> None:
    """Two open queues serve English orders; the one with less depth per agent wins."""
    busy = replace(EMEA, depth=10, agents_online=1)
    idle = replace(AMERICAS, depth=0, agents_online=3, free_slots=3)
    decision = route([busy, idle], "en", "orders", utc("2026-11-23T16:00"))
    assert decision.queue == "americas"
    assert decision.expected_wait_seconds == 0


def test_scheduled_wait_includes_time_until_opening() -> None:
    """A handoff for a closed team waits at least until it opens."""
    decision = route(WITHOUT_OVERFLOW, "fr", "orders", utc("2026-11-28T10:00"))
    assert decision.opens_at is not None
    assert decision.expected_wait_seconds >= (decision.opens_at - utc("2026-11-28T10:00")).total_seconds()


def test_unserved_language_goes_to_overflow_flagged_not_covered() -> None:
    """Nobody speaks Arabic in this set; the overflow queue takes it with language_covered false."""
    decision = route([AMERICAS, BILLING], "ar", "orders", utc("2026-11-23T16:00"))
    assert (decision.queue, decision.rule, decision.language_covered) == ("billing-global", "overflow", False)


def test_no_queue_at_all_raises() -> None:
    """Without any queue serving the language or an overflow target, routing fails clearly."""
    with pytest.raises(NoRouteError):
        route([replace(APAC, overflow_queue=None)], "ar", "orders", utc("2026-11-23T03:00"))


@given(
    language=st.sampled_from(["en", "es", "pt", "fr", "ar", "zh"]),
    skill=st.sampled_from(["general", "orders", "billing"]),
    instant=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
)
def test_routing_always_decides_and_covered_means_language_served(language: str, skill: str, instant: datetime) -> None:
    """With the demo queues every request gets a queue; language_covered is true iff that queue speaks it,
    and a queue chosen without opens_at is open at that instant."""
    decision = route(DEMO, language, skill, instant)
    chosen = next(q for q in DEMO if q.name == decision.queue)
    assert decision.language_covered == (language in chosen.languages)
    if decision.opens_at is None:
        from handoff.routing.hours import is_open

        assert is_open(chosen.schedule, instant)


def test_full_queue_counts_as_closed() -> None:
    """emea at capacity on Monday morning: the French handoff overflows instead of piling up."""
    full = replace(EMEA, depth=200, capacity=200)
    decision = route([full, BILLING], "fr", "orders", utc("2026-11-23T10:00"))
    assert (decision.queue, decision.rule, decision.language_covered) == ("billing-global", "overflow", False)
    room = replace(EMEA, depth=199, capacity=200)
    assert route([room, BILLING], "fr", "orders", utc("2026-11-23T10:00")).queue == "emea"
