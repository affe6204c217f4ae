"""A language added by data alone goes through real training: a registry entry and Italian examples, nothing else.

The project's own pipeline (config.yml) is trained on a few intents' examples from nlu_data/ plus Italian ones written
here, loaded from its archive as the Rasa server loads it, and given Italian messages it never saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from rasa.core.agent import Agent

from tests.bot.tiny_model import parse, train_tiny
from tests.language_kit import REPO_ROOT, throwaway_registry

pytestmark = pytest.mark.slow

INTENTS = ("greet", "goodbye", "thank_you", "check_order_status")
# Italian's Latin-script neighbours, which the detector must tell it from.
NEIGHBOURS = ("en", "es", "pt", "fr")
EXAMPLES_PER_INTENT = 12

ITALIAN = {
    "greet": [
        "ciao",
        "buongiorno",
        "buonasera",
        "salve",
        "ciao a tutti",
        "ehi ciao",
        "buongiorno, avrei una domanda",
        "salve, c'è qualcuno?",
        "ciao Nimbus",
        "buon pomeriggio",
        "ciao, mi serve aiuto",
        "buongiorno a voi",
    ],
    "goodbye": [
        "arrivederci",
        "ciao ciao",
        "a presto",
        "ci vediamo",
        "alla prossima",
        "buona giornata, arrivederci",
        "a dopo",
        "devo andare, ciao",
        "buona serata",
        "addio",
        "a più tardi",
        "per ora è tutto, arrivederci",
    ],
    "thank_you": [
        "grazie",
        "grazie mille",
        "ti ringrazio",
        "molte grazie",
        "grazie tante",
        "grazie per l'aiuto",
        "vi ringrazio molto",
        "grazie, gentilissimi",
        "mille grazie",
        "grazie davvero",
        "sei stato molto utile, grazie",
        "ti ringrazio per la pazienza",
    ],
    "check_order_status": [
        "dov'è il mio ordine?",
        "dove si trova il mio ordine [NB-204519](order_id)?",
        "a che punto è il mio ordine",
        "quando arriva il mio pacco?",
        "stato dell'ordine [NB-100200](order_id)",
        "vorrei tracciare il mio ordine",
        "il mio ordine non è ancora arrivato",
        "puoi controllare l'ordine [NB-555123](order_id)?",
        "dove è finito il mio pacco",
        "traccia la spedizione del mio ordine",
        "non ho ancora ricevuto l'ordine [NB-777888](order_id)",
        "qual è lo stato della mia spedizione?",
    ],
}


def block(intent: str, language: str, examples: list[str]) -> dict[str, Any]:
    """One intent block in nlu_data/'s form: examples declare their language in the block's metadata."""
    return {
        "intent": intent,
        "metadata": {"language": language},
        "examples": "".join(f"- {text}\n" for text in examples),
    }


def project_blocks(language: str) -> list[dict[str, Any]]:
    """The first examples of each of INTENTS in nlu_data/<language>/."""
    data = yaml.safe_load((REPO_ROOT / "nlu_data" / language / "nlu.yml").read_text(encoding="utf-8"))
    found = {item["intent"]: item for item in data["nlu"] if item.get("intent") in INTENTS}
    return [
        block(intent, language, [line[2:] for line in found[intent]["examples"].splitlines()][:EXAMPLES_PER_INTENT])
        for intent in INTENTS
    ]


def training_data() -> str:
    """The neighbours' examples, the Italian ones, and the project's order-id pattern, as Rasa NLU YAML."""
    common = yaml.safe_load((REPO_ROOT / "nlu_data" / "common.yml").read_text(encoding="utf-8"))
    blocks = [item for item in common["nlu"] if "regex" in item]
    for language in NEIGHBOURS:
        blocks += project_blocks(language)
    blocks += [block(intent, "it", examples) for intent, examples in ITALIAN.items()]
    return yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="module")
def italian_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """The project's pipeline trained and loaded while the process reads a registry that adds Italian."""
    folder = tmp_path_factory.mktemp("italian_model")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NIMBUS_LANGUAGES_FILE", str(throwaway_registry(folder / "registry")))
        config = (REPO_ROOT / "config.yml").read_text(encoding="utf-8")
        yield train_tiny(folder, config, training_data())


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Buongiorno, vorrei sapere dove si trova il mio ordine NB-246810, non è arrivato", "check_order_status"),
        ("Grazie mille per l'aiuto, siete stati davvero gentilissimi con me", "thank_you"),
    ],
)
def test_an_italian_message_gets_its_intent_and_language(italian_model: Agent, text: str, intent: str) -> None:
    """The intent comes from the Italian examples and detected_language from the LanguageDetector, which speaks
    Italian only because the registry lists it."""
    result = parse(italian_model, text)
    detected = [
        (entity["value"], entity["extractor"])
        for entity in result["entities"]
        if entity["entity"] == "detected_language"
    ]
    assert result["intent"]["name"] == intent
    assert detected == [("it", "LanguageDetector")]
