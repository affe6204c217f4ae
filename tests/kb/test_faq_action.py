"""action_answer_faq through a real action server and a real Rasa webhook payload."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from actions.kb_runtime import RetrieverHolder
from kb import Retriever
from scripts.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running_action_server(index_dir: Path) -> Iterator[str]:
    """Start `python -m rasa_sdk --actions actions.faq` on a free port with KB_INDEX_DIR=index_dir; yield its URL."""
    port = free_port()
    env = {**os.environ, "KB_INDEX_DIR": str(index_dir), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions.faq", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so the Sanic worker process is stopped with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # generous: the shared machine can be very loaded
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"action server exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("action server did not start within 180 s")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def action_server(reranked_index: Path) -> Iterator[str]:
    """The action server over the fixture index, built as `make kb` builds (with the reranker)."""
    with running_action_server(reranked_index) as url:
        yield url


def webhook_payload(text: str, slots: dict[str, Any], sender: str = "web-42") -> dict[str, Any]:
    """What Rasa 3.6 posts to the action server for `action_answer_faq` after a `faq` message."""
    parse_data = {"text": text, "intent": {"name": "faq", "confidence": 0.93}, "entities": []}
    all_slots = {"language": "en", "kb_articles_tried": [], "kb_no_answer_count": 0.0, **slots}
    return {
        "next_action": "action_answer_faq",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"slots": {name: {"type": "any"} for name in all_slots}, "responses": {}, "actions": []},
        "tracker": {
            "sender_id": sender,
            "slots": all_slots,
            "latest_message": parse_data,
            "latest_event_time": 1763900000.0,
            "followup_action": None,
            "paused": False,
            "events": [
                {"event": "action", "name": "action_listen", "timestamp": 1763899999.0},
                {"event": "user", "text": text, "parse_data": parse_data, "timestamp": 1763900000.0},
            ],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }


def call(url: str, text: str, slots: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Post the webhook; return slot values set and the responses."""
    answer = httpx.post(f"{url}/webhook", json=webhook_payload(text, slots), timeout=120)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    slots_set = {event["name"]: event["value"] for event in body["events"] if event["event"] == "slot"}
    followups = [event["name"] for event in body["events"] if event["event"] == "followup"]
    if followups:
        slots_set["__followup__"] = followups
    return slots_set, body["responses"]


def test_answers_in_customer_language_and_records_article(action_server: str) -> None:
    """A Spanish customer gets the Spanish short answer; article, score, language and tried list are slots."""
    slots, responses = call(
        action_server, "¿en cuántos días me llega el pedido?", {"language": "es", "kb_articles_tried": ["gift-cards"]}
    )
    assert len(responses) == 1
    assert responses[0]["text"].startswith("El envío estándar tarda de 3 a 5 días hábiles")
    assert slots["kb_last_article"] == "shipping-times"
    assert slots["kb_last_language"] == "es"
    assert 0.0 < slots["kb_last_score"] <= 1.0
    assert slots["kb_articles_tried"] == ["gift-cards", "shipping-times"]
    assert "__followup__" not in slots


def test_an_answer_resets_the_no_answer_count(action_server: str) -> None:
    """Only no-answers in a row lead to a person: an answered question after one starts the count again."""
    slots, _ = call(action_server, "how long does shipping take?", {"kb_no_answer_count": 1.0})
    assert slots["kb_last_article"] == "shipping-times"
    assert slots["kb_no_answer_count"] == 0.0


def test_article_missing_in_language_sends_note_first(action_server: str) -> None:
    """gift-cards has no Portuguese: the note response, then the Spanish text; kb_last_language is es."""
    slots, responses = call(action_server, "como funciona o cartão-presente?", {"language": "pt"})
    assert responses[0]["response"] == "utter_kb_other_language_note"
    assert responses[0]["article_language_name"] == "espanhol"
    assert responses[1]["text"].startswith("Las tarjetas regalo")
    assert (slots["kb_last_article"], slots["kb_last_language"]) == ("gift-cards", "es")


def test_no_answers_climb_the_escalation_ladder(action_server: str) -> None:
    """A no-answer is an unresolved turn (actions/escalation.py): the first says so (count 1), the second in a row
    offers a person with buttons (count 2), the third hands off with reason repeated_failure."""
    slots, responses = call(action_server, "what is the capital of Australia", {})
    assert [response["response"] for response in responses] == ["utter_kb_no_answer"]
    assert (slots["kb_no_answer_count"], slots["unresolved_turns"]) == (1.0, 1.0)
    assert None is slots["kb_last_article"]
    assert "__followup__" not in slots

    slots, responses = call(
        action_server,
        "receta de tortilla de patatas",
        {"language": "es", "kb_no_answer_count": 1.0, "unresolved_turns": 1.0},
    )
    assert [response["response"] for response in responses] == ["utter_offer_human"]
    assert (slots["unresolved_turns"], slots["human_offered"]) == (2.0, "repeated_failure")
    assert "__followup__" not in slots

    slots, _ = call(action_server, "receta de tortilla de patatas", {"language": "es", "unresolved_turns": 2.0})
    assert slots["handoff_reason"] == "repeated_failure"
    assert slots["__followup__"] == ["action_handoff"]


def test_missing_index_answers_no_answer_instead_of_failing(tmp_path: Path) -> None:
    """With no index the action still answers (no answer, counted), never a server error."""
    with running_action_server(tmp_path / "none") as url:
        slots, responses = call(url, "how long is shipping", {})
    assert [response["response"] for response in responses] == ["utter_kb_no_answer"]
    assert slots["kb_no_answer_count"] == 1.0


def test_holder_loads_once_across_threads(built_index: Path, retriever: Retriever) -> None:
    """Concurrent first requests share one load; later calls reuse it."""
    loads: list[int] = []

    def loader() -> Retriever:
        loads.append(1)
        time.sleep(0.05)
        return retriever

    holder = RetrieverHolder(loader)
    results: list[Retriever] = []
    threads = [threading.Thread(target=lambda: results.append(holder.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert all(result is retriever for result in results)
    assert holder.get() is retriever
