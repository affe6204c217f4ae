"""Which KB questions the running assistant answers from the knowledge base, asked in a fresh conversation.

The long bot conversation must stay with the bot for 300 turns to measure the cost of a turn as a conversation
grows. A held-out question the NLU takes for a refund request, or two the KB cannot answer in a row, rightly end
with a person, after which the turns measure human mode. So that conversation asks only the questions the running
system routes to the KB (intent `faq`) and answers (an article in `kb_last_article`). The short load conversations
keep every held-out question, handoffs included.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

import httpx

from bench.e2e.systems import Served

__all__ = ["answered_from_kb"]


def _answered(http: httpx.Client, served: Served, text: str) -> bool:
    sender = f"bench-check-{uuid.uuid4().hex[:10]}"
    http.post(f"{served.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}).raise_for_status()
    params = {"token": served.rasa_token} if served.rasa_token else {}
    tracker = http.get(f"{served.rasa_url}/conversations/{sender}/tracker", params=params)
    tracker.raise_for_status()
    body = tracker.json()
    intents = [event["parse_data"]["intent"]["name"] for event in body["events"] if event.get("event") == "user"]
    return intents == ["faq"] and body["slots"].get("kb_last_article") is not None


def answered_from_kb(served: Served, questions: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The questions of each language that `served` takes for `faq` and answers with an article."""
    with httpx.Client(timeout=30.0) as http:
        return {
            language: [text for text in texts if _answered(http, served, text)] for language, texts in questions.items()
        }
