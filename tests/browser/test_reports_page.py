"""The reports page in Chromium against the handoff service alone (uvicorn) with a known history in its SQLite
store and a small Rasa tracker store: a supervisor opens the reports, sees the charts and tables, and downloads a
CSV whose content is the API's; all under the console's Content-Security-Policy (no error may be logged)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from handoff.store.db import make_engine, make_session_factory
from scripts.stack import ROOT
from tests.browser.conftest import OpenPage
from tests.handoff.live_server import LiveHandoff
from tests.handoff.reports_history import build_handoff_history, build_tracker

pytestmark = pytest.mark.e2e

SUPERVISOR_TOKEN = "demo-agent-emily"
SCREENSHOT = ROOT / "docs" / "images" / "console-reports.png"


@pytest.fixture(scope="module")
def reports_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHandoff]:
    """The service reading a tracker store, with the history of tests/handoff/reports_history.py."""
    data_dir = tmp_path_factory.mktemp("reports-handoff")
    tracker = data_dir / "rasa_tracker.sqlite3"
    build_tracker(f"sqlite:///{tracker}")
    env = {"HANDOFF_REPORTS_TRACKER_DB_URL": f"sqlite:///{tracker}"}
    with LiveHandoff(data_dir, env=env) as service:
        engine = make_engine(f"sqlite:///{data_dir / 'handoff.sqlite3'}")
        try:
            build_handoff_history(make_session_factory(engine))
        finally:
            engine.dispose()
        yield service


def test_supervisor_sees_charts_and_downloads_a_csv(
    reports_service: LiveHandoff, open_page: Callable[..., OpenPage], tmp_path: Path
) -> None:
    """Emily opens Reports, asks for Paris days by language (the screenshot), then months: six charts and six
    tables; the handoffs CSV she downloads is the API's: October holds A-E (waits 10, 30, 40, 90 s: p50 30,
    p90 90), November F."""
    console = open_page(f"{reports_service.url}/console", name="console-reports")
    page = console.page
    page.fill("#token", SUPERVISOR_TOKEN)
    page.press("#token", "Enter")
    expect(page.locator("#tab-reports")).to_be_visible()
    page.click("#tab-reports")
    expect(page.locator("#view-reports")).to_have_attribute("data-loaded", "true")
    page.fill("#report-from", "2026-10-24")
    page.fill("#report-to", "2026-11-01")
    page.select_option("#report-tz", "Europe/Paris")
    page.select_option("#report-group", "language")
    page.click("#report-run")
    expect(page.locator(".report-status")).to_have_text("2026-10-24 to 2026-11-01, by day, Europe/Paris")
    expect(page.locator(".report-chart canvas")).to_have_count(6)
    # A..F are Spanish or French (G and H are outside): nine days for each of the two languages.
    expect(page.locator(".report-table[data-report='handoffs'] tbody tr")).to_have_count(18)
    page.locator("#view-reports").evaluate("view => view.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    page.select_option("#report-period", "month")
    page.select_option("#report-group", "")
    page.click("#report-run")
    expect(page.locator(".report-status")).to_have_text("2026-10-24 to 2026-11-01, by month, Europe/Paris")
    expect(page.locator(".report-chart canvas")).to_have_count(6)
    expect(page.locator(".report-table")).to_have_count(6)
    handoffs = page.locator(".report-table[data-report='handoffs'] tbody tr")
    expect(handoffs).to_have_count(2)
    expect(handoffs.first.locator("td").nth(2)).to_have_text("5")
    expect(page.locator(".report-table[data-report='articles'] tbody tr")).to_have_count(2)

    with page.expect_download() as download_info:
        page.locator(".report-table[data-report='handoffs'] button.download").click()
    download = download_info.value
    assert download.suggested_filename == "nimbus-handoffs-2026-10-24-2026-11-01.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_bytes().decode("utf-8")  # keep the CRLF line ends
    lines = text.split("\r\n")
    assert lines[0].startswith("bucket,group,handoffs,assigned,closed,wait_p50_seconds,wait_p90_seconds,")
    assert lines[1].startswith("2026-10-01,all,5,4,3,30.0,90.0,")
    assert lines[2].startswith("2026-11-01,all,1,1,1,200.0,200.0,")
    params = {"period": "month", "from": "2026-10-24", "to": "2026-11-01", "tz": "Europe/Paris"}
    api = httpx.get(
        f"{reports_service.url}/api/v1/reports/handoffs.csv",
        params=params,
        headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"},
        timeout=30,
    )
    assert text == api.text
    shutil.copy(saved, console_artifact(saved.name))

    # The other views are one click away, and only one view shows at a time.
    page.click("#tab-supervisor")
    expect(page.locator("#view-supervisor")).to_be_visible()
    expect(page.locator("#view-reports")).to_be_hidden()
    page.click("#tab-conversations")
    expect(page.locator("#view-conversations")).to_be_visible()
    expect(page.locator("#view-supervisor")).to_be_hidden()
    expect(page.locator("#tab-reports")).to_have_attribute("aria-pressed", "false")


def test_agents_have_no_reports_tab(reports_service: LiveHandoff, open_page: Callable[..., OpenPage]) -> None:
    """An agent's console shows neither the Supervisor nor the Reports tab (the API refuses them anyway)."""
    page = open_page(f"{reports_service.url}/console", name="console-agent-no-reports").page
    page.fill("#token", "demo-agent-claire")
    page.press("#token", "Enter")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    expect(page.locator("#tab-reports")).to_be_hidden()
    expect(page.locator("#tab-supervisor")).to_be_hidden()


def console_artifact(name: str) -> Path:
    """Where the downloaded file is kept for a look after the run (git-ignored)."""
    from tests.browser.conftest import ARTIFACTS

    return ARTIFACTS / name
