"""Two worker processes per service on PostgreSQL and Redis (NIMBUS_WORKERS=2): every message answered once."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import socketio

from scripts.scaling import Scaling
from scripts.stack import Stack
from tests.e2e.client import AgentClient, Responses, SystemClient, wait_until, web_chat_session
from tests.e2e.conftest import system_config

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture(scope="module")
def scaled_system(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemClient]:
    """The system with two workers per service and throwaway PostgreSQL databases."""
    tag = uuid.uuid4().hex[:8]
    scaling = Scaling(workers=2, rasa_database=f"test_rasa_{tag}", handoff_database=f"test_handoff_{tag}")
    try:
        with psycopg.connect(scaling.postgres_url, connect_timeout=3):
            pass
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    config = dataclasses.replace(system_config(tmp_path_factory.mktemp("scaled")), scaling=scaling)
    try:
        with Stack(config) as stack, SystemClient(stack) as client:
            yield client
    finally:
        scaling.drop_databases()


def test_concurrent_conversations_on_two_workers(scaled_system: SystemClient, responses: Responses) -> None:
    """Eight conversations at once, three turns each: one greeting each turn, all stored in PostgreSQL in order."""
    senders = [scaled_system.new_conversation() for _ in range(8)]

    def converse(sender: str) -> list[list[str]]:
        return [scaled_system.say(sender, text) for text in ("hola", "gracias", "hola de nuevo")]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(converse, senders))
    for replies in answers:
        assert [len(turn) for turn in replies] == [1, 1, 1], replies
        assert responses.matches("utter_greet", "es", replies[0][0])
    for sender in senders:
        events = scaled_system.tracker(sender)["events"]
        texts = [event["text"] for event in events if event["event"] == "user"]
        assert texts == ["hola", "gracias", "hola de nuevo"]


def test_handoff_and_relay_across_workers(scaled_system: SystemClient) -> None:
    """A handoff made on one worker and messages relayed by either reach the handoff service exactly once."""
    sender = scaled_system.new_conversation()
    scaled_system.say(sender, "quiero hablar con una persona")
    [handoff] = wait_until(lambda: scaled_system.handoffs_for(sender) or None, timeout=30)
    for number in range(6):
        assert scaled_system.say(sender, f"sigo esperando #{number}") == []

    def relayed() -> list[str] | None:
        messages = scaled_system.handoff_record(handoff["id"])["messages"]
        texts = [m["text"] for m in messages if m["text"].startswith("sigo esperando")]
        return texts if len(texts) >= 6 else None

    assert wait_until(relayed, timeout=30) == [f"sigo esperando #{n}" for n in range(6)]


def test_agent_replies_reach_the_web_chat_whichever_worker_sends_them(scaled_system: SystemClient) -> None:
    """The browser's socket is on one Rasa worker; replies delivered through either worker all arrive, in order."""
    received: list[str] = []
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", lambda data: received.append(str(data.get("text"))))
    client.connect(scaled_system.stack.config.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        session_token, conversation_id = web_chat_session(client)
        client.emit("user_uttered", {"message": "quiero hablar con una persona", "session_id": session_token})
        [listed] = wait_until(lambda: scaled_system.handoffs_for(conversation_id) or None, timeout=30)
        # Spanish goes to the americas queue when it is open, otherwise to emea: Lucía works both, at any hour.
        agent = AgentClient(scaled_system.stack.config.handoff_url, "demo-agent-lucia")
        try:
            agent.claim(listed["id"])
            replies = [f"respuesta {number}" for number in range(6)]
            for text in replies:
                agent.reply(listed["id"], text)
            wait_until(lambda: [t for t in received if t.startswith("respuesta")] == replies or None, timeout=40)
        finally:
            agent.close()
    finally:
        client.disconnect()
