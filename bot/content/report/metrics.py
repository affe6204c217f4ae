"""Per-language intent metrics computed from (truth, prediction) pairs: pure functions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageMetrics:
    """Quality of intent classification for one language."""

    language: str
    total: int
    accuracy: float
    macro_f1: float
    confusion: dict[tuple[str, str], int]
    labels: tuple[str, ...]
    fallback_rate: float = 0.0
    mistakes: tuple[tuple[str, str, str], ...] = ()

    def confused_pairs(self, limit: int = 5) -> list[tuple[str, str, int]]:
        """(true intent, predicted intent, count) of the most frequent mistakes."""
        mistakes = [(t, p, n) for (t, p), n in self.confusion.items() if t != p]
        return sorted(mistakes, key=lambda m: (-m[2], m[0], m[1]))[:limit]


FALLBACK_INTENT = "nlu_fallback"


def language_metrics(
    language: str,
    truth: Sequence[str],
    predicted: Sequence[str],
    texts: Sequence[str] = (),
) -> LanguageMetrics:
    """Accuracy, macro-F1 over the true intents, fallback rate, confusion counts and mistakes.

    A prediction of `nlu_fallback` counts as a mistake: the customer gets a clarifying question.
    """
    if len(truth) != len(predicted) or (texts and len(texts) != len(truth)):
        raise ValueError("truth, predictions and texts differ in length")
    confusion = Counter(zip(truth, predicted, strict=True))
    true_labels = sorted(set(truth))
    f1_scores = []
    for label in true_labels:
        tp = confusion[(label, label)]
        fp = sum(n for (t, p), n in confusion.items() if p == label and t != label)
        fn = sum(n for (t, p), n in confusion.items() if t == label and p != label)
        f1_scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    correct = sum(n for (t, p), n in confusion.items() if t == p)
    total = len(truth)
    labels = tuple(true_labels + sorted(set(predicted) - set(true_labels)))
    return LanguageMetrics(
        language=language,
        total=total,
        accuracy=correct / total if total else 0.0,
        macro_f1=sum(f1_scores) / len(f1_scores) if f1_scores else 0.0,
        confusion=dict(confusion),
        labels=labels,
        fallback_rate=predicted.count(FALLBACK_INTENT) / total if total else 0.0,
        mistakes=tuple((text, t, p) for text, t, p in zip(texts, truth, predicted, strict=False) if t != p),
    )
