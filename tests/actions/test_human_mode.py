"""Relaying customer messages to the agent while a human owns the conversation (action_relay_to_agent)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.human_mode import ActionDeliverAgentReply, ActionHandback, ActionRelayToAgent, messages_to_relay
from actions.runtime import Runtime
from actions.settings import ActionSettings

Handler = Callable[[httpx.Request], httpx.Response]
SENDER = "whatsapp:5215550001"


def runtime_over(tmp_path: Path, handler: Handler) -> Runtime:
    """A Runtime whose outbox lives in `tmp_path` and whose handoff service is `handler` (no back-off waits)."""
    settings = ActionSettings(actions_outbox_path=tmp_path / "outbox.sqlite3", handoff_retry_base_seconds=0.0)
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://handoff.test")
    return Runtime(settings, http=http)


def user(message_id: str, text: str, intent: str = "inform", at: float = 0.0) -> dict:
    return {
        "event": "user",
        "text": text,
        "message_id": message_id,
        "timestamp": at,
        "input_channel": "whatsapp",
        "parse_data": {"intent": {"name": intent}, "entities": [], "text": text},
    }


def did(action: str) -> dict:
    return {"event": "action", "name": action}


def tracker_of(events: list[dict]) -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), {})
    return Tracker(SENDER, {"language": "en", "human_mode": True}, latest.get("parse_data", {}), events, False, None,
                   {}, "action_listen")  # fmt: skip


# Before the handoff (in its transcript), then three messages: the relay of the first two never ran.
CONVERSATION = [
    user("m0", "I want a person", "request_human", 1.0),
    did("action_handoff"),
    did("action_listen"),
    user("m1", "my order is late", at=2.0),
    did("action_relay_to_agent"),
    user("m2", "it was NB-204519", at=3.0),
    did("action_relay_to_agent"),
    user("m3", "hello?", at=4.0),
]


def recording_service(status: int = 201) -> tuple[Handler, list[str]]:
    """A handoff service that creates every handoff and answers every relay with `status`; records the relayed
    texts in order."""
    texts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/handoffs":
            return httpx.Response(201, json={"id": "h1", "status": "queued", "position": 1})
        texts.append(json.loads(request.read())["text"])
        return httpx.Response(status, json={"id": "x"})

    return handler, texts


def test_messages_since_the_handoff_not_handed_on_yet() -> None:
    """Only messages after the handoff count; those already handed on and agent events are left out."""
    events = [*CONVERSATION, user("a1", "/agent_reply", "agent_reply", 5.0)]
    assert [e["message_id"] for e in messages_to_relay(SENDER, events, {"m1"})] == ["m2", "m3"]


async def test_every_message_since_the_last_relayed_one_reaches_the_agent_once_in_order(tmp_path: Path) -> None:
    """When the relay did not run for two turns, the third turn relays all three messages in order; running it
    again relays nothing twice."""
    handler, texts = recording_service()
    runtime = runtime_over(tmp_path, handler)
    action = ActionRelayToAgent(runtime=runtime)
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, tracker_of(CONVERSATION), {}) == []
    assert texts == ["my order is late", "it was NB-204519", "hello?"]
    await action.run(dispatcher, tracker_of(CONVERSATION), {})
    assert len(texts) == 3
    assert dispatcher.messages == []


async def test_messages_kept_while_the_service_is_down_arrive_once_in_order(tmp_path: Path) -> None:
    """Two turns during an outage are kept, the next flush delivers both in order, and later turns add only theirs."""
    down = True
    texts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if down:
            return httpx.Response(503)
        texts.append(json.loads(request.read())["text"])
        return httpx.Response(201, json={"id": "x"})

    runtime = runtime_over(tmp_path, handler)
    action = ActionRelayToAgent(runtime=runtime)
    await action.run(CollectingDispatcher(), tracker_of(CONVERSATION[:4]), {})
    await action.run(CollectingDispatcher(), tracker_of(CONVERSATION[:6]), {})
    await runtime.stop_outbox_flusher()
    down = False
    assert await runtime.flush_outbox() == 0
    await action.run(CollectingDispatcher(), tracker_of(CONVERSATION), {})
    assert texts == ["my order is late", "it was NB-204519", "hello?"]


async def test_customer_hears_at_the_next_message_that_the_kept_handoff_was_rejected(tmp_path: Path) -> None:
    """A kept handoff the service later rejected for good: the customer's next message gets the failure notice in
    their language and the bot takes the conversation back; they are told once."""
    handler, texts = recording_service()
    runtime = runtime_over(tmp_path, handler)
    runtime.outbox().put(SENDER, {"conversation_id": SENDER}, "down")
    runtime.outbox().dead_letter_handoff(SENDER, 422, "handoff service answered 422")
    dispatcher = CollectingDispatcher()
    events = await ActionRelayToAgent(runtime=runtime).run(dispatcher, tracker_of(CONVERSATION), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_failed"]
    assert ("human_mode", False) in [(e["name"], e["value"]) for e in events]
    assert texts == []
    assert all(letter.customer_told for letter in runtime.outbox().dead_letters(SENDER))


async def test_message_rejected_for_good_is_dead_lettered_and_the_customer_told(tmp_path: Path) -> None:
    """A relayed message answered 422 is not retried forever: it is dead-lettered, the customer is asked to send it
    again, and the messages after it are still relayed."""
    texts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        message = json.loads(request.read())
        if message["message_id"] == "m2":
            return httpx.Response(422, json={"detail": "no"})
        texts.append(message["text"])
        return httpx.Response(201, json={"id": "x"})

    runtime = runtime_over(tmp_path, handler)
    dispatcher = CollectingDispatcher()
    await ActionRelayToAgent(runtime=runtime).run(dispatcher, tracker_of(CONVERSATION), {})
    assert texts == ["my order is late", "hello?"]
    assert [m["response"] for m in dispatcher.messages] == ["utter_relay_failed"]
    assert [(d.kind, d.message_id, d.status_code) for d in runtime.outbox().dead_letters()] == [("message", "m2", 422)]
    assert runtime.outbox().pending_messages() == []


async def test_handback_forgets_which_messages_were_relayed(tmp_path: Path) -> None:
    """The relay record of a conversation lasts only as long as its handoff."""
    handler, _ = recording_service()
    runtime = runtime_over(tmp_path, handler)
    await ActionRelayToAgent(runtime=runtime).run(CollectingDispatcher(), tracker_of(CONVERSATION), {})
    assert {"m1", "m2", "m3"} == runtime.outbox().relayed(SENDER)
    handback = [*CONVERSATION, user("h1", "EXTERNAL: agent_handback", "agent_handback", 6.0)]
    await ActionHandback(runtime=runtime).run(CollectingDispatcher(), tracker_of(handback), {})
    assert set() == runtime.outbox().relayed(SENDER)


async def test_a_new_handoff_is_not_ended_by_an_older_untold_failure(tmp_path: Path) -> None:
    """A kept handoff rejected for good, then a new handoff that succeeds: the next message is relayed, the
    conversation stays with the agent."""
    handler, texts = recording_service()
    runtime = runtime_over(tmp_path, handler)
    runtime.outbox().put(SENDER, {"conversation_id": SENDER}, "down")
    runtime.outbox().dead_letter_handoff(SENDER, 422, "rejected")
    created = await ActionHandoff(runtime=runtime).run(CollectingDispatcher(), tracker_of(CONVERSATION[:1]), {})
    assert ("human_mode", True) in [(e["name"], e["value"]) for e in created]
    dispatcher = CollectingDispatcher()
    assert await ActionRelayToAgent(runtime=runtime).run(dispatcher, tracker_of(CONVERSATION), {}) == []
    assert (dispatcher.messages, texts) == ([], ["my order is late", "it was NB-204519", "hello?"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=8))
def test_property_every_message_reaches_the_agent_once_in_order(tmp_path: Path, turns: list[tuple[bool, bool]]) -> None:
    """Whatever mix of turns whose relay never ran (action server down) and turns with the handoff service down,
    once both are back every customer message has reached the agent exactly once, in the order written."""

    async def scenario(outbox_dir: Path) -> list[str]:
        service_up = True
        delivered: list[str] = []

        def handler(request: httpx.Request) -> httpx.Response:
            if not service_up:
                return httpx.Response(503)
            delivered.append(json.loads(request.read())["message_id"])
            return httpx.Response(201, json={"id": "x"})

        runtime = runtime_over(outbox_dir, handler)
        action = ActionRelayToAgent(runtime=runtime)
        events = [user("m0", "I want a person", "request_human"), did("action_handoff")]
        for index, (relay_runs, up) in enumerate(turns, start=1):
            events = [*events, user(f"m{index}", f"message {index}", at=float(index))]
            service_up = up
            if relay_runs:
                await action.run(CollectingDispatcher(), tracker_of(events), {})
            events = [*events, did("action_relay_to_agent")]
        service_up = True
        await runtime.stop_outbox_flusher()
        await runtime.flush_outbox()
        events = [*events, user("last", "anyone?", at=99.0)]
        await action.run(CollectingDispatcher(), tracker_of(events), {})
        return delivered

    with tempfile.TemporaryDirectory(dir=tmp_path) as outbox_dir:
        delivered = asyncio.run(scenario(Path(outbox_dir)))
    assert [f"m{index}" for index in range(1, len(turns) + 1)] + ["last"] == delivered


def agent_event(intent: str, text: str, entities: list[dict] | None = None) -> dict:
    event = user("x1", text, intent, 7.0)
    event["parse_data"]["entities"] = entities or []
    return event


REPLY = [{"entity": "agent_message", "value": "Your refund is on its way."}]


@pytest.mark.parametrize(
    ("event", "delivered"),
    [
        (agent_event("agent_reply", "EXTERNAL: agent_reply", REPLY), True),  # what Rasa's trigger_intent records
        (agent_event("agent_reply", '/agent_reply{"agent_message": "Your refund is on its way."}', REPLY), False),
        (agent_event("agent_reply", "EXTERNAL: agent_close", REPLY), False),
    ],
)
async def test_only_an_external_event_delivers_an_agent_reply(tmp_path: Path, event: dict, delivered: bool) -> None:
    """A customer typing the agent intent cannot put words in an agent's mouth."""
    dispatcher = CollectingDispatcher()
    await ActionDeliverAgentReply().run(dispatcher, tracker_of([*CONVERSATION, event]), {})
    assert delivered == bool(dispatcher.messages)


REPLY_7 = [*REPLY, {"entity": "reply_id", "value": "h1:7"}]


def delivered_bot_message(reply_id: str, nested: bool = True) -> dict:
    """The bot message an earlier delivery left, its reply id where Rasa keeps an action's message metadata."""
    metadata = {"from_agent": True, "reply_id": reply_id}
    return {
        "event": "bot",
        "text": "Your refund is on its way.",
        "metadata": {"metadata": metadata} if nested else metadata,
    }


@pytest.mark.parametrize(
    ("earlier", "sent"),
    [
        ([], True),  # the first delivery
        ([delivered_bot_message("h1:7")], False),  # delivered again after the service died before recording it
        ([delivered_bot_message("h1:7", nested=False)], False),  # its metadata at the top level of the event
        ([delivered_bot_message("h1:6")], True),  # an earlier reply of the same handoff
        ([delivered_bot_message("h2:7")], True),  # the same message number in another handoff
    ],
)
async def test_a_reply_is_sent_once_however_often_it_is_delivered(earlier: list[dict], sent: bool) -> None:
    """The reply id the handoff service sends is kept on the bot message; a second delivery of it sends nothing."""
    dispatcher = CollectingDispatcher()
    event = agent_event("agent_reply", "EXTERNAL: agent_reply", REPLY_7)
    await ActionDeliverAgentReply().run(dispatcher, tracker_of([*CONVERSATION, *earlier, event]), {})
    expected = [{"from_agent": True, "agent_name": None, "reply_id": "h1:7"}] if sent else []
    assert expected == [message["metadata"] for message in dispatcher.messages]


@pytest.mark.parametrize(
    ("event", "ends_human_mode"),
    [
        (agent_event("agent_handback", "EXTERNAL: agent_handback"), True),
        (agent_event("agent_close", "EXTERNAL: agent_close"), True),
        (agent_event("agent_handback", "/agent_handback"), False),  # typed by the customer
        (agent_event("agent_close", "/agent_close"), False),
    ],
)
async def test_only_an_external_event_ends_human_mode(tmp_path: Path, event: dict, ends_human_mode: bool) -> None:
    """A customer typing `/agent_handback` or `/agent_close` does not take the conversation away from the agent."""
    handler, _ = recording_service()
    events = await ActionHandback(runtime=runtime_over(tmp_path, handler)).run(
        CollectingDispatcher(), tracker_of([*CONVERSATION, event]), {}
    )
    assert ends_human_mode == (("human_mode", False) in [(e["name"], e["value"]) for e in events])
