"""kb.learned and kb.decide.decide_learned: the learned ranker's features, its fit, and the decision it drives."""

from __future__ import annotations

import numpy as np
import pytest

from kb.decide import Decision, DecisionKind, LearnedParams, decide_learned
from kb.learned import FEATURE_NAMES, LearnedRanker, Signals, candidate_features, fit_binary

P = LearnedParams(answer_probability=0.5, answer_ratio=0.5, clarify_probability=0.4, choice_probability=0.05)


@pytest.mark.parametrize(
    ("probabilities", "expected"),
    [
        ([], Decision(DecisionKind.NONE)),
        # a clear leader is answered
        ([0.9, 0.1, 0.02], Decision(DecisionKind.ANSWER, ("a",))),
        # the order is the probability, not the input order
        ([0.1, 0.8, 0.02], Decision(DecisionKind.ANSWER, ("b",))),
        # a runner-up at half the leader or more: ask, best first, only candidates above the choice level
        ([0.6, 0.35, 0.01], Decision(DecisionKind.CLARIFY, ("a", "b"))),
        ([0.3, 0.25, 0.2], Decision(DecisionKind.CLARIFY, ("a", "b", "c"))),
        # close but weak together: nothing
        ([0.15, 0.12, 0.04], Decision(DecisionKind.NONE)),
        # one weak candidate alone is not a choice
        ([0.45, 0.01, 0.01], Decision(DecisionKind.NONE)),
    ],
)
def test_decision_table(probabilities: list[float], expected: Decision) -> None:
    assert decide_learned(["a", "b", "c"][: len(probabilities)], probabilities, P) == expected


def signals(fused_like: list[float]) -> Signals:
    """Candidates whose every signal is ``fused_like`` (so their order is that list's)."""
    values = tuple(fused_like)
    return Signals(
        tuple(f"a{n}" for n in range(len(values))), values, values, values, values, values, values, oos_log_proba=-2.0
    )


def test_features_mark_the_leader_and_its_margin() -> None:
    features = candidate_features(signals([0.2, 0.9, 0.5]))
    assert features.shape == (3, len(FEATURE_NAMES))
    column = {name: features[:, n] for n, name in enumerate(FEATURE_NAMES)}
    assert column["is_top"].tolist() == [0.0, 1.0, 0.0]
    assert column["inverse_rank"].tolist() == [1 / 3, 1.0, 0.5]
    assert column["dense_margin"] == pytest.approx([0.2 - 0.9, 0.9 - 0.5, 0.5 - 0.9])
    assert column["oos_log_proba"].tolist() == [-2.0] * 3
    assert np.all(column["fused_margin"][[0, 2]] < 0) and column["fused_margin"][1] > 0


def test_fit_binary_reaches_the_regularised_optimum() -> None:
    generator = np.random.default_rng(7)
    features = generator.normal(size=(400, 5))
    labels = (features @ np.array([1.5, -2.0, 0.0, 0.5, 0.0]) + generator.normal(size=400) > 0).astype(np.int_)
    weights, bias = fit_binary(features, labels, c=1.0, steps=3000)
    probability = 1.0 / (1.0 + np.exp(-(features @ weights + bias)))
    gradient = features.T @ (probability - labels) + weights / 1.0
    assert np.abs(gradient).max() < 1e-3 and abs(float((probability - labels).sum())) < 1e-3
    assert weights[0] > 0.5 and weights[1] < -0.5


def test_ranker_prefers_the_candidate_its_weights_favour() -> None:
    dense = FEATURE_NAMES.index("dense")
    weights = np.zeros(len(FEATURE_NAMES))
    weights[dense] = 4.0
    ranker = LearnedRanker(np.zeros(len(FEATURE_NAMES)), np.ones(len(FEATURE_NAMES)), weights, 0.0)
    probabilities = ranker.probabilities(signals([0.1, 0.8, 0.3]))
    assert int(np.argmax(probabilities)) == 1 and np.all((probabilities > 0) & (probabilities < 1))


@pytest.mark.parametrize(
    ("out_of_scope", "expected"),
    [
        # the classifier places the question clearly in scope: the lower level answers
        (0.05, Decision(DecisionKind.ANSWER, ("a",))),
        # the classifier is unsure whether it is in scope at all: only the main level answers, so the bot asks
        (0.3, Decision(DecisionKind.CLARIFY, ("a", "b"))),
    ],
)
def test_a_question_clearly_in_scope_is_answered_from_a_lower_probability(
    out_of_scope: float, expected: Decision
) -> None:
    """Out-of-scope look-alikes keep the main answer level high; ``safe_answer_probability`` applies only when the
    classifier's out-of-scope probability is at most ``safe_out_of_scope``."""
    params = LearnedParams(
        answer_probability=0.7,
        safe_answer_probability=0.3,
        safe_out_of_scope=0.1,
        answer_ratio=0.5,
        clarify_probability=0.1,
        choice_probability=0.02,
    )
    assert expected == decide_learned(["a", "b", "c"], [0.45, 0.2, 0.01], params, out_of_scope)


def test_without_an_out_of_scope_probability_only_the_main_level_answers() -> None:
    """Callers that do not pass the classifier's out-of-scope probability keep the decision they had."""
    params = LearnedParams(answer_probability=0.7, safe_answer_probability=0.2, answer_ratio=1.0)
    assert Decision(DecisionKind.CLARIFY, ("a", "b")) == decide_learned(["a", "b"], [0.5, 0.1], params)
