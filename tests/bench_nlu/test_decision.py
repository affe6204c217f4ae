"""Replaying the FallbackClassifier over recorded rankings, and choosing a threshold on validation data."""

from __future__ import annotations

import pytest

from bench.nlu.decision import Fallback, Ranking, choose_threshold, decide
from bench.nlu.examples import OUT_OF_SCOPE as OOS
from bench.nlu.metrics import accuracy

FALLBACK = Fallback(threshold=0.5, ambiguity_threshold=0.1)


@pytest.mark.parametrize(
    ("ranking", "expected"),
    [
        (Ranking("greet", 0.9, 0.05), "greet"),  # confident and clear
        (Ranking("greet", 0.4, 0.1), OOS),  # below the threshold
        (Ranking("greet", 0.55, 0.5), OOS),  # top two closer than the ambiguity threshold
        (Ranking(OOS, 0.9, 0.05), OOS),  # the dataset's own out-of-scope intent
        (Ranking("greet", 0.6, None), "greet"),  # a single intent cannot be ambiguous
    ],
)
def test_decide_replays_fallback_classifier(ranking: Ranking, expected: str) -> None:
    """Rasa's rule: below threshold or ambiguous becomes out of scope."""
    assert expected == decide(ranking, FALLBACK)


def test_decide_without_fallback_is_top_intent() -> None:
    """Top-1 accuracy uses the raw top intent."""
    assert decide(Ranking("greet", 0.01, 0.009), None) == "greet"


def test_choose_threshold_picks_best_and_lowest_on_ties() -> None:
    """Low-confidence wrong guesses on out-of-scope messages are caught by a threshold just above them."""
    gold = ["a", "b", OOS, OOS]
    rankings = [Ranking("a", 0.9), Ranking("b", 0.7), Ranking("a", 0.3), Ranking("b", 0.35)]
    assert choose_threshold(gold, rankings, 0.0, accuracy, [0.1, 0.2, 0.4, 0.6, 0.8]) == 0.4
