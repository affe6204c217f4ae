"""The console in Chromium with attachments on WhatsApp: the customer's image (fetched from the stand-in Graph API
by media id) shows inline under its transcript line; the agent picks a PDF in the composer and the stand-in receives
it as a Cloud API `document` whose link serves the PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.channels.conftest import ChannelSystem, channels, model_and_index, standin
from tests.channels.standin import Call
from tests.channels.test_attachments_whatsapp_e2e import SPANISH_AGENT, claimed_handoff, sends_image
from tests.channels.test_whatsapp_e2e import MESSAGES_PATH, phone
from tests.e2e.client import AgentClient, wait_until
from tests.handoff.attachment_files import pdf, png

__all__ = ["channels", "model_and_index", "standin"]  # session fixtures, imported so that pytest finds them here

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "images" / "console-attachment.png"


def test_agent_sees_the_customers_image_and_sends_a_pdf(
    channels: ChannelSystem, open_page: Callable[..., OpenPage], tmp_path: Path
) -> None:
    """Image inline (its bytes load in the page), PDF picked and sent, WhatsApp gets a `document` by link."""
    wa_id = phone("34")
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with agent.http:
        handoff_id = claimed_handoff(channels, wa_id, agent)
        sends_image(channels, wa_id, png(96, 64, (30, 120, 200)))
        wait_until(lambda: agent.http.get(f"/api/v1/handoffs/{handoff_id}/attachments").json() or None)

    console = open_page(f"{channels.stack.config.handoff_url}/console", name="console-attachment")
    page = console.page
    page.fill("#token", SPANISH_AGENT)
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    page.locator(f".card[data-handoff-id='{handoff_id}']").first.click()
    image = page.locator(".transcript .message.customer img.attachment-image")
    expect(image).to_be_visible()
    expect(image).to_have_js_property("naturalWidth", 96)  # the signed link served the image itself

    document = tmp_path / "factura.pdf"
    document.write_bytes(pdf("Factura"))
    page.set_input_files("#attachment-file", str(document))
    page.click("#send-file")
    expect(page.locator(".transcript .message.agent a.attachment-file").last).to_contain_text("factura.pdf")

    def delivered(call: Call) -> bool:
        body = call.json()
        return body.get("to") == wa_id and body.get("type") == "document"

    [call] = channels.standin.wait_for(MESSAGES_PATH, delivered, timeout=30)[-1:]
    body = call.json()
    assert (body["messaging_product"], body["document"]["filename"]) == ("whatsapp", "factura.pdf")
    assert httpx.get(body["document"]["link"]).content == document.read_bytes()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    closing = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with closing.http:
        closing.close_handoff(handoff_id, return_to_bot=True)  # frees the agent's capacity for the next test
