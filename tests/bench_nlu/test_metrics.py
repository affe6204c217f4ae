"""Benchmark metrics, checked against hand-computed cases and scikit-learn on random labels."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import f1_score, matthews_corrcoef

from bench.nlu.examples import OUT_OF_SCOPE as OOS
from bench.nlu.metrics import (
    accuracy,
    in_scope_accuracy,
    macro_f1,
    matthews,
    out_of_scope_recall,
    percentile,
)

labels = st.sampled_from(["a", "b", "c", OOS])
pairs = st.lists(st.tuples(labels, labels), min_size=1, max_size=60)


def test_scope_metrics_on_a_hand_computed_case() -> None:
    """2 of 3 in-scope right, 1 of 2 out-of-scope flagged, 3 of 5 overall."""
    gold = ["a", "b", "c", OOS, OOS]
    predicted = ["a", "b", OOS, OOS, "a"]
    assert accuracy(gold, predicted) == 3 / 5
    assert in_scope_accuracy(gold, predicted) == 2 / 3
    assert out_of_scope_recall(gold, predicted) == 1 / 2


@given(pairs)
def test_macro_f1_matches_scikit_learn_over_gold_labels(data: list[tuple[str, str]]) -> None:
    """Macro-F1 over the labels present in gold equals scikit-learn's with those labels."""
    gold, predicted = [g for g, _ in data], [p for _, p in data]
    expected = f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)
    assert math.isclose(expected, macro_f1(gold, predicted), abs_tol=1e-9)


@given(pairs)
def test_matthews_matches_scikit_learn(data: list[tuple[str, str]]) -> None:
    """Multiclass MCC equals scikit-learn's matthews_corrcoef (HINT3's metric)."""
    gold, predicted = [g for g, _ in data], [p for _, p in data]
    assert math.isclose(matthews_corrcoef(gold, predicted), matthews(gold, predicted), abs_tol=1e-9)


def test_percentile_interpolates_like_numpy() -> None:
    """p50 of 1..4 is 2.5, p95 of 0..100 is 95, and no values give 0."""
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert math.isclose(95.0, percentile([float(v) for v in range(101)], 0.95))
    assert percentile([], 0.5) == 0.0
