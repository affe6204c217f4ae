"""Pure auto-assignment: the available agent with the language, the skill and free capacity, idle longest.

In a queue that serves the language through machine translation, agents who do not speak it are eligible too, but
one who speaks it is always preferred. A queue with ``prefer_last_agent`` gives a returning customer to the agent
who last helped them (:func:`returning_agent`) before anyone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from handoff.states import AgentStatus

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


def eligible(agent: AgentState, queue: str, language: str, skill: str, translated: bool = False) -> bool:
    """Online, member of the queue, speaks the language (or the queue translates it), has the skill and a free slot."""
    return (
        agent.status == AgentStatus.ONLINE
        and queue in agent.queues
        and (language in agent.languages or translated)
        and skill in agent.skills
        and agent.active < agent.max_concurrent
    )


def choose_agent(
    agents: Sequence[AgentState], queue: str, language: str, skill: str, translated: bool = False
) -> AgentState | None:
    """The eligible agent idle longest (never-assigned first), ties broken by id; None if nobody fits.

    ``translated``: the queue serves ``language`` through translation, so agents who do not speak it may take it,
    after every eligible agent who does.
    """
    fits = [a for a in agents if eligible(a, queue, language, skill, translated)]
    if not fits:
        return None
    return min(fits, key=lambda a: (language not in a.languages, a.idle_since or _NEVER, a.id))


def returning_agent(
    agents: Sequence[AgentState], agent_id: str | None, queue: str, language: str, translated: bool = False
) -> AgentState | None:
    """The agent who last helped a returning customer, when they can take them now: online, member of the queue,
    speaking the language (or the queue translates it) and with a free slot; None otherwise.

    The skill is not required: the queue already fits the topic, and knowing the customer is the point.
    """
    if agent_id is None:
        return None
    agent = next((a for a in agents if a.id == agent_id), None)
    if agent is None:
        return None
    fits = (
        agent.status == AgentStatus.ONLINE
        and queue in agent.queues
        and (language in agent.languages or translated)
        and agent.active < agent.max_concurrent
    )
    return agent if fits else None
