"""The handoff payload pieces built from tracker events."""

from __future__ import annotations

from typing import Any

import pytest

from actions import transcript


def user(text: str, intent: str, ts: float, detected: tuple[str, float] | None = None, **metadata: Any) -> dict:
    entities = []
    if detected:
        entities.append({"entity": "detected_language", "value": detected[0], "confidence_entity": detected[1]})
    return {
        "event": "user",
        "text": text,
        "timestamp": ts,
        "parse_data": {"intent": {"name": intent}, "entities": entities},
        "metadata": metadata,
    }


def bot(text: str, ts: float) -> dict:
    return {"event": "bot", "text": text, "timestamp": ts}


def slot(name: str, value: Any) -> dict:
    return {"event": "slot", "name": name, "value": value}


CONVERSATION = [
    {"event": "action", "name": "action_session_start"},
    slot("session_started_metadata", {"locale": "es-MX", "country": "MX"}),
    user("hola", "greet", 1_700_000_000.0, ("es", 0.98), name="Ana"),
    slot("language", "es"),
    bot("¡Hola! ¿En qué puedo ayudarte?", 1_700_000_001.0),
    user("quiero hablar con una persona", "request_human", 1_700_000_010.0, ("es", 0.99)),
    {"event": "user", "text": None, "timestamp": 1_700_000_020.0, "parse_data": {"intent": {"name": "agent_reply"}}},
]


def test_transcript_keeps_customer_and_bot_turns_in_order_with_language() -> None:
    """Every customer and bot turn, in order, with an ISO timestamp and its language; agent events left out."""
    turns = transcript.build_transcript(CONVERSATION)
    assert [(t["role"], t["text"], t["language"]) for t in turns] == [
        ("customer", "hola", "es"),
        ("bot", "¡Hola! ¿En qué puedo ayudarte?", "es"),
        ("customer", "quiero hablar con una persona", "es"),
    ]
    assert turns[0]["timestamp"] == "2023-11-14T22:13:20Z"


def test_bot_turn_before_any_detection_uses_the_initial_language() -> None:
    """Before the language slot is set, bot turns carry the initial language."""
    turns = transcript.build_transcript([bot("Hi!", 0.0)], initial_language="en")
    assert turns[0]["language"] == "en"


def test_intents_seen_skip_external_agent_intents() -> None:
    """The intent path shows only what the customer said."""
    assert transcript.intents_seen(CONVERSATION) == ["greet", "request_human"]


def test_language_confidence_is_latest_detection_of_that_language() -> None:
    """The confidence reported to agents is that of the latest detection of the conversation's language."""
    assert transcript.language_confidence(CONVERSATION, "es") == 0.99
    assert transcript.language_confidence(CONVERSATION, "fr") == 0.0


def test_explicit_language_request_has_full_confidence() -> None:
    """A customer who asked for a language is sure of it."""
    events = [
        {
            "event": "user",
            "text": "em português por favor",
            "parse_data": {
                "intent": {"name": "change_language"},
                "entities": [{"entity": "language", "value": "pt"}],
            },
        }
    ]
    assert transcript.language_confidence(events, "pt") == 1.0


def test_customer_profile_merges_session_and_message_metadata() -> None:
    """Profile hints from the channel: session metadata first, each message's metadata on top."""
    assert transcript.customer_profile(CONVERSATION) == {
        "locale": "es-MX",
        "country": "MX",
        "name": "Ana",
    }


def said(intent: str) -> dict:
    return {"event": "user", "text": intent, "parse_data": {"intent": {"name": intent}}}


def did(action: str) -> dict:
    return {"event": "action", "name": action}


@pytest.mark.parametrize(
    ("slot_reason", "events", "expected"),
    [
        ("no_kb_answer", [said("faq")], "no_kb_answer"),  # an action's reason wins
        (None, [said("request_human")], "explicit_request"),
        (None, [said("complain")], "frustration"),
        (None, [said("out_of_scope")], "out_of_scope"),
        (None, [said("request_refund")], "transactional"),
        # two unclear messages, a person offered, the customer accepts
        (
            None,
            [
                said("nlu_fallback"),
                did("utter_ask_rephrase"),
                said("nlu_fallback"),
                did("utter_offer_human"),
                did("action_listen"),
                said("affirm"),
            ],
            "repeated_fallback",
        ),
        (None, [said("out_of_scope"), did("utter_out_of_scope"), said("affirm")], "out_of_scope"),  # yes to the offer
        (None, [did("utter_greet"), said("affirm")], "explicit_request"),  # a plain yes is not a fallback
        (None, [], "explicit_request"),  # nothing known: the customer asked
    ],
)
def test_handoff_reason(slot_reason: str | None, events: list[dict], expected: str) -> None:
    """Why the conversation goes to a person."""
    assert transcript.handoff_reason(slot_reason, events) == expected


@pytest.mark.parametrize(
    ("intents", "kb_topic", "expected"),
    [
        (["greet", "request_refund", "request_human"], None, "billing"),  # latest transactional intent
        (["cancel_order"], "billing", "orders"),
        (["faq", "request_human"], "account", "account"),  # the KB article's topic
        (["greet"], None, "general"),
    ],
)
def test_handoff_topic(intents: list[str], kb_topic: str | None, expected: str) -> None:
    """The skill an agent needs."""
    assert transcript.handoff_topic(intents, kb_topic) == expected
