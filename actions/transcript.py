"""Turns a Rasa tracker's events into the handoff payload: pure functions over plain dicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from actions.names import Intent

# Latest intent -> why the conversation goes to a person (used when no action set `handoff_reason`).
REASON_BY_INTENT: dict[str, str] = {
    Intent.REQUEST_HUMAN: "explicit_request",
    Intent.COMPLAIN: "frustration",
    Intent.OUT_OF_SCOPE: "out_of_scope",
    Intent.NLU_FALLBACK: "repeated_fallback",
    Intent.REQUEST_REFUND: "transactional",
    Intent.CANCEL_ORDER: "transactional",
}

# The bot's offer of a person that a "yes" accepted -> why.
REASON_BY_OFFER: dict[str, str] = {
    "utter_offer_human": "repeated_fallback",
    "utter_out_of_scope": "out_of_scope",
}

# Latest intent -> the skill an agent needs.
TOPIC_BY_INTENT: dict[str, str] = {
    Intent.REQUEST_REFUND: "billing",
    Intent.CANCEL_ORDER: "orders",
    Intent.CHECK_ORDER_STATUS: "orders",
}

EXTERNAL_INTENTS = frozenset({Intent.AGENT_REPLY, Intent.AGENT_HANDBACK, Intent.AGENT_CLOSE})
# What a channel may tell us about the customer. Never VIP or priority: metadata is customer-controlled on some
# channels, and the handoff service's customer directory owns VIP.
PROFILE_KEYS = ("name", "locale", "country", "timezone")
# Longest value the handoff service accepts per key; longer ones are cut so that a long name cannot sink a handoff.
PROFILE_MAX_CHARS = {"name": 256, "locale": 35, "country": 8, "timezone": 64}


def iso_timestamp(timestamp: float | None) -> str:
    """A Rasa event timestamp (seconds since the epoch) in ISO 8601, UTC."""
    moment = datetime.fromtimestamp(timestamp or 0.0, tz=UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _detected(parse_data: Mapping[str, Any]) -> tuple[str | None, float | None]:
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == "detected_language":
            return entity.get("value"), entity.get("confidence_entity")
    return None, None


def build_transcript(events: Iterable[Mapping[str, Any]], initial_language: str = "en") -> list[dict[str, Any]]:
    """Customer and bot turns in order, each with its timestamp and the conversation language at that moment."""
    language = initial_language
    turns: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "language" and event.get("value"):
            language = str(event["value"])
        elif kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            if intent.get("name") in EXTERNAL_INTENTS:
                continue
            detected, _ = _detected(event.get("parse_data") or {})
            turns.append(
                {
                    "role": "customer",
                    "text": event.get("text") or "",
                    "timestamp": iso_timestamp(event.get("timestamp")),
                    "language": detected or language,
                }
            )
        elif kind == "bot" and event.get("text"):
            turns.append(
                {
                    "role": "bot",
                    "text": event["text"],
                    "timestamp": iso_timestamp(event.get("timestamp")),
                    "language": language,
                }
            )
    return turns


def intents_seen(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """Customer intents in the order they were recognised (external agent intents left out)."""
    names = []
    for event in events:
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name and name not in EXTERNAL_INTENTS:
            names.append(str(name))
    return names


def language_confidence(events: Iterable[Mapping[str, Any]], language: str) -> float:
    """Confidence of the conversation's language: the latest confident detection of it, 1.0 if asked explicitly."""
    confidence = 0.0
    for event in events:
        if event.get("event") != "user":
            continue
        parse_data = event.get("parse_data") or {}
        asked = ((parse_data.get("intent") or {}).get("name")) == "change_language"
        entities = parse_data.get("entities") or []
        if asked and any(e.get("entity") == "language" and e.get("value") == language for e in entities):
            confidence = 1.0
            continue
        detected, value = _detected(parse_data)
        if detected == language and value is not None:
            confidence = float(value)
    return confidence


def customer_profile(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What the channels told us about the customer, from message and session metadata (latest wins); only
    `PROFILE_KEYS`, as strings."""
    profile: dict[str, Any] = {}
    for event in events:
        metadata: Mapping[str, Any] = {}
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
        elif event.get("event") == "slot" and event.get("name") == "session_started_metadata":
            metadata = event.get("value") or {}
        if not isinstance(metadata, Mapping):
            continue
        for key in PROFILE_KEYS:
            if metadata.get(key) is not None:
                profile[key] = str(metadata[key])[: PROFILE_MAX_CHARS[key]]
    return profile


def handoff_reason(slot_reason: str | None, events: Iterable[Mapping[str, Any]]) -> str:
    """The reason an action asked for; else what the conversation shows: a customer accepting the person offered
    (after two unclear messages, or for an out-of-scope question), or the latest intent; else an explicit request."""
    if slot_reason:
        return slot_reason
    latest_intent: str | None = None
    offered_before_latest: str | None = None
    last_action: str | None = None
    for event in events:
        kind = event.get("event")
        if kind == "action" and event.get("name") != "action_listen":
            last_action = event.get("name")
        elif kind == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if name in EXTERNAL_INTENTS:
                continue
            latest_intent = name
            offered_before_latest = last_action if last_action in REASON_BY_OFFER else None
    if latest_intent == Intent.AFFIRM and offered_before_latest:
        return REASON_BY_OFFER[offered_before_latest]
    return REASON_BY_INTENT.get(latest_intent or "", "explicit_request")


def handoff_topic(intents: list[str], kb_topic: str | None = None) -> str:
    """The skill the conversation needs: from the latest transactional intent, else the KB topic, else general."""
    for name in reversed(intents):
        if name in TOPIC_BY_INTENT:
            return TOPIC_BY_INTENT[name]
    return kb_topic or "general"
