"""Pure auto-assignment: the available agent with the language, the skill and free capacity, idle longest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AgentState:
    """What assignment needs to know about an agent."""

    id: str
    status: str
    languages: frozenset[str]
    skills: frozenset[str]
    queues: frozenset[str]
    active: int
    max_concurrent: int
    idle_since: datetime | None


def eligible(agent: AgentState, queue: str, language: str, skill: str) -> bool:
    """Online, member of the queue, speaks the language, has the skill and a free slot."""
    return (
        agent.status == "online"
        and queue in agent.queues
        and language in agent.languages
        and skill in agent.skills
        and agent.active < agent.max_concurrent
    )


def choose_agent(agents: Sequence[AgentState], queue: str, language: str, skill: str) -> AgentState | None:
    """The eligible agent idle longest (never-assigned first), ties broken by id; None if nobody fits."""
    fits = [a for a in agents if eligible(a, queue, language, skill)]
    if not fits:
        return None
    return min(fits, key=lambda a: (a.idle_since or _NEVER, a.id))
