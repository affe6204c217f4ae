"""Attachments on Messenger through the real processes and the stand-in platform: during a handoff the customer's
image is downloaded from the attachment URL Messenger gives and reaches the agent; the agent's PDF goes to the
Send API as a `file` attachment by URL."""

from __future__ import annotations

import httpx
import pytest

from tests.channels.conftest import ChannelSystem, unique
from tests.channels.standin import Call
from tests.channels.test_attachments_whatsapp_e2e import SPANISH_AGENT
from tests.channels.test_messenger_e2e import SEND_API, post, webhook_body
from tests.e2e.client import AgentClient, wait_until
from tests.handoff.attachment_files import pdf, png

pytestmark = pytest.mark.e2e


def test_messenger_image_is_stored_and_the_agents_pdf_is_sent_as_a_file(channels: ChannelSystem) -> None:
    """The image's bytes behind the URL are what the agent's link serves; the Send API body is Meta's format."""
    psid = unique("7")
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    text = {"mid": unique("m_"), "text": "quiero hablar con una persona"}
    assert post(channels, webhook_body(psid, message=text)) == 200
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with agent.http:
        conversation = f"messenger:{psid}"
        [record] = wait_until(lambda: agent.http.get("/api/v1/handoffs", params={"conversation_id": conversation},
                                                     headers=admin).json() or None)  # fmt: skip
        agent.claim(record["id"])
        media_id = unique("")
        image = png(16, 16)
        channels.standin.media[media_id] = image
        shared = {"type": "image", "payload": {"url": f"{channels.standin.url}/cdn/{media_id}"}}
        assert post(channels, webhook_body(psid, message={"mid": unique("m_"), "attachments": [shared]})) == 200
        listed = wait_until(lambda: agent.http.get(f"/api/v1/handoffs/{record['id']}/attachments").json() or None)
        assert [(a["direction"], a["mime_type"]) for a in listed] == [("in", "image/png")]
        assert httpx.get(listed[0]["url"]).content == image

        document = pdf()
        sent = agent.http.post(
            f"/api/v1/handoffs/{record['id']}/attachments",
            headers={"X-Attachment-Filename": "factura.pdf"},
            content=document,
        )
        assert sent.status_code == 201, sent.text

        def file_to_customer(call: Call) -> bool:
            body = call.json()
            attachment = (body.get("message") or {}).get("attachment") or {}
            return body.get("recipient", {}).get("id") == psid and attachment.get("type") == "file"

        [call] = channels.standin.wait_for(SEND_API, file_to_customer, timeout=30)[-1:]
        payload = call.json()["message"]["attachment"]["payload"]
        assert payload["is_reusable"] is True
        assert httpx.get(payload["url"]).content == document
        agent.close_handoff(record["id"], return_to_bot=True)  # frees the agent's capacity for the next test
