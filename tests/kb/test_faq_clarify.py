"""Clarification through a real action server over the demo knowledge base (`make kb`): buttons in the customer's
language, a click answers the chosen article, "none of these" is an unresolved turn."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from actions.faq import button_payload, chosen_article, response_text
from tests.kb.test_faq_action import ROOT, running_action_server, webhook_payload

INDEX_DIR = ROOT / "models" / "kb"
PAYLOAD = re.compile(r'^/faq\{"kb_article":"(?P<id>[a-z0-9-]+)"\}$')


def _domain() -> dict[str, Any]:
    """The responses Rasa sends to the action server with every call (the demo domain's)."""
    responses = yaml.safe_load((ROOT / "bot" / "domain" / "responses.yml").read_text(encoding="utf-8"))["responses"]
    return {"responses": responses}


def _article(article_id: str) -> dict[str, Any]:
    """The front matter of a demo article."""
    text = (ROOT / "kb" / "articles" / f"{article_id}.md").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text.split("---")[1]))


@pytest.fixture(scope="module")
def demo_action_server() -> Iterator[str]:
    """The action server over the demo index as `make kb` builds it (built now if missing or stale)."""
    subprocess.run(["make", "-s", "kb"], cwd=ROOT, check=True)
    with running_action_server(INDEX_DIR) as url:
        yield url


def _call(url: str, text: str, language: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    payload = webhook_payload(text, {"language": language})
    payload["domain"] = {**payload["domain"], **_domain()}
    if entities is not None:
        payload["tracker"]["latest_message"]["entities"] = entities
        payload["tracker"]["events"][-1]["parse_data"]["entities"] = entities
    answer = httpx.post(f"{url}/webhook", json=payload, timeout=120)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _slots(body: dict[str, Any]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in body["events"] if event["event"] == "slot"}


@pytest.mark.parametrize(
    ("language", "question", "none_of_these"),
    [
        ("es", "quiero cancelar", "Ninguno de estos"),
        ("pt", "quero cancelar", "Nenhum destes"),
        ("zh", "我要取消", "都不是"),
        ("en", "i want to cancel", "None of these"),
    ],
)
def test_ambiguous_question_asks_with_titles_as_buttons(
    demo_action_server: str, language: str, question: str, none_of_these: str
) -> None:
    """ "Cancel" alone fits an order and a subscription: the bot asks, each button is an article title in the
    customer's language with the article's payload, and the last one declines."""
    body = _call(demo_action_server, question, language)
    assert len(body["responses"]) == 1
    message = body["responses"][0]
    assert message["response"] == "utter_kb_clarify"
    buttons = message["buttons"]
    ids = [PAYLOAD.match(button["payload"])["id"] for button in buttons]  # type: ignore[index]
    assert {"cancel-order-before-shipping", "cancel-subscription"} <= set(ids[:-1])
    assert 3 <= len(buttons) <= 4
    for button, article_id in zip(buttons[:-1], ids[:-1], strict=True):
        assert _article(article_id)["title"][language] == button["title"]
    assert (none_of_these, "none") == (buttons[-1]["title"], ids[-1])
    assert None is _slots(body)["kb_last_article"]


def test_click_answers_the_chosen_article_in_the_customer_language(demo_action_server: str) -> None:
    """A click sends the payload; Rasa turns it into the `kb_article` entity; the chosen article is answered."""
    payload = button_payload("cancel-subscription")
    body = _call(demo_action_server, payload, "es", [{"entity": "kb_article", "value": "cancel-subscription"}])
    texts = [message.get("text") or "" for message in body["responses"]]
    assert len(texts) == 1
    spanish = (
        (ROOT / "kb" / "articles" / "cancel-subscription.md").read_text(encoding="utf-8").split("<!-- lang: es -->")[1]
    )
    assert spanish.strip().startswith(texts[0][:40])
    slots = _slots(body)
    assert (slots["kb_last_article"], slots["kb_last_language"]) == ("cancel-subscription", "es")


def test_none_of_these_is_an_unresolved_turn(demo_action_server: str) -> None:
    """Declining says so in the customer's language and counts one unresolved turn; no article is answered."""
    body = _call(demo_action_server, button_payload("none"), "ar", [{"entity": "kb_article", "value": "none"}])
    assert body["responses"][0]["response"] == "utter_kb_clarify_declined"
    slots = _slots(body)
    assert slots["unresolved_turns"] == 1.0
    assert "kb_last_article" not in slots


def test_clear_question_is_still_answered_and_nonsense_is_not(demo_action_server: str) -> None:
    """Clarification does not replace clear answers, nor turn out-of-scope questions into choices."""
    body = _call(demo_action_server, "how long does standard shipping take?", "en")
    assert _slots(body)["kb_last_article"] == "shipping-times"
    body = _call(demo_action_server, "what's the weather tomorrow", "en")
    assert [message.get("response") for message in body["responses"]] == ["utter_kb_no_answer"]


def test_payload_helpers_round_trip() -> None:
    """The button payload is the pattern the Rasa-side guard lets through; the entity reads back the id."""
    assert button_payload("invoice") == '/faq{"kb_article":"invoice"}'
    assert PAYLOAD.match(button_payload("two-factor"))
    assert chosen_article({"entities": [{"entity": "kb_article", "value": "invoice"}]}) == "invoice"
    assert None is chosen_article({"entities": [{"entity": "order_id", "value": "NB-123456"}]})


def test_response_text_picks_the_language_variation() -> None:
    """The "none of these" title comes from the domain, in the customer's language."""
    domain = _domain()
    assert response_text(domain, "utter_kb_clarify_none_button", "zh") == "都不是"
    assert response_text(domain, "utter_kb_clarify_none_button", "ar") == "لا شيء مما سبق"
    assert None is response_text(domain, "utter_missing", "en")


def test_unknown_article_in_a_payload_is_a_no_answer(demo_action_server: str) -> None:
    """A hand-made payload naming no article gets the ordinary "no answer", never an error or another article."""
    body = _call(demo_action_server, button_payload("not-an-article"), "en", [{"entity": "kb_article", "value": "x"}])
    assert [message.get("response") for message in body["responses"]] == ["utter_kb_no_answer"]
    assert None is _slots(body)["kb_last_article"]
