"""Rasa NLU component: decides the language of short in-domain messages the statistical detectors leave open.

Placed right after LanguageDetector. When the detector committed to a language (or used the channel's hint) this
component does nothing. When it did not ("hola", "obrigado", "merci beaucoup" are too short for it), the words
that only one language's training examples use decide, provided the detector's own scores do not rule that
language out. Training examples name their language with intent-level metadata (`metadata: {language: es}` on each
intent block of nlu_data/<lang>/); the lexicon is learned at training time and persisted in model storage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    METADATA,
    METADATA_INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.domain_lexicon import DomainLexicon
from bot.components.stored import StoredComponent

LEXICON_FILE = "lexicon.json"
DETECTION_PROPERTY = "language_detection"


def example_language(message: Message) -> str | None:
    """The language a training example's intent block declares in its metadata."""
    metadata = message.get(METADATA) or {}
    declared = (metadata.get(METADATA_INTENT) or {}).get("language") if isinstance(metadata, dict) else None
    return str(declared) if declared else None


def plausible(language: str, scores: dict[str, float], top: int) -> bool:
    """Whether the detector ranks `language` among its `top` candidates (no scores: nothing to object)."""
    if not scores:
        return True
    ranked = sorted(scores, key=lambda name: scores[name], reverse=True)
    return language in ranked[:top]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class DomainLanguageLexicon(StoredComponent, GraphComponent, EntityExtractorMixin):
    """Language of short messages from the vocabulary of the assistant's own training examples."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # A word counts for a language when at least this many of its examples use it (and no other
            # language's examples do).
            "min_count": 2,
            # Words also count as written, diacritics kept: "sí" is Spanish evidence although "si" is shared.
            "written_forms": True,
            # Intents whose examples are left out. Yes/no answers count: a word only one language's yes/no uses
            # ("oui", "vale", "sim") names the language of a first message, and an established language is protected
            # by bot.policies.language (one message in another language never moves it).
            "exclude_intents": [],
            # The lexicon's verdict must be among the detector's top candidates for the text.
            "detector_top": 2,
            # Confidence reported on the entity (below a confident detection, above the hint's).
            "confidence": 0.7,
            # The entity the `language` slot maps from (same as LanguageDetector's).
            "entity_name": "detected_language",
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__({**self.get_default_config(), **config}, model_storage, resource)
        self._lexicon = DomainLexicon(min_count=int(self._config["min_count"]))

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the lexicon from examples whose intent block declares a language; persists it."""
        excluded = set(self._config["exclude_intents"])
        examples = [
            (str(message.get(TEXT)), language)
            for message in training_data.intent_examples
            if message.get(INTENT) not in excluded and (language := example_language(message))
        ]
        self._lexicon = DomainLexicon.learn(
            examples, min_count=int(self._config["min_count"]), written_forms=bool(self._config["written_forms"])
        )
        return self.save()

    def persist(self, directory: Path) -> None:
        (directory / LEXICON_FILE).write_text(json.dumps(self._lexicon.as_dict()), encoding="utf-8")

    def restore(self, directory: Path) -> None:
        self._lexicon = DomainLexicon.from_dict(json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8")))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the language entity where the detector stayed silent and the lexicon is sure."""
        name = str(self._config["entity_name"])
        for message in messages:
            text = message.get(TEXT)
            decided = any(e.get(ENTITY_ATTRIBUTE_TYPE) == name for e in message.get(ENTITIES, []))
            if not isinstance(text, str) or decided or text.startswith(INTENT_MESSAGE_PREFIX):
                continue
            guess = self._lexicon.guess(text)
            detection = message.get(DETECTION_PROPERTY) or {}
            if guess is None or not plausible(guess, detection.get("scores") or {}, int(self._config["detector_top"])):
                continue
            confidence = float(self._config["confidence"])
            entity = {
                ENTITY_ATTRIBUTE_TYPE: name,
                ENTITY_ATTRIBUTE_VALUE: guess,
                ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: confidence,
                EXTRACTOR: self.name,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text),
            }
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
            if detection:
                record = {**detection, "language": guess, "confidence": confidence, "method": "lexicon"}
                message.set(DETECTION_PROPERTY, record, add_to_output=True)
        return messages
