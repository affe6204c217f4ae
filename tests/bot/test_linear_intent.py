"""The linear intent classifier: TF-IDF blocks, Platt calibration, training, and the Rasa component inside a tiny
NLU model that is trained, saved, loaded and asked as the server asks it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.core.agent import Agent
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from sklearn.feature_extraction.text import TfidfTransformer

from bot.components.linear_intent import BlockWeights, Platt, fit_platt, train_linear_model
from bot.components.linear_intent_classifier import LinearIntentClassifier
from tests.bot.tiny_model import parse, train_tiny


def test_block_weights_are_sublinear_tf_idf_with_unit_rows() -> None:
    """The same numbers as scikit-learn's TfidfTransformer(sublinear_tf=True); an empty row stays zero."""
    counts = scipy.sparse.csr_matrix(np.array([[3, 0, 1, 0], [0, 2, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]))
    weights = BlockWeights.fit(counts)
    expected = TfidfTransformer(sublinear_tf=True).fit(counts).transform(counts).toarray()
    assert np.allclose(weights.apply(counts).toarray(), expected)
    assert np.allclose(weights.idf, TfidfTransformer().fit(counts).idf_)
    unseen = scipy.sparse.csr_matrix(np.array([[0, 0, 0, 5]]))  # a column no training row used: highest idf
    assert np.allclose(weights.apply(unseen).toarray(), [[0, 0, 0, 1]])
    nothing = scipy.sparse.csr_matrix((1, 4))  # a message without any of the block's n-grams (no regex matched)
    assert weights.apply(nothing).nnz == 0


def test_platt_recovers_a_known_sigmoid() -> None:
    """Scores drawn so that P(right | score) = sigmoid(3 x score - 1): the fit finds slope 3 and offset -1.
    Each example has one scored intent; the other column is an intent its fold never saw (-inf, left out)."""
    rng = np.random.default_rng(7)
    drawn = rng.uniform(-2, 2, size=20_000)
    right = rng.uniform(size=drawn.size) < Platt(3.0, -1.0)(drawn)
    scores = np.column_stack([drawn, np.full(drawn.size, -np.inf)])
    fitted = fit_platt(scores, np.where(right, 0, 1))
    assert fitted.slope == pytest.approx(3.0, rel=0.1)
    assert fitted.offset == pytest.approx(-1.0, abs=0.15)


def test_platt_stays_finite_when_the_scores_separate_perfectly() -> None:
    """Every right intent scores 1 and every other -1: a steep but finite sigmoid, confident on both sides."""
    scores = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]])
    fitted = fit_platt(scores, np.array([0, 1, 0]))
    assert np.isfinite([fitted.slope, fitted.offset]).all()
    assert fitted(np.array([1.0]))[0] > 0.7 > 0.3 > fitted(np.array([-1.0]))[0]


def _blocks(texts: list[str]) -> list[scipy.sparse.csr_matrix]:
    """Two blocks: words and character bigrams, counted over a fixed vocabulary of these texts."""
    words = sorted({word for text in texts for word in text.split()})
    bigrams = sorted({text[i : i + 2] for text in texts for i in range(len(text) - 1)})
    word_counts = [[text.split().count(word) for word in words] for text in texts]
    bigram_counts = [[sum(text[i : i + 2] == gram for i in range(len(text) - 1)) for gram in bigrams] for text in texts]
    return [scipy.sparse.csr_matrix(np.array(word_counts)), scipy.sparse.csr_matrix(np.array(bigram_counts))]


def test_trained_model_ranks_the_right_intent_with_a_higher_confidence() -> None:
    """Three intents, a few examples each: every training example is ranked first with its own intent, and the
    confidence of an example's intent is higher than that of a text sharing nothing with the training data."""
    examples = {
        "greet": ["hello there", "hi there", "hello friend", "good morning", "hi friend"],
        "order": ["where is my order", "track my order", "my order is late", "order status please", "where is it"],
        "refund": ["i want a refund", "refund my money", "give me a refund", "money back please", "refund now"],
    }
    texts = [text for items in examples.values() for text in items]
    labels = [intent for intent, items in examples.items() for _ in items]
    vocabulary_texts = [*texts, "zzz qqq"]
    blocks = _blocks(vocabulary_texts)
    model = train_linear_model(["words", "bigrams"], [block[: len(texts)] for block in blocks], labels, folds=5)
    confidences = model.confidences([block[: len(texts)] for block in blocks])
    assert [model.intents[i] for i in confidences.argmax(axis=1)] == labels
    unrelated = model.confidences([block[len(texts) :] for block in blocks])[0].max()
    assert unrelated < np.median(confidences.max(axis=1))


def test_training_needs_two_intents() -> None:
    """One intent cannot be classified: a clear error, not a degenerate model."""
    block = scipy.sparse.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match="at least two intents"):
        train_linear_model(["b"], [block], ["greet", "greet", "greet"])


@pytest.mark.parametrize("config", [{"C": 0.0}, {"calibration_folds": 1}])
def test_invalid_config_is_rejected(config: dict[str, float], tmp_path: Path) -> None:
    """A non-positive C or fewer than two folds is refused when the component is created."""
    settings = {**LinearIntentClassifier.get_default_config(), **config}
    with pytest.raises(InvalidConfigException, match="LinearIntentClassifier"):
        LinearIntentClassifier(settings, LocalModelStorage(tmp_path), Resource("linear"))


CONFIG = """
recipe: default.v1
language: xx
assistant_id: linear-intent-test
pipeline:
  - name: bot.components.multilingual_tokenizer.MultilingualTokenizer
  - name: RegexFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 3
    number_of_transformer_layers: 0
    random_seed: 1
  - name: bot.components.linear_intent_classifier.LinearIntentClassifier
    calibration_folds: 3
  - name: FallbackClassifier
    threshold: 0.5
    ambiguity_threshold: 0.1
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
    - 我的订单在哪里
- intent: talk_to_human
  examples: |
    - I want to talk to a person
    - connect me with an agent
    - can a human help me
    - quiero hablar con una persona
    - pásame con un agente
    - 我想和人工客服说话
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hola
    - buenos días
    - 你好
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    """A tiny model whose intents come from the linear classifier (DIET trains 3 epochs and is overruled)."""
    return train_tiny(tmp_path_factory.mktemp("linear_model"), CONFIG, NLU)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where is my order", "track_order"),
        ("donde esta mi pedido", "track_order"),  # accents missing
        ("quiero hablar con un agente", "talk_to_human"),
        ("我想找人工", "talk_to_human"),
        ("hola!", "greet"),
    ],
)
def test_saved_and_loaded_model_ranks_intents_with_calibrated_confidences(agent: Agent, text: str, intent: str) -> None:
    """Through training, persistence and loading: the intent and a full ranking with confidences in [0, 1]."""
    result = parse(agent, text)
    assert result["intent"]["name"] == intent
    ranking = result["intent_ranking"]
    assert ranking[0]["name"] == intent
    assert {item["name"] for item in ranking} == {"track_order", "talk_to_human", "greet"}
    assert all(0.0 <= item["confidence"] <= 1.0 for item in ranking)
    assert ranking == sorted(ranking, key=lambda item: -item["confidence"])
