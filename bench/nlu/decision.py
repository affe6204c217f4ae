"""The FallbackClassifier's decision, replayed over recorded intent rankings so thresholds can be swept without
retraining: an out-of-scope prediction when the top intent is the out-of-scope label, its confidence is below
`threshold`, or the top two are closer than `ambiguity_threshold` (rasa/nlu/classifiers/fallback_classifier.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.nlu.examples import OUT_OF_SCOPE


@dataclass(frozen=True)
class Ranking:
    """The classifier's top two intents for one message, before any fallback."""

    intent: str
    confidence: float
    second_confidence: float | None = None


@dataclass(frozen=True)
class Fallback:
    """FallbackClassifier settings."""

    threshold: float
    ambiguity_threshold: float


def decide(ranking: Ranking, fallback: Fallback | None) -> str:
    """The label the pipeline ends with: the top intent, or OUT_OF_SCOPE when the fallback fires."""
    if ranking.intent == OUT_OF_SCOPE or fallback is None:
        return ranking.intent
    if ranking.confidence < fallback.threshold:
        return OUT_OF_SCOPE
    if (
        ranking.second_confidence is not None
        and ranking.confidence - ranking.second_confidence < fallback.ambiguity_threshold
    ):
        return OUT_OF_SCOPE
    return ranking.intent


def decide_all(rankings: Sequence[Ranking], fallback: Fallback | None) -> list[str]:
    """`decide` for every ranking."""
    return [decide(ranking, fallback) for ranking in rankings]


def choose_threshold(
    gold: Sequence[str],
    rankings: Sequence[Ranking],
    ambiguity_threshold: float,
    score: Callable[[Sequence[str], Sequence[str]], float],
    candidates: Sequence[float],
) -> float:
    """The candidate threshold with the best `score` on (validation) data; the lowest one on ties."""
    best = candidates[0]
    best_score = float("-inf")
    for threshold in candidates:
        value = score(gold, decide_all(rankings, Fallback(threshold, ambiguity_threshold)))
        if value > best_score:
            best, best_score = threshold, value
    return best
