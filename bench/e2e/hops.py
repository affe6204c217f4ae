"""The hops of our hot path timed one by one, so the slowest is known.

- Rasa NLU alone (`POST /model/parse`), for comparison with a whole REST turn;
- the action server's `POST /webhook` for `action_answer_faq` and `action_handoff`, with the tracker and domain
  Rasa itself would send (taken from the running Rasa server after a real customer message);
- the handoff service's `POST /api/v1/handoffs` and `POST /api/v1/conversations/{id}/messages`.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.e2e.conversations import LANGUAGES, PHRASES
from bench.e2e.stats import Summary

RASA_VERSION = "3.6.21"


@dataclass(frozen=True)
class HopTargets:
    """URLs and credentials of our three processes."""

    rasa_url: str
    rasa_token: str
    actions_url: str
    handoff_url: str
    service_key: str
    actions_token: str


def time_calls(call: Callable[[int], httpx.Response], count: int, warmup: int) -> Summary:
    """Calls `call(i)` `warmup` times untimed, then `count` times timed; every call must succeed (2xx)."""
    for index in range(warmup):
        call(-1 - index).raise_for_status()
    latencies = []
    for index in range(count):
        started = time.perf_counter()
        response = call(index)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
    return Summary.of(latencies)


def action_call(action: str, tracker: dict[str, Any], domain: dict[str, Any]) -> dict[str, Any]:
    """The body Rasa posts to the action server's /webhook."""
    return {
        "next_action": action,
        "sender_id": tracker["sender_id"],
        "tracker": tracker,
        "domain": domain,
        "version": RASA_VERSION,
    }


def handoff_body(conversation_id: str, language: str) -> dict[str, Any]:
    """A handoff request as `action_handoff` sends it (docs/contracts.md)."""
    greeting = PHRASES[language]["greet"][0]
    request = PHRASES[language]["request_human"][0]
    return {
        "conversation_id": conversation_id,
        "channel": "rest",
        "customer_id": conversation_id,
        "customer": {"name": None, "locale": None, "country": None, "timezone": None, "vip": False},
        "language": language,
        "language_confidence": 0.95,
        "transcript": [
            {"role": "customer", "text": greeting, "timestamp": "2026-11-23T10:00:00Z", "language": language},
            {"role": "bot", "text": "…", "timestamp": "2026-11-23T10:00:01Z", "language": language},
            {"role": "customer", "text": request, "timestamp": "2026-11-23T10:00:05Z", "language": language},
        ],
        "intents": ["greet", "request_human"],
        "slots": {},
        "reason": "explicit_request",
        "topic": "general",
        "priority": "normal",
        "kb_articles_tried": [],
        "summary": None,
    }


class HopBench:
    """Prepares realistic payloads against the running system and times each hop."""

    def __init__(self, targets: HopTargets, http: httpx.Client) -> None:
        self.targets = targets
        self.http = http

    def _actions_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.targets.actions_token}"}

    def _rasa(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        params = dict(kwargs.pop("params", {}) or {})
        params["token"] = self.targets.rasa_token
        response = self.http.request(method, f"{self.targets.rasa_url}{path}", params=params, **kwargs)
        response.raise_for_status()
        return response

    def tracker_after(self, language: str, text: str) -> dict[str, Any]:
        """The tracker of a fresh conversation after a greeting (answered) and `text` (parsed, not yet acted on)."""
        sender = f"bench-hop-{uuid.uuid4().hex[:10]}"
        greeting = PHRASES[language]["greet"][0]
        self.http.post(
            f"{self.targets.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": greeting}
        ).raise_for_status()
        self._rasa("POST", f"/conversations/{sender}/messages", json={"text": text, "sender": "user"})
        return dict(self._rasa("GET", f"/conversations/{sender}/tracker").json())

    def domain(self) -> dict[str, Any]:
        return dict(self._rasa("GET", "/domain", headers={"Accept": "application/json"}).json())

    def nlu_parse(self, questions: dict[str, list[str]], count: int, warmup: int) -> Summary:
        texts = [questions[language][0] for language in LANGUAGES]
        return time_calls(
            lambda i: self.http.post(
                f"{self.targets.rasa_url}/model/parse",
                params={"token": self.targets.rasa_token},
                json={"text": texts[i % len(texts)]},
            ),
            count,
            warmup,
        )

    def answer_faq(self, questions: dict[str, list[str]], count: int, warmup: int) -> Summary:
        domain = self.domain()
        bodies = [
            action_call("action_answer_faq", self.tracker_after(language, questions[language][0]), domain)
            for language in LANGUAGES
        ]
        return time_calls(
            lambda i: self.http.post(
                f"{self.targets.actions_url}/webhook", json=bodies[i % len(bodies)], headers=self._actions_auth()
            ),
            count,
            warmup,
        )

    def action_handoff(self, count: int, warmup: int) -> Summary:
        """Each call is a new conversation (a new handoff), built from a real tracker asking for a person."""
        domain = self.domain()
        trackers = [self.tracker_after(language, PHRASES[language]["request_human"][0]) for language in LANGUAGES]

        def call(i: int) -> httpx.Response:
            tracker = copy.deepcopy(trackers[i % len(trackers)])
            tracker["sender_id"] = f"bench-hop-{uuid.uuid4().hex[:10]}"
            return self.http.post(
                f"{self.targets.actions_url}/webhook",
                json=action_call("action_handoff", tracker, domain),
                headers=self._actions_auth(),
            )

        return time_calls(call, count, warmup)

    def create_handoff(self, count: int, warmup: int) -> tuple[Summary, list[str]]:
        """Times handoff creation; returns the conversation ids created (for the relay hop)."""
        created: list[str] = []

        def call(i: int) -> httpx.Response:
            conversation_id = f"bench-hop-{uuid.uuid4().hex[:10]}"
            created.append(conversation_id)
            return self.http.post(
                f"{self.targets.handoff_url}/api/v1/handoffs",
                json=handoff_body(conversation_id, LANGUAGES[abs(i) % len(LANGUAGES)]),
                headers={"Authorization": f"Bearer {self.targets.service_key}"},
            )

        return time_calls(call, count, warmup), created

    def relay_message(self, conversation_ids: list[str], count: int, warmup: int) -> Summary:
        """Times relaying a customer message to an open handoff, round robin over `conversation_ids`."""

        def call(i: int) -> httpx.Response:
            conversation_id = conversation_ids[abs(i) % len(conversation_ids)]
            return self.http.post(
                f"{self.targets.handoff_url}/api/v1/conversations/{conversation_id}/messages",
                json={"message_id": uuid.uuid4().hex, "text": f"are you still there? #{i}", "language": "en"},
                headers={"Authorization": f"Bearer {self.targets.service_key}"},
            )

        return time_calls(call, count, warmup)


def measure_hops(targets: HopTargets, questions: dict[str, list[str]], count: int, warmup: int) -> dict[str, Summary]:
    """Every hop of the hot path, sequentially (one request in flight), `count` timed calls each."""
    with httpx.Client(timeout=60.0) as http:
        bench = HopBench(targets, http)
        hops = {
            "Rasa NLU only (POST /model/parse)": bench.nlu_parse(questions, count, warmup),
            "action server /webhook action_answer_faq": bench.answer_faq(questions, count, warmup),
            "action server /webhook action_handoff": bench.action_handoff(count, warmup),
        }
        created_summary, created = bench.create_handoff(count, warmup)
        hops["handoff POST /api/v1/handoffs"] = created_summary
        hops["handoff POST /api/v1/conversations/{id}/messages"] = bench.relay_message(created, count, warmup)
    return hops
