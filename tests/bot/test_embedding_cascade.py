"""The linear classifier's cascade: which messages it embeds, and the confidence it chooses for skipping the rest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.embedding_cascade import NEVER_SKIP, choose_skip_confidence
from bot.components.linear_intent_classifier import LinearIntentClassifier


def test_the_lowest_confidence_without_a_net_loss_is_chosen() -> None:
    """Sorted by the counts model's confidence: 0.95 both right, 0.9 only counts right (a win), 0.8 only the
    embedding right (a loss, offset by the win), 0.7 and 0.6 only the embedding right. Skipping down to 0.8 loses
    nothing net; 0.7 would."""
    labels = np.array([0, 0, 0, 0, 0])
    top = np.array([0.95, 0.9, 0.8, 0.7, 0.6])
    counts_right = np.array([True, True, False, False, False])
    embedded_right = np.array([True, False, True, True, True])
    counts = np.column_stack([np.where(counts_right, top, 0.0), np.where(counts_right, 0.0, top)])
    embedded = np.column_stack([embedded_right * 0.9, ~embedded_right * 0.9])
    choice = choose_skip_confidence(counts, embedded, labels)
    assert choice.confidence == 0.8
    assert (choice.skipped, choice.examples, choice.lost, choice.won) == (3, 5, 1, 1)


def test_nothing_is_skipped_when_the_most_confident_example_is_already_a_loss() -> None:
    counts = np.array([[0.1, 0.9], [0.8, 0.2]])
    embedded = np.array([[0.9, 0.1], [0.9, 0.1]])
    choice = choose_skip_confidence(counts, embedded, np.array([0, 0]))
    assert choice.confidence == NEVER_SKIP and choice.skipped == 0


def test_tied_confidences_are_judged_together() -> None:
    """Two examples share the top confidence: the first alone would be fine, both together are a loss."""
    counts = np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.2]])
    embedded = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1]])
    choice = choose_skip_confidence(counts, embedded, np.array([0, 0, 0]))
    assert choice.confidence == NEVER_SKIP


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="do not match"):
        choose_skip_confidence(np.zeros((2, 3)), np.zeros((2, 2)), np.array([0, 1]))


class CountingEncoder:
    """Stands in for USE: a fixed vector per known text (zeros otherwise), and a record of what was embedded."""

    dim = 2

    def __init__(self, vectors: dict[str, tuple[float, float]]) -> None:
        self.vectors = vectors
        self.embedded: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return np.array([self.vectors.get(text, (0.0, 0.0)) for text in texts], dtype=np.float32)


WORDS = ["hello", "bye", "refund", "hi"]


def message(text: str, intent: str | None = None) -> Message:
    """A message with the sparse sentence counts a featurizer would give it (one column per word of WORDS)."""
    data: dict[str, Any] = {TEXT: text}
    if intent:
        data[INTENT] = intent
    result = Message(data=data)
    row = [[text.split().count(word) for word in WORDS]]
    result.add_features(Features(scipy.sparse.coo_matrix(np.array(row)), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    return result


def trained(tmp_path: Path, encoder: CountingEncoder, **config: Any) -> LinearIntentClassifier:
    """ "hi" means hello in some examples and bye in others (think "ciao"): only the embedding tells them apart."""
    examples = [("hello", "greet"), ("hello there", "greet"), ("hi", "greet"), ("hi there", "greet")]
    examples += [("bye", "goodbye"), ("bye now", "goodbye"), ("hi", "goodbye"), ("hi now", "goodbye")]
    examples += [("refund", "refund"), ("refund please", "refund"), ("refund now", "refund"), ("my refund", "refund")]
    classifier = LinearIntentClassifier(
        {**LinearIntentClassifier.get_default_config(), "sentence_encoder": "usem3", "calibration_folds": 2, **config},
        LocalModelStorage(tmp_path),
        Resource("linear"),
        encoders={"usem3": encoder},
    )
    classifier.train(TrainingData([message(text, intent) for text, intent in examples]))
    encoder.embedded.clear()
    return classifier


def test_a_confident_message_is_not_embedded_and_an_unsure_one_is(tmp_path: Path) -> None:
    """With the counts model answering at 0.6 and above: "refund please" is decided by its counts; "hi" (as often
    greet as goodbye in the examples) is embedded, and its embedding decides."""
    encoder = CountingEncoder({"hi": (-1.0, 0.0), "hi there": (1.0, 0.0), "hi now": (-1.0, 0.0), "hello": (1.0, 0.0)})
    classifier = trained(tmp_path, encoder, skip_embedding_above=0.6)
    assert classifier.model is not None and classifier.embedding_model is not None
    [confident, unsure] = classifier.process([message("refund please"), message("hi")])
    assert confident.get(INTENT)["name"] == "refund"
    assert confident.get(INTENT)["confidence"] >= 0.6
    assert unsure.get(INTENT)["name"] == "goodbye"  # the embedding of "hi" is the goodbye examples'
    assert encoder.embedded == ["hi"]


def test_never_embeds_every_message(tmp_path: Path) -> None:
    encoder = CountingEncoder({})
    classifier = trained(tmp_path, encoder, skip_embedding_above="never")
    classifier.process([message("refund please"), message("hello")])
    assert encoder.embedded == ["refund please", "hello"]


def test_auto_chooses_a_confidence_from_the_training_examples(tmp_path: Path) -> None:
    """The chosen confidence is one the counts model gave a training example (or NEVER_SKIP), and it survives
    saving and loading."""
    encoder = CountingEncoder({"hi": (-1.0, 0.0), "hi there": (1.0, 0.0), "hi now": (-1.0, 0.0)})
    classifier = trained(tmp_path, encoder)
    assert 0.0 < classifier.skip_embedding_above <= 1.0 or classifier.skip_embedding_above == NEVER_SKIP
    loaded = LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), "sentence_encoder": "usem3"},
        classifier._storage,
        Resource("linear"),
        None,  # type: ignore[arg-type]
    )
    assert loaded.skip_embedding_above == classifier.skip_embedding_above
    assert loaded.embedding_model is not None and loaded.embedding_model.blocks == ["words", "sentence_encoder:usem3"]
