"""Headless Chromium (Debian's, installed by `make browser`) driven by Playwright against the real system.

The pages are served by the real handoff service, the web chat talks to the real Rasa server over socket.io, and
the console to the real API and WebSocket. Every page's console errors are collected and must stay empty.
Screenshots go to ``$TEST_ARTIFACTS_DIR/browser`` (default ``tests/artifacts/browser``, git-ignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Playwright, ViewportSize, sync_playwright

from scripts.stack import ROOT, Stack
from tests.e2e.client import Responses, SystemClient
from tests.e2e.conftest import system_config

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", ROOT / "tests" / "artifacts")) / "browser"
# Without the networking switches Chromium tries to reach Google's services, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
LAPTOP: ViewportSize = {"width": 1366, "height": 768}


@pytest.fixture(scope="session")
def browser_system(built_artifacts: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SystemClient]:
    """A system of its own, so that agents' capacity and queues are not shared with the other end-to-end tests."""
    with Stack(system_config(tmp_path_factory.mktemp("browser-system"))) as stack, SystemClient(stack) as client:
        yield client


@pytest.fixture(scope="session")
def responses() -> Responses:
    """The response texts of the domain, per key and language."""
    return Responses.load(ROOT / "bot" / "domain" / "responses.yml")


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    launched = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield launched
    launched.close()


@pytest.fixture(scope="session", autouse=True)
def artifacts_dir() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class OpenPage:
    """A page in its own browser context (own storage, own locale) and what its console reported."""

    page: Page
    name: str
    errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., OpenPage]]:
    """Opens pages; at the end of the test each one is saved as a screenshot and must have logged no error."""
    opened: list[OpenPage] = []

    def open_(url: str, *, locale: str = "en-US", name: str = "page") -> OpenPage:
        context = browser.new_context(locale=locale, viewport=LAPTOP)
        page = context.new_page()
        page.set_default_timeout(30_000)
        result = OpenPage(page, name)
        page.on("console", lambda message: _record(result.errors, message))
        page.on("pageerror", lambda error: result.errors.append(f"uncaught: {error}"))
        page.on("dialog", lambda dialog: _refuse_dialog(result.errors, dialog))
        page.goto(url)
        opened.append(result)
        return result

    yield open_
    for index, result in enumerate(opened):
        result.screenshot(f"{request.node.name}-{index}-{result.name}-final")
    for result in opened:
        result.page.context.close()
    errors = [error for result in opened for error in result.errors]
    assert not errors, f"the pages logged errors: {errors}"


def _refuse_dialog(errors: list[str], dialog: Dialog) -> None:
    """No page of ours opens a dialog: one would mean injected code ran (alert(1))."""
    errors.append(f"dialog opened: {dialog.message}")
    dialog.dismiss()


def _record(errors: list[str], message: ConsoleMessage) -> None:
    if message.type == "error":
        errors.append(f"console: {message.text} at {message.location.get('url', '?')}")
