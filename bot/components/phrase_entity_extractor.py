"""Rasa NLU component: entities whose values the training data names, found as phrases (bot.components.phrases).

It learns, for every entity without a regex of its own (those are RegexEntityExtractor's), the annotated surface
forms of the training examples, the synonyms that map to one of their values and the entity's lookup table, and
tags them in new messages with the value already normalised ("Español" -> "es"). With it and RegexEntityExtractor
the assistant needs no trained entity tagger: `language` is a closed list and `order_id` a pattern.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.phrases import PhraseTable
from bot.components.stored import StoredComponent

PHRASES_FILE = "phrases.json"
TOKENS = "text_tokens"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class PhraseEntityExtractor(StoredComponent, GraphComponent, EntityExtractorMixin):
    """Tags the phrases of a closed-list entity and gives their normalised value."""

    may_be_unsaved = True  # trained on data without such entities: nothing to find

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Entities to learn; empty: every annotated entity that has no regex of the same name.
        return {"entities": []}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        if not isinstance(config["entities"], list) or not all(isinstance(name, str) for name in config["entities"]):
            raise InvalidConfigException(
                f"PhraseEntityExtractor: `entities` must be a list of entity names, got {config['entities']!r}"
            )
        super().__init__(config, model_storage, resource)
        self.table = PhraseTable({})

    def train(self, training_data: TrainingData) -> Resource:
        self.table = PhraseTable.learn(self._entries(training_data))
        return self.save()

    def persist(self, directory: Path) -> None:
        (directory / PHRASES_FILE).write_text(json.dumps(self.table.as_dict(), ensure_ascii=False), "utf-8")

    def restore(self, directory: Path) -> None:
        self.table = PhraseTable.from_dict(json.loads((directory / PHRASES_FILE).read_text("utf-8")))

    def _entries(self, training_data: TrainingData) -> Iterator[tuple[str, str, str]]:
        """(surface, entity, value): annotations first, then synonyms of their values, then lookup tables."""
        with_regex = {regex["name"] for regex in training_data.regex_features}
        wanted = set(self._config["entities"])
        annotations = [
            (example.get(TEXT)[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]], entity)
            for example in training_data.entity_examples
            for entity in example.get(ENTITIES, [])
        ]
        values: dict[str, str] = {}  # value -> entity
        for surface, entity in annotations:
            name = entity[ENTITY_ATTRIBUTE_TYPE]
            if name in wanted or (not wanted and name not in with_regex):
                value = str(entity.get(ENTITY_ATTRIBUTE_VALUE, surface))
                values.setdefault(value, name)
                yield surface, name, value
        for surface, value in training_data.entity_synonyms.items():
            if value in values:
                yield surface, values[value], value
        names = set(values.values())
        for table in training_data.lookup_tables:
            if table["name"] in names or table["name"] in wanted:
                for element in table["elements"]:
                    yield element, table["name"], training_data.entity_synonyms.get(element.lower(), element)

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.table.phrases:
            return messages
        for message in messages:
            spans = [(token.start, token.end) for token in message.get(TOKENS, [])]
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: match.entity,
                    ENTITY_ATTRIBUTE_START: match.start,
                    ENTITY_ATTRIBUTE_END: match.end,
                    ENTITY_ATTRIBUTE_VALUE: match.value,
                }
                for match in self.table.find(message.get(TEXT, ""), spans)
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages
