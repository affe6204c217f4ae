"""The quality view in Chromium against the handoff service alone (uvicorn, its background reviewer on): a
conversation closed through the real API is reviewed; a supervisor opens Quality, sees the low score with the exact
failing message, and dismisses a finding with a note, which the audit log records; no console error, under the
console's Content-Security-Policy."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.handoff.live_server import ADMIN_TOKEN, SERVICE_KEY, LiveHandoff

pytestmark = pytest.mark.e2e

SUPERVISOR_TOKEN = "demo-agent-emily"
AGENT_TOKEN = "demo-agent-lucia"
SCREENSHOT = ROOT / "docs" / "images" / "console-quality.png"
RUDE = "Calm down, it is not my fault. The card on file is 4111 1111 1111 1111"
QUESTION = "¿Y cuándo llega mi pedido?"


@pytest.fixture(scope="module")
def quality_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHandoff]:
    """The service with its reviewer running every half second."""
    env = {"HANDOFF_QA_INTERVAL_SECONDS": "0.5"}
    with LiveHandoff(tmp_path_factory.mktemp("quality-handoff"), env=env) as service:
        yield service


def call(service: LiveHandoff, method: str, path: str, token: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{service.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"},
                             timeout=10, **kwargs)  # fmt: skip
    assert response.status_code < 300, response.text
    return response.json()


def poor_conversation(service: LiveHandoff) -> str:
    """A Spanish customer; Lucía (she serves emea and americas, open or not) answers once, in English, rudely,
    with a card number; the customer asks again and she closes."""
    transcript = [{"role": "customer", "text": "Quiero hablar con una persona", "timestamp": "2026-12-07T10:00:00Z"}]
    body = {
        "conversation_id": "quality-view-es",
        "channel": "rest",
        "language": "es",
        "reason": "explicit_request",
        "transcript": transcript,
    }
    handoff_id = str(call(service, "POST", "/handoffs", SERVICE_KEY, json=body)["id"])
    call(service, "POST", f"/handoffs/{handoff_id}/claim", AGENT_TOKEN)
    call(service, "POST", f"/handoffs/{handoff_id}/replies", AGENT_TOKEN, json={"text": RUDE})
    relay = {"message_id": "quality-view-1", "text": QUESTION, "language": "es"}
    call(service, "POST", f"/handoffs/{handoff_id}/messages", SERVICE_KEY, json=relay)
    call(service, "POST", f"/handoffs/{handoff_id}/close", AGENT_TOKEN, json={"resolution": "answered"})
    return handoff_id


def wait_for_review(service: LiveHandoff, handoff_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reviews = call(service, "GET", "/qa/reviews", SUPERVISOR_TOKEN)
        found = [r for r in reviews if r["handoff_id"] == handoff_id]
        if found:
            return dict(found[0])
        time.sleep(0.3)
    raise AssertionError(f"handoff {handoff_id} was not reviewed:\n{service.log()[-3000:]}")


def test_supervisor_sees_the_failing_message_and_dismisses_a_finding(
    quality_service: LiveHandoff, open_page: Callable[..., OpenPage]
) -> None:
    """Emily opens Quality: the conversation is listed with its low score; its tone finding shows Lucía's message
    as written; she dismisses the greeting finding with a note; the finding shows as dismissed and the audit log
    has her decision."""
    handoff_id = poor_conversation(quality_service)
    summary = wait_for_review(quality_service, handoff_id)
    assert summary["score"] < 40

    console = open_page(f"{quality_service.url}/console", name="console-quality")
    page = console.page
    page.fill("#token", SUPERVISOR_TOKEN)
    page.press("#token", "Enter")
    expect(page.locator("#tab-quality")).to_be_visible()
    page.click("#tab-quality")
    expect(page.locator("#view-quality")).to_have_attribute("data-loaded", "true")
    row = page.locator(f"#qa-reviews tbody tr[data-handoff='{handoff_id}']")
    expect(row).to_be_visible()
    expect(row.locator(".qa-score")).to_have_text(str(summary["score"]))
    row.click()
    tone = page.locator("article.qa-finding[data-check='tone']")
    expect(tone.locator(".qa-message-text")).to_have_text(RUDE)
    expect(page.locator("article.qa-finding[data-check='unanswered_question'] .qa-message-text")).to_have_text(QUESTION)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    greeting = page.locator("article.qa-finding[data-check='greeting']")
    greeting.locator(".qa-note").fill("she greeted in the bot's hand-over message")
    greeting.locator("button.qa-dismiss").click()
    expect(page.locator("article.qa-finding[data-check='greeting']")).to_have_attribute("data-status", "dismissed")
    expect(page.locator("article.qa-finding[data-check='greeting'] .qa-finding-status")).to_have_text("dismissed")

    audit = call(quality_service, "GET", "/audit", ADMIN_TOKEN, params={"handoff_id": handoff_id})
    decided = [e for e in audit if e["action"] == "qa_finding_decided"]
    assert [(e["actor"], e["from_status"], e["to_status"]) for e in decided] == [
        ("agent:emily.carter", "open", "dismissed")
    ]
    assert decided[0]["details"]["note"] == "she greeted in the bot's hand-over message"
