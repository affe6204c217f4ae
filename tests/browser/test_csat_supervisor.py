"""The supervisor view lists the latest customer ratings with their comments, in headless Chromium against the
real handoff service (the rating posted as the bot posts it, with the service key)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.browser.test_pages import sign_in
from tests.e2e.client import SystemClient

pytestmark = pytest.mark.e2e

SUPERVISOR = {"Authorization": "Bearer demo-agent-lucia"}


def test_supervisor_sees_the_latest_rating_with_its_comment_as_text(
    browser_system: SystemClient, open_page: Callable[..., OpenPage]
) -> None:
    """A French handoff claimed and closed by Lucía, rated 2 with a comment holding markup: the supervisor view
    shows the stars, the agent and the comment exactly as written."""
    service = {"Authorization": f"Bearer {browser_system.stack.config.handoff_service_key}"}
    conversation = "csat-supervisor-view-fr"
    created = browser_system.handoff.post(
        "/api/v1/handoffs",
        json={"conversation_id": conversation, "channel": "rest", "language": "fr", "reason": "explicit_request"},
        headers=service,
    ).json()
    http = browser_system.handoff
    assert http.post(f"/api/v1/handoffs/{created['id']}/claim", headers=SUPERVISOR).status_code == 200
    closed = http.post(f"/api/v1/handoffs/{created['id']}/close", json={"resolution": "answered"}, headers=SUPERVISOR)
    assert closed.status_code == 200, closed.text
    body = {"conversation_id": conversation, "score": 2}
    assert http.post(f"/api/v1/handoffs/{created['id']}/csat", json=body, headers=service).status_code == 200
    comment = {"conversation_id": conversation, "comment": "Trop lent <b>vraiment</b>"}
    assert http.post(f"/api/v1/handoffs/{created['id']}/csat/comment", json=comment, headers=service).status_code == 200

    console = open_page(f"{browser_system.stack.config.handoff_url}/console", name="console-csat")
    sign_in(console.page, "demo-agent-lucia")
    console.page.click("#tab-supervisor")
    row = console.page.locator(f"#sup-csat tbody tr[data-handoff='{created['id']}']")
    expect(row).to_be_visible()
    expect(row.locator(".csat-score")).to_have_text("★★☆☆☆")
    expect(row.locator(".csat-comment")).to_have_text("Trop lent <b>vraiment</b>")
    expect(row).to_contain_text("lucia.romero")
    row.scroll_into_view_if_needed()
    console.page.locator("#sup-csat").screenshot(path=str(ROOT / "docs" / "images" / "console-csat.png"))
