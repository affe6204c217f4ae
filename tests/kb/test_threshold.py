"""The "no answer" threshold is chosen on data: table cases and invariants."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kb.threshold import ScoredExample, choose_threshold

S = ScoredExample


def test_separable_scores_put_threshold_between_the_groups() -> None:
    """Right answers score 0.8-0.9, wrong ones 0.5-0.6: the threshold lies between."""
    examples = [S(0.9, True), S(0.85, True), S(0.8, True), S(0.6, False), S(0.5, False)]
    calibration = choose_threshold(examples, default=0.0)
    assert 0.6 < calibration.threshold < 0.8
    assert (calibration.answered_correct, calibration.answered_wrong, calibration.withheld) == (3, 0, 2)


def test_wrong_cost_makes_threshold_safer() -> None:
    """One wrong answer above one right one: worth it at cost 0.5, not at cost 2."""
    examples = [S(0.9, True), S(0.8, False), S(0.7, True)]
    assert choose_threshold(examples, wrong_cost=0.5, default=0.0).threshold < 0.7
    assert 0.8 < choose_threshold(examples, wrong_cost=2.0, default=0.0).threshold < 0.9


def test_weights_balance_classes() -> None:
    """Ten right answers at weight 0.1 weigh as much as one wrong answer at weight 1 (cost 1): withhold all."""
    examples = [S(0.9, True, 0.1)] * 10 + [S(0.95, False, 1.0)]
    assert choose_threshold(examples, wrong_cost=1.0, default=0.0).threshold > 0.9
    assert choose_threshold(examples, wrong_cost=0.5, default=0.0).threshold < 0.9


def test_no_examples_uses_default() -> None:
    """Nothing to calibrate on: the encoder's default threshold."""
    assert choose_threshold([], default=0.42).threshold == 0.42


def test_only_wrong_examples_answer_nothing() -> None:
    """When every top answer is wrong the threshold is above all scores."""
    calibration = choose_threshold([S(0.7, False), S(0.3, False)], default=0.0)
    assert calibration.threshold > 0.7
    assert calibration.answered_wrong == 0


examples_strategy = st.lists(
    st.builds(
        S, st.floats(min_value=-1, max_value=1, allow_nan=False), st.booleans(), st.floats(min_value=0.01, max_value=3)
    ),
    max_size=40,
)


@given(examples_strategy, st.floats(min_value=0.1, max_value=5))
def test_chosen_threshold_is_optimal_among_all_cuts(examples: list[ScoredExample], cost: float) -> None:
    """No other cut point gives a better utility than the chosen one."""
    chosen = choose_threshold(examples, wrong_cost=cost, default=0.0)
    for cut in [example.score for example in examples] + [2.0]:
        answered = [example for example in examples if example.score >= cut]
        utility = sum(e.weight for e in answered if e.correct) - cost * sum(e.weight for e in answered if not e.correct)
        assert utility <= chosen.utility + 1e-9
    assert chosen.examples == chosen.answered_correct + chosen.answered_wrong + chosen.withheld
