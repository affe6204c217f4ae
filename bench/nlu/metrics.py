"""Pure metrics over gold and predicted labels: accuracy, macro-F1, MCC, OOS recall, in-scope accuracy, percentiles."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from bench.nlu.examples import OUT_OF_SCOPE


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of exact label matches (0.0 for no examples)."""
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean F1 over the labels present in `gold` (predictions of other labels count as errors)."""
    labels = sorted(set(gold))
    if not labels:
        return 0.0
    pairs = list(zip(gold, predicted, strict=True))
    scores: list[float] = []
    for label in labels:
        true_positive = sum(g == label and p == label for g, p in pairs)
        false_positive = sum(g != label and p == label for g, p in pairs)
        false_negative = sum(g == label and p != label for g, p in pairs)
        denominator = 2 * true_positive + false_positive + false_negative
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return sum(scores) / len(scores)


def matthews(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Multiclass Matthews correlation coefficient (Gorodkin's R_K, as scikit-learn computes it)."""
    pairs = list(zip(gold, predicted, strict=True))
    samples = len(pairs)
    correct = sum(g == p for g, p in pairs)
    true_counts = Counter(gold)
    predicted_counts = Counter(predicted)
    labels = set(true_counts) | set(predicted_counts)
    covariance = correct * samples - sum(true_counts[k] * predicted_counts[k] for k in labels)
    predicted_term = samples * samples - sum(predicted_counts[k] ** 2 for k in labels)
    true_term = samples * samples - sum(true_counts[k] ** 2 for k in labels)
    if predicted_term == 0 or true_term == 0:
        return 0.0
    return covariance / math.sqrt(predicted_term * true_term)


def out_of_scope_recall(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of out-of-scope gold examples predicted out of scope (0.0 when there are none)."""
    flagged = [p == OUT_OF_SCOPE for g, p in zip(gold, predicted, strict=True) if g == OUT_OF_SCOPE]
    return sum(flagged) / len(flagged) if flagged else 0.0


def in_scope_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Accuracy over the in-scope gold examples only (an out-of-scope prediction there is an error)."""
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if g != OUT_OF_SCOPE]
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Percentile by linear interpolation between closest ranks (numpy's default); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
