"""Customer satisfaction on WhatsApp through the real processes and the stand-in Graph API: after the agent's close
the rating arrives as an interactive list (five choices are more than WhatsApp's three reply buttons), the customer's
choice and comment are stored with the handoff, and a rating payload typed without an offer is only text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.channels.conftest import ChannelSystem, all_texts
from tests.channels.standin import Call
from tests.channels.test_whatsapp_e2e import MESSAGES_PATH, phone, post, webhook_body
from tests.e2e.client import AgentClient, Responses, wait_until

pytestmark = pytest.mark.e2e

# A supervisor may claim in any queue, whichever team the clock routes a Spanish handoff to.
SPANISH_AGENT = "demo-agent-lucia"


def rating(score: int) -> str:
    return f'/csat_rate{{"csat_score":"{score}"}}'


def says(channels: ChannelSystem, wa_id: str, text: str) -> None:
    assert post(channels, webhook_body(wa_id, {"type": "text", "text": {"body": text}})) == 200


def chooses(channels: ChannelSystem, wa_id: str, kind: str, payload: str, title: str) -> None:
    """The customer taps a list row or a reply button: WhatsApp sends its id."""
    interactive = {"type": kind, kind: {"id": payload, "title": title}}
    assert post(channels, webhook_body(wa_id, {"type": "interactive", "interactive": interactive})) == 200


def interactive_to(channels: ChannelSystem, wa_id: str, kind: str, count: int = 1) -> dict[str, Any]:
    """The `count`-th interactive message of `kind` ("list" or "button") sent to `wa_id`."""

    def matches(call: Call) -> bool:
        body = call.json()
        return body.get("to") == wa_id and body.get("type") == "interactive" and body["interactive"]["type"] == kind

    calls = channels.standin.wait_for(MESSAGES_PATH, matches, count=count, timeout=30)
    assert len(calls) >= count, f"no {kind} message #{count} for {wa_id}"
    return dict(calls[count - 1].json()["interactive"])


def texts_to(channels: ChannelSystem, wa_id: str) -> list[str]:
    calls = channels.standin.calls_to(MESSAGES_PATH, lambda c: c.json().get("to") == wa_id)
    bodies = [c.json() for c in calls]
    return [b["text"]["body"] if b["type"] == "text" else b["interactive"]["body"]["text"] for b in bodies]


def test_rating_list_choice_and_comment_are_stored_with_the_handoff(
    channels: ChannelSystem, responses: Responses
) -> None:
    """Spanish (+34): hand off, a supervisor claims and closes; the rating list has five rows whose ids are the
    payloads; choosing 5 stores it and the comment prompt has a Skip reply button; the next text is the comment."""
    wa_id = phone("34")
    says(channels, wa_id, "hola")
    says(channels, wa_id, "quiero hablar con una persona")
    conversation = f"whatsapp:{wa_id}"
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    base = channels.stack.config.handoff_url
    agent = AgentClient(base, SPANISH_AGENT)
    try:
        with agent.http as http:
            [record] = wait_until(lambda: http.get("/api/v1/handoffs", params={"conversation_id": conversation},
                                                    headers=admin).json() or None)  # fmt: skip
            agent.claim(record["id"])
            agent.close_handoff(record["id"], return_to_bot=True)

            survey = interactive_to(channels, wa_id, "list")
            assert survey["body"]["text"] in all_texts(responses, "utter_csat_ask")
            rows = survey["action"]["sections"][0]["rows"]
            assert [(row["id"], row["title"]) for row in rows] == [(rating(n), str(n)) for n in range(1, 6)]

            chooses(channels, wa_id, "list_reply", rating(5), "5")
            comment_prompt = interactive_to(channels, wa_id, "button")
            assert comment_prompt["body"]["text"] in all_texts(responses, "utter_csat_comment_ask")
            [skip] = comment_prompt["action"]["buttons"]
            assert skip["reply"]["id"] == "/csat_skip"

            says(channels, wa_id, "Todo resuelto en cinco minutos")
            wait_until(lambda: texts_to(channels, wa_id)[-1] in all_texts(responses, "utter_csat_thanks"))
            stored = http.get(f"/api/v1/handoffs/{record['id']}", headers=admin).json()
            assert (stored["csat_score"], stored["csat_comment"]) == (5, "Todo resuelto en cinco minutos")

            # the list is no longer offered: choosing from it again is read as text and changes nothing
            chooses(channels, wa_id, "list_reply", rating(1), "1")
            again = wait_until(lambda: next((e for e in channels.user_events(conversation)
                                             if e["text"] == rating(1).lstrip("/")), None))  # fmt: skip
            assert again["parse_data"]["intent"]["name"] != "csat_rate"
            assert http.get(f"/api/v1/handoffs/{record['id']}", headers=admin).json()["csat_score"] == 5
    finally:
        agent.close()


def test_a_rating_payload_nobody_offered_is_text(channels: ChannelSystem, responses: Responses) -> None:
    """A customer who was never asked types the payload: it reaches NLU without its slash, no survey action runs."""
    wa_id = phone("52")
    says(channels, wa_id, rating(5))
    [event] = channels.user_events(f"whatsapp:{wa_id}")
    assert event["text"] == rating(5).lstrip("/")
    assert event["parse_data"]["intent"]["name"] != "csat_rate"
    answered = wait_until(lambda: texts_to(channels, wa_id) or None)
    survey = {text for key in ("utter_csat_comment_ask", "utter_csat_thanks") for text in all_texts(responses, key)}
    assert not survey & set(answered)
