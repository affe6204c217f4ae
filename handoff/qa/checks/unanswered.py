"""The customer's last message, written after the agent's last reply and asking something, was left unanswered."""

from __future__ import annotations

from handoff.qa.checks.base import NOT_APPLICABLE, PASSED, Outcome, failed
from handoff.qa.conversation import Conversation
from handoff.qa.language import LanguageGuesser
from handoff.qa.rules import RuleSet
from handoff.qa.text import find_phrases, starts_with_phrase

# Latin, Chinese/full-width, Arabic and Spanish opening question marks.
QUESTION_MARKS = ("?", "？", "؟", "¿")


def looks_like_question(text: str, question_words: list[str]) -> bool:
    """A question mark anywhere, or a question word at the start (Chinese particles anywhere)."""
    if any(mark in text for mark in QUESTION_MARKS):
        return True
    han_words = [w for w in question_words if any("\u3400" <= c <= "\u9fff" for c in w)]
    other_words = [w for w in question_words if w not in han_words]
    return bool(find_phrases(text, han_words)) or starts_with_phrase(text, other_words)


def unanswered_question(conversation: Conversation, rules: RuleSet, _: LanguageGuesser) -> Outcome:
    """Fails when the last public customer message comes after every agent reply and looks like a question."""
    if not conversation.agent_involved:
        return NOT_APPLICABLE
    order = {message.id: index for index, message in enumerate(conversation.messages)}
    customers = conversation.customer_messages
    if not customers:
        return NOT_APPLICABLE
    last_customer = customers[-1]
    replies = conversation.agent_replies
    if replies and order[replies[-1].id] > order[last_customer.id]:
        return PASSED
    language = last_customer.language or conversation.language
    words = rules.phrases_for("question_words", language)
    if looks_like_question(last_customer.text, words):
        return failed([last_customer.id], "the customer's last message asks something and no agent answered it")
    return PASSED
