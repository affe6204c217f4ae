"""Canned replies in the console, in headless Chromium against the real handoff service: an agent types `/` in the
reply box, narrows the list by typing, moves with the arrow keys, picks a French reply filled with the
conversation's values, edits it and sends it; the customer's channel (a stand-in for Rasa's external-event endpoint)
receives exactly that text. An English-only agent writing through translation puts a reply in the customer's
language straight into the box of what the customer receives, and it goes out untranslated."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.channels.standin import StandIn
from tests.handoff.live_server import ADMIN_TOKEN, SERVICE_KEY, LiveHandoff
from tests.handoff.testkit import handoff_body
from tests.stand_ins.translation import TranslationStandIn

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "images" / "console-macros.png"
CUSTOMER = {"name": "Amélie Martin", "locale": "fr-FR", "country": "FR", "timezone": None, "vip": False}


@pytest.fixture(scope="module")
def libretranslate() -> Iterator[TranslationStandIn]:
    """The LibreTranslate stand-in (for the agent who writes through translation)."""
    with TranslationStandIn(
        canned={("en", "Bonjour, ma commande n'est pas arrivée"): "Hello, my order has not arrived"}
    ) as server:
        yield server


@pytest.fixture(scope="module")
def rasa() -> Iterator[StandIn]:
    """Where agent replies go: it records each ``trigger_intent`` and accepts it."""
    with StandIn() as server:
        yield server


@pytest.fixture(scope="module")
def macro_service(
    built_artifacts: None, tmp_path_factory: pytest.TempPathFactory, libretranslate: TranslationStandIn, rasa: StandIn
) -> Iterator[LiveHandoff]:
    """The handoff service alone (uvicorn, demo mode: the demo canned replies are loaded) with translation on."""
    env = {
        "TRANSLATION_URL": libretranslate.url,
        "RASA_URL": f"{rasa.url}/rasa",
        "HANDOFF_DELIVERY_INTERVAL_SECONDS": "0.2",
    }
    with LiveHandoff(tmp_path_factory.mktemp("macros-handoff"), env=env) as service:
        yield service


def french_customer_with(service: LiveHandoff, queue: str, agent_id: str, customer: dict[str, Any]) -> dict[str, Any]:
    """A French handoff (order NB-123456 collected by the bot) moved by an admin to ``agent_id`` in ``queue``."""
    transcript = [{"role": "customer", "text": "Bonjour, ma commande n'est pas arrivée", "language": "fr"}]
    with httpx.Client(base_url=service.url, timeout=30) as api:
        body = handoff_body(language="fr", topic="orders", customer=customer, transcript=transcript)
        created = api.post("/api/v1/handoffs", json=body, headers={"Authorization": f"Bearer {SERVICE_KEY}"})
        assert created.status_code == 201, created.text
        moved = api.post(
            f"/api/v1/handoffs/{created.json()['id']}/transfer",
            json={"queue": queue, "agent_id": agent_id},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert moved.status_code == 200, moved.text
    return dict(created.json())


def sign_in_and_open(page: Page, token: str, handoff_id: str) -> None:
    """Sign in, open the conversation from "My conversations" and wait until it is the one shown."""
    page.fill("#token", token)
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    card = page.locator(f"#mine .card[data-handoff-id='{handoff_id}']")
    card.click()
    expect(card).to_have_attribute("aria-current", "true")
    expect(page.locator("#reply")).to_be_visible()


def stored_replies(service: LiveHandoff, handoff_id: str) -> list[tuple[str, str]]:
    """The transcript's agent replies with their outbox delivery status, once none is pending any more."""
    deadline = time.monotonic() + 20
    while True:
        messages = httpx.get(
            f"{service.url}/api/v1/handoffs/{handoff_id}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        ).json()["messages"]
        replies = [(m["text"], m["delivery_status"]) for m in messages if m["role"] == "agent" and not m["private"]]
        if all(status != "pending" for _, status in replies) or time.monotonic() > deadline:
            return replies
        time.sleep(0.2)


def delivered_texts(rasa: StandIn, conversation_id: str, count: int) -> list[str]:
    """What the customer's channel received for this conversation, once ``count`` replies arrived."""
    calls = rasa.wait_for(f"/rasa/conversations/{conversation_id}/", count=count)
    return [call.json()["entities"]["agent_message"] for call in calls]


def test_a_french_canned_reply_is_found_with_slash_filled_edited_and_sent(
    macro_service: LiveHandoff, rasa: StandIn, open_page: Callable[..., OpenPage]
) -> None:
    """Claire types `/`: French replies first. `ord` narrows the list, ArrowDown/ArrowUp move the choice, Enter
    inserts the reply filled with the order id (without sending); she adds a sentence and Enter sends it."""
    handoff = french_customer_with(macro_service, "emea", "claire.dubois", CUSTOMER)
    console = open_page(f"{macro_service.url}/console", name="console-macros")
    page = console.page
    sign_in_and_open(page, "demo-agent-claire", handoff["id"])

    reply = page.locator("#reply")
    reply.press_sequentially("/")
    options = page.locator("#macro-list [role='option']")
    expect(options.first).to_have_attribute("data-language", "fr")
    expect(reply).to_have_attribute("aria-expanded", "true")
    reply.press_sequentially("ord")
    expect(options.first).to_have_attribute("data-shortcut", "order-status")
    expect(options.first).to_have_attribute("data-language", "fr")
    expect(options.first).to_contain_text("Je vérifie la commande NB-123456")
    reply.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    reply.press("ArrowUp")
    expect(options.first).to_have_attribute("aria-selected", "true")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    reply.press("Enter")

    filled = "Je vérifie la commande NB-123456 pour vous, un instant s'il vous plaît."
    expect(reply).to_have_value(filled)
    expect(page.locator("#macro-list")).to_be_hidden()
    assert rasa.calls_to(f"/rasa/conversations/{handoff['conversation_id']}/") == []
    reply.press("End")
    reply.press_sequentially(" Merci de votre patience.")
    reply.press("Enter")

    sent = f"{filled} Merci de votre patience."
    expect(page.locator(".message.agent .text").last).to_have_text(sent)
    assert delivered_texts(rasa, handoff["conversation_id"], 1) == [sent]
    assert stored_replies(macro_service, handoff["id"]) == [(sent, "delivered")]


def test_through_translation_a_reply_in_the_customers_language_goes_out_as_written(
    macro_service: LiveHandoff, rasa: StandIn, libretranslate: TranslationStandIn, open_page: Callable[..., OpenPage]
) -> None:
    """Sam reads French through translation. `/greet` picks the French greeting: it lands in the box of what the
    customer receives, its missing customer name selected; he types the name and sends; nothing was translated."""
    handoff = french_customer_with(macro_service, "global-translated", "sam.okoro", {**CUSTOMER, "name": None})
    console = open_page(f"{macro_service.url}/console", name="console-macros-translated")
    page = console.page
    sign_in_and_open(page, "demo-agent-sam", handoff["id"])
    expect(page.locator("#translation-info")).to_be_visible()

    reply = page.locator("#reply")
    reply.press_sequentially("/greet")
    options = page.locator("#macro-list [role='option']")
    expect(options.first).to_have_attribute("data-language", "fr")
    expect(options.nth(1)).to_have_attribute("data-language", "en")  # then the agent's own language
    reply.press("Enter")

    box = page.locator("#reply-translation")
    expect(box).to_have_value("Bonjour {customer_name}, je suis Sam Okoro. Comment puis-je vous aider ?")
    expect(page.locator("#translation-preview")).to_contain_text("canned reply /greet")
    expect(reply).to_have_value("")
    box.press_sequentially("Madame Martin")  # the selected {customer_name} is typed over
    expect(box).to_have_value("Bonjour Madame Martin, je suis Sam Okoro. Comment puis-je vous aider ?")
    page.locator("#send-translation").click()

    sent = "Bonjour Madame Martin, je suis Sam Okoro. Comment puis-je vous aider ?"
    assert delivered_texts(rasa, handoff["conversation_id"], 1) == [sent]
    expect(page.locator(".message.agent .text").last).to_have_text(sent)
    assert stored_replies(macro_service, handoff["id"]) == [(sent, "delivered")]
    assert not any("Bonjour Madame" in text or "{customer_name}" in text for text in libretranslate.texts_sent())
