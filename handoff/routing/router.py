"""Pure routing: which queue gets a handoff, whether the language is covered, and when it opens.

Rules, in order (each names itself in :attr:`RouteDecision.rule`):

1. ``match``: queues serving the language *and* the skill that are open now (and not full: a queue
   holding ``capacity`` waiting handoffs counts as closed); the one with the shortest expected wait
   wins (then the name, for determinism).
2. ``follow_the_sun``: none of those is open, so another team that serves the language with the
   ``general`` skill and is open now takes it.
3. ``translation``: nobody who speaks the language is working, so an open queue that serves it
   through machine translation (``QueueState.translation_languages``, filled only when a provider is
   configured) and has the skill (or ``general``) takes it; the customer is answered in their language.
4. ``overflow``: the configured overflow queue of a candidate queue, when open, takes it;
   ``language_covered`` says whether that team speaks the language.
5. ``scheduled``: nobody suitable is working; the candidate queue that opens first takes it and
   ``opens_at`` says when.

Candidates are the language+skill queues; when no team has the skill in that language, the
language's ``general`` queues stand in; when nobody speaks the language at all, only overflow
targets remain (``language_covered`` false). :attr:`RouteDecision.via` says in one word how the customer
will be served: ``language`` (a team that speaks it), ``translation`` or ``overflow`` (a team that may not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from handoff.routing.hours import Schedule, is_open, next_opening
from handoff.routing.wait import expected_wait_seconds

GENERAL_SKILL = "general"


class NoRouteError(LookupError):
    """No queue can ever take this handoff (no queue serves the language and no overflow exists)."""

    def __init__(self, language: str, skill: str) -> None:
        super().__init__(f"no queue serves language {language!r} or skill {skill!r}, and no overflow queue exists")
        self.language = language
        self.skill = skill


@dataclass(frozen=True, slots=True)
class QueueState:
    """What routing needs to know about one queue at decision time."""

    name: str
    languages: frozenset[str]
    skills: frozenset[str]
    schedule: Schedule
    overflow_queue: str | None = None
    depth: int = 0
    agents_online: int = 0
    free_slots: int = 0
    avg_handle_seconds: float = 300.0
    region: str = ""
    capacity: int | None = None
    translation_languages: frozenset[str] = frozenset()

    @property
    def full(self) -> bool:
        """The queue holds as many waiting handoffs as its capacity allows."""
        return self.capacity is not None and self.depth >= self.capacity


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Where a handoff goes and why."""

    queue: str
    rule: str
    language_covered: bool
    opens_at: datetime | None
    expected_wait_seconds: int
    considered: tuple[str, ...] = field(default=())

    @property
    def via(self) -> str:
        """How the customer is served: ``language``, ``translation`` or ``overflow`` (nobody may speak it)."""
        if self.rule == "translation":
            return "translation"
        return "language" if self.language_covered else "overflow"


def _wait(queue: QueueState, now: datetime, opens_at: datetime | None) -> int:
    opens_in = 0.0 if opens_at is None else max(0.0, (opens_at - now).total_seconds())
    return expected_wait_seconds(
        position=queue.depth + 1,
        agents_online=queue.agents_online,
        free_slots=queue.free_slots if opens_at is None else 0,
        avg_handle_seconds=queue.avg_handle_seconds,
        opens_in_seconds=opens_in,
    )


def _best_open(queues: Sequence[QueueState], now: datetime) -> QueueState | None:
    open_now = [q for q in queues if not q.full and is_open(q.schedule, now)]
    if not open_now:
        return None
    return min(open_now, key=lambda q: (_wait(q, now, None), q.name))


def route(queues: Sequence[QueueState], language: str, skill: str, now: datetime) -> RouteDecision:
    """Choose a queue for a handoff in ``language`` needing ``skill`` at instant ``now``."""
    by_name = {q.name: q for q in queues}
    speaks = [q for q in queues if language in q.languages]
    candidates = [q for q in speaks if skill in q.skills]
    if not candidates:
        candidates = [q for q in speaks if GENERAL_SKILL in q.skills]
    considered = tuple(q.name for q in candidates)

    best = _best_open(candidates, now)
    if best is not None:
        return RouteDecision(best.name, "match", True, None, _wait(best, now, None), considered)

    candidate_names = {q.name for q in candidates}
    sun = [q for q in speaks if GENERAL_SKILL in q.skills and q.name not in candidate_names]
    best = _best_open(sun, now)
    if best is not None:
        return RouteDecision(best.name, "follow_the_sun", True, None, _wait(best, now, None), considered)

    translated = [
        q for q in queues if language in q.translation_languages and (skill in q.skills or GENERAL_SKILL in q.skills)
    ]
    best = _best_open(translated, now)
    if best is not None:
        return RouteDecision(best.name, "translation", True, None, _wait(best, now, None), considered)

    sources = candidates or list(queues)
    overflow_names = [q.overflow_queue for q in sources if q.overflow_queue and q.overflow_queue in by_name]
    overflow = [by_name[name] for name in dict.fromkeys(overflow_names)]
    best = _best_open(overflow, now)
    if best is not None:
        covered = language in best.languages
        return RouteDecision(best.name, "overflow", covered, None, _wait(best, now, None), considered)

    pool = candidates or overflow
    openings = [(next_opening(q.schedule, now), q) for q in pool]
    scheduled = [(at, q) for at, q in openings if at is not None]
    if not scheduled:
        raise NoRouteError(language, skill)
    at, chosen = min(scheduled, key=lambda pair: (pair[0], pair[1].name))
    covered = language in chosen.languages
    return RouteDecision(chosen.name, "scheduled", covered, at, _wait(chosen, now, at), considered)
