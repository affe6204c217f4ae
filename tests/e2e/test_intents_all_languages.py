"""The trained assistant understands every intent in every language, and answers chit-chat in that language."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from scripts.stack import ROOT
from tests.e2e.client import Responses, SystemClient

pytestmark = pytest.mark.e2e

LANGUAGES = ("en", "es", "pt", "fr", "ar", "zh")
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
CHIT_CHAT = {"greet": "utter_greet", "thank_you": "utter_you_are_welcome", "bot_challenge": "utter_iamabot"}


def examples(language: str) -> dict[str, list[str]]:
    """Plain-text examples per intent of one language's training file (entity annotations removed)."""
    document = yaml.safe_load((ROOT / "nlu_data" / language / "nlu.yml").read_text(encoding="utf-8"))
    by_intent: dict[str, list[str]] = {}
    for block in document["nlu"]:
        if "intent" in block:
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
            by_intent[block["intent"]] = [ANNOTATION.sub(r"\1", line) for line in lines]
    return by_intent


def best_intent(parse: dict[str, Any]) -> str:
    """The model's intent, looking through the fallback marker at what it would have chosen."""
    ranking = [entry["name"] for entry in parse.get("intent_ranking", []) if entry["name"] != "nlu_fallback"]
    return ranking[0] if ranking else str(parse["intent"]["name"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_is_understood(system: SystemClient, language: str) -> None:
    """Three examples of each of the 14 intents, in this language, parse to their intent (at most one miss per
    language); Arabic and Chinese included."""
    misses = []
    for intent, texts in examples(language).items():
        for text in texts[:3]:
            parse = system.rasa.post("/model/parse", params={"token": system.token}, json={"text": text}).json()
            if best_intent(parse) != intent:
                misses.append((intent, text, best_intent(parse)))
    assert len(misses) <= 1, misses


@pytest.mark.parametrize("language", LANGUAGES)
def test_chit_chat_is_answered_in_the_customer_language(
    system: SystemClient, responses: Responses, language: str
) -> None:
    """A greeting, a thank-you and 'are you a bot?' get their responses in the language they were written in."""
    by_intent = examples(language)
    sender = system.new_conversation()
    # a longer greeting first, so that the conversation's language is established
    opening = max(by_intent["greet"][:12], key=len)
    assert responses.matches("utter_greet", language, system.say(sender, opening)[0])
    for intent, response in CHIT_CHAT.items():
        text = max(by_intent[intent][:8], key=len)
        replies = system.say(sender, text)
        assert replies and responses.matches(response, language, replies[0]), (intent, text, replies)


@pytest.mark.parametrize("language", ["es", "ar"])
def test_out_of_scope_gets_a_clear_offer_of_a_person(system: SystemClient, responses: Responses, language: str) -> None:
    """An out-of-scope question is never answered with a guess: the bot offers a person; yes hands off with reason
    `out_of_scope`, in the customer's language."""
    by_intent = examples(language)
    sender = system.new_conversation()
    system.say(sender, max(by_intent["greet"][:12], key=len))
    [offer] = system.say(sender, max(by_intent["out_of_scope"][:8], key=len))
    assert responses.matches("utter_out_of_scope", language, offer), offer
    [told] = system.say(sender, "/affirm")
    handoff_responses = ["utter_handoff_queued", "utter_handoff_scheduled", "utter_handoff_uncovered"]
    assert responses.which(told, language, handoff_responses), told
    [record] = system.handoffs_for(sender)
    assert (record["reason"], record["language"]) == ("out_of_scope", language)


# (language of the conversation, request in that language, language asked for); phrasings that are not training
# examples, the language named as customers write it (no accent in "chinês" would do as well).
SWITCHES = [
    ("en", "could you reply in Spanish from now on", "es"),
    ("es", "me podrías escribir en francés?", "fr"),
    ("pt", "dá pra falar em chinês comigo?", "zh"),
    ("fr", "vous pouvez me répondre en arabe ?", "ar"),
    ("ar", "ممكن تكلمني بالبرتغالي", "pt"),
    ("zh", "以后请用英文回答", "en"),
]


@pytest.mark.parametrize(("language", "request_text", "target"), SWITCHES)
def test_a_customer_switches_language_and_the_bot_stays_in_it(
    system: SystemClient, responses: Responses, language: str, request_text: str, target: str
) -> None:
    """Asked in one language for another, the bot confirms in the new one and answers in it afterwards."""
    sender = system.new_conversation()
    system.say(sender, max(examples(language)["greet"][:12], key=len))
    [confirmed] = system.say(sender, request_text)
    assert responses.matches("utter_language_changed", target, confirmed), confirmed
    thanks = max(examples(target)["thank_you"][:8], key=len)
    [reply] = system.say(sender, thanks)
    assert responses.matches("utter_you_are_welcome", target, reply), reply


def test_a_language_the_assistant_does_not_speak_is_declined_in_the_current_one(
    system: SystemClient, responses: Responses
) -> None:
    sender = system.new_conversation()
    system.say(sender, max(examples("en")["greet"][:12], key=len))
    [declined] = system.say(sender, "can you speak german?")
    assert responses.matches("utter_language_unsupported", "en", declined), declined
