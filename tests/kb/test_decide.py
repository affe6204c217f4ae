"""kb.decide: answer, clarify or nothing, from the candidates' fused scores, dense scores and probabilities."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.decide import Candidate, Decision, DecisionKind, DecisionParams, decide, fuse

T = 0.5  # the calibrated dense threshold in these cases
P = DecisionParams(answer_gap=1.0, clarify_gap=1.5, rescue_probability=0.45, clarify_probability=0.2, max_choices=3)


def c(article_id: str, fused: float, dense: float = 0.3, probability: float = 0.0) -> Candidate:
    """A candidate; by default below the threshold and unknown to the classifier."""
    return Candidate(article_id, fused, dense, probability)


CASES = [
    # nothing to choose from
    ([], Decision(DecisionKind.NONE)),
    # a clear leader over the threshold is answered
    ([c("a", 3.0, dense=0.7), c("b", 1.0, dense=0.6)], Decision(DecisionKind.ANSWER, ("a",))),
    # the order is the fused score, not the dense one
    ([c("a", 1.0, dense=0.9), c("b", 3.0, dense=0.6)], Decision(DecisionKind.ANSWER, ("b",))),
    # a single answerable candidate is answered
    ([c("a", 0.0, dense=0.6)], Decision(DecisionKind.ANSWER, ("a",))),
    # two close candidates: ask, best first
    ([c("b", 2.0, dense=0.7), c("a", 2.5, dense=0.6)], Decision(DecisionKind.CLARIFY, ("a", "b"))),
    # three close candidates, a fourth further away is not offered
    (
        [c("a", 2.0, dense=0.7), c("b", 1.8), c("c", 1.0), c("d", 0.1)],
        Decision(DecisionKind.CLARIFY, ("a", "b", "c")),
    ),
    # never more than max_choices buttons even if four are close
    (
        [c("a", 2.0, dense=0.7), c("b", 1.9), c("c", 1.8), c("d", 1.7)],
        Decision(DecisionKind.CLARIFY, ("a", "b", "c")),
    ),
    # below the threshold but the classifier is confident: rescued and answered
    ([c("a", 3.0, probability=0.6), c("b", 0.5)], Decision(DecisionKind.ANSWER, ("a",))),
    # below the threshold, unsure classifier, but something is close: ask between the two best
    ([c("a", 3.0, probability=0.3), c("b", 0.5), c("c", 0.1)], Decision(DecisionKind.CLARIFY, ("a", "b"))),
    # nothing close at all: no answer
    ([c("a", 3.0, probability=0.1), c("b", 2.9)], Decision(DecisionKind.NONE)),
    # equal fused scores: ties broken by article id, and they are close, so ask
    ([c("b", 1.0, dense=0.7), c("a", 1.0, dense=0.7)], Decision(DecisionKind.CLARIFY, ("a", "b"))),
    # the gap exactly at answer_gap answers
    ([c("a", 2.0, dense=0.7), c("b", 1.0)], Decision(DecisionKind.ANSWER, ("a",))),
]


@pytest.mark.parametrize(("candidates", "expected"), CASES)
def test_decision_table(candidates: list[Candidate], expected: Decision) -> None:
    """Each row of the decision table gives exactly the expected kind and articles."""
    assert expected == decide(candidates, T, P)


@given(
    st.lists(
        st.tuples(st.floats(-5, 5), st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=8, unique_by=lambda t: t[0]
    )
)
def test_invariants(rows: list[tuple[float, float, float]]) -> None:
    """Answers name one article, clarifications two or three distinct ones starting with the best; never unknown ids."""
    candidates = [Candidate(f"a{n}", fused, dense, probability) for n, (fused, dense, probability) in enumerate(rows)]
    decision = decide(candidates, T, P)
    best = max(candidates, key=lambda item: (item.fused, -int(item.article_id[1:])))
    ids = {item.article_id for item in candidates}
    assert set(decision.articles) <= ids
    if decision.kind is DecisionKind.ANSWER:
        assert (best.article_id,) == decision.articles
    elif decision.kind is DecisionKind.CLARIFY:
        assert 2 <= len(decision.articles) <= P.max_choices
        assert len(set(decision.articles)) == len(decision.articles)
        assert best.article_id == decision.articles[0]
    else:
        assert decision.articles == ()


def test_fuse_sums_z_scores_and_adds_lexical() -> None:
    """Two signals in opposite orders cancel out; the lexical score then decides."""
    fused = fuse([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], [0.0, 0.5, 0.0])
    assert pytest.approx([0.0, 0.5, 0.0]) == fused


def test_fuse_rejects_mismatched_columns() -> None:
    """A signal with a different number of candidates is a programming error, not a silent misalignment."""
    with pytest.raises(ValueError, match="one score per candidate"):
        fuse([[1.0, 2.0]], [0.0, 0.0, 0.0])


def test_learned_candidates_carry_the_question_out_of_scope_probability() -> None:
    """With a learned ranker, ``decide`` hands the candidates' out-of-scope probability to the learned decision: the
    same probabilities are answered for a question clearly in scope and asked about otherwise."""

    def learned(out_of_scope: float) -> list[Candidate]:
        return [
            Candidate("a", 1.0, 0.3, 0.2, learned=0.45, out_of_scope=out_of_scope),
            Candidate("b", 0.0, 0.3, 0.1, learned=0.2, out_of_scope=out_of_scope),
        ]

    assert Decision(DecisionKind.ANSWER, ("a",)) == decide(learned(0.02), T)
    assert Decision(DecisionKind.CLARIFY, ("a", "b")) == decide(learned(0.6), T)
