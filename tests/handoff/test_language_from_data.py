"""A language added by data alone is accepted by the API and offered by the web chat and the console."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from handoff.attachments.notices import notice
from tests.handoff.testkit import SERVICE, handoff_body
from tests.language_kit import throwaway_registry, throwaway_strings


@pytest.fixture
def italian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the service at a registry and a words directory that add Italian."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(throwaway_registry(tmp_path / "registry")))
    monkeypatch.setenv("HANDOFF_STRINGS_DIR", str(throwaway_strings(tmp_path / "strings")))


def test_the_schema_accepts_a_registry_language_only(client: TestClient, italian: None) -> None:
    """An Italian handoff is created; a code no registry entry names is refused with the known codes."""
    created = client.post(
        "/api/v1/handoffs", json=handoff_body(language="it", customer={"locale": "it-IT"}), headers=SERVICE
    )
    assert created.status_code == 201, created.text
    assert created.json()["language"] == "it"
    refused = client.post("/api/v1/handoffs", json=handoff_body(language="xx"), headers=SERVICE)
    assert refused.status_code == 422
    assert "unknown language 'xx'" in refused.text and "it" in refused.text


def test_the_pages_offer_the_language_with_its_words(client: TestClient, italian: None) -> None:
    """The web chat lists Italian, names it in Italian, reads its words (English where one is missing)."""
    assert client.get("/chat/config.json").json()["languages"][-1] == "it"
    registry = client.get("/static/common/registry.js")
    assert registry.headers["content-type"].startswith("text/javascript")
    assert '"it": {"native": "Italiano", "direction": "ltr"}' in registry.text
    assert '"ar": {"native": "العربية", "direction": "rtl"}' in registry.text
    strings = client.get("/static/chat/strings.js").text
    italian_words = re.search(r'"it": (\{[^}]*\})', strings.split("export const FILE_WORDS")[0])
    assert italian_words is not None
    assert '"title": "Assistenza Nimbus"' in italian_words.group(1)
    assert '"offline": "Reconnecting…"' in italian_words.group(1)
    assert '"attach": "Allega un file"' in strings.split("export const FILE_WORDS")[1]


def test_refusals_reach_the_customer_in_the_language(italian: None) -> None:
    """A refused file is explained in Italian, or in English where the Italian file has no word for it."""
    assert notice("too_large", "it-IT").startswith("Spiacenti")
    assert notice("type", "it") == notice("type", "en")
