"""Phrase checks per language: a greeting among the agent's first replies, a closing among the last ones, and no
rude or blaming phrase anywhere. A translated reply counts in the customer's language (its text) and in the
agent's own (its original text)."""

from __future__ import annotations

from handoff.qa.checks.base import NOT_APPLICABLE, PASSED, Outcome, failed
from handoff.qa.conversation import Conversation, QaMessage
from handoff.qa.language import LanguageGuesser
from handoff.qa.rules import LANGUAGES, RuleSet
from handoff.qa.text import find_phrases


def _versions(conversation: Conversation, reply: QaMessage) -> list[tuple[str, str]]:
    """(text, language) pairs of a reply: what the customer saw, and the agent's own words when translated."""
    versions = [(reply.text, conversation.customer_language_at(reply))]
    if reply.original_text:
        versions.append((reply.original_text, reply.original_language or conversation.customer_language_at(reply)))
    return versions


def _required(conversation: Conversation, rules: RuleSet, kind: str, window: list[QaMessage]) -> Outcome:
    """Passes when a reply of ``window`` holds a ``kind`` phrase of its language; N/A without phrase lists."""
    had_list = False
    for reply in window:
        for text, language in _versions(conversation, reply):
            phrases = rules.phrases_for(kind, language)
            had_list = had_list or bool(phrases)
            if find_phrases(text, phrases):
                return PASSED
    if not had_list:
        return NOT_APPLICABLE
    language = conversation.customer_language_at(window[0])
    where = "first" if kind == "greeting" else "last"
    count = len(window)
    noun = "reply" if count == 1 else f"{count} replies"
    return failed([m.id for m in window], f"no {kind} phrase for {language} in the agent's {where} {noun}")


def greeting(conversation: Conversation, rules: RuleSet, _: LanguageGuesser) -> Outcome:
    """One of the agent's first ``greeting_window`` replies greets the customer."""
    replies = conversation.agent_replies
    if not replies:
        return NOT_APPLICABLE
    return _required(conversation, rules, "greeting", replies[: rules.limits.greeting_window])


def closing(conversation: Conversation, rules: RuleSet, _: LanguageGuesser) -> Outcome:
    """One of the agent's last ``closing_window`` replies closes the conversation politely."""
    replies = conversation.agent_replies
    if not replies:
        return NOT_APPLICABLE
    return _required(conversation, rules, "closing", replies[-rules.limits.closing_window :])


def tone(conversation: Conversation, rules: RuleSet, _: LanguageGuesser) -> Outcome:
    """No reply holds a rude or blaming phrase of any configured language (agents may slip into another one)."""
    replies = conversation.agent_replies
    phrases = [phrase for language in LANGUAGES for phrase in rules.phrases_for("tone", language)]
    if not replies or not phrases:
        return NOT_APPLICABLE
    hits: dict[int, list[str]] = {}
    for reply in replies:
        for text in filter(None, (reply.text, reply.original_text)):
            for phrase in find_phrases(text, phrases):
                hits.setdefault(reply.id, [])
                if phrase not in hits[reply.id]:
                    hits[reply.id].append(phrase)
    if not hits:
        return PASSED
    found = ", ".join(f"“{phrase}”" for phrase in dict.fromkeys(p for ps in hits.values() for p in ps))
    return failed(list(hits), f"rude or blaming phrases: {found}")
