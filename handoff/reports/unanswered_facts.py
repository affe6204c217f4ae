"""The customer questions the bot could not serve, derived from tracker events and handoffs (pure: no I/O).

A question is a customer message whose turn ended in an NLU fallback (the ``nlu_fallback`` intent, or Rasa's
fallback action saying ``utter_default``) or a knowledge-base "no answer", or whose clarification buttons the
customer declined with "none of these" (the decline is a later turn: it marks the question that was clarified).
Handoffs for repeated failure add the customer's last message before the handoff, unless the tracker already
counted that message, in which case the kind is added to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from handoff.reports.bot_facts import (
    ARTICLE_ENTITY,
    CLARIFY_RESPONSE,
    DECLINE,
    FALLBACK_INTENT,
    NO_ANSWER_SLOT,
    intent_of,
    is_external,
)
from handoff.reports.tracker import LANGUAGE_SLOT, TrackerEvent

# What Rasa's fallback action (config.yml: core_fallback_action_name) says.
FALLBACK_RESPONSE = "utter_default"
REPEATED_FAILURE = "repeated_failure"


class UnansweredKind(StrEnum):
    """Why a question counts as unanswered."""

    NLU_FALLBACK = "nlu_fallback"
    KB_NO_ANSWER = "kb_no_answer"
    CLARIFICATION_DECLINED = "clarification_declined"
    REPEATED_FAILURE = "repeated_failure"


@dataclass
class Question:
    """One customer message the bot could not serve (``text`` as the customer wrote it, not yet masked)."""

    conversation: str
    at: datetime
    language: str | None
    text: str
    kinds: set[UnansweredKind] = field(default_factory=set)


@dataclass(frozen=True)
class HandoffQuestion:
    """The customer's last message before a handoff, with the handoff's reason and language."""

    conversation: str
    at: datetime
    language: str | None
    reason: str
    text: str


@dataclass
class _Turn:
    conversation: str
    at: datetime
    text: str
    kinds: set[UnansweredKind] = field(default_factory=set)
    clarified: bool = False
    language: str | None = None


def _declined(event: TrackerEvent) -> bool:
    parse = event.data.get("parse_data")
    entities = parse.get("entities") if isinstance(parse, Mapping) else None
    return any(
        isinstance(entity, Mapping) and entity.get("entity") == ARTICLE_ENTITY and entity.get("value") == DECLINE
        for entity in entities or []
    )


def _utterance(event: TrackerEvent) -> str | None:
    metadata = event.data.get("metadata")
    value = metadata.get("utter_action") if isinstance(metadata, Mapping) else None
    return str(value) if value else None


def _mark(turn: _Turn | None, event: TrackerEvent) -> None:
    """What a bot utterance or a slot change in a turn says about its question."""
    if turn is None:
        return
    if event.type_name == "bot":
        response = _utterance(event)
        if response == FALLBACK_RESPONSE:
            turn.kinds.add(UnansweredKind.NLU_FALLBACK)
        elif response == CLARIFY_RESPONSE:
            turn.clarified = True
    elif event.type_name == "slot" and event.data.get("name") == NO_ANSWER_SLOT:
        value = event.data.get("value")
        if isinstance(value, int | float) and value > 0:
            turn.kinds.add(UnansweredKind.KB_NO_ANSWER)


def unanswered_from_tracker(
    events: Iterable[TrackerEvent], languages_before: Mapping[str, str | None]
) -> list[Question]:
    """The unanswered questions of every conversation; ``events`` are in order per sender (as the reader returns
    them). A question takes the ``language`` slot as it stands at the end of its turn."""
    turns: list[_Turn] = []
    sender: str | None = None
    language: str | None = None
    current: _Turn | None = None
    clarified: _Turn | None = None
    for event in events:
        if event.sender_id != sender:
            if current is not None:
                current.language = language
            sender, language, current, clarified = event.sender_id, languages_before.get(event.sender_id), None, None
        if event.type_name == "user":
            if current is not None:
                current.language = language
                if current.clarified:
                    clarified = current
            if is_external(event.data):
                current = None
                continue
            if _declined(event):
                if clarified is not None:
                    clarified.kinds.add(UnansweredKind.CLARIFICATION_DECLINED)
                current, clarified = None, None
                continue
            text = " ".join(str(event.data.get("text") or "").split())
            # Button payloads (``/intent{...}``) are clicks, not questions.
            if not text or text.startswith("/"):
                current, clarified = None, None
                continue
            current = _Turn(sender or "", _at(event), text)
            turns.append(current)
            if intent_of(event) == FALLBACK_INTENT:
                current.kinds.add(UnansweredKind.NLU_FALLBACK)
            continue
        if event.type_name == "slot" and event.data.get("name") == LANGUAGE_SLOT:
            value = event.data.get("value")
            language = str(value) if value else None
        _mark(current, event)
    if current is not None:
        current.language = language
    return [
        Question(turn.conversation, turn.at, turn.language, turn.text, set(turn.kinds)) for turn in turns if turn.kinds
    ]


def _at(event: TrackerEvent) -> datetime:
    return datetime.fromtimestamp(event.timestamp, UTC)


def _key(conversation: str, text: str) -> tuple[str, str]:
    return conversation, " ".join(text.casefold().split())


def merge_handoffs(questions: list[Question], handoffs: Iterable[HandoffQuestion]) -> list[Question]:
    """``questions`` plus the last message of each repeated-failure handoff; a message the tracker already counted
    gets the kind added instead of being counted twice. Sorted by time, then conversation."""
    merged = list(questions)
    known = {_key(q.conversation, q.text): q for q in merged}
    for handoff in handoffs:
        if handoff.reason != REPEATED_FAILURE or not handoff.text.strip():
            continue
        key = _key(handoff.conversation, handoff.text)
        existing = known.get(key)
        if existing is not None:
            existing.kinds.add(UnansweredKind.REPEATED_FAILURE)
            continue
        text = " ".join(handoff.text.split())
        question = Question(handoff.conversation, handoff.at, handoff.language, text, {UnansweredKind.REPEATED_FAILURE})
        known[key] = question
        merged.append(question)
    return sorted(merged, key=lambda q: (q.at, q.conversation, q.text))
