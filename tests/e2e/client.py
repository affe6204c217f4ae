"""Talks to the running system the way customers and agents do: Rasa's REST channel and the handoff API."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from scripts.stack import Stack

T = TypeVar("T")


@dataclass(frozen=True)
class Responses:
    """Response templates by key and language, matched against what the bot really sent."""

    templates: dict[str, dict[str, list[str]]]

    @classmethod
    def load(cls, path: Path) -> Responses:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        templates: dict[str, dict[str, list[str]]] = {}
        for key, variations in document["responses"].items():
            for variation in variations:
                language = next(c["value"] for c in variation.get("condition", []) if c.get("name") == "language")
                templates.setdefault(key, {}).setdefault(language, []).append(variation["text"])
        return cls(templates)

    def matches(self, key: str, language: str, text: str) -> bool:
        """Whether `text` is one of the variations of `key` in `language`, placeholders filled with anything."""
        for template in self.templates[key][language]:
            pattern = re.sub(r"\\\{\w+\\\}", ".+?", re.escape(template.strip()))
            if re.fullmatch(pattern, text.strip(), flags=re.DOTALL):
                return True
        return False

    def which(self, text: str, language: str, keys: list[str]) -> str | None:
        """The first of `keys` whose `language` variation produced `text`."""
        return next((key for key in keys if self.matches(key, language, text)), None)


class SystemClient:
    """HTTP clients for the Rasa server and the handoff service of a running Stack."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        config = stack.config
        self.rasa = httpx.Client(base_url=config.rasa_url, timeout=60.0)
        self.handoff = httpx.Client(
            base_url=config.handoff_url,
            timeout=30.0,
            headers={"Authorization": f"Bearer {config.handoff_admin_token}"},
        )
        self.token = config.rasa_api_token

    def __enter__(self) -> SystemClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rasa.close()
        self.handoff.close()

    @staticmethod
    def new_conversation() -> str:
        return f"e2e-{uuid.uuid4().hex[:12]}"

    def say(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[str]:
        """Sends one customer message through the REST channel; returns the texts the bot answered."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = self.rasa.post("/webhooks/rest/webhook", json=body)
        response.raise_for_status()
        self.stack.check_alive()
        return [message["text"] for message in response.json() if message.get("text")]

    def mailbox(self, sender: str, after: float = 0.0) -> list[dict[str, Any]]:
        """Messages the bot or an agent sent to a REST customer after `after` (Unix seconds), read server-to-server
        with the Rasa API token (a REST client uses the `X-Nimbus-Mailbox-Token` of its webhook answers)."""
        response = self.rasa.get(
            "/webhooks/rest/messages",
            params={"sender": sender, "after": after},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        response.raise_for_status()
        return list(response.json())

    def tracker(self, sender: str) -> dict[str, Any]:
        response = self.rasa.get(f"/conversations/{sender}/tracker", params={"token": self.token})
        response.raise_for_status()
        return dict(response.json())

    def handoffs_for(self, sender: str) -> list[dict[str, Any]]:
        response = self.handoff.get("/api/v1/handoffs", params={"conversation_id": sender})
        response.raise_for_status()
        return list(response.json())

    def handoff_record(self, handoff_id: str) -> dict[str, Any]:
        """One handoff with its messages (transcript, relayed messages, replies)."""
        response = self.handoff.get(f"/api/v1/handoffs/{handoff_id}")
        response.raise_for_status()
        return dict(response.json())


def web_chat_session(
    client: Any, offered: str | None = None, timeout: float = 10.0, after: float | None = None
) -> tuple[str, str]:
    """Asks a connected socket.io client's server for a session (offering `offered`, and with `after` the timestamp
    of the last bot message it has); the signed session token the server confirmed and the conversation id it stands
    for (`socketio:<session id>`)."""
    confirmed: list[str] = []
    client.on("session_confirm", confirmed.append)
    request: dict[str, Any] = {"session_id": offered} if offered else {}
    if after is not None:
        request["after"] = after
    client.emit("session_request", request)
    token = wait_until(lambda: confirmed[-1] if confirmed else None, timeout=timeout)
    return token, f"socketio:{token.split('.')[0]}"


def wait_until(check: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.2) -> T:
    """Polls `check` until it returns something other than None (or False); fails with the last value otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class AgentClient:
    """An agent of the demo roster using the handoff API with their token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30.0, headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self.http.close()

    def handoff(self, handoff_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/v1/handoffs/{handoff_id}")
        response.raise_for_status()
        return dict(response.json())

    def claim(self, handoff_id: str) -> dict[str, Any]:
        response = self.http.post(f"/api/v1/handoffs/{handoff_id}/claim")
        response.raise_for_status()
        return dict(response.json())

    def reply(self, handoff_id: str, text: str) -> dict[str, Any]:
        response = self.http.post(f"/api/v1/handoffs/{handoff_id}/replies", json={"text": text})
        response.raise_for_status()
        return dict(response.json())

    def close_handoff(self, handoff_id: str, return_to_bot: bool, resolution: str = "resolved") -> dict[str, Any]:
        response = self.http.post(
            f"/api/v1/handoffs/{handoff_id}/close", json={"resolution": resolution, "return_to_bot": return_to_bot}
        )
        response.raise_for_status()
        return dict(response.json())


DEMO_ROSTER: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "handoff" / "demo" / "agents.yml").read_text(encoding="utf-8")
)["agents"]


def claiming_agent(handoff_url: str, record: dict[str, Any]) -> AgentClient:
    """The demo agent who owns the handoff, or the first of its queue (speakers of its language first) who claims it."""
    if record.get("agent_id"):
        owner = next(agent for agent in DEMO_ROSTER if agent["id"] == record["agent_id"])
        return AgentClient(handoff_url, owner["token"])
    for agent in sorted(DEMO_ROSTER, key=lambda agent: record.get("language") not in agent.get("languages", [])):
        if record["queue"] not in agent.get("queues", []):
            continue
        client = AgentClient(handoff_url, agent["token"])
        try:
            client.claim(record["id"])
        except httpx.HTTPStatusError:
            client.close()
            continue
        return client
    raise AssertionError(f"no demo agent can take handoff {record['id']} in queue {record['queue']}")
