"""The console on a busy day, in headless Chromium against the real handoff service: 1,600 handoffs waiting,
created through the API as the bot creates them. The supervisor's waiting list shows one bounded page, filters by
language, channel and queue, pages to the very last handoff; the chart's value labels all lie inside the chart."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.handoff.live_server import SERVICE_KEY, LiveHandoff
from tests.handoff.testkit import handoff_body

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "images" / "console-waiting-list.png"
WAITING = 1600
PAGE_SIZE = 25
LANGUAGES = ["en", "fr", "es", "pt", "ar", "zh"]
CHANNELS = ["whatsapp", "messenger", "line", "rest"]


def busy_bodies() -> list[dict[str, Any]]:
    """1,600 handoffs spread over six languages and four channels (every pair occurs)."""
    pairs = itertools.cycle(itertools.product(LANGUAGES, CHANNELS))
    return [
        handoff_body(language=language, channel=channel, topic="general", transcript=[], summary=f"busy day {n}")
        for n, (language, channel) in zip(range(WAITING), pairs, strict=False)
    ]


@pytest.fixture(scope="module")
def busy_service(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHandoff]:
    """The handoff service alone (uvicorn, demo mode) with 1,600 waiting handoffs posted with the service key."""
    with LiveHandoff(tmp_path_factory.mktemp("busy-day-handoff")) as service:
        headers = {"Authorization": f"Bearer {SERVICE_KEY}"}
        with httpx.Client(base_url=service.url, timeout=60, headers=headers) as api:

            def create(body: dict[str, Any]) -> int:
                return api.post("/api/v1/handoffs", json=body).status_code

            with ThreadPoolExecutor(max_workers=4) as pool:
                statuses = list(pool.map(create, busy_bodies()))
        assert {201} == set(statuses)
        yield service


def api_get(service: LiveHandoff, path: str, **params: Any) -> httpx.Response:
    """A GET with Lucía's (supervisor) token."""
    response = httpx.get(
        f"{service.url}/api/v1{path}", params=params, headers={"Authorization": "Bearer demo-agent-lucia"}
    )
    assert response.status_code == 200, response.text
    return response


def sign_in_supervisor(page: Page) -> None:
    """Lucía, a supervisor: she sees every queue."""
    page.fill("#token", "demo-agent-lucia")
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")


def test_a_supervisor_with_1600_waiting_gets_one_page_filters_and_reaches_the_last(
    busy_service: LiveHandoff, open_page: Callable[..., OpenPage]
) -> None:
    """25 rows, not 1,600; each filter narrows rows and total to what the API counts; Last shows the final page
    ending with the handoff the API lists last."""
    console = open_page(f"{busy_service.url}/console", name="console-busy-day")
    page = console.page
    sign_in_supervisor(page)
    cards = page.locator("#waiting .card")
    expect(page.locator("#waiting-count")).to_have_text(f"({WAITING})")
    expect(cards).to_have_count(PAGE_SIZE)
    expect(page.locator("#waiting-range")).to_have_text(f"1–{PAGE_SIZE} of {WAITING}")
    expect(page.locator("#waiting-prev")).to_be_disabled()

    french = int(api_get(busy_service, "/handoffs", status="queued", language="fr", limit=1).headers["X-Total-Count"])
    french_whatsapp = int(
        api_get(busy_service, "/handoffs", status="queued", language="fr", channel="whatsapp", limit=1).headers[
            "X-Total-Count"
        ]
    )
    assert 0 < french_whatsapp < french
    page.select_option("#waiting-language", "fr")
    expect(page.locator("#waiting-count")).to_have_text(f"({french} of {WAITING})")
    expect(cards).to_have_count(PAGE_SIZE)
    assert {"fr"} == set(cards.evaluate_all("cards => cards.map(c => c.dataset.language)"))
    # The channel filter counts French conversations only, now that French is chosen.
    expect(page.locator("#waiting-channel option[value='whatsapp']")).to_have_text(f"whatsapp ({french_whatsapp})")
    expect(page.locator("#waiting-channel option[value='']")).to_have_text(f"All channels ({french})")
    page.select_option("#waiting-channel", "whatsapp")
    expect(page.locator("#waiting-count")).to_have_text(f"({french_whatsapp} of {WAITING})")
    assert {"whatsapp"} == set(page.locator("#waiting .card .channel").all_inner_texts())
    page.locator(".lists").evaluate("lists => lists.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    page.select_option("#waiting-language", "")
    page.select_option("#waiting-channel", "")
    facets = api_get(busy_service, "/handoffs/facets", status="queued").json()
    queue, in_queue = sorted(facets["queue"].items())[0]
    page.select_option("#waiting-queue", queue)
    expect(page.locator("#waiting-count")).to_have_text(f"({in_queue} of {WAITING})")
    expect(page.locator("#waiting-queue option:checked")).to_have_text(f"{queue} ({in_queue})")
    page.select_option("#waiting-queue", "")
    expect(page.locator("#waiting-count")).to_have_text(f"({WAITING})")

    page.click("#waiting-next")
    expect(page.locator("#waiting-range")).to_have_text(f"{PAGE_SIZE + 1}–{2 * PAGE_SIZE} of {WAITING}")
    page.click("#waiting-last")
    expect(page.locator("#waiting-range")).to_have_text(f"{WAITING - PAGE_SIZE + 1}–{WAITING} of {WAITING}")
    expect(cards).to_have_count(PAGE_SIZE)
    expect(page.locator("#waiting-next")).to_be_disabled()
    last = api_get(busy_service, "/handoffs", status="queued", limit=1, offset=WAITING - 1).json()[0]
    expect(cards.last).to_have_attribute("data-handoff-id", last["id"])
    cards.last.click()
    expect(page.locator(".conversation-header")).to_be_visible()
    expect(cards.last).to_have_attribute("aria-current", "true")


def test_every_chart_value_label_lies_inside_the_chart(
    busy_service: LiveHandoff, open_page: Callable[..., OpenPage]
) -> None:
    """With 1,600 handoffs today the longest label is long ("… (… waiting)"): each text's box is inside the SVG."""
    console = open_page(f"{busy_service.url}/console", name="console-busy-chart")
    page = console.page
    sign_in_supervisor(page)
    page.click("#tab-supervisor")
    chart = page.locator("#sup-chart svg")
    expect(chart).to_contain_text("waiting)")
    expect(page.locator("#sup-chart svg text.value")).to_have_count(2 * len(LANGUAGES))
    outside = chart.evaluate(
        """svg => {
            const frame = svg.getBoundingClientRect();
            return [...svg.querySelectorAll("text")].map(t => ({text: t.textContent, box: t.getBoundingClientRect()}))
              .filter(({box}) => box.width === 0 || box.left < frame.left || box.right > frame.right
                                 || box.top < frame.top || box.bottom > frame.bottom)
              .map(({text, box}) => `${text}: ${box.left}-${box.right} x ${box.top}-${box.bottom}`)
              .concat(frame.width === 0 ? ["the chart has no width"] : []);
        }"""
    )
    assert outside == [], f"labels outside the chart {page.locator('#sup-chart svg').bounding_box()}: {outside}"
    labels = chart.locator("text.value").evaluate_all("texts => texts.map(t => t.textContent)")
    assert any(text.endswith("waiting)") and text.split(" ")[0].isdigit() for text in labels)
