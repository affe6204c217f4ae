"""What happened in the bot's conversations, derived from tracker events (pure: no I/O).

A customer's turn starts with their message; everything the turn produced (articles served, "no answer",
clarification buttons) is attributed to the ``language`` slot as it stands at the end of the turn (the language
policy sets it after the message) and to the channel the message came in on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from handoff.reports.tracker import LANGUAGE_SLOT, TrackerEvent

# Names the FAQ action (actions/faq.py) and Rasa use.
FALLBACK_INTENT = "nlu_fallback"
CLARIFY_RESPONSE = "utter_kb_clarify"
ARTICLE_ENTITY = "kb_article"
DECLINE = "none"
ARTICLE_SLOT = "kb_last_article"
NO_ANSWER_SLOT = "kb_no_answer_count"
# Agent replies and hand-backs reach Rasa as external intents, not as customer messages.
EXTERNAL_PREFIX = "EXTERNAL: "


class Kind(StrEnum):
    """One countable thing in a conversation."""

    MESSAGE = "message"
    ARTICLE_SERVED = "article_served"
    KB_NO_ANSWER = "kb_no_answer"
    CLARIFICATION_ASKED = "clarification_asked"
    CLARIFICATION_CHOSEN = "clarification_chosen"
    CLARIFICATION_DECLINED = "clarification_declined"


@dataclass(frozen=True)
class BotRecord:
    """A message (``value``: its intent), an article served (``value``: the article) or a KB/clarification step."""

    sender: str
    at: datetime
    kind: Kind
    language: str | None
    channel: str | None
    value: str | None = None


@dataclass
class _Pending:
    sender: str
    at: datetime
    kind: Kind
    value: str | None


def is_external(data: Mapping[str, Any]) -> bool:
    """A message Rasa received from outside the customer (an agent's reply, a notice): not a customer turn."""
    metadata = data.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get("is_external"):
        return True
    return str(data.get("text") or "").startswith(EXTERNAL_PREFIX)


def intent_of(event: TrackerEvent) -> str | None:
    """The intent NLU gave a customer message (from its parse data, else the event's own column)."""
    parse = event.data.get("parse_data")
    intent = parse.get("intent") if isinstance(parse, Mapping) else None
    name = intent.get("name") if isinstance(intent, Mapping) else None
    return str(name) if name else event.intent_name


def _chosen_article(event: TrackerEvent) -> str | None:
    parse = event.data.get("parse_data")
    entities = parse.get("entities") if isinstance(parse, Mapping) else None
    for entity in entities or []:
        if isinstance(entity, Mapping) and entity.get("entity") == ARTICLE_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None


def _steps(event: TrackerEvent) -> list[tuple[Kind, str | None]]:
    """What one event counts as (a customer message is handled by the caller)."""
    data = event.data
    if event.type_name == "bot":
        metadata = data.get("metadata")
        if isinstance(metadata, Mapping) and metadata.get("utter_action") == CLARIFY_RESPONSE:
            return [(Kind.CLARIFICATION_ASKED, None)]
    elif event.type_name == "slot":
        name, value = data.get("name"), data.get("value")
        if name == ARTICLE_SLOT and value:
            return [(Kind.ARTICLE_SERVED, str(value))]
        if name == NO_ANSWER_SLOT and isinstance(value, int | float) and value > 0:
            return [(Kind.KB_NO_ANSWER, None)]
    return []


def derive_records(events: Iterable[TrackerEvent], languages_before: Mapping[str, str | None]) -> list[BotRecord]:
    """Records of every conversation; ``events`` are in order per sender (as ``TrackerReader`` returns them)."""
    records: list[BotRecord] = []
    pending: list[_Pending] = []
    sender: str | None = None
    language: str | None = None
    channel: str | None = None

    def flush() -> None:
        records.extend(BotRecord(p.sender, p.at, p.kind, language, channel, p.value) for p in pending)
        pending.clear()

    for event in events:
        if event.sender_id != sender:
            flush()
            sender, language, channel = event.sender_id, languages_before.get(event.sender_id), None
        at = datetime.fromtimestamp(event.timestamp, UTC)
        if event.type_name == "user":
            flush()
            if is_external(event.data):
                channel = None
                continue
            channel = str(event.data.get("input_channel") or "") or None
            pending.append(_Pending(event.sender_id, at, Kind.MESSAGE, intent_of(event)))
            chosen = _chosen_article(event)
            if chosen == DECLINE:
                pending.append(_Pending(event.sender_id, at, Kind.CLARIFICATION_DECLINED, None))
            elif chosen is not None:
                pending.append(_Pending(event.sender_id, at, Kind.CLARIFICATION_CHOSEN, chosen))
            continue
        if event.type_name == "slot" and event.data.get("name") == LANGUAGE_SLOT:
            value = event.data.get("value")
            language = str(value) if value else None
        pending += [_Pending(event.sender_id, at, kind, value) for kind, value in _steps(event)]
    flush()
    return records
