"""Metrics and request-id logs of the three real processes over HTTP: one conversation (greeting, KB answer,
handoff, a message relayed in human mode, an agent reply) moves the counters of every `/metrics`, and the request id
sent at the REST webhook appears in the action server's and the handoff service's JSON lines, which carry no
customer text."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.client import SystemClient, claiming_agent, wait_until

pytestmark = pytest.mark.e2e

QUESTION = "how long does shipping take?"
HUMAN_TEXT = "the parcel with the periwinkle umbrella never arrived"
AGENT_TEXT = "let me look into the periwinkle umbrella"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.eE+-]+|NaN|[+-]Inf)$")


def samples(text: str) -> dict[str, float]:
    """`name{labels}` -> value of a Prometheus text exposition."""
    found = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            found[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return found


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a process log (start-up lines written before logging is set up are plain text)."""
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


@pytest.fixture
def observed(system: SystemClient) -> SystemClient:
    """The session's three processes (demo mode, JSON logs as in production)."""
    return system


class Scrapes:
    """`/metrics` of each process, read with the credential each requires."""

    def __init__(self, system: SystemClient) -> None:
        config = system.stack.config
        self.targets = {
            "rasa": (f"{config.rasa_url}/metrics", config.rasa_api_token),
            "actions": (f"{config.actions_url}/metrics", config.internal.action_server_token),
            "handoff": (f"{config.handoff_url}/metrics", config.handoff_service_key),
        }

    def read(self, name: str) -> dict[str, float]:
        url, token = self.targets[name]
        response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 200, response.text
        return samples(response.text)


def say(system: SystemClient, sender: str, text: str, request_id: str) -> httpx.Response:
    response = system.rasa.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": text}, headers={"X-Request-ID": request_id}
    )
    response.raise_for_status()
    return response


def test_metrics_require_a_credential(observed: SystemClient) -> None:
    """No process serves `/metrics` to an anonymous caller, nor to a wrong bearer token."""
    for url, _ in Scrapes(observed).targets.values():
        assert httpx.get(url, timeout=10).status_code == 401, url
        assert httpx.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code in (401, 403), url


def test_a_conversation_moves_every_process_counters_and_carries_its_request_id(observed: SystemClient) -> None:
    scrapes = Scrapes(observed)
    before = {name: scrapes.read(name) for name in scrapes.targets}
    sender = f"obs-{uuid.uuid4().hex[:12]}"
    ids = {step: f"req-{step}-{uuid.uuid4().hex}" for step in ("greet", "faq", "handoff", "relay")}

    answered = say(observed, sender, "hello", ids["greet"])
    assert answered.headers["X-Request-ID"] == ids["greet"]
    say(observed, sender, QUESTION, ids["faq"])
    say(observed, sender, "I want to talk to a real person", ids["handoff"])
    [listed] = observed.handoffs_for(sender)
    say(observed, sender, HUMAN_TEXT, ids["relay"])
    agent = claiming_agent(observed.stack.config.handoff_url, observed.handoff_record(listed["id"]))
    try:
        agent.reply(listed["id"], AGENT_TEXT)
        wait_until(lambda: scrapes.read("handoff").get('handoff_deliveries_total{outcome="sent"}', 0) > 0)
    finally:
        agent.close()
    after = {name: scrapes.read(name) for name in scrapes.targets}

    def moved(name: str, sample: str) -> float:
        return after[name].get(sample, 0.0) - before[name].get(sample, 0.0)

    assert moved("rasa", 'nimbus_messages_total{channel="rest",language="en"}') >= 4, after["rasa"]
    assert moved("rasa", "nimbus_nlu_confidence_count") >= 4
    assert moved("actions", 'actions_action_seconds_count{action="action_answer_faq"}') >= 1, after["actions"]
    assert moved("actions", 'actions_kb_answers_total{language="en",outcome="answered"}') >= 1
    assert moved("actions", 'actions_handoff_requests_total{outcome="accepted"}') == 1
    assert after["actions"]['actions_outbox_depth{kind="handoff"}'] == 0
    assert moved("handoff", 'handoff_deliveries_total{outcome="sent"}') >= 1
    assert sum(moved("handoff", key) for key in after["handoff"] if key.startswith("handoff_created_total")) == 1
    assert "handoff_outbox_depth" in after["handoff"] and "handoff_outbox_oldest_seconds" in after["handoff"]

    logs = observed.stack.config.log_dir
    actions_lines = json_lines(logs / "actions.log")
    handoff_lines = json_lines(logs / "handoff.log")
    for step in ("handoff", "relay"):
        in_actions = [line for line in actions_lines if line.get("request_id") == ids[step]]
        in_handoff = [line for line in handoff_lines if line.get("request_id") == ids[step]]
        assert in_actions, f"{step}: no action-server line with its request id"
        assert in_handoff, f"{step}: no handoff-service line with its request id"
        conversations = {line.get("conversation") for line in in_actions}
        assert len(conversations) == 1 and None not in conversations, conversations
    rasa_lines = json_lines(logs / "rasa.log")
    for step, request_id in ids.items():
        assert any(line.get("request_id") == request_id for line in rasa_lines), f"{step}: not in Rasa's lines"
    # The agent's reply reached Rasa as a request of its own, named alike in both processes.
    conversation = in_handoff[0]["conversation"]
    [sent] = [
        line for line in handoff_lines if line.get("event") == "delivery" and line.get("conversation") == conversation
    ]
    triggered = [line for line in rasa_lines if line.get("request_id") == sent["request_id"]]
    assert triggered and triggered[0]["route"].endswith("/trigger_intent"), triggered
    relay_routes = {line.get("route") for line in handoff_lines if line.get("request_id") == ids["relay"]}
    assert "/api/v1/conversations/{conversation_id}/messages" in relay_routes, relay_routes

    for name in ("rasa.log", "actions.log", "handoff.log"):
        text = (logs / name).read_text(encoding="utf-8", errors="replace")
        for private in (QUESTION, HUMAN_TEXT, AGENT_TEXT, "periwinkle"):
            assert private not in text, f"{name} holds customer or agent text"
    for name in ("rasa.log", "actions.log", "handoff.log"):
        assert sender not in (logs / name).read_text(encoding="utf-8"), f"{name} names the conversation id"
