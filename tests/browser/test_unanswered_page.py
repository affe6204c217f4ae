"""The "Top unanswered questions" section of the reports page in Chromium, against the handoff service alone
(uvicorn) reading a small Rasa tracker store and grouping with the built knowledge base's encoder: a supervisor sees
the groups and downloads one as training examples for an intent; the file is the API's. No console error."""

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
from tests.handoff.unanswered_history import DAY, build_handoffs, build_tracker

pytestmark = pytest.mark.e2e

SUPERVISOR_TOKEN = "demo-agent-emily"
SCREENSHOT = ROOT / "docs" / "images" / "console-unanswered.png"


@pytest.fixture(scope="module")
def unanswered_service(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHandoff]:
    """The service with the day of tests/handoff/unanswered_history.py and a copy of the training data."""
    data_dir = tmp_path_factory.mktemp("unanswered-handoff")
    tracker = data_dir / "rasa_tracker.sqlite3"
    build_tracker(f"sqlite:///{tracker}")
    shutil.copytree(ROOT / "nlu_data", data_dir / "nlu_data")
    env = {
        "HANDOFF_REPORTS_TRACKER_DB_URL": f"sqlite:///{tracker}",
        "HANDOFF_CONTENT_NLU_DIR": str(data_dir / "nlu_data"),
        "KB_INDEX_DIR": str(ROOT / "models" / "kb"),
    }
    with LiveHandoff(data_dir, env=env) as service:
        engine = make_engine(f"sqlite:///{data_dir / 'handoff.sqlite3'}")
        try:
            build_handoffs(make_session_factory(engine))
        finally:
            engine.dispose()
        yield service


def test_supervisor_sees_groups_and_downloads_training_examples(
    unanswered_service: LiveHandoff, open_page: Callable[..., OpenPage], tmp_path: Path
) -> None:
    """Emily opens Reports for 2026-11-10: two groups (bitcoin 5, wet parcel 2); she turns the first into ``faq``
    examples and gets the API's CSV."""
    page = open_page(f"{unanswered_service.url}/console", name="console-unanswered").page
    page.fill("#token", SUPERVISOR_TOKEN)
    page.press("#token", "Enter")
    page.click("#tab-reports")
    page.fill("#report-from", DAY["from"])
    page.fill("#report-to", DAY["to"])
    page.select_option("#report-tz", "UTC")
    page.click("#report-run")
    groups = page.locator("#report-unanswered .unanswered-group")
    expect(groups).to_have_count(2, timeout=60_000)
    expect(groups.nth(0).locator(".count")).to_have_text("5")
    expect(groups.nth(0).locator(".label")).to_have_text("¿puedo pagar con bitcoin?")
    expect(groups.nth(1).locator(".count")).to_have_text("2")
    expect(page.locator(".unanswered-status")).to_have_text("7 unanswered question(s) in 2 group(s).")

    first = groups.nth(0)
    first.locator("summary").click()
    first.locator("input[name=intent]").fill("faq")
    page.locator("#report-unanswered").scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.locator("#report-unanswered").screenshot(path=str(SCREENSHOT))
    with page.expect_download() as download_info:
        first.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    group_id = first.get_attribute("data-group")
    assert download.suggested_filename == f"nimbus-training-faq-{group_id}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    api = httpx.get(
        f"{unanswered_service.url}/api/v1/reports/unanswered/{group_id}/training-examples.csv",
        params={**DAY, "tz": "UTC", "intent": "faq"},
        headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"},
        timeout=60,
    )
    assert api.status_code == 200
    assert saved.read_bytes().decode("utf-8") == api.text
    assert api.text.splitlines()[0] == "kind,language,key,index,text,payload"
    assert "example,zh,faq," in api.text and "我可以用比特币支付吗" in api.text
