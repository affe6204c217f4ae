"""WhatsApp templates in the console, in headless Chromium against the real handoff service: when the customer last
wrote more than 24 hours ago, the reply box offers the approved templates in the customer's language with their
parameters filled and a preview; Send template puts the exact Cloud API template on the customer's channel (a
stand-in for Rasa's external-event endpoint)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import expect

from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.browser.test_console_macros import sign_in_and_open
from tests.channels.standin import StandIn
from tests.handoff.live_server import ADMIN_TOKEN, SERVICE_KEY, LiveHandoff
from tests.handoff.testkit import handoff_body

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "images" / "console-templates.png"
CUSTOMER = {"name": "Amélie Martin", "locale": "fr-FR", "country": "FR", "timezone": None, "vip": False}


@pytest.fixture(scope="module")
def rasa() -> Iterator[StandIn]:
    """Where agent replies go: it records each ``trigger_intent`` and accepts it."""
    with StandIn() as server:
        yield server


@pytest.fixture(scope="module")
def service(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory, rasa: StandIn) -> Iterator[LiveHandoff]:
    """The handoff service alone (uvicorn, demo mode: the demo templates are read from handoff/demo)."""
    env = {"RASA_URL": f"{rasa.url}/rasa", "HANDOFF_DELIVERY_INTERVAL_SECONDS": "0.2"}
    with LiveHandoff(tmp_path_factory.mktemp("templates-handoff"), env=env) as live:
        yield live


def test_closed_window_offers_the_french_template_and_sends_it(
    service: LiveHandoff, rasa: StandIn, open_page: Callable[..., OpenPage]
) -> None:
    """The customer wrote days ago: Send is disabled, the French follow-up template shows {{1}} = the customer's
    name and the preview; sending it delivers the template object and the reply appears in the transcript."""
    transcript = [{"role": "customer", "text": "Bonjour", "timestamp": "2026-01-05T10:00:00Z", "language": "fr"}]
    body = handoff_body(language="fr", topic="general", channel="whatsapp", conversation_id="wa-33611112222",
                        customer=CUSTOMER, transcript=transcript)  # fmt: skip
    with httpx.Client(base_url=service.url, timeout=30) as api:
        created = api.post("/api/v1/handoffs", json=body, headers={"Authorization": f"Bearer {SERVICE_KEY}"})
        assert created.status_code == 201, created.text
        handoff = created.json()
        moved = api.post(f"/api/v1/handoffs/{handoff['id']}/transfer",
                         json={"queue": "emea", "agent_id": "claire.dubois"},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})  # fmt: skip
        assert moved.status_code == 200, moved.text

    console = open_page(f"{service.url}/console", name="console-templates")
    page = console.page
    sign_in_and_open(page, "demo-agent-claire", handoff["id"])
    expect(page.locator("#send")).to_be_disabled()
    template = page.locator("#templates .template[data-template='follow_up']")
    expect(template).to_contain_text("{{1}} customer_name: Amélie Martin")
    expect(template.locator(".template-preview")).to_have_text(
        "Bonjour Amélie Martin, nous avons du nouveau concernant votre demande. Répondez à ce message pour continuer."
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    template.locator(".send-template").click()

    [call] = rasa.wait_for(f"/rasa/conversations/{handoff['conversation_id']}/", count=1)
    assert json.loads(call.json()["entities"]["whatsapp_template"]) == {
        "name": "follow_up",
        "language": {"policy": "deterministic", "code": "fr"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Amélie Martin"}]}],
    }
    expect(page.locator(".message.agent").last).to_contain_text("Bonjour Amélie Martin, nous avons du nouveau")
