"""The conversation language and the escalation ladder over the real system (trained model, action server,
handoff service), as a customer on the REST channel meets them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.client import Responses, SystemClient, wait_until

HANDOFF_RESPONSES = ["utter_handoff_queued", "utter_handoff_scheduled", "utter_handoff_uncovered"]


def say_all(system: SystemClient, sender: str, text: str) -> list[dict[str, Any]]:
    """One message; the bot's answers with their buttons."""
    response = system.rasa.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    response.raise_for_status()
    return list(response.json())


def slots(system: SystemClient, sender: str) -> dict[str, Any]:
    return dict(system.tracker(sender)["slots"])


# A first message that is only a yes, an ok or a thanks, in each language (with the channel's locale hint where
# the text alone cannot tell); the reply and the conversation are in that language from then on.
FIRST_SHORT_MESSAGES = [
    ("es", "ok", {"locale": "es-MX"}, "utter_greet"),
    ("es", "sí", None, "utter_greet"),
    ("fr", "oui", None, "utter_greet"),
    ("fr", "d'accord", None, "utter_greet"),
    ("ar", "نعم", None, "utter_greet"),
    ("ar", "شكرا", None, "utter_you_are_welcome"),
    ("zh", "好的", None, "utter_greet"),
    ("zh", "谢谢", None, "utter_you_are_welcome"),
]


@pytest.mark.parametrize(("language", "text", "metadata", "response"), FIRST_SHORT_MESSAGES)
def test_first_short_message_sets_the_conversation_language(
    system: SystemClient,
    responses: Responses,
    language: str,
    text: str,
    metadata: dict[str, str] | None,
    response: str,
) -> None:
    """A yes/ok/thanks as the very first message sets the `language` slot, and the next reply stays in it."""
    sender = system.new_conversation()
    [reply] = system.say(sender, text, metadata)
    assert responses.matches(response, language, reply), reply
    assert (language, True) == (slots(system, sender)["language"], slots(system, sender)["language_established"])
    [next_reply] = system.say(sender, "👍")
    assert responses.matches("utter_anything_else", language, next_reply), next_reply
    assert language == slots(system, sender)["language"]


def test_short_ambiguous_message_keeps_an_established_language(system: SystemClient, responses: Responses) -> None:
    """A Spanish conversation stays Spanish through an "ok" and an emoji."""
    sender = system.new_conversation()
    system.say(sender, "hola, buenas tardes")
    for text in ["ok", "👍"]:
        [reply] = system.say(sender, text)
        assert responses.matches("utter_anything_else", "es", reply), reply
    assert slots(system, sender)["language"] == "es"


def test_two_messages_in_another_language_move_it(system: SystemClient, responses: Responses) -> None:
    """French, then the customer carries on in Arabic: still French after one Arabic message, Arabic after two."""
    sender = system.new_conversation()
    assert responses.matches("utter_greet", "fr", system.say(sender, "bonjour")[0])
    system.say(sender, "نعم")
    assert (slots(system, sender)["language"], slots(system, sender)["language_candidate"]) == ("fr", "ar")
    [reply] = system.say(sender, "شكرا")
    assert responses.matches("utter_you_are_welcome", "ar", reply), reply
    assert slots(system, sender)["language"] == "ar"
    [later] = system.say(sender, "ok")
    assert responses.matches("utter_anything_else", "ar", later), later


def test_language_change_reaches_the_open_handoff(system: SystemClient) -> None:
    """Portuguese handoff, then two Arabic messages while waiting: the handoff is Arabic, the agent sees a note, and
    it waits in a queue that serves Arabic (or one that says it does not cover it, when none is open)."""
    sender = system.new_conversation()
    system.say(sender, "olá")
    system.say(sender, "quero falar com uma pessoa")
    [record] = system.handoffs_for(sender)
    assert record["language"] == "pt"
    assert system.say(sender, "مرحبا، هل يمكنكم مساعدتي؟") == []
    assert system.say(sender, "أريد معرفة حالة طلبي") == []
    assert slots(system, sender)["language"] == "ar"

    changed = wait_until(lambda: (r := system.handoff_record(record["id"]))["language"] == "ar" and r, timeout=20)
    assert any(m["role"] == "note" and "ar (was pt)" in m["text"] for m in changed["messages"])
    queues = {q["name"]: q for q in system.handoff.get("/api/v1/queues").json()}
    assert "ar" in queues[changed["queue"]]["languages"] or changed["language_covered"] is False


FALLBACK = "blorp"  # NLU is unsure of it: nlu_fallback
KB_UNANSWERED = "do you have a loyalty points program for buying shoes?"  # a faq the help centre does not answer


def unresolved_kb_turn(system: SystemClient, sender: str, text: str) -> list[dict[str, Any]]:
    """A help-centre question the articles do not answer: the bot says it found nothing, or asks which of a few
    articles was meant and the customer answers "none of these". Either way one unresolved turn; the bot's last
    answers are returned."""
    answers = say_all(system, sender, text)
    payloads = [button["payload"] for answer in answers for button in answer.get("buttons") or []]
    decline = next((p for p in payloads if p.startswith("/faq") and p.replace(" ", "").endswith('"none"}')), None)
    return say_all(system, sender, decline) if decline else answers


@pytest.mark.parametrize("kb_first", [False, True], ids=["fallback-then-kb-unanswered", "kb-unanswered-then-fallback"])
def test_second_unresolved_turn_of_another_kind_offers_a_person_and_yes_hands_off(
    system: SystemClient, responses: Responses, kb_first: bool
) -> None:
    """Two unresolved turns of different kinds in a row: a person is offered with yes/no buttons; yes hands off with
    reason repeated_failure."""
    sender = system.new_conversation()
    system.say(sender, "hello")
    if kb_first:
        unresolved_kb_turn(system, sender, KB_UNANSWERED)
        [offer] = say_all(system, sender, FALLBACK)
    else:
        system.say(sender, FALLBACK)
        offer = unresolved_kb_turn(system, sender, KB_UNANSWERED)[-1]
    assert responses.matches("utter_offer_human", "en", offer["text"]), offer
    assert [button["payload"] for button in offer["buttons"]] == ["/affirm", "/deny"]
    [told] = system.say(sender, "/affirm")
    assert responses.which(told, "en", HANDOFF_RESPONSES), told
    [record] = system.handoffs_for(sender)
    assert (record["reason"], record["language"]) == ("repeated_failure", "en")


def test_third_unresolved_turn_hands_off_even_after_a_no(system: SystemClient, responses: Responses) -> None:
    """Out of scope, unclear (offer declined), no KB answer: the third unresolved turn in a row hands off."""
    sender = system.new_conversation()
    system.say(sender, "hola")
    system.say(sender, "¿dónde puedo comprar una pizza?")
    [offer] = say_all(system, sender, FALLBACK)
    assert responses.matches("utter_offer_human", "es", offer["text"]), offer
    assert [button["title"] for button in offer["buttons"]] == ["Sí, por favor", "No, gracias"]
    assert responses.matches("utter_no_human_ok", "es", system.say(sender, "/deny")[0])
    assert system.handoffs_for(sender) == []
    told = system.say(sender, "xyzzy")
    assert responses.which(told[-1], "es", HANDOFF_RESPONSES), told
    [record] = system.handoffs_for(sender)
    assert (record["reason"], record["language"]) == ("repeated_failure", "es")


def test_a_served_turn_starts_the_ladder_again(system: SystemClient, responses: Responses) -> None:
    """Unclear, then an answered question, then unclear again: a rephrase request, not an offer."""
    sender = system.new_conversation()
    system.say(sender, "hello")
    system.say(sender, FALLBACK)
    system.say(sender, "how do I reset my password")
    assert slots(system, sender)["unresolved_turns"] == 0
    [again] = system.say(sender, "xyzzy")
    assert responses.matches("utter_ask_rephrase", "en", again), again
    assert system.handoffs_for(sender) == []
