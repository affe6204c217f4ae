"""Attachments on WhatsApp through the real processes and the stand-in Graph API: during a handoff the customer's
image is fetched by media id with the access token and reaches the agent; a .jpg that is really HTML is refused with
a notice in the customer's language; the agent's PDF reaches the customer as a `document` by link."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.channels.conftest import SECRETS, ChannelSystem, unique
from tests.channels.standin import Call
from tests.channels.test_whatsapp_e2e import MESSAGES_PATH, phone, post, webhook_body
from tests.e2e.client import AgentClient, wait_until
from tests.handoff.attachment_files import HTML_AS_JPG, pdf, png

pytestmark = pytest.mark.e2e

# A supervisor may claim in any queue, whichever team the clock routes a Spanish handoff to.
SPANISH_AGENT = "demo-agent-lucia"


def says(channels: ChannelSystem, wa_id: str, text: str) -> None:
    assert post(channels, webhook_body(wa_id, {"type": "text", "text": {"body": text}})) == 200


def sends_image(channels: ChannelSystem, wa_id: str, content: bytes) -> str:
    """The customer sends an image: WhatsApp's webhook carries only a media id, the bytes stay at the Graph API."""
    media_id = unique("9")
    channels.standin.media[media_id] = content
    image = {"type": "image", "image": {"id": media_id, "mime_type": "image/jpeg", "sha256": "x"}}
    assert post(channels, webhook_body(wa_id, image)) == 200
    return media_id


def claimed_handoff(channels: ChannelSystem, wa_id: str, agent: AgentClient) -> str:
    says(channels, wa_id, "quiero hablar con una persona")
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    conversation = f"whatsapp:{wa_id}"
    [record] = wait_until(lambda: agent.http.get("/api/v1/handoffs", params={"conversation_id": conversation},
                                                 headers=admin).json() or None)  # fmt: skip
    agent.claim(record["id"])
    return str(record["id"])


def to_customer(channels: ChannelSystem, wa_id: str, kind: str) -> dict[str, Any]:
    def matches(call: Call) -> bool:
        body = call.json()
        return body.get("to") == wa_id and body.get("type") == kind

    [call] = channels.standin.wait_for(MESSAGES_PATH, matches, timeout=30)[-1:] or [None]
    assert call is not None, f"no {kind} message to {wa_id}"
    return dict(call.json())


def test_image_reaches_the_agent_and_the_agents_pdf_reaches_the_customer(channels: ChannelSystem) -> None:
    """Media lookup and download both carry the access token; the console's list has the image with a link that
    serves its bytes; the agent's PDF goes as a Cloud API `document` with a link that serves the PDF."""
    wa_id = phone("34")
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with agent.http:
        handoff_id = claimed_handoff(channels, wa_id, agent)
        image = png()
        media_id = sends_image(channels, wa_id, image)
        listed = wait_until(lambda: agent.http.get(f"/api/v1/handoffs/{handoff_id}/attachments").json() or None)
        assert [(a["direction"], a["kind"], a["mime_type"]) for a in listed] == [("in", "image", "image/png")]
        assert httpx.get(listed[0]["url"]).content == image
        fetches = channels.standin.calls_to(f"/meta/v21.0/{media_id}") + channels.standin.calls_to("/meta-media/")
        bearer = f"Bearer {SECRETS['WHATSAPP_ACCESS_TOKEN']}"
        assert fetches and {bearer} == {call.headers.get("Authorization") for call in fetches}
        texts = [m["text"] for m in agent.handoff(handoff_id)["messages"] if m["role"] == "customer"]
        assert sum(text.startswith("[image]") for text in texts) == 1  # the bot's relay added no second line

        document = pdf("Factura")
        sent = agent.http.post(
            f"/api/v1/handoffs/{handoff_id}/attachments",
            headers={"X-Attachment-Filename": "factura.pdf"},
            content=document,
        )
        assert sent.status_code == 201, sent.text
        body = to_customer(channels, wa_id, "document")
        assert body["messaging_product"] == "whatsapp"
        assert body["document"]["filename"] == "factura.pdf"
        assert httpx.get(body["document"]["link"]).content == document
        agent.close_handoff(handoff_id, return_to_bot=True)  # frees the agent's capacity for the next test


def test_a_jpg_that_is_html_is_refused_with_a_notice_in_spanish(channels: ChannelSystem) -> None:
    """Nothing is stored and the customer is told, in their language, what can be sent."""
    wa_id = phone("34")
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with agent.http:
        handoff_id = claimed_handoff(channels, wa_id, agent)
        sends_image(channels, wa_id, HTML_AS_JPG)
        expected = "Lo sentimos, solo podemos recibir imágenes"

        def notice(call: Call) -> bool:
            body = call.json()
            return body.get("to") == wa_id and str((body.get("text") or {}).get("body", "")).startswith(expected)

        sent = [c.json() for c in channels.standin.calls_to(MESSAGES_PATH, lambda c: c.json().get("to") == wa_id)]
        assert channels.standin.wait_for(MESSAGES_PATH, notice, timeout=30), sent
        assert agent.http.get(f"/api/v1/handoffs/{handoff_id}/attachments").json() == []
        agent.close_handoff(handoff_id, return_to_bot=True)
