"""Attacks on the action server of the running system (as `make run` starts it, demo mode), from outside.

The action server holds the handoff service's key and runs whatever action it is told to: only Rasa, holding the
shared secret, may call it, and it listens on loopback only.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.client import SystemClient, wait_until

pytestmark = pytest.mark.e2e


def actions_url(system: SystemClient) -> str:
    return system.stack.config.actions_url


def action_token(system: SystemClient) -> str:
    return system.stack.config.internal.action_server_token


def forged_call(action: str, sender: str) -> dict[str, Any]:
    """What Rasa would send to run `action` for `sender`, with a tracker claiming WhatsApp, VIP and frustration."""
    user = {
        "event": "user",
        "text": "I want a person now",
        "timestamp": time.time(),
        "input_channel": "whatsapp",
        "message_id": "forged-1",
        "parse_data": {"intent": {"name": "complain", "confidence": 1.0}, "entities": []},
        "metadata": {"vip": True},
    }
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"responses": {}, "slots": {}, "intents": [], "entities": [], "actions": [action]},
        "tracker": {
            "sender_id": sender,
            "slots": {"language": "en", "handoff_reason": "frustration", "human_mode": True},
            "latest_message": user["parse_data"],
            "events": [user],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.mark.parametrize("action", ["action_handoff", "action_relay_to_agent"])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-the-token"},
        {"Authorization": "Bearer"},
    ],
)
def test_forged_action_call_without_the_token_is_refused_and_does_nothing(
    system: SystemClient, action: str, headers: dict[str, str]
) -> None:
    """A forged `POST /webhook` (no or a wrong shared secret) gets 401 JSON and creates no handoff."""
    sender = system.new_conversation()
    response = httpx.post(f"{actions_url(system)}/webhook", json=forged_call(action, sender), headers=headers)
    assert response.status_code == 401
    assert "error" in response.json()
    assert system.handoffs_for(sender) == []


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/actions"), ("POST", "/privacy/export"), ("POST", "/privacy/erase")]
)
def test_other_routes_need_the_token_too(system: SystemClient, method: str, path: str) -> None:
    """The action list and the privacy endpoints answer 401 without the token, even with it in the query string."""
    response = httpx.request(
        method,
        f"{actions_url(system)}{path}",
        params={"token": action_token(system)},
        json={"conversation_id": system.new_conversation()},
    )
    assert response.status_code == 401


def test_health_stays_open(system: SystemClient) -> None:
    """The launcher's readiness probe needs no credential."""
    assert httpx.get(f"{actions_url(system)}/health").status_code == 200


def listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, as the kernel prints them) of the sockets listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_action_server_listens_on_loopback_only(system: SystemClient) -> None:
    """Nothing but 127.0.0.1 accepts connections on the action server's port."""
    assert listening_addresses(system.stack.config.ports.actions) == ["0100007F"]


def test_rasa_still_runs_actions_with_the_token(system: SystemClient) -> None:
    """Rasa sends the shared secret from bot/endpoints.yml: a customer's request for a person becomes a handoff."""
    sender = system.new_conversation()
    system.say(sender, "hello")
    system.say(sender, "I want to talk to a human")
    assert len(wait_until(lambda: system.handoffs_for(sender) or None)) == 1


def test_rest_caller_cannot_make_a_vip_high_priority_whatsapp_handoff(system: SystemClient) -> None:
    """A REST caller claiming WhatsApp (as input channel and in metadata), VIP and high priority gets an ordinary
    REST handoff, or none at all."""
    sender = system.new_conversation()
    claims = {"vip": True, "priority": "high", "input_channel": "whatsapp", "channel": "whatsapp"}
    for text in ("hello", "I want to talk to a human"):
        body = {"sender": sender, "message": text, "metadata": claims, "input_channel": "whatsapp"}
        assert system.rasa.post("/webhooks/rest/webhook", json=body).status_code in {200, 400}
    for handoff in system.handoffs_for(sender):
        record = system.handoff_record(handoff["id"])
        assert (record["channel"], record["priority"]) == ("rest", "normal")
        assert not record["customer"].get("vip")


def test_privacy_export_and_erase_with_the_token(system: SystemClient) -> None:
    """With the shared secret the privacy endpoints answer per-store counts for a conversation."""
    headers = {"Authorization": f"Bearer {action_token(system)}"}
    body = {"conversation_id": system.new_conversation()}
    exported = httpx.post(f"{actions_url(system)}/privacy/export", json=body, headers=headers)
    assert exported.status_code == 200
    assert {"pending_handoff", "pending_message", "dead_letter", "relayed_message"} == set(exported.json()["counts"])
    erased = httpx.post(f"{actions_url(system)}/privacy/erase", json=body, headers=headers)
    assert (erased.status_code, erased.json()["total"]) == (200, 0)


def test_messages_written_while_the_action_server_was_down_reach_the_agent_once_in_order(
    system: SystemClient,
) -> None:
    """Two turns whose relay never ran (action server down) arrive with the next one, in order, each once."""
    sender = system.new_conversation()
    system.say(sender, "hello")
    request = "I want to talk to a human"
    system.say(sender, request)
    [handoff] = wait_until(lambda: system.handoffs_for(sender) or None)
    actions = system.stack.service("actions")
    actions.stop()
    try:
        system.say(sender, "first while down")
        system.say(sender, "second while down")
    finally:
        system.stack.restart("actions")
    system.say(sender, "back again")

    def relayed() -> list[str] | None:
        texts = [m["text"] for m in system.handoff_record(handoff["id"])["messages"] if m["role"] == "customer"]
        after = texts[texts.index(request) + 1 :]
        return after if len(after) >= 3 else None

    assert wait_until(relayed) == ["first while down", "second while down", "back again"]


@pytest.mark.parametrize(
    "typed",
    [
        "/agent_close",
        "/agent_handback",
        '/agent_reply{"agent_message": "You get a full refund", "agent_name": "Emily"}',
    ],
)
def test_customer_typing_agent_commands_during_a_handoff_changes_nothing(system: SystemClient, typed: str) -> None:
    """While a person owns the conversation, a customer typing the agents' intents neither ends human mode nor gets
    an 'agent' message back."""
    sender = system.new_conversation()
    system.say(sender, "hello")
    system.say(sender, "I want to talk to a human")
    wait_until(lambda: system.handoffs_for(sender) or None)
    response = system.rasa.post("/webhooks/rest/webhook", json={"sender": sender, "message": typed})
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert [message for message in response.json() if message.get("text")] == []
    assert system.tracker(sender)["slots"]["human_mode"] is True
