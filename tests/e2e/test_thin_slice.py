"""The thin slice through the real processes: greeting, KB answer and handoff, in English and Spanish."""

from __future__ import annotations

import pytest

from tests.e2e.client import Responses, SystemClient

pytestmark = pytest.mark.e2e

HANDOFF_RESPONSES = [
    "utter_handoff_queued",
    "utter_handoff_scheduled",
    "utter_handoff_uncovered",
]


@pytest.mark.parametrize(
    ("language", "greeting"),
    [
        ("en", "hi"),
        ("es", "hola"),
    ],
)
def test_greeting_is_answered_in_the_customer_language(
    system: SystemClient, responses: Responses, language: str, greeting: str
) -> None:
    """A greeting gets the greeting response in the language it was written in."""
    sender = system.new_conversation()
    replies = system.say(sender, greeting)
    assert len(replies) == 1, replies
    assert responses.matches("utter_greet", language, replies[0]), replies


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "how long does shipping take?"),
        ("es", "¿cuánto tarda el envío?"),
    ],
)
def test_shipping_question_gets_the_article_in_the_same_language(
    system: SystemClient, language: str, question: str
) -> None:
    """The question is answered from the FAISS index with `shipping-times`, in the question's language."""
    sender = system.new_conversation()
    replies = system.say(sender, question)
    assert replies, "the bot answered nothing"
    slots = system.tracker(sender)["slots"]
    assert slots["kb_last_article"] == "shipping-times"
    assert slots["kb_last_language"] == language
    assert slots["language"] == language
    assert "shipping-times" in slots["kb_articles_tried"]


@pytest.mark.parametrize(
    ("language", "opening", "ask_for_person"),
    [
        ("en", "hello", "I want to talk to a person"),
        ("es", "hola", "quiero hablar con una persona"),
    ],
)
def test_request_for_a_person_creates_a_handoff_with_language_and_transcript(
    system: SystemClient, responses: Responses, language: str, opening: str, ask_for_person: str
) -> None:
    """The handoff record carries the conversation id, the language and the transcript; the customer is told so."""
    sender = system.new_conversation()
    system.say(sender, opening)
    replies = system.say(sender, ask_for_person)
    assert len(replies) == 1, replies
    assert responses.which(replies[0], language, HANDOFF_RESPONSES), replies

    [listed] = system.handoffs_for(sender)
    record = system.handoff_record(listed["id"])
    assert record["conversation_id"] == sender
    assert record["language"] == language
    assert record["reason"] == "explicit_request"
    texts = [(turn["role"], turn["text"]) for turn in record["messages"]]
    assert texts[0] == ("customer", opening)
    assert ("customer", ask_for_person) in texts
    assert any(role == "bot" for role, _ in texts)
