"""The web chat in Chromium sharing files during a handoff: the customer's image reaches the agent, a .jpg that is
really HTML is refused with a message in the customer's language, and the agent's PDF shows as a link in the chat."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage
from tests.channels.conftest import ChannelSystem, channels, model_and_index, standin
from tests.channels.test_attachments_whatsapp_e2e import SPANISH_AGENT
from tests.e2e.client import AgentClient, wait_until
from tests.handoff.attachment_files import HTML_AS_JPG, pdf, png

__all__ = ["channels", "model_and_index", "standin"]  # session fixtures, imported so that pytest finds them here

pytestmark = pytest.mark.e2e


def test_customer_shares_an_image_and_receives_the_agents_pdf(
    channels: ChannelSystem, open_page: Callable[..., OpenPage], tmp_path: Path
) -> None:
    """The agent's typing shows in Spanish; image stored for the handoff; impostor refused in Spanish and not stored;
    agent's PDF as a link that works, ending the typing line."""
    base = channels.stack.config.handoff_url
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    agent = AgentClient(base, SPANISH_AGENT)
    with agent.http:
        before = {
            h["id"] for h in agent.http.get("/api/v1/handoffs", params={"channel": "socketio"}, headers=admin).json()
        }
        chat = open_page(f"{base}/chat", locale="es-MX", name="chat-attachments")
        page = chat.page
        expect(page.locator("#state")).to_have_attribute("data-state", "online")
        page.fill("#message", "quiero hablar con una persona")
        page.press("#message", "Enter")

        def new_handoff() -> str | None:
            listed = agent.http.get("/api/v1/handoffs", params={"channel": "socketio"}, headers=admin).json()
            return next((h["id"] for h in listed if h["id"] not in before), None)

        handoff_id = wait_until(new_handoff, timeout=30)
        agent.claim(handoff_id)
        typing = agent.http.post(f"/api/v1/handoffs/{handoff_id}/typing", json={"typing": True})
        assert typing.status_code == 200, typing.text
        expect(page.locator("#typing")).to_have_text("El agente está escribiendo…")
        expect(page.locator("#typing")).to_be_visible()

        image = tmp_path / "foto.png"
        image.write_bytes(png(40, 40, (20, 160, 60)))
        page.set_input_files("#attach", str(image))
        expect(page.locator(".bubble.customer .text").last).to_have_text("📎 foto.png")
        listed = wait_until(lambda: agent.http.get(f"/api/v1/handoffs/{handoff_id}/attachments").json() or None)
        assert [(a["direction"], a["mime_type"], a["filename"]) for a in listed] == [("in", "image/png", "foto.png")]
        assert httpx.get(listed[0]["url"]).content == image.read_bytes()

        impostor = tmp_path / "foto2.jpg"
        impostor.write_bytes(HTML_AS_JPG)
        page.set_input_files("#attach", str(impostor))
        expect(page.locator(".bubble.bot .text").last).to_contain_text("Lo sentimos, solo podemos recibir imágenes")
        assert len(agent.http.get(f"/api/v1/handoffs/{handoff_id}/attachments").json()) == 1

        document = pdf("Factura")
        sent = agent.http.post(
            f"/api/v1/handoffs/{handoff_id}/attachments",
            headers={"X-Attachment-Filename": "factura.pdf"},
            content=document,
        )
        assert sent.status_code == 201, sent.text
        link = page.locator(".bubble.bot a.file").last
        expect(link).to_have_text("📄 factura.pdf")
        expect(page.locator("#typing")).to_be_hidden()  # the agent's message ends the typing line
        href = link.get_attribute("href")
        assert href is not None and httpx.get(href).content == document
        agent.close_handoff(handoff_id, return_to_bot=True)  # frees the agent's capacity for the next test
