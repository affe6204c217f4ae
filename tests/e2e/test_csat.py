"""Customer satisfaction through the real processes on the REST channel: after the agent's close the bot asks for a
rating in the customer's language, stores it and an optional comment with the handoff (or takes Skip, or serves a
new question as usual), and refuses a second rating, a payload it did not offer and another conversation's handoff."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from scripts.stack import ROOT
from tests.e2e.client import AgentClient, Responses, SystemClient, wait_until

pytestmark = pytest.mark.e2e

ROSTER = yaml.safe_load((ROOT / "handoff" / "demo" / "agents.yml").read_text(encoding="utf-8"))["agents"]
REQUESTS = {
    "es": ("hola", "quiero hablar con una persona"),
    "en": ("hello", "I want to talk to a real person"),
    "zh": ("你好", "我想和人工客服说话"),
    "ar": ("مرحبا", "أريد التحدث مع موظف خدمة العملاء"),
}
SURVEY = ["utter_csat_ask", "utter_csat_comment_ask", "utter_csat_thanks", "utter_csat_already_rated",
          "utter_csat_not_recorded", "utter_csat_invalid"]  # fmt: skip


def rating(score: int) -> str:
    return f'/csat_rate{{"csat_score":"{score}"}}'


@pytest.fixture
def agents(system: SystemClient) -> Iterator[list[AgentClient]]:
    """Agent clients opened by a test, closed after it."""
    opened: list[AgentClient] = []
    yield opened
    for client in opened:
        client.close()


def handed_off_and_closed(
    system: SystemClient, agents: list[AgentClient], language: str, *, return_to_bot: bool = True
) -> tuple[str, dict[str, Any]]:
    """A new REST conversation handed to a demo agent who claims, replies and closes it; (sender, handoff)."""
    sender = system.new_conversation()
    greeting, request = REQUESTS[language]
    system.say(sender, greeting)
    system.say(sender, request)
    [record] = system.handoffs_for(sender)
    candidates = [a for a in ROSTER if record["queue"] in a.get("queues", [])]
    candidates.sort(key=lambda a: record["language"] not in a.get("languages", []))
    for candidate in candidates:
        agent = AgentClient(system.stack.config.handoff_url, candidate["token"])
        agents.append(agent)
        try:
            agent.claim(record["id"])
        except httpx.HTTPStatusError:
            continue
        agent.reply(record["id"], "Done, anything else?")
        agent.close_handoff(record["id"], return_to_bot=return_to_bot)
        return sender, record
    raise AssertionError(f"no demo agent can take handoff {record['id']} in queue {record['queue']}")


def prompt_in_mailbox(system: SystemClient, responses: Responses, sender: str, language: str) -> dict[str, Any]:
    """Waits for the rating prompt after the bot-back message; returns it (text and buttons)."""

    def prompt() -> dict[str, Any] | None:
        return next((m for m in system.mailbox(sender)
                     if responses.matches("utter_csat_ask", language, m.get("text", ""))), None)  # fmt: skip

    return wait_until(prompt, timeout=30)


def record_of(system: SystemClient, handoff_id: str) -> dict[str, Any]:
    return system.handoff_record(handoff_id)


def service_rating(system: SystemClient, handoff_id: str, conversation_id: str, score: int) -> httpx.Response:
    """What the action server sends, with the bot's service key."""
    return system.handoff.post(
        f"/api/v1/handoffs/{handoff_id}/csat",
        json={"conversation_id": conversation_id, "score": score},
        headers={"Authorization": f"Bearer {system.stack.config.handoff_service_key}"},
    )


def test_rating_and_comment_are_stored_and_a_second_rating_is_refused(
    system: SystemClient, responses: Responses, agents: list[AgentClient]
) -> None:
    """Spanish: the prompt (five buttons) after the bot-back message; a tap stores 4, the next message is the
    comment; tapping again later and the service API both refuse a second rating; another conversation cannot
    rate this handoff."""
    sender, record = handed_off_and_closed(system, agents, "es")
    prompt = prompt_in_mailbox(system, responses, sender, "es")
    assert [b["payload"] for b in prompt["buttons"]] == [rating(n) for n in range(1, 6)]
    texts = [m.get("text", "") for m in system.mailbox(sender)]
    assert responses.which(texts[texts.index(prompt["text"]) - 1], "es", ["utter_bot_back"])

    [asked] = system.say(sender, rating(4))
    assert responses.matches("utter_csat_comment_ask", "es", asked)
    assert record_of(system, record["id"])["csat_score"] == 4
    [thanks] = system.say(sender, "María fue muy amable y rápida")
    assert responses.matches("utter_csat_thanks", "es", thanks)
    stored = record_of(system, record["id"])
    assert (stored["csat_score"], stored["csat_comment"]) == (4, "María fue muy amable y rápida")

    answered = system.say(sender, rating(1))  # the buttons are no longer offered: read as text
    assert not any(responses.which(text, "es", SURVEY) for text in answered)
    assert system.tracker(sender)["latest_message"]["intent"]["name"] != "csat_rate"
    assert record_of(system, record["id"])["csat_score"] == 4
    again = service_rating(system, record["id"], sender, 1)
    assert (again.status_code, "already rated" in again.json()["detail"]) == (409, True)
    [listed] = system.handoffs_for(sender)
    assert (listed["csat_score"], listed["csat_comment"]) == (4, "María fue muy amable y rápida")

    stranger = system.new_conversation()
    assert service_rating(system, record["id"], stranger, 1).status_code == 404


def test_a_typed_digit_rates_and_skip_stores_no_comment(
    system: SystemClient, responses: Responses, agents: list[AgentClient]
) -> None:
    """English, text fallback: typing "3" rates; Skip thanks without a comment."""
    sender, record = handed_off_and_closed(system, agents, "en")
    prompt_in_mailbox(system, responses, sender, "en")
    [asked] = system.say(sender, "3")
    assert responses.matches("utter_csat_comment_ask", "en", asked)
    [thanks] = system.say(sender, "/csat_skip")
    assert responses.matches("utter_csat_thanks", "en", thanks)
    stored = record_of(system, record["id"])
    assert (stored["csat_score"], stored["csat_comment"]) == (3, None)


def test_a_question_after_the_rating_is_served_not_swallowed(
    system: SystemClient, responses: Responses, agents: list[AgentClient]
) -> None:
    """Chinese: after the rating, a question is answered as usual and is not stored as the comment."""
    sender, record = handed_off_and_closed(system, agents, "zh")
    prompt_in_mailbox(system, responses, sender, "zh")
    system.say(sender, rating(5))
    answer = system.say(sender, "你们的退货政策是什么？")
    assert answer and not any(responses.which(text, "zh", SURVEY) for text in answer)
    stored = record_of(system, record["id"])
    assert (stored["csat_score"], stored["csat_comment"]) == (5, None)


def test_no_prompt_when_the_agent_ends_the_conversation_and_a_forged_rating_is_text(
    system: SystemClient, responses: Responses, agents: list[AgentClient]
) -> None:
    """Arabic, closed without returning to the bot: goodbye and no prompt; a typed rating payload is not a rating."""
    sender, record = handed_off_and_closed(system, agents, "ar", return_to_bot=False)
    wait_until(lambda: any(responses.matches("utter_goodbye", "ar", m.get("text", "")) for m in system.mailbox(sender)))
    assert not any(responses.matches("utter_csat_ask", "ar", m.get("text", "")) for m in system.mailbox(sender))
    answered = system.say(sender, rating(5))
    assert not any(responses.which(text, "ar", SURVEY) for text in answered)
    assert system.tracker(sender)["latest_message"]["intent"]["name"] != "csat_rate"
    assert record_of(system, record["id"])["csat_score"] is None
