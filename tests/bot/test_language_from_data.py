"""A language added by data alone is detected by the real LanguageDetector and expected by content validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.language_detector import LanguageDetector
from bot.content.settings import ContentSettings
from tests.language_kit import throwaway_registry


@pytest.fixture
def italian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the process at a registry that adds Italian."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(throwaway_registry(tmp_path / "registry")))


def language_of(detector: LanguageDetector, text: str, locale: str | None = None) -> str | None:
    """The detected_language entity the detector puts on one message, None when it commits to nothing."""
    message = Message(data={TEXT: text, "metadata": {"locale": locale} if locale else None})
    found = [entity["value"] for entity in detector.process([message])[0].get(ENTITIES, [])]
    return found[0] if found else None


def test_the_detector_speaks_a_language_added_by_data(italian: None, tmp_path: Path) -> None:
    """Built the way Rasa builds it, with its default config, the detector tells Italian from its Latin neighbours."""
    context = ExecutionContext(GraphSchema({}), "test-model")
    detector = LanguageDetector.create(
        LanguageDetector.get_default_config(), LocalModelStorage(tmp_path), Resource("language_detector"), context
    )
    assert "it" in LanguageDetector.get_default_config()["supported_languages"]
    assert language_of(detector, "Buongiorno, vorrei sapere quando arriva il mio ordine, grazie mille") == "it"
    assert language_of(detector, "ciao", locale="it-IT") == "it"
    assert language_of(detector, "hola, dónde está mi pedido? ya pasó una semana") == "es"
    assert language_of(detector, "Xin chào, đơn hàng của tôi đang ở đâu vậy?") == "vi"


def test_content_validation_expects_the_language(italian: None) -> None:
    """Content tooling checks every registry language, so Italian's training data is now required."""
    assert ContentSettings().languages[-1] == "it"
