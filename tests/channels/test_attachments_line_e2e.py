"""Attachments on LINE through the real processes and the stand-in platform: during a handoff the customer's file is
downloaded from the message content endpoint with the channel token and reaches the agent; the agent's image is
pushed as a LINE image message."""

from __future__ import annotations

import httpx
import pytest

from tests.channels.conftest import SECRETS, ChannelSystem, unique
from tests.channels.standin import Call
from tests.channels.test_attachments_whatsapp_e2e import SPANISH_AGENT
from tests.channels.test_line_e2e import PUSH, post, webhook_body
from tests.e2e.client import AgentClient, wait_until
from tests.handoff.attachment_files import pdf, png

pytestmark = pytest.mark.e2e


def test_line_file_is_stored_and_the_agents_image_is_pushed(channels: ChannelSystem) -> None:
    """The PDF keeps its name, its download carried the channel token; the image goes as `originalContentUrl`."""
    user = unique("U")
    admin = {"Authorization": f"Bearer {channels.stack.config.handoff_admin_token}"}
    asks = webhook_body(user, {"type": "text", "text": "quiero hablar con una persona"}, unique("rt"))
    assert post(channels, asks) == 200
    agent = AgentClient(channels.stack.config.handoff_url, SPANISH_AGENT)
    with agent.http:
        conversation = f"line:{user}"
        [record] = wait_until(lambda: agent.http.get("/api/v1/handoffs", params={"conversation_id": conversation},
                                                     headers=admin).json() or None)  # fmt: skip
        agent.claim(record["id"])
        document = pdf("Recibo")
        shared = webhook_body(user, {"type": "file", "fileName": "recibo.pdf", "fileSize": len(document)}, unique("rt"))
        message_id = shared["events"][0]["message"]["id"]
        channels.standin.media[message_id] = document
        assert post(channels, shared) == 200
        listed = wait_until(lambda: agent.http.get(f"/api/v1/handoffs/{record['id']}/attachments").json() or None)
        assert [(a["kind"], a["filename"]) for a in listed] == [("file", "recibo.pdf")]
        assert httpx.get(listed[0]["url"]).content == document
        [download] = channels.standin.calls_to(f"/line/v2/bot/message/{message_id}/content")
        assert download.headers.get("Authorization") == f"Bearer {SECRETS['LINE_CHANNEL_ACCESS_TOKEN']}"

        image = png()
        sent = agent.http.post(
            f"/api/v1/handoffs/{record['id']}/attachments", headers={"X-Attachment-Filename": "foto.png"}, content=image
        )
        assert sent.status_code == 201, sent.text

        def image_to_customer(call: Call) -> bool:
            body = call.json()
            return body.get("to") == user and any(m.get("type") == "image" for m in body.get("messages") or [])

        [call] = channels.standin.wait_for(PUSH, image_to_customer, timeout=30)[-1:]
        [pushed] = [m for m in call.json()["messages"] if m["type"] == "image"]
        assert pushed["originalContentUrl"] == pushed["previewImageUrl"]
        assert httpx.get(pushed["originalContentUrl"]).content == image
        agent.close_handoff(record["id"], return_to_bot=True)  # frees the agent's capacity for the next test
