"""A learned ranker and decider over the candidate articles' signals: one logistic regression, fitted on labelled data.

Per (question, candidate article) it reads the same signals as kb.decide's unweighted fusion (both encoders'
best chunk, the best cosine to the article's labelled questions under each encoder, the article classifier's
log-probability, the lexical score) and adds what an unweighted sum cannot express: each signal's raw value, its
distance to the best other candidate (the margin), the candidate's rank under the unweighted fusion and the
classifier's out-of-scope probability. The model gives the probability that the candidate is the question's
article (an out-of-scope question has none), so one number both orders the candidates and says whether to answer,
ask which article, or say there is none (kb.decide).

It is fitted at build time (kb.supervised) on labelled questions the classifier did not see (cross-fitting), never
on the held-out questions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kb.rerank import standardise

__all__ = [
    "FEATURE_NAMES",
    "LearnedRanker",
    "Signals",
    "candidate_features",
    "fit_binary",
]

Array = npt.NDArray[np.float64]

_SIGNALS = ("dense", "second", "near_first", "near_second", "log_proba")
FEATURE_NAMES: tuple[str, ...] = (
    *_SIGNALS,
    "lexical",
    *(f"z_{name}" for name in _SIGNALS),
    "fused",
    "fused_margin",
    *(f"{name}_margin" for name in _SIGNALS),
    "lexical_margin",
    "oos_log_proba",
    "is_top",
    "inverse_rank",
)


@dataclass(frozen=True)
class Signals:
    """The measured signals of one question's candidates (one value per candidate) and its out-of-scope log-prob."""

    article_ids: tuple[str, ...]
    dense: tuple[float, ...]
    second: tuple[float, ...]
    near_first: tuple[float, ...]
    near_second: tuple[float, ...]
    log_proba: tuple[float, ...]
    lexical: tuple[float, ...]
    oos_log_proba: float


def _margin(values: Array) -> Array:
    """Each value minus the best of the other values (positive only for a sole leader)."""
    if values.size < 2:
        return np.zeros_like(values)
    order = np.argsort(-values, kind="stable")
    best, runner_up = values[order[0]], values[order[1]]
    others_best = np.full_like(values, best)
    others_best[order[0]] = runner_up
    return values - others_best


def candidate_features(signals: Signals) -> Array:
    """One row of :data:`FEATURE_NAMES` per candidate."""
    raw = [np.asarray(getattr(signals, name), dtype=np.float64) for name in _SIGNALS]
    lexical = np.asarray(signals.lexical, dtype=np.float64)
    z = [standardise(getattr(signals, name)) for name in _SIGNALS]
    fused = lexical + np.sum(z, axis=0) if raw[0].size else lexical.copy()
    rank = np.empty(fused.size)
    rank[np.argsort(-fused, kind="stable")] = np.arange(fused.size)
    columns = [
        *raw,
        lexical,
        *z,
        fused,
        _margin(fused),
        *(_margin(column) for column in raw),
        _margin(lexical),
        np.full(fused.size, signals.oos_log_proba),
        (rank == 0).astype(np.float64),
        1.0 / (1.0 + rank),
    ]
    return np.stack(columns, axis=1)


def fit_binary(
    features: Array, labels: npt.NDArray[np.int_], *, c: float = 1.0, steps: int = 2000
) -> tuple[Array, float]:
    """L2-regularised logistic regression (weights, bias) on standardised features; deterministic.

    Objective as scikit-learn's ``LogisticRegression(C=c)``: summed log-loss + ||weights||^2 / (2c).
    """
    rows, dim = features.shape
    weights = np.zeros(dim)
    bias = 0.0
    target = labels.astype(np.float64)
    lipschitz = 0.25 * (float(np.linalg.norm(features, ord=2)) ** 2 + rows) + 1.0 / c
    step = 1.0 / lipschitz
    velocity_w, velocity_b = np.zeros(dim), 0.0
    for _ in range(steps):
        look_w, look_b = weights + 0.9 * velocity_w, bias + 0.9 * velocity_b
        probability = 1.0 / (1.0 + np.exp(-(features @ look_w + look_b)))
        error = probability - target
        velocity_w = 0.9 * velocity_w - step * (features.T @ error + look_w / c)
        velocity_b = 0.9 * velocity_b - step * float(error.sum())
        weights, bias = weights + velocity_w, bias + velocity_b
    return weights, float(bias)


@dataclass(frozen=True)
class LearnedRanker:
    """The fitted model: feature standardisation, weights and bias."""

    mean: Array
    scale: Array
    weights: Array
    bias: float

    def probabilities(self, signals: Signals) -> Array:
        """Probability that each candidate is the question's article."""
        features = (candidate_features(signals) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(features @ self.weights + self.bias)))
