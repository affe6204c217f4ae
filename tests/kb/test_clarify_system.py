"""Clarification buttons through the real system (Rasa, action server, handoff service as `make run` starts them):
Rasa turns the button payload into an `faq` message naming the article, and the bot answers it in the
conversation's language; "none of these" is declined in that language."""

from __future__ import annotations

from typing import Any

import yaml

from actions.faq import button_payload
from tests.e2e.client import SystemClient
from tests.kb.test_faq_action import ROOT


def _short_answer(article_id: str, language: str) -> str:
    text = (ROOT / "kb" / "articles" / f"{article_id}.md").read_text(encoding="utf-8")
    return text.split(f"<!-- lang: {language} -->")[1].strip().split("\n\n")[0]


def _response(key: str, language: str) -> str:
    responses = yaml.safe_load((ROOT / "bot" / "domain" / "responses.yml").read_text(encoding="utf-8"))["responses"]
    for variation in responses[key]:
        if variation["condition"][0]["value"] == language:
            return str(variation["text"])
    raise AssertionError(f"{key} has no {language} variation")


def _say(system: SystemClient, sender: str, text: str) -> list[dict[str, Any]]:
    response = system.rasa.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    response.raise_for_status()
    return list(response.json())


def test_button_click_answers_the_article_in_spanish(system: SystemClient) -> None:
    """A Spanish conversation; the click on "cancel my subscription" answers that article in Spanish."""
    sender = system.new_conversation()
    system.say(sender, "hola, ¿cuánto tarda el envío a mi casa?")
    messages = _say(system, sender, button_payload("cancel-subscription"))
    texts = [message.get("text", "") for message in messages]
    assert _short_answer("cancel-subscription", "es") in texts
    slots = system.tracker(sender)["slots"]
    assert (slots["kb_last_article"], slots["language"]) == ("cancel-subscription", "es")


def test_none_of_these_is_declined_in_arabic(system: SystemClient) -> None:
    """An Arabic conversation; "none of these" says so in Arabic and answers no article."""
    sender = system.new_conversation()
    system.say(sender, "متى يصل طلبي؟ كم يوم يستغرق الشحن")
    messages = _say(system, sender, button_payload("none"))
    assert _response("utter_kb_clarify_declined", "ar") in [message.get("text") for message in messages]
    tracker = system.tracker(sender)
    assert tracker["slots"]["language"] == "ar"
    assert tracker["slots"]["unresolved_turns"] == 1.0


def test_kb_article_entity_reaches_the_action_through_rasa(system: SystemClient) -> None:
    """The domain declares `kb_article`: an `faq` intent carrying it (here as an external event, which no channel
    guard filters) makes the running bot answer that article in the conversation's language."""
    sender = system.new_conversation()
    system.say(sender, "bonjour, combien de temps prend la livraison ?")
    response = system.rasa.post(
        f"/conversations/{sender}/trigger_intent",
        params={"token": system.token},
        json={"name": "faq", "entities": {"kb_article": "invoice"}},
    )
    response.raise_for_status()
    slots = system.tracker(sender)["slots"]
    assert (slots["kb_last_article"], slots["kb_last_language"], slots["language"]) == ("invoice", "fr", "fr")
