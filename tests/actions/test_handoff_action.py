"""What `action_handoff` sends and what it tells the customer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import CUSTOMER_ENTERED_FIELDS, ActionHandoff, build_payload, customer_message
from actions.handoff_client import HandoffAnswer
from actions.runtime import Runtime
from actions.settings import ActionSettings
from handoff.domain.redaction import redact_value


def make_tracker(events: list[dict], slots: dict, sender: str = "whatsapp:5215550001") -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), {})
    return Tracker(
        sender_id=sender,
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
    assert payload["conversation_id"] == "whatsapp:5215550001"
    assert payload["channel"] == "whatsapp"
    assert (payload["language"], payload["language_confidence"]) == ("pt", 0.93)
    assert [turn["text"] for turn in payload["transcript"]] == [
        "oi",
        "Olá! Como posso ajudar?",
        "quero meu dinheiro de volta NB-204519",
    ]
    assert payload["intents"] == ["greet", "request_refund"]
    assert (payload["reason"], payload["topic"], payload["priority"]) == ("transactional", "billing", "normal")
    assert payload["kb_articles_tried"] == ["refund-timeline"]
    assert payload["slots"] == {"language": "pt", "order_id": "NB-204519", "kb_articles_tried": ["refund-timeline"]}
    assert payload["customer"] == {"locale": "pt-BR"}
    assert "summary" not in payload  # the handoff service writes the agent summary from these fields


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
            ("utter_handoff_queued", {"position": 3, "wait_minutes": 4, "wait": "4 minutes"}),
        ),
        (
            HandoffAnswer({"position": 1, "expected_wait_seconds": 0}, True),
            ("utter_handoff_queued", {"position": 1, "wait_minutes": 1, "wait": "1 minute"}),
        ),
        # no team speaking the language is working: when it opens, in the queue's zone when the customer's is unknown
        (
            HandoffAnswer({"opens_at": "2026-11-24T08:00:00Z", "position": 1, "queue_timezone": "Europe/Paris"}, True),
            ("utter_handoff_scheduled", {"opens_at": "Tue, November 24, 9:00\u202fAM (Paris Time)"}),
        ),
        # ... and in the customer's zone when their profile at the service gives one
        (
            HandoffAnswer(
                {
                    "opens_at": "2026-11-24T08:00:00Z",
                    "queue_timezone": "Europe/Paris",
                    "customer": {"timezone": "America/Sao_Paulo"},
                },
                True,
            ),
            ("utter_handoff_scheduled", {"opens_at": "Tue, November 24, 5:00\u202fAM (São Paulo Time)"}),
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


def test_opening_time_in_the_channels_time_zone_and_the_conversation_language() -> None:
    """The zone the channel gave for the customer wins over the queue's; the words are the conversation's language."""
    answer = HandoffAnswer({"opens_at": "2026-11-24T08:00:00Z", "queue_timezone": "Asia/Shanghai"}, True)
    assert customer_message(answer, "es", "America/Mexico_City") == (
        "utter_handoff_scheduled",
        {"opens_at": "mar, 24 de noviembre, 2:00 (hora de Ciudad de México)"},
    )


async def test_action_posts_and_answers_with_the_queue_position(tmp_path: Path) -> None:
    """The action posts through the injected client and sets the handoff slots."""
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(
            201,
            json={"id": "h9", "status": "queued", "position": 1, "expected_wait_seconds": 120, "opens_at": None},
        )

    action = ActionHandoff(runtime=runtime_over(tmp_path, handler))
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


async def test_action_tells_the_opening_time_in_the_zone_the_channel_gave(tmp_path: Path) -> None:
    """A closed team: the customer whose web chat said "America/Sao_Paulo" reads the opening in São Paulo time, in
    Portuguese, although the queue's zone is Mexico City's."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = {"id": "h9", "status": "queued", "position": 1, "expected_wait_seconds": 36000}
        return httpx.Response(
            201, json={**answer, "opens_at": "2026-11-24T14:00:00Z", "queue_timezone": "America/Mexico_City"}
        )

    events = [said("quero falar com uma pessoa", "socketio", {"locale": "pt-BR", "timezone": "America/Sao_Paulo"})]
    dispatcher = CollectingDispatcher()
    await ActionHandoff(runtime=runtime_over(tmp_path, handler)).run(
        dispatcher, make_tracker(events, {"language": "pt"}, "socketio:3f9c"), {}
    )
    [message] = dispatcher.messages
    assert (
        message["response"],
        message["opens_at"],
    ) == ("utter_handoff_scheduled", "ter., 24 de novembro 11:00 (Horário São Paulo)")


def runtime_over(tmp_path: Path, handler: Callable[[httpx.Request], httpx.Response]) -> Runtime:
    """A Runtime whose outbox lives in `tmp_path` and whose handoff service is `handler`."""
    settings = ActionSettings(actions_outbox_path=tmp_path / "outbox.sqlite3", handoff_retry_base_seconds=0.0)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://handoff.test")
    return Runtime(settings, http=http)


def said(text: str, channel: str | None, metadata: dict | None = None, intent: str = "request_human") -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": 30.0,
        "input_channel": channel,
        "parse_data": {"intent": {"name": intent}, "entities": []},
        "metadata": metadata or {},
    }


@pytest.mark.parametrize(
    ("sender", "input_channel", "expected"),
    [
        ("ana-42", "rest", "rest"),  # REST owns plain ids
        ("whatsapp:5215550001", "whatsapp", "whatsapp"),
        ("twilio:whatsapp:+5215550001", "twilio", "twilio"),  # Twilio's WhatsApp keeps the platform's own prefix
        ("socketio:3f9c", "socketio", "socketio"),
        ("line:U123", None, "line"),  # no input channel recorded (e.g. only external events): the id decides
    ],
)
def test_recorded_channel_is_the_one_the_conversation_arrived_on(
    sender: str, input_channel: str | None, expected: str
) -> None:
    """The handoff names the channel that owns the conversation id, which is where agent replies will go."""
    payload = build_payload(make_tracker([said("a person please", input_channel)], {"language": "en"}, sender))
    assert expected == payload["channel"]


async def test_rest_caller_claiming_whatsapp_creates_no_handoff(tmp_path: Path) -> None:
    """A plain (REST) conversation whose message claims the WhatsApp channel is refused: nothing is posted, the
    customer is told the handoff could not be made."""
    posted: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return httpx.Response(201, json={"id": "h1", "status": "queued", "position": 1})

    runtime = runtime_over(tmp_path, handler)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker([said("a person please", "whatsapp")], {"language": "en"}, sender="5215550001")
    events = await ActionHandoff(runtime=runtime).run(dispatcher, tracker, {})
    assert posted == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_failed"]
    assert ("human_mode", True) not in [(e["name"], e["value"]) for e in events]


@pytest.mark.parametrize(
    ("metadata", "intent", "expected_priority"),
    [
        ({"vip": True}, "request_human", "normal"),  # the customer calling itself VIP changes nothing
        ({"vip": True, "priority": "high", "tier": "gold"}, "request_human", "normal"),
        ({}, "complain", "high"),  # frustration the bot observed itself
        ({"vip": True}, "complain", "high"),
    ],
)
def test_vip_and_priority_never_come_from_customer_metadata(
    metadata: dict, intent: str, expected_priority: str
) -> None:
    """Priority is high only for frustration the bot saw; the profile carries no VIP flag at all."""
    tracker = make_tracker([said("help", "rest", metadata, intent)], {"language": "en"}, sender="c-7")
    payload = build_payload(tracker)
    assert expected_priority == payload["priority"]
    assert "vip" not in payload["customer"]
    assert {"vip", "priority", "tier"}.isdisjoint(payload["customer"])


async def test_rejected_handoff_is_dead_lettered_and_the_customer_told(tmp_path: Path) -> None:
    """A 422 cannot succeed on retry: it goes to the dead letters (not the outbox) and the customer hears that the
    handoff failed, in their language's response, and stays with the bot."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(422, json={"detail": "bad payload"})

    runtime = runtime_over(tmp_path, handler)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker([said("a person please", "rest")], {"language": "es"}, sender="c-8")
    events = await ActionHandoff(runtime=runtime).run(dispatcher, tracker, {})
    assert len(calls) == 1
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_failed"]
    assert ("human_mode", False) in [(e["name"], e["value"]) for e in events]
    assert runtime.outbox().pending() == []
    [letter] = runtime.outbox().dead_letters("c-8")
    assert (letter.kind, letter.status_code, letter.customer_told) == ("handoff", 422, True)


async def test_unreachable_service_keeps_the_handoff_and_says_so(tmp_path: Path) -> None:
    """A retryable failure still goes to the outbox and the customer is told it will reach the team."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    runtime = runtime_over(tmp_path, handler)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker([said("a person please", "rest")], {"language": "en"}, sender="c-9")
    await ActionHandoff(runtime=runtime).run(dispatcher, tracker, {})
    await runtime.stop_outbox_flusher()
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_pending"]
    assert [item.conversation_id for item in runtime.outbox().pending()] == ["c-9"]


def leaves(value: object, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Every scalar inside a JSON-like value, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


EMAIL = "ana.souza@example.com"


def test_everything_the_customer_entered_is_a_string_in_the_fields_the_service_redacts() -> None:
    """Customer text, channel metadata (even nested) and slot values end up only as strings inside
    CUSTOMER_ENTERED_FIELDS, so the handoff service's redaction of those fields leaves no email anywhere."""
    metadata = {"name": {"first": "Ana", "contact": EMAIL}, "locale": f"pt-BR {EMAIL}", "timezone": EMAIL}
    events = [
        said(f"write to {EMAIL}", "whatsapp", metadata, "greet"),
        {"event": "bot", "text": f"Thanks, I noted {EMAIL}.", "timestamp": 31.0},
        said("a person please", "whatsapp"),
    ]
    slots = {"language": "pt", "order_id": f"NB-204519 {EMAIL}", "kb_articles_tried": ["refund-timeline"]}
    payload = build_payload(make_tracker(events, slots))

    carrying = [(path, value) for path, value in leaves(payload) if EMAIL in str(value)]
    assert carrying
    assert all(path[0] in CUSTOMER_ENTERED_FIELDS and isinstance(value, str) for path, value in carrying), carrying

    redacted = {key: redact_value(value) if key in CUSTOMER_ENTERED_FIELDS else value for key, value in payload.items()}
    assert EMAIL not in json.dumps(redacted)
