"""Pure: which skill a handoff needs, from the conversation, and what decided it.

In order: the latest intent that names a skill (``intent``); else the topic the bot sent when it is specific
(``topic``, e.g. set by a form); else the topic of the latest knowledge-base article the bot tried (``kb_article``:
billing, account, orders); else ``general`` (``default``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

GENERAL = "general"

# Latest intent -> the skill an agent needs (the bot's intents of docs/contracts.md).
SKILL_BY_INTENT: dict[str, str] = {
    "request_refund": "billing",
    "cancel_order": "orders",
    "check_order_status": "orders",
}


@dataclass(frozen=True, slots=True)
class SkillChoice:
    """The skill and its source: ``topic``, ``intent``, ``kb_article`` or ``default``."""

    skill: str
    source: str


def choose_skill(
    topic: str, intents: Sequence[str], kb_articles_tried: Sequence[str], article_topics: Mapping[str, str]
) -> SkillChoice:
    """The skill a handoff needs (see the module docstring for the order)."""
    for intent in reversed(intents):
        if intent in SKILL_BY_INTENT:
            return SkillChoice(SKILL_BY_INTENT[intent], "intent")
    if topic and topic != GENERAL:
        return SkillChoice(topic, "topic")
    for article in reversed(kb_articles_tried):
        found = article_topics.get(article)
        if found and found != GENERAL:
            return SkillChoice(found, "kb_article")
    return SkillChoice(GENERAL, "default")
