"""The agent console and the customer web chat in headless Chromium, against the real Rasa, actions and handoff."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import OpenPage
from tests.e2e.client import Responses, SystemClient

pytestmark = pytest.mark.e2e

HANDOFF_CONFIRMATIONS = ["utter_handoff_queued", "utter_handoff_scheduled", "utter_handoff_uncovered"]


def spanish_agent_token(system: SystemClient) -> str:
    """María (americas) while her queue is open; otherwise Lucía, the supervisor who also serves Spanish in emea."""
    queues = {q["name"]: q for q in system.handoff.get("/api/v1/queues").json()}
    return "demo-agent-maria" if queues["americas"]["open_now"] else "demo-agent-lucia"


def sign_in(console: Page, token: str) -> None:
    """Sign in and wait until the live connection is up (so what happens next arrives without a reload)."""
    console.fill("#token", token)
    console.press("#token", "Enter")
    expect(console.locator("#live")).to_have_attribute("data-state", "on")


def chat_ready(chat: Page) -> None:
    expect(chat.locator("#state")).to_have_attribute("data-state", "online")


def say(chat: Page, text: str) -> None:
    """Type a message in the web chat and send it with Enter."""
    chat.fill("#message", text)
    chat.press("#message", "Enter")


def bot_texts(chat: Page) -> list[str]:
    return chat.locator(".bubble.bot .text").all_inner_texts()


def wait_for_bot(chat: Page, seen: int, match: Callable[[str], bool], what: str) -> str:
    """The first bot message after the first `seen` ones for which `match` holds."""
    for _ in range(300):
        for text in bot_texts(chat)[seen:]:
            if match(text):
                return text
        chat.wait_for_timeout(100)
    raise AssertionError(f"no bot message {what} after {seen}: {bot_texts(chat)}")


def test_spanish_customer_is_handed_to_an_agent_and_back_to_the_bot(
    browser_system: SystemClient, open_page: Callable[..., OpenPage], responses: Responses
) -> None:
    """Web chat in Spanish -> live in the console with es and the transcript -> claim, reply -> back to the bot."""
    base = browser_system.stack.config.handoff_url
    console = open_page(f"{base}/console", name="console-es-agent")
    sign_in(console.page, spanish_agent_token(browser_system))
    chat = open_page(f"{base}/chat", locale="es-MX", name="chat-es")
    page = chat.page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    chat_ready(page)

    seen = len(bot_texts(page))
    say(page, "quiero hablar con una persona")
    wait_for_bot(
        page, seen, lambda t: responses.which(t, "es", HANDOFF_CONFIRMATIONS) is not None, "confirming the handoff"
    )

    # The conversation appears in María's console without a reload, with its language and transcript.
    card = console.page.locator("#waiting .card[data-language='es']")
    # The suggestions for the customer's last message (requested when the card opens) are held back until the
    # agent's own search has answered: a late, older answer must not replace the newer one.
    held: list[Route] = []

    def hold_default_suggestions(route: Route) -> None:
        if "q=" in route.request.url:
            route.continue_()
        else:
            held.append(route)

    console.page.route("**/api/v1/handoffs/*/suggestions*", hold_default_suggestions)
    expect(card).to_have_count(1, timeout=30_000)
    expect(card).to_contain_text("Español (es)")
    expect(card).to_contain_text("socketio")
    card.click()
    transcript = console.page.locator(".transcript")
    expect(transcript.locator(".message.customer .text").first).to_have_text("quiero hablar con una persona")
    expect(console.page.locator("#detected-language")).to_contain_text("Español (es)")
    console.screenshot("console-queued-es")

    # Suggestions come from the bot's retriever in the customer's language, and insert with one click.
    console.page.click("#claim")
    reply = console.page.locator("#reply")
    expect(reply).to_be_visible()
    console.page.fill("#kb-query", "¿cuánto tarda el envío?")
    console.page.press("#kb-query", "Enter")
    first = console.page.locator("#suggestions .suggestion").first
    expect(first).to_have_attribute("data-article-id", "shipping-times")
    assert held, "the suggestions for the customer's message were requested when the card opened"
    with console.page.expect_response(re.compile(r"/suggestions\?k=3$")):
        for route in held:
            route.continue_()
    console.page.unroute("**/api/v1/handoffs/*/suggestions*")
    console.page.wait_for_timeout(200)  # let the late answer reach the page
    expect(first).to_have_attribute("data-article-id", "shipping-times")
    first.locator("button.insert").click()
    expect(reply).not_to_have_value("")
    reply.fill("")

    # Enter sends; Shift+Enter makes a new line.
    reply.press_sequentially("Hola, soy tu agente.")
    reply.press("Shift+Enter")
    reply.press_sequentially("¿En qué te ayudo?")
    reply.press("Enter")
    expect(transcript.locator(".message.agent .text")).to_have_text(["Hola, soy tu agente.\n¿En qué te ayudo?"])
    wait_for_bot(page, seen, lambda t: "¿En qué te ayudo?" in t, "with the agent's reply")
    chat.screenshot("chat-es-agent-reply")
    # The suggestions survive the live reload the reply caused.
    expect(first).to_have_attribute("data-article-id", "shipping-times")
    console.screenshot("console-conversation-es")

    # A private note is for colleagues only: in the transcript as a note, never in the customer's window.
    reply.fill("cliente frecuente")
    console.page.click("#add-note")
    expect(transcript.locator(".message.note .text")).to_have_text(["cliente frecuente"])

    console.page.fill("#resolution", "resuelto")
    expect(console.page.locator("#return-to-bot")).to_be_checked()
    console.page.click("#close")
    expect(console.page.locator("#mine .card")).to_have_count(0)
    back = wait_for_bot(page, seen, lambda t: responses.matches("utter_bot_back", "es", t), "handing back")
    assert not any("cliente frecuente" in text for text in bot_texts(page))

    after = bot_texts(page).index(back) + 1
    say(page, "hola")
    wait_for_bot(page, after, lambda t: responses.matches("utter_greet", "es", t), "greeting in Spanish")


def test_markup_shows_as_text_and_arabic_reads_right_to_left(
    browser_system: SystemClient, open_page: Callable[..., OpenPage], responses: Responses
) -> None:
    """A customer's HTML/script is text in both pages; Arabic is laid out right to left in both."""
    base = browser_system.stack.config.handoff_url
    # A supervisor sees every queue, wherever the hour of the day routes Arabic.
    console = open_page(f"{base}/console", name="console-supervisor-ar")
    sign_in(console.page, "demo-agent-lucia")
    chat = open_page(f"{base}/chat", locale="ar-EG", name="chat-ar")
    page = chat.page
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    chat_ready(page)

    attack = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold?</b>'
    seen = len(bot_texts(page))
    say(page, attack)
    wait_for_bot(page, seen, lambda t: True, "after the markup")
    seen = len(bot_texts(page))
    say(page, "أريد التحدث مع موظف من فضلك")
    wait_for_bot(page, seen, lambda t: responses.which(t, "ar", HANDOFF_CONFIRMATIONS) is not None, "confirming")

    card = console.page.locator("#waiting .card[data-language='ar']")
    expect(card).to_have_count(1, timeout=30_000)
    expect(card).to_contain_text("العربية (ar)")
    card.click()
    customer_texts = console.page.locator(".transcript .message.customer .text")
    expect(customer_texts.filter(has_text="<script>")).to_have_count(1)
    arabic = customer_texts.filter(has_text="أريد التحدث")
    expect(arabic).to_have_count(1)
    console.screenshot("console-arabic")

    for target in (console.page, page):
        assert target.evaluate("window.pwned") is None, "markup from a customer ran as code"
        assert target.locator("img[src='x'], b:text('bold?')").count() == 0, "markup from a customer became elements"
    assert arabic.evaluate("node => getComputedStyle(node).direction") == "rtl"
    chat_arabic = page.locator(".bubble.customer .text", has_text="أريد التحدث")
    assert chat_arabic.evaluate("node => getComputedStyle(node).direction") == "rtl"
    assert page.locator(".bubble.customer .text", has_text="<script>").count() == 1
    chat.screenshot("chat-arabic")


def test_supervisor_sees_queues_agents_and_todays_languages(
    browser_system: SystemClient, open_page: Callable[..., OpenPage]
) -> None:
    """Queue depth and longest wait, agents and load, and today's handoffs by language, for a supervisor."""
    created = browser_system.handoff.post(
        "/api/v1/handoffs",
        json={
            "conversation_id": "supervisor-view-fr",
            "channel": "whatsapp",
            "language": "fr",
            "reason": "explicit_request",
            "transcript": [{"role": "customer", "text": "je veux parler à quelqu'un"}],
        },
        # Only the bot's service key may speak for a customer (a transcript is stored as their words).
        headers={"Authorization": f"Bearer {browser_system.stack.config.handoff_service_key}"},
    )
    assert created.status_code in (200, 201), created.text
    queue = created.json()["queue"]
    base = browser_system.stack.config.handoff_url
    console = open_page(f"{base}/console", name="console-supervisor")
    sign_in(console.page, "demo-agent-lucia")
    console.page.click("#tab-supervisor")
    row = console.page.locator(f"#sup-queues tbody tr[data-queue='{queue}']")
    expect(row).to_be_visible()
    assert int(row.locator("td").nth(2).inner_text()) >= 1
    expect(console.page.locator("#sup-agents tbody tr[data-agent='maria.garcia']")).to_contain_text("María García")
    expect(console.page.locator("#sup-chart svg")).to_contain_text("Français (fr)")
    console.screenshot("console-supervisor")

    # The WhatsApp conversation shows how long the platform still accepts a free-form reply.
    console.page.click("#tab-conversations")
    console.page.locator("#waiting .card[data-language='fr']").click()
    expect(console.page.locator("#window-countdown")).to_have_text(re.compile(r"^23h 5\dm left$"))
    expect(console.page.locator("#detected-language")).to_contain_text("Français (fr)")
