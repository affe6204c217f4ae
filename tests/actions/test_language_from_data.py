"""The action server serves a language added by data alone: it switches to it and writes times its way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionChangeLanguage
from actions.times import customer_zone, format_moment, format_wait
from tests.language_kit import throwaway_registry


@pytest.fixture
def italian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the process at a registry that adds Italian."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(throwaway_registry(tmp_path)))


def switch_to(language: str) -> list[object]:
    """Run the language switch on a customer message naming ``language``."""
    parse = {"intent": {"name": "change_language"}, "entities": [{"entity": "language", "value": language}]}
    tracker = Tracker("c1", {"language": "en"}, parse, [], False, None, {}, "action_listen")
    return asyncio.run(ActionChangeLanguage().run(CollectingDispatcher(), tracker, {}))


def test_the_customer_can_switch_to_the_language(italian: None) -> None:
    """Italian is a language to switch to; a code outside the registry is not."""
    assert switch_to("it") == [SlotSet("language", "it")]
    assert switch_to("xx") == []


def test_times_are_written_the_languages_way(italian: None) -> None:
    """Dates, times and waits in Italian's own formats (Babel), the zone in ordinary brackets."""
    moment = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    text = format_moment(moment, "it", customer_zone("Europe/Rome", None))
    assert text == "mar 24 novembre, 16:00 (Ora Roma)"
    assert format_wait(300, "it") == "5 minuti"
