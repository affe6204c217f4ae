"""A tiny NLU model trained with our tokenizer and detector in the pipeline, then loaded and used.

Proves that both components go through Rasa's real training graph, model storage and model loading.
Training is kept small (two intents, a few examples, a few epochs): about half a minute on one core.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.agent import Agent

from tests.bot.tiny_model import parse, train_tiny

CONFIG = """
recipe: default.v1
language: en
assistant_id: nlu-components-test
pipeline:
  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: DIETClassifier
    epochs: 25
    constrain_similarities: true
    random_seed: 1
  - name: bot.components.language_detector.LanguageDetector
    supported_languages: [en, es, pt, fr, ar, zh]
"""

NLU = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi there
    - hello
    - hola
    - buenos días
    - olá, tudo bem
    - bonjour
    - مرحبا
    - السلام عليكم
    - 你好
    - 您好
- intent: check_order_status
  examples: |
    - where is my order [NB-204519](order_id)?
    - track order [NB-100200](order_id)
    - dónde está mi pedido [NB-555111](order_id)
    - cadê meu pedido [NB-777000](order_id)
    - où est ma commande [NB-123123](order_id)
    - أين طلبي [NB-888999](order_id)
    - 我的订单[NB-246810](order_id)在哪里
    - 查一下订单[NB-135790](order_id)
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    """Train the tiny model once for this module and load it from its archive."""
    return train_tiny(tmp_path_factory.mktemp("nlu_model"), CONFIG, NLU)


def languages(result: dict[str, Any]) -> list[str]:
    """The detected_language entity values of a parse result."""
    return [entity["value"] for entity in result["entities"] if entity["entity"] == "detected_language"]


def test_trained_model_detects_language_and_keeps_other_entities(agent: Agent) -> None:
    """The loaded model classifies, extracts the order id, and adds the detected language."""
    result = parse(agent, "dónde está mi pedido NB-204519")
    assert result["intent"]["name"] == "check_order_status"
    assert languages(result) == ["es"]
    assert result["language_detection"]["language"] == "es"


def test_trained_model_tokenizes_chinese_and_detects_it(agent: Agent) -> None:
    """Chinese goes through the tokenizer and DIET, and the script decides the language."""
    result = parse(agent, "我的订单在哪里")
    assert result["intent"]["name"] == "check_order_status"
    assert languages(result) == ["zh"]


def test_trained_model_uses_the_locale_hint_only_for_unsure_text(agent: Agent) -> None:
    """A thumbs-up emits nothing alone, and the channel's language with a locale hint."""
    assert languages(parse(agent, "👍")) == []
    assert languages(parse(agent, "👍", {"locale": "pt-BR"})) == ["pt"]
