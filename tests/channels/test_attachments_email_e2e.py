"""Attachments by e-mail through the real processes, the local IMAP mailbox and SMTP relay: during a handoff the
first file of a customer's mail reaches the agent with the mail's words; the agent's PDF goes out as a MIME
attachment in the customer's thread."""

from __future__ import annotations

import httpx
import pytest
import yaml

from bot.channels.mail_parse import address_id
from scripts.stack import ROOT
from tests.channels.email_system import EmailSystem, customer_mail, email_system, unique_address
from tests.e2e.client import AgentClient, wait_until
from tests.handoff.attachment_files import pdf, png

__all__ = ["email_system"]  # the session fixture, imported so that pytest finds it here

pytestmark = pytest.mark.e2e

ROSTER = yaml.safe_load((ROOT / "handoff" / "demo" / "agents.yml").read_text(encoding="utf-8"))["agents"]


def test_mail_attachment_in_and_agents_pdf_out(email_system: EmailSystem) -> None:
    """The image is stored with the mail's text as its line; the answer carries the PDF as `application/pdf`."""
    address = unique_address("ines")
    email_system.imap.append(bytes(customer_mail(address, "Damaged parcel", "I want to talk to a real person")))
    email_system.smtp.wait_for(address)  # the bot's confirmation of the handoff
    conversation_id = f"email:{address_id(address)}"
    [listed] = wait_until(lambda: email_system.client.handoffs_for(conversation_id) or None)
    token = next(agent["token"] for agent in ROSTER if listed["queue"] in agent.get("queues", []))
    agent = AgentClient(email_system.stack.config.handoff_url, token)
    with agent.http:
        agent.claim(listed["id"])
        photo = png(24, 24)
        mail = customer_mail(address, "Re: Damaged parcel", "Here is a photo of the box")
        mail.add_attachment(photo, maintype="image", subtype="jpeg", filename="box.jpg")
        email_system.imap.append(bytes(mail))
        stored = wait_until(lambda: agent.http.get(f"/api/v1/handoffs/{listed['id']}/attachments").json() or None)
        assert [(a["direction"], a["mime_type"], a["filename"]) for a in stored] == [("in", "image/png", "box.png")]
        assert httpx.get(stored[0]["url"]).content == photo
        lines = [m["text"] for m in agent.handoff(listed["id"])["messages"] if m["role"] == "customer"]
        assert "[image] box.png Here is a photo of the box" in lines
        assert sum(line.startswith("[image]") for line in lines) == 1  # the relay of the same mail added none

        document = pdf("Label")
        sent = agent.http.post(
            f"/api/v1/handoffs/{listed['id']}/attachments",
            headers={"X-Attachment-Filename": "return-label.pdf"},
            content=document,
        )
        assert sent.status_code == 201, sent.text
        answer = email_system.smtp.wait_for(address, count=2)[1].message
        [attached] = list(answer.iter_attachments())
        assert (attached.get_content_type(), attached.get_filename()) == ("application/pdf", "return-label.pdf")
        assert attached.get_payload(decode=True) == document
        agent.close_handoff(listed["id"], return_to_bot=True)
