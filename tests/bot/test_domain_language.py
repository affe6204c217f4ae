"""DomainLanguageLexicon through Rasa's graph API: trained on examples that declare their language, persisted
in model storage, loaded back, and deciding only where the statistical detector stayed silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.domain_language import DomainLanguageLexicon

EXAMPLES = [
    ("hola", "greet", "es"),
    ("hola buenas", "greet", "es"),
    ("hola, quiero ayuda", "request_human", "es"),
    ("olá, tudo bem", "greet", "pt"),
    ("olá", "greet", "pt"),
    ("hello there", "greet", "en"),
    ("hello", "greet", "en"),
    ("sí", "affirm", "es"),
    ("sí claro", "affirm", "es"),
    ("oui", "affirm", "fr"),
    ("oui merci", "affirm", "fr"),
    ("si possible", "faq", "fr"),  # "si" without its accent is French too: it says nothing alone
    ("si je peux", "faq", "fr"),
]


def example(text: str, intent: str, language: str) -> Message:
    return Message(data={"text": text, "intent": intent, "metadata": {"intent": {"language": language}}})


@pytest.fixture
def trained(tmp_path: Path) -> DomainLanguageLexicon:
    """A lexicon trained, persisted and loaded back the way Rasa does it."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("domain_language")
    context = ExecutionContext(GraphSchema({}), "test")
    config = DomainLanguageLexicon.get_default_config()
    component = DomainLanguageLexicon.create(config, storage, resource, context)
    component.train(TrainingData([example(*row) for row in EXAMPLES]))
    return DomainLanguageLexicon.load(config, storage, resource, context)


def parse(component: DomainLanguageLexicon, text: str, detection: dict | None = None, entities: list | None = None):
    message = Message(data={"text": text, "entities": entities or []})
    if detection is not None:
        message.set("language_detection", detection)
    [processed] = component.process([message])
    return processed


def test_short_greeting_gets_its_language(trained: DomainLanguageLexicon) -> None:
    """'hola' is too short for the detector; the lexicon says Spanish."""
    message = parse(trained, "hola", {"language": None, "scores": {"en": 0.31, "es": 0.32, "pt": 0.2}})
    [entity] = message.get("entities")
    assert (entity["entity"], entity["value"], entity["confidence_entity"]) == ("detected_language", "es", 0.7)
    assert message.get("language_detection")["method"] == "lexicon"


def test_confident_detection_is_left_alone(trained: DomainLanguageLexicon) -> None:
    """When the detector already decided, nothing is added."""
    decided = [{"entity": "detected_language", "value": "en", "confidence_entity": 0.99}]
    message = parse(trained, "hola hello", {"language": "en"}, entities=decided)
    assert message.get("entities") == decided


@pytest.mark.parametrize(
    ("text", "scores"),
    [
        ("si", {}),  # written by Spanish and French examples: no verdict
        ("ok", {}),  # unknown
        ("👍", {}),
        ("hola", {"en": 0.6, "pt": 0.3, "es": 0.1}),  # the detector ranks Spanish third: no verdict
    ],
)
def test_no_verdict(trained: DomainLanguageLexicon, text: str, scores: dict) -> None:
    """The conversation keeps its language."""
    assert parse(trained, text, {"language": None, "scores": scores}).get("entities") == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("oui", "fr"),  # yes/no examples are learned: a yes only French examples write
        ("Sí", "es"),  # the accented form only Spanish examples write, although "si" is shared
    ],
)
def test_yes_and_no_name_their_language(trained: DomainLanguageLexicon, text: str, language: str) -> None:
    """A first message that is only a yes can establish the conversation language (the policy keeps it from moving
    an established one)."""
    [entity] = parse(trained, text, {"language": None, "scores": {}}).get("entities")
    assert (entity["entity"], entity["value"]) == ("detected_language", language)
