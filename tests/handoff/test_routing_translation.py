"""Routing through translation (pure): a team that speaks the language first, then a queue that serves it
through translation, then overflow; the decision says which (``via``); assignment prefers speakers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.routing.assign import choose_agent
from handoff.routing.hours import build_schedule
from handoff.routing.router import QueueState, route
from tests.handoff.test_routing_assign import make_agent
from tests.handoff.test_routing_router import AMERICAS, APAC, BILLING, EMEA

TRANSLATED = QueueState(
    name="global-translated",
    languages=frozenset(),
    skills=frozenset({"general", "orders", "billing"}),
    schedule=build_schedule("UTC", {"daily": ["00:00-24:00"]}),
    overflow_queue="billing-global",
    agents_online=1,
    translation_languages=frozenset({"es", "pt", "fr", "ar", "zh"}),
)
WITH_TRANSLATION = [AMERICAS, EMEA, APAC, BILLING, TRANSLATED]
# The same queues as routing sees them when no provider is configured: nothing is served through translation.
WITHOUT_TRANSLATION = [*WITH_TRANSLATION[:-1], replace(TRANSLATED, translation_languages=frozenset())]


def utc(text: str) -> datetime:
    """Parse an ISO instant written in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# fmt: off
CASES = [
    # (queues, language, skill, instant UTC, queue, rule, via, covered, why)
    (WITH_TRANSLATION, "pt", "general", "2026-11-24T05:00", "global-translated", "translation", "translation", True,
     "Portuguese at night: nobody who speaks it works, the translation queue does"),
    (WITHOUT_TRANSLATION, "pt", "general", "2026-11-24T05:00", "billing-global", "overflow", "overflow", False,
     "the same without a provider: the English-only overflow, as before"),
    (WITH_TRANSLATION, "pt", "general", "2026-11-23T16:00", "americas", "match", "language", True,
     "by day the americas team speaks Portuguese: a speaker comes first"),
    (WITH_TRANSLATION, "ar", "orders", "2026-11-24T05:00", "global-translated", "translation", "translation", True,
     "Arabic before Paris opens"),
    (WITH_TRANSLATION, "zh", "general", "2026-11-24T05:00", "apac", "match", "language", True,
     "Chinese at 13:00 Shanghai: apac open, no translation needed"),
]
# fmt: on


@pytest.mark.parametrize(("queues", "language", "skill", "at", "queue", "rule", "via", "covered", "why"), CASES)
def test_route_prefers_speakers_then_translation_then_overflow(
    queues: list[QueueState],
    language: str,
    skill: str,
    at: str,
    queue: str,
    rule: str,
    via: str,
    covered: bool,
    why: str,
) -> None:
    """Table-driven: one row per situation, its reason in the last column."""
    decision = route(queues, language, skill, utc(at))
    assert (queue, rule, via, covered) == (decision.queue, decision.rule, decision.via, decision.language_covered), why


def test_a_translation_queue_without_the_skill_is_skipped() -> None:
    """A billing-only translation queue does not take an orders question: it overflows instead."""
    billing_only = replace(TRANSLATED, skills=frozenset({"billing"}))
    decision = route([AMERICAS, EMEA, APAC, BILLING, billing_only], "pt", "orders", utc("2026-11-24T05:00"))
    assert (decision.queue, decision.via) == ("billing-global", "overflow")


def test_a_closed_or_full_translation_queue_is_skipped() -> None:
    """Full (depth at capacity) counts as closed, as for every other queue."""
    full = replace(TRANSLATED, capacity=3, depth=3)
    decision = route([AMERICAS, EMEA, APAC, BILLING, full], "pt", "general", utc("2026-11-24T05:00"))
    assert decision.via == "overflow"


@given(
    language=st.sampled_from(["en", "es", "pt", "fr", "ar", "zh"]),
    skill=st.sampled_from(["general", "orders", "billing"]),
    minutes=st.integers(min_value=0, max_value=7 * 24 * 60),
)
def test_translation_never_replaces_an_open_team_that_speaks_the_language(
    language: str, skill: str, minutes: int
) -> None:
    """Whenever routing without translation finds a team that speaks the language, translation changes nothing."""
    at = utc("2026-11-23T00:00") + timedelta(minutes=minutes)
    before = route(WITHOUT_TRANSLATION, language, skill, at)
    after = route(WITH_TRANSLATION, language, skill, at)
    if before.language_covered and before.opens_at is None:
        assert (before.queue, before.rule) == (after.queue, after.rule)
    assert after.via in {"language", "translation", "overflow"}


def test_translation_queue_agents_who_do_not_speak_the_language_are_eligible_after_speakers() -> None:
    """In a queue translating Portuguese: an English-only agent may take it, but a Portuguese speaker first."""
    english = make_agent("a-english", languages=frozenset({"en"}), queues=frozenset({"global-translated"}))
    speaker = make_agent(
        "b-speaker",
        languages=frozenset({"pt", "en"}),
        queues=frozenset({"global-translated"}),
        idle_since=datetime(2026, 11, 23, 13, 0, tzinfo=UTC),  # idle for less time than a-english
    )
    assert choose_agent([english], "global-translated", "pt", "general") is None
    chosen = choose_agent([english], "global-translated", "pt", "general", translated=True)
    assert chosen is not None and chosen.id == "a-english"
    both = choose_agent([english, speaker], "global-translated", "pt", "general", translated=True)
    assert both is not None and both.id == "b-speaker"
