"""One running system (Rasa server, action server, handoff service) with every messaging channel configured, and
one stand-in server for the platforms' APIs, shared by the channel tests of the session.

The pure helper tests in this folder need neither; pytest only starts the system when an end-to-end test asks."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from scripts.stack import KB_INDEX_DIR, MODEL_PATH, ROOT, Stack, StackConfig
from tests.channels.standin import StandIn
from tests.e2e.client import Responses

SECRETS = {
    "WHATSAPP_VERIFY_TOKEN": "wa-verify-token",
    "WHATSAPP_APP_SECRET": "wa-app-secret",
    "WHATSAPP_ACCESS_TOKEN": "wa-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "MESSENGER_VERIFY_TOKEN": "fb-verify-token",
    "MESSENGER_APP_SECRET": "fb-app-secret",
    "MESSENGER_PAGE_ACCESS_TOKEN": "fb-page-token",
    "LINE_CHANNEL_SECRET": "line-channel-secret",
    "LINE_CHANNEL_ACCESS_TOKEN": "line-access-token",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 30 + "1",
    "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
    "TWILIO_WEBHOOK_URL": "",
    "CHANNELS_DEDUP_REDIS_URL": "",
}
LINE_PROFILES = {
    "U4af4980629d1a2b3c4d5e6f7a8b9c0d1": {"displayName": "Li Lei", "userId": "U4af4980629d1a2b3c4d5e6f7a8b9c0d1"},
    "Ue10000000000000000000000000000zh": {
        "displayName": "李雷",
        "userId": "Ue10000000000000000000000000000zh",
        "language": "zh-Hans",
    },
}


@dataclass
class ChannelSystem:
    """The running system as the channel tests use it."""

    stack: Stack
    standin: StandIn
    rasa: httpx.Client

    @property
    def token(self) -> str:
        return self.stack.config.rasa_api_token

    def user_events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The customer messages Rasa recorded for a conversation (`<channel>:<platform id>`)."""
        answer = self.rasa.get(f"/conversations/{conversation_id}/tracker", params={"token": self.token})
        answer.raise_for_status()
        return [event for event in answer.json().get("events") or [] if event.get("event") == "user"]

    def agent_reply(
        self, conversation_id: str, channel: str, text: str, message_tag: str | None = None
    ) -> httpx.Response:
        """What the handoff service does to deliver an agent's reply: Rasa's external-event endpoint for the
        conversation (`<channel>:<platform id>`), with the message tag the service chose, if any."""
        entities = {"agent_message": text} | ({"message_tag": message_tag} if message_tag else {})
        return self.rasa.post(
            f"/conversations/{conversation_id}/trigger_intent",
            params={"output_channel": channel, "token": self.token},
            json={"name": "agent_reply", "entities": entities},
            timeout=60.0,
        )

    def rasa_log(self) -> str:
        return self.stack.service("rasa").log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def standin() -> Iterator[StandIn]:
    """The platforms' APIs, recording our outgoing calls."""
    with StandIn(profiles=LINE_PROFILES) as server:
        yield server


@pytest.fixture(scope="session")
def model_and_index() -> None:
    """A trained model and KB index: the channel tests exercise the connectors, not NLU quality, so whatever model
    `make train kb` built last is used; they are built only when missing (Rasa training takes minutes)."""
    if not (MODEL_PATH.exists() and (KB_INDEX_DIR / "index.faiss").exists()):
        subprocess.run(["make", "-s", "train", "kb"], cwd=ROOT, check=True)
    assert MODEL_PATH.exists(), f"no model at {MODEL_PATH} after make train"


@pytest.fixture(scope="session")
def channels(
    model_and_index: None,
    standin: StandIn,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ChannelSystem]:
    """The real system with every platform channel configured against the stand-in server."""
    data_dir = tmp_path_factory.mktemp("channels")
    extra_env = {
        **SECRETS,
        "META_GRAPH_BASE": f"{standin.url}/meta",
        "LINE_API_BASE": f"{standin.url}/line",
        "TWILIO_API_BASE": f"{standin.url}/twilio",
    }
    config = StackConfig.throwaway(data_dir, "channels", extra_env=extra_env)
    stack = Stack(config)
    with stack, httpx.Client(base_url=config.rasa_url, timeout=60.0) as client:
        yield ChannelSystem(stack=stack, standin=standin, rasa=client)


@pytest.fixture(scope="session")
def responses() -> Responses:
    """The response texts of the domain, per key and language."""
    return Responses.load(ROOT / "bot" / "domain" / "responses.yml")


def all_texts(responses: Responses, key: str) -> set[str]:
    """Every variation of a response, in every language."""
    return {text for texts in responses.templates[key].values() for text in texts}


def unique(prefix: str) -> str:
    """A sender or message id no other test uses."""
    return f"{prefix}{time.time_ns()}"
