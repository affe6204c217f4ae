"""The console in Chromium against the handoff service alone (uvicorn, demo mode, Rasa unreachable): the live
socket opens with a single-use ticket (never a token in the URL), and a reply that cannot be delivered is marked
in the transcript with its error and a Retry button."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage
from tests.handoff.live_server import SERVICE_KEY, LiveHandoff
from tests.handoff.testkit import handoff_body

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lone_handoff(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHandoff]:
    """Replies fail at once (nothing listens where Rasa should be; one attempt counts as failed). The KB index must
    exist: the console asks for reply suggestions when a conversation opens, and a missing index is a 503."""
    env = {"HANDOFF_DELIVERY_MAX_ATTEMPTS": "1", "HANDOFF_DELIVERY_INTERVAL_SECONDS": "0.2"}
    with LiveHandoff(tmp_path_factory.mktemp("console-handoff"), env=env) as service:
        yield service


def test_failed_reply_is_marked_with_its_error_and_can_be_retried(
    lone_handoff: LiveHandoff, open_page: Callable[..., OpenPage]
) -> None:
    """Claire signs in on the static copy of the console, opens her conversation, replies; the reply shows
    "Not delivered" with the reason and a Retry button; the socket URL carried a ticket and no token."""
    with httpx.Client(base_url=lone_handoff.url, timeout=30) as api:
        created = api.post(
            "/api/v1/handoffs",
            json=handoff_body(language="fr", topic="general", summary="colis perdu"),
            headers={"Authorization": f"Bearer {SERVICE_KEY}"},
        ).json()
        # A supervisor hands it to Claire: routing alone would send a French handoff outside EMEA's hours elsewhere.
        handed = api.post(
            f"/api/v1/handoffs/{created['id']}/transfer",
            json={"queue": "emea", "agent_id": "claire.dubois"},
            headers={"Authorization": "Bearer demo-agent-emily"},
        )
        assert handed.status_code == 200, handed.text
    console = open_page(f"{lone_handoff.url}/static/console/index.html", name="console-delivery-failed")
    page = console.page
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.fill("#token", "demo-agent-claire")
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    page.locator(f"#mine .card[data-handoff-id='{created['id']}']").click()
    page.locator("#reply").fill("Je regarde votre colis.")
    page.locator("#reply").press("Enter")
    failed = page.locator(".message.agent[data-delivery='failed']")
    expect(failed).to_have_count(1, timeout=20_000)
    expect(failed.locator(".delivery.failed")).to_contain_text("Not delivered: Rasa unreachable")
    expect(page.locator("#toast")).to_contain_text("could not be delivered")
    console.screenshot("console-reply-not-delivered")
    failed.locator("button.retry").click()
    expect(page.locator(".message.agent[data-delivery='failed']")).to_have_count(1, timeout=20_000)
    assert sockets, "the console opened no live socket"
    assert all("ticket=" in url and "token=" not in url for url in sockets), sockets
