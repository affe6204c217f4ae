"""The agent replies in the customer's language: what the customer saw (a translated reply's text) is judged."""

from __future__ import annotations

from handoff.qa.checks.base import NOT_APPLICABLE, PASSED, Outcome, failed
from handoff.qa.conversation import Conversation
from handoff.qa.language import LanguageGuesser
from handoff.qa.rules import RuleSet


def _weight(char: str) -> int:
    # A Chinese character carries about as much language as a short Latin word.
    return 3 if "\u3400" <= char <= "\u9fff" else 1


def letters(text: str) -> int:
    """How much language ``text`` holds: its letters, a Han character counting three."""
    return sum(_weight(char) for char in text if char.isalpha())


def reply_language(conversation: Conversation, rules: RuleSet, detector: LanguageGuesser) -> Outcome:
    """Each long enough reply whose language the detector is sure of must be the customer's current language."""
    judged = 0
    wrong: list[tuple[int, str, str]] = []
    for reply in conversation.agent_replies:
        if letters(reply.text) < rules.limits.language_min_letters:
            continue
        detected = detector.language_of(reply.text)
        if detected is None:
            continue
        judged += 1
        expected = conversation.customer_language_at(reply)
        if detected != expected:
            wrong.append((reply.id, detected, expected))
    if not judged:
        return NOT_APPLICABLE
    if not wrong:
        return PASSED
    found = ", ".join(f"{detected} instead of {expected}" for _, detected, expected in wrong)
    noun = "reply" if len(wrong) == 1 else "replies"
    return failed(
        [message_id for message_id, *_ in wrong], f"{len(wrong)} {noun} not in the customer's language: {found}"
    )
