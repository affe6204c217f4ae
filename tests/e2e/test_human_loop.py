"""The bot-human loop through the real processes: hand off with language and transcript, relay both ways, hand
back, and lose nothing when the handoff service is down or restarts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import socketio
import yaml
from sqlalchemy import select, update

from handoff.store.db import make_engine, make_session_factory
from handoff.store.models import OutboxEntry
from scripts.stack import ROOT
from tests.e2e.client import AgentClient, Responses, SystemClient, wait_until, web_chat_session

pytestmark = pytest.mark.e2e

ROSTER = yaml.safe_load((ROOT / "handoff" / "demo" / "agents.yml").read_text(encoding="utf-8"))["agents"]
HANDOFF_RESPONSES = ["utter_handoff_queued", "utter_handoff_scheduled", "utter_handoff_uncovered"]

# (language, greeting, request for a person) as customers write them
REQUESTS = {
    "es": ("hola", "quiero hablar con una persona"),
    "ar": ("مرحبا", "أريد التحدث مع موظف خدمة العملاء"),
    "zh": ("你好", "我想和人工客服说话"),
    "en": ("hello", "I want to talk to a real person"),
}


def hand_off(system: SystemClient, sender: str, language: str) -> dict[str, Any]:
    """Greets, asks for a person, and returns the handoff record (with messages) the service created."""
    greeting, request = REQUESTS[language]
    system.say(sender, greeting)
    system.say(sender, request)
    [listed] = system.handoffs_for(sender)
    return system.handoff_record(listed["id"])


@pytest.fixture
def agent_for(system: SystemClient) -> Iterator[Any]:
    """Returns an agent of the demo roster who owns (or can claim) a given handoff."""
    opened: list[AgentClient] = []

    def owner(record: dict[str, Any]) -> AgentClient:
        if record.get("agent_id"):
            candidates = [agent for agent in ROSTER if agent["id"] == record["agent_id"]]
        else:
            candidates = [agent for agent in ROSTER if record["queue"] in agent.get("queues", [])]
            candidates.sort(key=lambda agent: record["language"] not in agent.get("languages", []))
        for agent in candidates:
            client = AgentClient(system.stack.config.handoff_url, agent["token"])
            opened.append(client)
            if record.get("agent_id") == agent["id"]:
                return client
            try:
                client.claim(record["id"])
            except httpx.HTTPStatusError:
                continue
            return client
        raise AssertionError(f"no demo agent can take handoff {record['id']} in queue {record['queue']}")

    yield owner
    for client in opened:
        client.close()


def customer_texts_after_handoff(record: dict[str, Any], handoff_request: str) -> list[str]:
    """Customer messages stored after the one that asked for a person."""
    texts = [m["text"] for m in record["messages"] if m["role"] == "customer"]
    return texts[texts.index(handoff_request) + 1 :]


@pytest.mark.parametrize("language", ["es", "ar", "zh"])
def test_explicit_request_reaches_a_queue_for_the_language_with_transcript(
    system: SystemClient, responses: Responses, language: str
) -> None:
    """The handoff carries the detected language and the transcript, and lands in a queue that serves the language
    (or says it does not)."""
    sender = system.new_conversation()
    greeting, request = REQUESTS[language]
    assert responses.matches("utter_greet", language, system.say(sender, greeting)[0])
    [told] = system.say(sender, request)
    assert responses.which(told, language, HANDOFF_RESPONSES), told

    [listed] = system.handoffs_for(sender)
    record = system.handoff_record(listed["id"])
    assert record["language"] == language
    assert record["language_confidence"] > 0.5
    assert record["reason"] == "explicit_request"
    queues = {queue["name"]: queue for queue in system.handoff.get("/api/v1/queues").json()}
    assert language in queues[record["queue"]]["languages"] or record["language_covered"] is False
    transcript = [(m["role"], m["text"]) for m in record["messages"]]
    assert transcript[:2] == [("customer", greeting), ("bot", transcript[1][1])]
    assert ("customer", request) in transcript


def test_customer_messages_while_queued_and_assigned_reach_the_agent_once_in_order(
    system: SystemClient, agent_for: Any
) -> None:
    """Every message written after the handoff is relayed exactly once, in order, and the bot answers none."""
    sender = system.new_conversation()
    record = hand_off(system, sender, "es")
    assert system.say(sender, "mi pedido es NB-204519") == []
    assert system.say(sender, "hola? sigue alguien ahí?") == []
    agent = agent_for(record)
    assert system.say(sender, "gracias por atenderme") == []

    seen = customer_texts_after_handoff(agent.handoff(record["id"]), REQUESTS["es"][1])
    assert seen == ["mi pedido es NB-204519", "hola? sigue alguien ahí?", "gracias por atenderme"]


def test_agent_reply_reaches_rest_customer_and_close_returns_to_the_bot(
    system: SystemClient, responses: Responses, agent_for: Any
) -> None:
    """The agent's reply arrives in the REST customer's mailbox; on close the bot greets back in Chinese and
    answers the next message itself."""
    sender = system.new_conversation()
    record = hand_off(system, sender, "zh")
    agent = agent_for(record)
    agent.reply(record["id"], "您好，我是客服，请问有什么可以帮您？")

    delivered = wait_until(lambda: [m for m in system.mailbox(sender) if m.get("from_agent")] or None, timeout=20)
    assert delivered[0]["text"] == "您好，我是客服，请问有什么可以帮您？"

    agent.close_handoff(record["id"], return_to_bot=True)
    back = wait_until(
        lambda: (
            [m for m in system.mailbox(sender) if responses.matches("utter_bot_back", "zh", m.get("text", ""))] or None
        ),
        timeout=20,
    )
    assert back
    assert system.tracker(sender)["slots"]["human_mode"] is False
    [answer] = system.say(sender, "你好")
    assert responses.matches("utter_greet", "zh", answer)


def test_agent_reply_reaches_a_socketio_client(system: SystemClient, agent_for: Any) -> None:
    """A web-chat customer (socket.io) is handed off and receives the agent's reply pushed on the same socket."""
    received: list[dict[str, Any]] = []
    arrived = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("bot_uttered")
    def on_bot_uttered(data: dict[str, Any]) -> None:
        received.append(data)
        arrived.set()

    client.connect(system.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        session_token, conversation_id = web_chat_session(client)
        client.emit("user_uttered", {"message": "hello", "session_id": session_token})
        assert arrived.wait(30), "no greeting over socket.io"
        client.emit("user_uttered", {"message": REQUESTS["en"][1], "session_id": session_token})
        wait_until(lambda: system.handoffs_for(conversation_id) or None, timeout=30)
        record = system.handoff_record(system.handoffs_for(conversation_id)[0]["id"])
        assert record["channel"] == "socketio"

        agent = agent_for(record)
        agent.reply(record["id"], "Hi, this is Emily from Nimbus support.")
        wait_until(
            lambda: any(m.get("text") == "Hi, this is Emily from Nimbus support." for m in received) or None,
            timeout=20,
        )
    finally:
        client.disconnect()


def test_handoff_made_while_the_service_is_down_is_delivered_when_it_is_back(
    system: SystemClient, responses: Responses
) -> None:
    """The customer is told honestly; the handoff and what they wrote meanwhile reach the service once it is up."""
    sender = system.new_conversation()
    system.say(sender, "hello")
    system.stack.service("handoff").stop()
    try:
        [told] = system.say(sender, REQUESTS["en"][1])
        assert responses.matches("utter_handoff_pending", "en", told), told
        assert system.say(sender, "my parcel NB-204519 never arrived") == []
    finally:
        system.stack.restart("handoff")

    [listed] = wait_until(lambda: system.handoffs_for(sender) or None, timeout=30)
    record = system.handoff_record(listed["id"])
    customer = [m["text"] for m in record["messages"] if m["role"] == "customer"]
    assert customer == ["hello", REQUESTS["en"][1], "my parcel NB-204519 never arrived"]


def test_messages_written_while_the_service_restarts_are_relayed_once_in_order(
    system: SystemClient, agent_for: Any
) -> None:
    """A restart of the handoff service mid-conversation loses and duplicates nothing."""
    sender = system.new_conversation()
    record = hand_off(system, sender, "en")
    assert system.say(sender, "first while you were away") == []
    system.stack.service("handoff").stop()
    try:
        assert system.say(sender, "second while you were away") == []
        assert system.say(sender, "third while you were away") == []
    finally:
        system.stack.restart("handoff")

    expected = ["first while you were away", "second while you were away", "third while you were away"]
    wait_until(
        lambda: customer_texts_after_handoff(system.handoff_record(record["id"]), REQUESTS["en"][1]) == expected,
        timeout=30,
    )
    assert system.say(sender, "fourth, after the restart") == []
    final = customer_texts_after_handoff(system.handoff_record(record["id"]), REQUESTS["en"][1])
    assert final == [*expected, "fourth, after the restart"]


def test_a_message_relayed_late_takes_its_place_in_the_agents_transcript(system: SystemClient) -> None:
    """With two hosts, a relay kept on a host that died can reach the service after the customer's next message went
    through the other host; the agent's transcript orders customer messages by when Rasa received them (the relayed
    `timestamp`), so the late one shows where the customer wrote it."""
    sender = system.new_conversation()
    record = hand_off(system, sender, "en")
    written = datetime.now(UTC)
    assert system.say(sender, "second, through the other host") == []
    late = {"message_id": f"{sender}:late", "text": "first, kept on the killed host", "timestamp": written.isoformat()}
    relayed = system.handoff.post(
        f"/api/v1/conversations/{sender}/messages",
        json=late,
        headers={"Authorization": f"Bearer {system.stack.config.handoff_service_key}"},
    )
    assert relayed.status_code == 201, relayed.text
    transcript = customer_texts_after_handoff(system.handoff_record(record["id"]), REQUESTS["en"][1])
    assert transcript == ["first, kept on the killed host", "second, through the other host"]


def test_two_unclear_messages_offer_a_person_and_accepting_hands_off(
    system: SystemClient, responses: Responses
) -> None:
    """First unclear message: a clarifying question; second in a row: a person is offered (with buttons); the
    customer presses yes: a handoff with reason `repeated_failure`, in French. ("bof" and "blablabla" are texts NLU
    is unsure of; customers cannot send "/nlu_fallback" itself; "/affirm" is the yes button's payload.)"""
    sender = system.new_conversation()
    assert responses.matches("utter_greet", "fr", system.say(sender, "bonsoir, quelqu'un peut m'aider ?")[0])
    [clarify] = system.say(sender, "bof")
    assert responses.matches("utter_ask_rephrase", "fr", clarify)
    [offer] = system.say(sender, "blablabla")
    assert responses.matches("utter_offer_human", "fr", offer)
    [told] = system.say(sender, "/affirm")
    assert responses.which(told, "fr", HANDOFF_RESPONSES), told

    [record] = system.handoffs_for(sender)
    assert (record["reason"], record["language"]) == ("repeated_failure", "fr")


def sent_entry(system: SystemClient, message_id: int) -> OutboxEntry | None:
    """The handoff service's delivery of the reply `message_id` once it is `sent`, read from its database."""
    engine = make_engine(f"sqlite:///{system.stack.config.data_dir / 'handoff.sqlite3'}")
    try:
        with make_session_factory(engine)() as session:
            entry = session.scalar(select(OutboxEntry).where(OutboxEntry.message_id == message_id))
            return entry if entry is not None and entry.status == "sent" else None
    finally:
        engine.dispose()


def test_a_reply_delivered_again_reaches_the_customer_once(system: SystemClient, agent_for: Any) -> None:
    """The handoff service was killed after Rasa sent a reply and before it recorded the entry `sent`; at start-up it
    sends the entry again. That second delivery runs the whole path (trigger_intent, the action, the delivery check)
    and sends nothing: one bot message in the tracker and the mailbox, and the entry counts as sent."""
    sender = system.new_conversation()
    record = hand_off(system, sender, "en")
    agent = agent_for(record)
    text = "Hi, this is your agent: this reply must reach you once."
    message_id = agent.reply(record["id"], text)["message"]["id"]
    wait_until(lambda: sent_entry(system, message_id), timeout=30)

    # What the kill leaves once its claim is taken back: the entry `pending` again, Rasa having sent the reply.
    engine = make_engine(f"sqlite:///{system.stack.config.data_dir / 'handoff.sqlite3'}")
    with make_session_factory(engine)() as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.message_id == message_id)
            .values(status="pending", next_attempt_at=datetime.now(UTC), claimed_at=None)
        )
        session.commit()
    engine.dispose()
    again = wait_until(lambda: sent_entry(system, message_id), timeout=30)
    assert (again.attempts, again.last_error) == (2, None)

    sent = [event for event in system.tracker(sender)["events"] if event["event"] == "bot" and event["text"] == text]
    assert len(sent) == 1
    assert [m["text"] for m in system.mailbox(sender) if m.get("from_agent")] == [text]
    agent.close_handoff(record["id"], return_to_bot=True)  # frees the agent's capacity for the next test


def test_a_reply_sent_while_the_web_chat_reconnects_is_read_back_once(system: SystemClient, agent_for: Any) -> None:
    """A reply pushed while the customer's socket is away reaches nobody; the web chat resuming its session with the
    timestamp of its last bot message gets it then, and nothing it already had."""
    received: list[dict[str, Any]] = []
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", received.append)
    client.connect(system.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    token, conversation_id = web_chat_session(client)
    client.emit("user_uttered", {"message": REQUESTS["en"][1], "session_id": token})
    wait_until(lambda: system.handoffs_for(conversation_id) or None, timeout=30)
    agent = agent_for(system.handoff_record(system.handoffs_for(conversation_id)[0]["id"]))
    handoff_id = system.handoffs_for(conversation_id)[0]["id"]
    agent.reply(handoff_id, "I am looking at your order now.")
    wait_until(lambda: any(m.get("text") == "I am looking at your order now." for m in received), timeout=30)
    last = max(float(m["timestamp"]) for m in received)
    client.disconnect()

    agent.reply(handoff_id, "Found it: it leaves the warehouse today.")
    wait_until(
        lambda: any(
            e.get("text") == "Found it: it leaves the warehouse today."
            for e in system.tracker(conversation_id)["events"]
        ),
        timeout=30,
    )
    read_back: list[dict[str, Any]] = []
    resumed = socketio.Client(reconnection=False)
    resumed.on("bot_uttered", read_back.append)
    resumed.connect(system.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        assert web_chat_session(resumed, offered=token, after=last)[0] == token
        wait_until(lambda: read_back or None, timeout=10)
        time.sleep(1.0)  # anything else the server would send
        assert [m.get("text") for m in read_back] == ["Found it: it leaves the warehouse today."]
        assert read_back[0]["timestamp"] > last
    finally:
        resumed.disconnect()
    agent.close_handoff(handoff_id, return_to_bot=True)
