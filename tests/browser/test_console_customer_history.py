"""The console in Chromium shows a returning customer's history beside the conversation: María opens a WhatsApp
conversation and sees the customer's earlier handoffs (one on SMS, linked by the phone number both channels
verified) with date, channel, topic, resolution, agent and rating, and the VIP tier from the customer directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.handoff.live_server import ADMIN_TOKEN, SERVICE_KEY, LiveHandoff
from tests.handoff.testkit import handoff_body

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "images" / "console-customer-history.png"
PHONE = "+5215512345678"
SERVICE = {"Authorization": f"Bearer {SERVICE_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MARIA = {"Authorization": "Bearer demo-agent-maria"}
EMILY = {"Authorization": "Bearer demo-agent-emily"}


@pytest.fixture(scope="module")
def service(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHandoff]:
    """The handoff service alone (uvicorn, demo mode) with a CSV customer directory listing the customer as VIP."""
    data = tmp_path_factory.mktemp("customer-history")
    directory = data / "customers.csv"
    directory.write_text(f"channel,id,vip,tier,priority\nwhatsapp,{PHONE},yes,gold,\n", encoding="utf-8")
    with LiveHandoff(data, env={"HANDOFF_CUSTOMERS_FILE": str(directory)}) as live:
        yield live


def hand_off(api: httpx.Client, channel: str, agent_id: str, phone: str = PHONE, **overrides: Any) -> str:
    """A Spanish handoff of the customer on ``channel``, given to ``agent_id`` in the americas queue by an admin
    (routing by the hour of day is the API tests' business; this test is about the console)."""
    conversation = f"{channel}:{phone}"
    body = handoff_body(conversation_id=conversation, customer_id=conversation, language="es", **overrides)
    body["channel"] = channel
    # The customer wrote just now: WhatsApp's 24-hour window is open, so a close offers the rating.
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body["transcript"] = [{**message, "timestamp": now} for message in body["transcript"]]
    created = api.post("/api/v1/handoffs", json=body, headers=SERVICE)
    assert created.status_code == 201, created.text
    handoff_id = str(created.json()["id"])
    moved = api.post(f"/api/v1/handoffs/{handoff_id}/transfer", json={"queue": "americas", "agent_id": agent_id},
                     headers=ADMIN)  # fmt: skip
    assert moved.status_code == 200, moved.text
    return handoff_id


def close(api: httpx.Client, handoff_id: str, headers: dict[str, str], resolution: str, score: int | None) -> None:
    closed = api.post(f"/api/v1/handoffs/{handoff_id}/close", json={"resolution": resolution, "return_to_bot": True},
                      headers=headers)  # fmt: skip
    assert closed.status_code == 200, closed.text
    if score is not None:
        rating = {"conversation_id": closed.json()["conversation_id"], "score": score}
        assert api.post(f"/api/v1/handoffs/{handoff_id}/csat", json=rating, headers=SERVICE).status_code == 200


def test_a_returning_customers_history_shows_beside_the_conversation(
    service: LiveHandoff, open_page: Callable[..., OpenPage]
) -> None:
    """Two earlier handoffs (SMS, then WhatsApp) and the open one: the panel lists both, newest first."""
    with httpx.Client(base_url=service.url, timeout=30) as api:
        sms = hand_off(api, "twilio", "maria.garcia", topic="billing", intents=["request_refund"])
        close(api, sms, MARIA, "Refund issued for order NB-204518", 5)
        chat = hand_off(api, "whatsapp", "emily.carter", topic="orders", intents=["check_order_status"])
        close(api, chat, EMILY, "New delivery date: Friday", None)
        current = hand_off(api, "whatsapp", "maria.garcia", topic="orders", intents=["greet", "request_human"])

    console = open_page(f"{service.url}/console", name="console-customer-history")
    page = console.page
    page.fill("#token", "demo-agent-maria")
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    page.locator(f"#mine .card[data-handoff-id='{current}']").click()
    panel = page.locator("#customer-history")
    items = panel.locator(".history-item")
    expect(items).to_have_count(2)
    expect(panel.locator(".vip")).to_have_text("VIP · tier gold")
    expect(panel).to_contain_text("Known on: SMS, Phone, WhatsApp")
    expect(items.nth(0)).to_have_attribute("data-handoff-id", chat)
    expect(items.nth(0)).to_contain_text("WhatsApp · orders")
    expect(items.nth(0)).to_contain_text("New delivery date: Friday")
    expect(items.nth(0)).to_contain_text("Emily Carter · no rating")
    expect(items.nth(1)).to_have_attribute("data-handoff-id", sms)
    expect(items.nth(1)).to_contain_text("SMS · billing")
    expect(items.nth(1)).to_contain_text("Refund issued for order NB-204518")
    expect(items.nth(1)).to_contain_text("María García · ★★★★★ 5/5")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT))


def test_an_agent_links_a_web_conversation_to_a_known_customer_from_the_panel(
    service: LiveHandoff, open_page: Callable[..., OpenPage]
) -> None:
    """A web-chat claim proves nothing, so the REST conversation starts as a first contact; María reads the known
    customer's record id and links it from the panel: the earlier handoff shows, and the link is audited."""
    with httpx.Client(base_url=service.url, timeout=30) as api:
        earlier = hand_off(api, "whatsapp", "maria.garcia", "+5215587654321", intents=["check_order_status"])
        close(api, earlier, MARIA, "Parcel re-sent by express", 4)
        record_id = api.get(f"/api/v1/handoffs/{earlier}/customer", headers=ADMIN).json()["record"]["id"]
        body = handoff_body(conversation_id="web-maria-7", customer_id="web-maria-7", language="es")
        body["channel"] = "rest"
        created = api.post("/api/v1/handoffs", json=body, headers=SERVICE)
        assert created.status_code == 201, created.text
        web = str(created.json()["id"])
        moved = api.post(f"/api/v1/handoffs/{web}/transfer", json={"queue": "americas", "agent_id": "maria.garcia"},
                         headers=ADMIN)  # fmt: skip
        assert moved.status_code == 200, moved.text

        page = open_page(f"{service.url}/console", name="console-customer-link").page
        page.fill("#token", "demo-agent-maria")
        page.press("#token", "Enter")
        page.locator(f"#mine .card[data-handoff-id='{web}']").click()
        panel = page.locator("#customer-history")
        expect(panel).to_contain_text("First contact: no earlier handoff.")
        panel.locator("#link-record").fill(record_id)
        panel.locator("#link-record-form button").click()
        expect(page.locator("#customer-history")).to_contain_text("Parcel re-sent by express")
        audit = api.get("/api/v1/audit", params={"handoff_id": web}, headers=ADMIN)
        assert audit.status_code == 200, audit.text
        linked = [entry for entry in audit.json() if entry["action"] == "customer_linked"]
        assert [(entry["actor"], entry["details"]["record"]) for entry in linked] == [("agent:maria.garcia", record_id)]
