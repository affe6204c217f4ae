"""Timing checks: the first agent reply within the queue's SLA, and no long silence while the customer waits."""

from __future__ import annotations

from handoff.qa.checks.base import NOT_APPLICABLE, PASSED, Outcome, duration, failed
from handoff.qa.conversation import Conversation
from handoff.qa.language import LanguageGuesser
from handoff.qa.rules import RuleSet


def first_response(conversation: Conversation, rules: RuleSet, _: LanguageGuesser) -> Outcome:
    """From the handoff to the first public agent reply (as the reports measure it), within the SLA.

    A handoff an agent took but never answered fails once it stayed open longer than the SLA.
    """
    limit = rules.limits.first_response_seconds or conversation.sla_seconds
    if not conversation.agent_involved or not limit:
        return NOT_APPLICABLE
    start = conversation.created_at
    first = next((m for m in conversation.agent_replies if m.timestamp >= start), None)
    if first is None:
        waited = (conversation.closed_at - start).total_seconds()
        if waited > limit:
            return failed([], f"no agent reply in {duration(waited)}; the target is {duration(limit)}")
        return PASSED
    delay = (first.timestamp - start).total_seconds()
    if delay > limit:
        return failed([first.id], f"first reply after {duration(delay)}; the target is {duration(limit)}")
    return PASSED


def silence(conversation: Conversation, rules: RuleSet, _: LanguageGuesser) -> Outcome:
    """After the agent's first reply, a customer who wrote waits at most ``silence_seconds`` for the next one."""
    limit = rules.limits.silence_seconds
    if not conversation.agent_replies:
        return NOT_APPLICABLE
    answered = False
    waiting = None
    gaps: list[tuple[int, int, float]] = []
    for message in conversation.messages:
        if message.by_agent:
            if waiting is not None:
                gap = (message.timestamp - waiting.timestamp).total_seconds()
                if gap > limit:
                    gaps.append((waiting.id, message.id, gap))
            answered = True
            waiting = None
        elif message.by_customer and answered and waiting is None:
            waiting = message
    if not gaps:
        return PASSED
    ids = [message_id for customer, agent, _ in gaps for message_id in (customer, agent)]
    spans = ", ".join(duration(gap) for *_, gap in gaps)
    noun = "silence" if len(gaps) == 1 else "silences"
    return failed(ids, f"{len(gaps)} {noun} longer than {duration(limit)}: {spans}")
