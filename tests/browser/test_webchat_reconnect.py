"""The web chat in Chromium losing its socket while an agent replies: the reply, pushed to nobody, shows once the page
has resumed its session, nothing the customer already saw shows twice, and bot messages show in the order they were
sent whatever order they arrive in."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage
from tests.e2e.client import SystemClient, claiming_agent, wait_until

pytestmark = pytest.mark.e2e


def bot_texts(page: Page) -> list[str]:
    return page.locator(".bubble.bot .text").all_inner_texts()


def test_a_reply_sent_while_the_socket_is_away_shows_once_after_it_reconnects(
    browser_system: SystemClient, open_page: Callable[..., OpenPage]
) -> None:
    """Handed off, one reply seen; the socket drops; the agent's second reply is delivered to the empty room; the
    page reconnects and shows it, after everything it had, each message once."""
    chat = open_page(f"{browser_system.stack.config.handoff_url}/chat", locale="en-US", name="chat-reconnect")
    page = chat.page
    expect(page.locator("#state")).to_have_attribute("data-state", "online")
    page.fill("#message", "I want to talk to a real person")
    page.press("#message", "Enter")
    session = page.evaluate("localStorage.getItem('nimbus.chat.session')")
    conversation_id = f"socketio:{session.split('.')[0]}"
    wait_until(lambda: browser_system.handoffs_for(conversation_id) or None, timeout=30)
    record = browser_system.handoff_record(browser_system.handoffs_for(conversation_id)[0]["id"])
    agent = claiming_agent(browser_system.stack.config.handoff_url, record)
    try:
        agent.reply(record["id"], "Hello, I am checking your order.")
        expect(page.locator(".bubble.bot .text").last).to_have_text("Hello, I am checking your order.")
        seen = bot_texts(page)

        page.evaluate("window.nimbusChat.socket.close()")  # the socket drops and stays away for now
        expect(page.locator("#state")).to_have_attribute("data-state", "offline")
        agent.reply(record["id"], "It ships today.")
        wait_until(
            lambda: any(e.get("text") == "It ships today." for e in browser_system.tracker(conversation_id)["events"]),
            timeout=30,
        )
        page.wait_for_timeout(500)
        assert bot_texts(page) == seen  # nobody received it

        page.evaluate("window.nimbusChat.socket.connect()")
        expect(page.locator("#state")).to_have_attribute("data-state", "online")
        expect(page.locator(".bubble.bot .text").last).to_have_text("It ships today.")
        page.wait_for_timeout(1000)  # anything else the server would send
        assert bot_texts(page) == [*seen, "It ships today."]
        chat.screenshot("chat-reply-after-reconnect")
        agent.close_handoff(record["id"], return_to_bot=True)  # frees the agent's capacity for the next test
    finally:
        agent.close()


def test_bot_messages_show_by_timestamp_whatever_order_they_arrive_in(
    browser_system: SystemClient, open_page: Callable[..., OpenPage]
) -> None:
    """A reply read back after a reconnect can arrive after a newer one pushed to the rejoined room (found by the
    scaled soak): the page shows each bot message in its place by timestamp, and keeps that order on a reload."""
    chat = open_page(f"{browser_system.stack.config.handoff_url}/chat", locale="en-US", name="chat-order")
    page = chat.page
    expect(page.locator("#state")).to_have_attribute("data-state", "online")
    page.evaluate(
        """(now) => {
            window.nimbusChat.socket.fire("bot_uttered", { text: "Newer, pushed to the room", timestamp: now + 2 });
            window.nimbusChat.socket.fire("bot_uttered", { text: "Older, read back", timestamp: now + 1 });
        }""",
        time.time(),
    )
    expected = ["Older, read back", "Newer, pushed to the room"]
    assert expected == bot_texts(page)[-2:]
    page.reload()
    expect(page.locator("#state")).to_have_attribute("data-state", "online")
    assert expected == bot_texts(page)[-2:]
