"""The console in Chromium answering an e-mail thread: a customer writes to the support mailbox (local IMAP server,
read by the poller) asking for a person, the conversation waits in the console with the mail's text, the agent
claims it and answers, and the customer's mailbox (the local SMTP relay) receives the answer in the same thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage

import pytest
import yaml
from playwright.sync_api import expect

from bot.channels.mail_parse import address_id
from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.channels.email_system import EmailSystem, customer_mail, email_system, unique_address
from tests.e2e.client import wait_until

__all__ = ["email_system"]  # the session fixture, imported so that pytest finds it here

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "images" / "console-email.png"
ROSTER = yaml.safe_load((ROOT / "handoff" / "demo" / "agents.yml").read_text(encoding="utf-8"))["agents"]


def test_agent_answers_an_email_thread_from_the_console(
    email_system: EmailSystem, open_page: Callable[..., OpenPage]
) -> None:
    """The mail's own words (no quote, no signature) show in the console; the agent's reply goes out by SMTP as
    `Re:` answering the customer's latest mail, and shows as delivered."""
    address = unique_address("grace")
    mail = customer_mail(
        address,
        "Order NB-204518 has not arrived",
        "I want to talk to a real person\n\n-- \nGrace Lee\nLee Imports",
    )
    email_system.imap.append(bytes(mail))
    email_system.smtp.wait_for(address)  # the bot's confirmation of the handoff
    conversation_id = f"email:{address_id(address)}"
    [listed] = wait_until(lambda: email_system.client.handoffs_for(conversation_id) or None)
    token = next(agent["token"] for agent in ROSTER if listed["queue"] in agent.get("queues", []))

    console = open_page(f"{email_system.stack.config.handoff_url}/console", name="console-email")
    page = console.page
    page.fill("#token", token)
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    card = page.locator(f".card[data-handoff-id='{listed['id']}']").first
    expect(card).to_contain_text("email")
    card.click()
    transcript = page.locator(".transcript")
    expect(transcript.locator(".message.customer .text").first).to_have_text("I want to talk to a real person")
    expect(transcript).not_to_contain_text("Lee Imports")

    page.click("#claim")
    reply = page.locator("#reply")
    expect(reply).to_be_visible()
    reply.fill("Hello Grace, I am looking into order NB-204518 now and will write back within the hour.")
    reply.press("Enter")
    agent_message = transcript.locator(".message.agent").last
    expect(agent_message.locator(".text")).to_have_text(
        "Hello Grace, I am looking into order NB-204518 now and will write back within the hour."
    )

    answer = email_system.smtp.wait_for(address, count=2)[1].message
    part = answer.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    assert "I am looking into order NB-204518 now" in str(part.get_content())
    assert (answer["Subject"], answer["In-Reply-To"]) == ("Re: Order NB-204518 has not arrived", mail["Message-ID"])
    # The SMTP server has the mail; the outbox marks it sent right after. Reopening reads the delivery status.
    deadline = time.monotonic() + 30
    while True:
        page.locator(f"#mine .card[data-handoff-id='{listed['id']}']").click()
        status = transcript.locator(".message.agent").last.get_attribute("data-delivery")
        if status == "delivered" or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    expect(transcript.locator(".message.agent").last).to_have_attribute("data-delivery", "delivered")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
