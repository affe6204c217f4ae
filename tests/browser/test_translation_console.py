"""The console in Chromium with translation: Sam, who speaks only English, serves a Portuguese and an Arabic
customer through the LibreTranslate stand-in. He reads their messages in English, opens the original with one
click, previews his reply in the customer's language, edits it, sends it, and the customer's channel (a stand-in
for Rasa's external-event endpoint) receives exactly the edited translation; the transcript keeps both texts."""

from __future__ import annotations

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

SCREENSHOT = ROOT / "docs" / "images" / "console-translation.png"
CANNED = {
    ("en", "Olá, meu pedido NB-204518 não chegou"): "Hello, my order NB-204518 has not arrived",
    ("en", "Já faz duas semanas"): "It has been two weeks",
    ("en", "مرحبا، أريد استرداد المبلغ"): "Hello, I want a refund",
    ("pt", "Let me check your order."): "Vou verificar o seu pedido.",
    ("ar", "I am processing your refund now."): "أقوم بمعالجة استرداد المبلغ الآن.",
    ("pt", "It should arrive by Friday."): "Deve chegar até sexta-feira.",
}


@pytest.fixture(scope="module")
def libretranslate() -> Iterator[TranslationStandIn]:
    """The LibreTranslate stand-in, with an API key the service must send."""
    with TranslationStandIn(canned=dict(CANNED), libre_api_key="browser-libre-key") as server:
        yield server


@pytest.fixture(scope="module")
def rasa() -> Iterator[StandIn]:
    """Where agent replies go: it records each ``trigger_intent`` and accepts it."""
    with StandIn() as server:
        yield server


@pytest.fixture(scope="module")
def translated_service(
    built_artifacts: None,
    tmp_path_factory: pytest.TempPathFactory,
    libretranslate: TranslationStandIn,
    rasa: StandIn,
) -> Iterator[LiveHandoff]:
    """The handoff service alone (uvicorn, demo mode) with TRANSLATION_URL set; the KB index must exist for the
    console's reply suggestions."""
    env = {
        "TRANSLATION_URL": libretranslate.url,
        "TRANSLATION_API_KEY": "browser-libre-key",
        "RASA_URL": f"{rasa.url}/rasa",
        "HANDOFF_DELIVERY_INTERVAL_SECONDS": "0.2",
    }
    with LiveHandoff(tmp_path_factory.mktemp("translation-handoff"), env=env) as service:
        yield service


def customer_handed_to_sam(service: LiveHandoff, language: str, transcript: list[dict[str, Any]]) -> str:
    """A handoff in ``language``, moved by a supervisor to the translation queue and to Sam (routing by the hour of
    day is the API tests' business; this test is about the console)."""
    with httpx.Client(base_url=service.url, timeout=30) as api:
        created = api.post(
            "/api/v1/handoffs",
            json=handoff_body(language=language, topic="orders", transcript=transcript, summary=None),
            headers={"Authorization": f"Bearer {SERVICE_KEY}"},
        )
        assert created.status_code == 201, created.text
        moved = api.post(
            f"/api/v1/handoffs/{created.json()['id']}/transfer",
            json={"queue": "global-translated", "agent_id": "sam.okoro"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert moved.status_code == 200, moved.text
    return str(created.json()["id"])


def open_conversation(page: Page, handoff_id: str, language: str) -> None:
    """Click the conversation's card and wait until the conversation shown is that one."""
    page.locator(f"#mine .card[data-handoff-id='{handoff_id}']").click()
    expect(page.locator(f"#mine .card[data-handoff-id='{handoff_id}']")).to_have_attribute("aria-current", "true")
    expect(page.locator("#conversation-language")).to_have_attribute("lang", language)


def reply_through_translation(page: Page, english: str, edited: str | None) -> str:
    """In the open conversation: write in English, Translate, optionally edit, send; the text that went out."""
    expect(page.locator("#translation-info")).to_be_visible()
    page.locator("#reply").fill(english)
    page.locator("#translate").click()
    box = page.locator("#reply-translation")
    expect(box).to_be_visible()
    if edited is not None:
        box.fill(edited)
    sent = box.input_value()
    page.locator("#send-translation").click()
    return sent


def test_english_only_agent_serves_portuguese_and_arabic_customers_through_translation(
    translated_service: LiveHandoff,
    libretranslate: TranslationStandIn,
    rasa: StandIn,
    open_page: Callable[..., OpenPage],
) -> None:
    """Portuguese: translated transcript, original on click, preview edited before sending. Arabic: the preview is
    sent as is, right to left. Rasa receives exactly what the boxes held; the transcript shows both texts."""
    portuguese = customer_handed_to_sam(
        translated_service,
        "pt",
        [
            {"role": "customer", "text": "Olá, meu pedido NB-204518 não chegou", "language": "pt"},
            {"role": "customer", "text": "Já faz duas semanas", "language": "pt"},
        ],
    )
    arabic = customer_handed_to_sam(
        translated_service, "ar", [{"role": "customer", "text": "مرحبا، أريد استرداد المبلغ", "language": "ar"}]
    )
    console = open_page(f"{translated_service.url}/console", name="console-translation")
    page = console.page
    page.fill("#token", "demo-agent-sam")
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")

    open_conversation(page, portuguese, "pt")
    first = page.locator(".message.customer").first
    expect(first.locator(".text")).to_have_text("Hello, my order NB-204518 has not arrived")
    expect(first.locator(".text")).to_have_attribute("lang", "en")
    first.locator("button.show-original").click()
    expect(page.locator(".message.customer").first.locator(".text")).to_have_text(
        "Olá, meu pedido NB-204518 não chegou"
    )
    expect(page.locator(".message.customer").nth(1).locator(".text")).to_have_text("It has been two weeks")
    expect(page.locator("#translated-for-you")).to_contain_text("English")

    edited = "Vou verificar o seu pedido agora mesmo."
    sent = reply_through_translation(page, "Let me check your order.", edited)
    assert sent == edited
    reply = page.locator(".message.agent").last
    expect(reply.locator(".text")).to_have_text("Let me check your order.")
    expect(reply.locator(".sent-translation")).to_contain_text(edited)
    assert len(rasa.wait_for("/rasa/conversations/", count=1)) == 1

    open_conversation(page, arabic, "ar")
    sent_ar = reply_through_translation(page, "I am processing your refund now.", None)
    assert sent_ar == "أقوم بمعالجة استرداد المبلغ الآن."
    expect(page.locator(".message.customer .text").first).to_have_text("Hello, I want a refund")
    arabic_reply = page.locator(".message.agent").last
    expect(arabic_reply.locator(".sent-translation span")).to_have_attribute("dir", "rtl")
    assert len(rasa.wait_for("/rasa/conversations/", count=2)) == 2
    open_conversation(page, portuguese, "pt")
    reopened = page.locator(".message.agent").last
    expect(reopened.locator(".sent-translation")).to_contain_text(edited)
    expect(reopened).to_have_attribute("data-delivery", "delivered")
    page.locator("#reply").fill("It should arrive by Friday.")
    page.locator("#reply").press("Enter")  # Enter translates (it never sends untranslated text)
    expect(page.locator("#reply-translation")).to_have_value("Deve chegar até sexta-feira.")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    delivered = [call.json()["entities"]["agent_message"] for call in rasa.calls_to("/rasa/conversations/")]
    assert delivered == [edited, "أقوم بمعالجة استرداد المبلغ الآن."]
    assert all("key" not in call.path for call in libretranslate.calls)
    assert {call.body["api_key"] for call in libretranslate.calls} == {"browser-libre-key"}
    assert "browser-libre-key" not in translated_service.log()
