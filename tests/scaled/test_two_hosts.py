"""Two hosts behind HAProxy: a conversation spread over both keeps its state, agent replies reach a web-chat customer
on either host, tracker events reach RabbitMQ, and killing a host loses nothing (this test runs last: it kills
host-a for good)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from eventlog.consumer import Source, consume
from eventlog.store import EventStore
from scripts.hosts import Hosts
from tests.e2e.client import AgentClient, wait_until, web_chat_session

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

AGENT = "demo-agent-lucia"  # works both queues Spanish can go to, at any hour (DEMO_DOMAIN.md)
ADMIN = "test-admin-token"  # Hosts.throwaway(..., "test") uses StackConfig.throwaway's fixed secrets


def new_sender() -> str:
    return f"hosts-{uuid.uuid4().hex[:12]}"


def say(base_url: str, sender: str, text: str) -> tuple[list[str], str | None]:
    """One REST turn at `base_url`; the bot's texts and the host that answered (HAProxy's ``X-Nimbus-Host``)."""
    response = httpx.post(f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return [m["text"] for m in response.json() if m.get("text")], response.headers.get("X-Nimbus-Host")


def user_texts(hosts: Hosts, index: int, sender: str) -> list[str]:
    """The customer messages in the tracker as host `index`'s Rasa reads it from PostgreSQL."""
    response = httpx.get(
        f"{hosts.urls(index).rasa}/conversations/{sender}/tracker", params={"token": "test-rasa-token"}, timeout=30
    )
    response.raise_for_status()
    return [event["text"] for event in response.json()["events"] if event["event"] == "user"]


def handoff_of(base_url: str, sender: str) -> dict[str, Any] | None:
    response = httpx.get(
        f"{base_url}/api/v1/handoffs",
        params={"conversation_id": sender},
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=30,
    )
    response.raise_for_status()
    found = response.json()
    return found[0] if found else None


def relayed(base_url: str, handoff_id: str, prefix: str) -> list[str]:
    response = httpx.get(
        f"{base_url}/api/v1/handoffs/{handoff_id}", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30
    )
    response.raise_for_status()
    return [m["text"] for m in response.json()["messages"] if m["text"].startswith(prefix)]


@pytest.fixture
def agent(hosts: Hosts) -> Iterator[AgentClient]:
    """The agent works through the load balancer, as the console does."""
    client = AgentClient(hosts.lb_url, AGENT)
    yield client
    client.close()


def test_turns_alternating_between_hosts_keep_the_conversation_state(hosts: Hosts) -> None:
    """Turns sent to host-a, host-b, host-a directly and then through the load balancer (which alternates) all land
    in one conversation; the handoff made on one host puts the conversation in human mode on the other."""
    sender = new_sender()
    assert say(hosts.urls(0).rasa, sender, "hola")[0], "host-a answered nothing"
    assert say(hosts.urls(1).rasa, sender, "gracias")[0], "host-b answered nothing"
    say(hosts.urls(0).rasa, sender, "quiero hablar con una persona")
    handoff = wait_until(lambda: handoff_of(hosts.lb_url, sender), timeout=30)
    served_by = []
    for number in range(4):
        texts, host = say(hosts.lb_url, sender, f"sigo esperando #{number}")
        assert texts == [], f"the bot answered in human mode on {host}: {texts}"
        served_by.append(host)
    assert sorted(host or "" for host in served_by) == ["host-a", "host-a", "host-b", "host-b"]
    expected = ["hola", "gracias", "quiero hablar con una persona", *(f"sigo esperando #{n}" for n in range(4))]
    assert user_texts(hosts, 0, sender) == expected
    assert user_texts(hosts, 1, sender) == expected
    wanted = [f"sigo esperando #{n}" for n in range(4)]
    assert wait_until(lambda: relayed(hosts.lb_url, handoff["id"], "sigo esperando") == wanted or None, timeout=30)


@dataclass
class WebChat:
    """A web-chat customer: the socket.io client, its signed session token, its conversation and what it received."""

    client: socketio.Client
    token: str
    conversation_id: str
    received: list[str] = field(default_factory=list)

    @classmethod
    def connect(cls, url: str, offered: str | None = None) -> WebChat:
        """Connects (WebSocket) to `url` and asks for a session, resuming `offered` if given."""
        client = socketio.Client(reconnection=False)
        received: list[str] = []
        client.on("bot_uttered", lambda data: received.append(str(data.get("text"))))
        client.connect(url, socketio_path="/socket.io", transports=["websocket"])
        token, conversation_id = web_chat_session(client, offered)
        return cls(client, token, conversation_id, received)

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.token})

    def got(self, prefix: str) -> list[str]:
        return [text for text in self.received if text.startswith(prefix)]


def replies_arrive_through_both_services(
    hosts: Hosts, agent: AgentClient, per_host: list[AgentClient], customer: WebChat
) -> None:
    """The customer asks for a person; the agent's replies alternate between the hosts' handoff services."""
    customer.say("quiero hablar con una persona")
    handoff = wait_until(lambda: handoff_of(hosts.lb_url, customer.conversation_id), timeout=30)
    agent.claim(handoff["id"])
    replies = [f"respuesta {n}" for n in range(4)]
    for number, text in enumerate(replies):
        per_host[number % 2].reply(handoff["id"], text)
    assert wait_until(lambda: customer.got("respuesta") == replies or None, timeout=40)
    agent.close_handoff(handoff["id"], return_to_bot=True)  # Lucía takes at most two at once


def test_agent_replies_reach_a_web_chat_customer_whichever_host_holds_the_socket(
    hosts: Hosts, agent: AgentClient
) -> None:
    """Customers on host-a, on host-b and through the load balancer; each agent reply goes through the two handoff
    services in turn (so through both Rasa servers) and every one arrives, in order."""
    customers = [WebChat.connect(url) for url in (hosts.urls(0).rasa, hosts.urls(1).rasa, hosts.lb_url)]
    try:
        agents = [AgentClient(hosts.urls(i).handoff, AGENT) for i in range(2)]
        try:
            for customer in customers:
                replies_arrive_through_both_services(hosts, agent, agents, customer)
        finally:
            for client in agents:
                client.close()
    finally:
        for customer in customers:
            customer.client.disconnect()


def test_tracker_events_reach_rabbitmq(hosts: Hosts, tmp_path: Path) -> None:
    """A conversation's events, published by both Rasa servers, are read from the run's queue by the event-log
    consumer: every customer message once, in order, with its intent and no text."""
    sender = new_sender()
    say(hosts.urls(0).rasa, sender, "hola")
    say(hosts.urls(1).rasa, sender, "gracias")
    store = EventStore(f"sqlite:///{tmp_path / 'eventlog.sqlite3'}")
    source = Source(amqp_url=hosts.events.amqp_url, exchange=hosts.events.exchange, queue=hosts.events.queue)
    try:

        def user_events() -> list[str | None] | None:
            consume(source, store, idle_seconds=1.0)
            names = [event.name for event in store.conversation(sender) if event.event == "user"]
            return names if len(names) >= 2 else None

        intents = wait_until(user_events, timeout=30)
        assert intents == ["greet", "thank_you"], intents
        kinds = {event.event for event in store.conversation(sender)}
        assert {"user", "action", "bot"} <= kinds
        assert {event.input_channel for event in store.conversation(sender) if event.event == "user"} == {"rest"}
    finally:
        store.close()


def test_killing_a_host_loses_nothing(hosts: Hosts, agent: AgentClient) -> None:
    """A REST customer and a web-chat customer on host-a in human mode; host-a dies (SIGKILL). Every later REST
    message, sent through the load balancer at once, is relayed once and in order by host-b; the web chat reconnects
    through the load balancer with its session and keeps its conversation; the agent's replies reach both."""
    sender = new_sender()
    say(hosts.lb_url, sender, "quiero hablar con una persona")
    handoff = wait_until(lambda: handoff_of(hosts.lb_url, sender), timeout=30)
    agent.claim(handoff["id"])
    on_host_a = WebChat.connect(hosts.urls(0).rasa)
    on_host_a.say("quiero hablar con una persona")
    chat = wait_until(lambda: handoff_of(hosts.lb_url, on_host_a.conversation_id), timeout=30)
    agent.claim(chat["id"])
    before = [f"antes #{n}" for n in range(2)]
    for text in before:
        assert say(hosts.lb_url, sender, text)[0] == []
    assert wait_until(lambda: relayed(hosts.lb_url, handoff["id"], "antes") == before or None, timeout=30)

    hosts.kill_host(0)
    resumed = WebChat.connect(hosts.lb_url, offered=on_host_a.token)
    try:
        assert resumed.conversation_id == on_host_a.conversation_id
        resumed.say("después, en el chat")
        assert wait_until(lambda: relayed(hosts.lb_url, chat["id"], "después, en") or None, timeout=30) == [
            "después, en el chat"
        ]
        agent.reply(chat["id"], "te sigo leyendo")
        assert wait_until(lambda: resumed.got("te sigo") or None, timeout=30) == ["te sigo leyendo"]
    finally:
        resumed.client.disconnect()
        on_host_a.client.disconnect()
    after = [f"después #{n}" for n in range(4)]
    for text in after:
        texts, host = say(hosts.lb_url, sender, text)
        assert (texts, host) == ([], "host-b")
    assert wait_until(lambda: relayed(hosts.lb_url, handoff["id"], "después") == after or None, timeout=30)
    assert user_texts(hosts, 1, sender)[-6:] == [*before, *after]

    agent.reply(handoff["id"], "sigo aquí")

    def mailbox() -> list[str] | None:
        response = httpx.get(
            f"{hosts.lb_url}/webhooks/rest/messages",
            params={"sender": sender, "after": 0},
            headers={"Authorization": "Bearer test-rasa-token"},
            timeout=30,
        )
        response.raise_for_status()
        texts = [m.get("text") for m in response.json() if m.get("from_agent")]
        return texts or None

    assert wait_until(mailbox, timeout=30) == ["sigo aquí"]
    hosts.wait_lb_state(0, "DOWN")
