"""The arithmetic of the linear intent classifier, without Rasa: weighting, training, calibration, prediction.

Features are the sentence vectors of the pipeline's featurizers, one block per featurizer. A sparse block (word
counts, character n-gram counts, regex matches) is weighted as TF-IDF with sublinear term frequency; a dense block
(a sentence embedding) is taken as it is. Every block is normalised to unit length, so that a block with many
n-grams does not drown the others. A linear SVM (one against the rest) scores every intent. Each score becomes a
probability through one sigmoid (Platt scaling) fitted on cross-validated scores of the training examples: how often
an example scored like that belongs to the intent. Unlike a softmax, which only sees how the scores differ, this
keeps the information that no intent scored well ("banana"), which is what the FallbackClassifier's threshold needs.

Those probabilities are one intent at a time, so two intents can both be near 1, and the FallbackClassifier's
ambiguity rule would then call a clear win ("remind me to set an alarm": reminder 1.0, alarm 0.986) a tie. The
confidences reported are therefore *exclusive* (the default): the probability that the intent is the message's one
intent, if at most one is, with the sigmoids taken as independent: odds_i / (1 + sum of all odds), where odds_i =
p_i / (1 - p_i). That is a softmax over the calibrated log-odds with one more, constant, "none of them" option, so
a message no intent fits still gets low confidences everywhere, and the confidences sum to at most 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse

__all__ = ["BlockWeights", "LinearIntentModel", "Platt", "fit_linear_model", "fit_platt"]

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BlockWeights:
    """How one featurizer's block is weighted: the inverse document frequency of every column of a block of counts,
    or, for a dense block (``dense``), no weighting at all (``idf`` is then all ones and only gives the width)."""

    idf: Matrix
    dense: bool = False

    @classmethod
    def fit(cls, counts: scipy.sparse.csr_matrix) -> BlockWeights:
        """Smoothed idf as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
        documents = counts.shape[0]
        frequency = np.bincount(counts.indices, minlength=counts.shape[1]) if counts.nnz else np.zeros(counts.shape[1])
        return cls(np.log((1.0 + documents) / (1.0 + frequency)) + 1.0)

    @classmethod
    def unweighted(cls, width: int) -> BlockWeights:
        """A dense block (e.g. a sentence embedding): its values are used as they are, only normalised."""
        return cls(np.ones(width), dense=True)

    def apply(self, counts: scipy.sparse.csr_matrix) -> scipy.sparse.csr_matrix:
        """Sublinear tf (1 + ln count) times idf (dense blocks: the values), each row scaled to unit length (empty
        rows stay zero)."""
        weighted = scipy.sparse.csr_matrix(counts, dtype=np.float64, copy=True)
        weighted.sum_duplicates()
        weighted.eliminate_zeros()
        if not self.dense:
            weighted.data = (1.0 + np.log(weighted.data)) * self.idf[weighted.indices]
        rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
        norms = np.sqrt(np.bincount(rows, weights=weighted.data**2, minlength=weighted.shape[0]))
        weighted.data /= norms[rows]  # only non-empty rows have data, and their norm is positive
        return weighted


@dataclass(frozen=True)
class Platt:
    """confidence = 1 / (1 + exp(-(slope x score + offset)))."""

    slope: float
    offset: float

    def __call__(self, scores: Matrix) -> Matrix:
        with np.errstate(over="ignore"):
            return np.asarray(1.0 / (1.0 + np.exp(-(self.slope * scores + self.offset))))

    def exclusive(self, scores: Matrix) -> Matrix:
        """Row by row, odds_i / (1 + sum of the odds) of the sigmoids (see the module docstring); -inf scores (an
        intent the model never saw) give 0. Computed on the log-odds, shifted by their maximum, so nothing overflows."""
        logits = self.slope * scores + self.offset
        shift = np.maximum(logits.max(axis=1, keepdims=True), 0.0)
        odds = np.exp(logits - shift)
        return np.asarray(odds / (np.exp(-shift) + odds.sum(axis=1, keepdims=True)))

    def confidences(self, scores: Matrix, exclusive: bool) -> Matrix:
        """`exclusive` confidences, or each intent's own sigmoid."""
        return self.exclusive(scores) if exclusive else self(scores)


def fit_platt(scores: Matrix, labels: npt.NDArray[np.int_]) -> Platt:
    """Fit the sigmoid on every finite (example, intent) score, the example's own intent as the positive.

    Platt's targets ((positives + 1) / (positives + 2) and 1 / (negatives + 2) instead of 1 and 0) keep the fit
    finite when the scores separate perfectly; Newton steps, halved while they do not lower the loss.
    """
    positive = np.zeros(scores.shape, dtype=bool)
    positive[np.arange(len(labels)), labels] = True
    finite = np.isfinite(scores)
    x, y = scores[finite], positive[finite]
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return Platt(1.0, 0.0)
    target = np.where(y, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def loss(slope: float, offset: float) -> float:
        z = slope * x + offset
        return float(np.sum(np.logaddexp(0.0, z) - target * z))

    slope, offset = 1.0, 0.0
    current = loss(slope, offset)
    for _ in range(100):
        p = Platt(slope, offset)(x)
        weight = p * (1 - p) + 1e-12
        gradient = np.array([np.sum((p - target) * x), np.sum(p - target)])
        hessian = np.array([[np.sum(weight * x * x), np.sum(weight * x)], [np.sum(weight * x), np.sum(weight)]])
        step = np.linalg.solve(hessian + 1e-9 * np.eye(2), gradient)
        scale = 1.0
        while scale > 1e-6 and loss(slope - scale * step[0], offset - scale * step[1]) > current:
            scale /= 2
        slope, offset = slope - scale * step[0], offset - scale * step[1]
        improved = loss(slope, offset)
        if current - improved < 1e-10:
            break
        current = improved
    return Platt(float(slope), float(offset))


@dataclass(frozen=True)
class LinearIntentModel:
    """A trained model: the intents, one weight block per featurizer, the SVM's weights and the calibration."""

    intents: list[str]
    blocks: list[str]  # featurizer names, in the column order of ``coef``
    weights: list[BlockWeights]
    coef: Matrix  # intents x features
    intercept: Matrix  # intents
    calibration: Platt
    # Each block's columns of ``coef``, transposed and contiguous (features x intents), made once: a sparse row times
    # a strided view of ``coef`` would copy the whole block for every message.
    _block_coef: list[Matrix] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bounds = np.cumsum([0, *(len(weights.idf) for weights in self.weights)])
        blocks = [np.ascontiguousarray(self.coef[:, start:end].T) for start, end in itertools.pairwise(bounds)]
        object.__setattr__(self, "_block_coef", blocks)

    def features(self, counts: Sequence[scipy.sparse.csr_matrix]) -> scipy.sparse.csr_matrix:
        """The weighted, normalised blocks side by side (``counts`` in the order of ``blocks``)."""
        return scipy.sparse.hstack(
            [weights.apply(block) for weights, block in zip(self.weights, counts, strict=True)], format="csr"
        )

    def scores(self, counts: Sequence[scipy.sparse.csr_matrix]) -> Matrix:
        """SVM scores, one row per message and one column per intent (block by block: no stacking per message)."""
        total = np.tile(self.intercept, (counts[0].shape[0], 1)) if counts else np.zeros((0, len(self.intents)))
        for weights, block, coef in zip(self.weights, counts, self._block_coef, strict=True):
            total += np.asarray(weights.apply(block) @ coef)
        return total

    def confidences(self, counts: Sequence[scipy.sparse.csr_matrix], exclusive: bool = True) -> Matrix:
        """Calibrated confidences, one row per message and one column per intent: exclusive (the default) or each
        intent's own sigmoid."""
        return self.calibration.confidences(self.scores(counts), exclusive)


def _svm(c: float, features: scipy.sparse.csr_matrix, labels: npt.NDArray[np.int_], seed: int) -> tuple[Matrix, Matrix]:
    """Weights and intercepts of a one-against-the-rest linear SVM (rows for two classes are made symmetric)."""
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=c, max_iter=10_000, random_state=seed)
    model.fit(features, labels)
    coef, intercept = np.asarray(model.coef_, dtype=np.float64), np.asarray(model.intercept_, dtype=np.float64)
    if len(model.classes_) == 2:  # sklearn keeps one row for two classes: the second class's
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    full_coef = np.zeros((int(labels.max()) + 1, features.shape[1]))
    full_intercept = np.full(int(labels.max()) + 1, -np.inf)
    full_coef[model.classes_], full_intercept[model.classes_] = coef, intercept
    return full_coef, full_intercept


def _cross_validated_scores(
    c: float, features: scipy.sparse.csr_matrix, labels: npt.NDArray[np.int_], folds: int, seed: int
) -> Matrix:
    """Scores of every example by a model trained without its fold (-inf for intents missing from that model)."""
    order = np.random.default_rng(seed).permutation(len(labels))
    scores = np.full((len(labels), int(labels.max()) + 1), -np.inf)
    # Deal each intent's examples round-robin over the folds, so every fold holds every intent it can.
    fold_of = np.empty(len(labels), dtype=int)
    for intent in np.unique(labels):
        members = order[labels[order] == intent]
        fold_of[members] = np.arange(len(members)) % folds
    for fold in range(folds):
        held = fold_of == fold
        if held.all() or len(np.unique(labels[~held])) < 2:
            continue
        coef, intercept = _svm(c, features[~held], labels[~held], seed)
        scores[held, : coef.shape[0]] = np.asarray(features[held] @ coef.T) + intercept
    return scores


def fit_linear_model(
    blocks: Sequence[str],
    counts: Sequence[scipy.sparse.csr_matrix],
    labels: Sequence[str],
    *,
    dense: Collection[str] = (),
    c: float = 1.0,
    folds: int = 5,
    seed: int = 0,
    exclusive: bool = True,
) -> tuple[LinearIntentModel, Matrix]:
    """Weight the blocks (those named in ``dense`` are embeddings, not counts), fit the SVM on every example and the
    calibration on ``folds``-fold scores. Also returns every training example's calibrated confidences (``exclusive``
    or not, as `LinearIntentModel.confidences`) from the model that did not see its fold (examples x intents; the
    folds depend only on the labels and the seed, so two models trained on the same examples with different blocks
    are judged on the same folds)."""
    intents = sorted(set(labels))
    if len(intents) < 2:
        raise ValueError(f"a classifier needs at least two intents, got {intents}")
    index = {intent: number for number, intent in enumerate(intents)}
    y = np.asarray([index[label] for label in labels])
    weights = [
        BlockWeights.unweighted(block.shape[1]) if name in dense else BlockWeights.fit(block.tocsr())
        for name, block in zip(blocks, counts, strict=True)
    ]
    unfitted = LinearIntentModel(intents, list(blocks), weights, np.zeros((0, 0)), np.zeros(0), Platt(1.0, 0.0))
    features = unfitted.features([block.tocsr() for block in counts])
    coef, intercept = _svm(c, features, y, seed)
    held_out_scores = _cross_validated_scores(c, features, y, max(2, folds), seed)
    calibration = fit_platt(held_out_scores, y)
    model = LinearIntentModel(intents, list(blocks), weights, coef, intercept, calibration)
    return model, calibration.confidences(held_out_scores, exclusive)
