"""What `action_handoff` sends and what it tells the customer."""

from __future__ import annotations

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff, build_payload, customer_message, format_opening
from actions.handoff_client import HandoffAnswer, HandoffClient


def make_tracker(events: list[dict], slots: dict) -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), {})
    return Tracker(
        sender_id="wa-5215550001",
        slots=slots,
        latest_message=latest.get("parse_data", {}),
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


EVENTS = [
    {
        "event": "user",
        "text": "oi",
        "timestamp": 10.0,
        "input_channel": "whatsapp",
        "parse_data": {
            "intent": {"name": "greet"},
            "entities": [{"entity": "detected_language", "value": "pt", "confidence_entity": 0.93}],
        },
        "metadata": {"locale": "pt-BR", "vip": True},
    },
    {"event": "slot", "name": "language", "value": "pt"},
    {"event": "bot", "text": "Olá! Como posso ajudar?", "timestamp": 11.0},
    {
        "event": "user",
        "text": "quero meu dinheiro de volta NB-204519",
        "timestamp": 20.0,
        "input_channel": "whatsapp",
        "parse_data": {"intent": {"name": "request_refund"}, "entities": []},
    },
]
SLOTS = {"language": "pt", "order_id": "NB-204519", "kb_articles_tried": ["refund-timeline"], "handoff_reason": None}


def test_payload_carries_conversation_language_transcript_and_reason() -> None:
    """The request names the conversation, channel, language with confidence, transcript, intents, reason, topic."""
    payload = build_payload(make_tracker(EVENTS, SLOTS))
    assert payload["conversation_id"] == "wa-5215550001"
    assert payload["channel"] == "whatsapp"
    assert (payload["language"], payload["language_confidence"]) == ("pt", 0.93)
    assert [turn["text"] for turn in payload["transcript"]] == [
        "oi",
        "Olá! Como posso ajudar?",
        "quero meu dinheiro de volta NB-204519",
    ]
    assert payload["intents"] == ["greet", "request_refund"]
    assert (payload["reason"], payload["topic"], payload["priority"]) == ("transactional", "billing", "high")
    assert payload["kb_articles_tried"] == ["refund-timeline"]
    assert payload["slots"] == {"language": "pt", "order_id": "NB-204519", "kb_articles_tried": ["refund-timeline"]}
    assert payload["customer"] == {"locale": "pt-BR", "vip": True}


NOTE = "Este artigo ainda não existe em português; aqui está em espanhol."


def test_payload_records_a_kb_answer_given_in_another_language() -> None:
    """A Portuguese customer answered from the Spanish article: the handoff carries the article and its language
    next to the conversation's, and the transcript keeps the note the customer was shown."""
    events = [
        *EVENTS[:3],
        {
            "event": "user",
            "text": "como funciona o cartão-presente?",
            "timestamp": 20.0,
            "input_channel": "whatsapp",
            "parse_data": {"intent": {"name": "faq"}, "entities": []},
        },
        {"event": "bot", "text": NOTE, "timestamp": 21.0},
        {"event": "bot", "text": "Las tarjetas regalo se canjean al pagar.", "timestamp": 21.1},
    ]
    slots = {"language": "pt", "kb_articles_tried": ["gift-cards"], "kb_last_article": "gift-cards",
             "kb_last_language": "es", "kb_last_score": 0.61}  # fmt: skip
    payload = build_payload(make_tracker(events, slots))
    assert payload["language"] == "pt"
    assert (payload["slots"]["kb_last_article"], payload["slots"]["kb_last_language"]) == ("gift-cards", "es")
    assert payload["kb_articles_tried"] == ["gift-cards"]
    assert NOTE in [turn["text"] for turn in payload["transcript"]]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # a new handoff in an open queue: position and wait in minutes (at least one)
        (
            HandoffAnswer({"position": 3, "expected_wait_seconds": 250, "language_covered": True}, True),
            ("utter_handoff_queued", {"position": 3, "wait_minutes": 4}),
        ),
        (
            HandoffAnswer({"position": 1, "expected_wait_seconds": 0}, True),
            ("utter_handoff_queued", {"position": 1, "wait_minutes": 1}),
        ),
        # no team speaking the language is working: when it opens
        (
            HandoffAnswer({"opens_at": "2026-11-24T08:00:00Z", "position": 1}, True),
            ("utter_handoff_scheduled", {"opens_at": "2026-11-24 08:00 UTC"}),
        ),
        # overflow to a queue that does not cover the language
        (
            HandoffAnswer({"position": 2, "language_covered": False}, True),
            ("utter_handoff_uncovered", {"position": 2}),
        ),
        # the conversation already waits for a person
        (HandoffAnswer({"position": 2}, False), ("utter_handoff_already", {})),
    ],
)
def test_customer_is_told_what_happens_next(answer: HandoffAnswer, expected: tuple) -> None:
    """The response chosen from the service's answer."""
    assert customer_message(answer) == expected


def test_opening_time_keeps_a_named_offset() -> None:
    """Times with an offset other than UTC keep it."""
    assert format_opening("2026-11-24T09:00:00+08:00") == "2026-11-24 09:00 UTC+08:00"


async def test_action_posts_and_answers_with_the_queue_position() -> None:
    """The action posts through the injected client and sets the handoff slots."""
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(
            201,
            json={"id": "h9", "status": "queued", "position": 1, "expected_wait_seconds": 120, "opens_at": None},
        )

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://handoff.test")
    action = ActionHandoff(client=HandoffClient(http, service_key="k", base_delay=0.0))
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(EVENTS, SLOTS), {})
    assert len(sent) == 1
    assert dispatcher.messages[0]["response"] == "utter_handoff_queued"
    assert dispatcher.messages[0]["position"] == 1 and dispatcher.messages[0]["wait_minutes"] == 2
    assert [(e["name"], e["value"]) for e in events] == [
        ("human_mode", True),
        ("handoff_id", "h9"),
        ("handoff_status", "queued"),
        ("handoff_reason", None),
    ]
