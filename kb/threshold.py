"""Choose the "no answer" threshold on data: a pure function over scored examples.

Each example is the best score the retriever gave a question, whether answering with
that top article would be right, and a weight (so that a few hundred in-scope questions
and a few dozen out-of-scope ones can count as two equal classes). A wrong answer costs
``wrong_cost`` times what a correct answer gains, since a handoff to a person is better
than a wrong article.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Calibration", "ScoredExample", "choose_threshold"]


@dataclass(frozen=True)
class ScoredExample:
    """Top score of one calibration question, whether its top article is the right answer, and its weight."""

    score: float
    correct: bool
    weight: float = 1.0


@dataclass(frozen=True)
class Calibration:
    """The chosen threshold and what it does on the calibration examples (counts, and the weighted utility)."""

    threshold: float
    answered_correct: int
    answered_wrong: int
    withheld: int
    examples: int
    wrong_cost: float
    utility: float


def _outcome(examples: Sequence[ScoredExample], threshold: float, wrong_cost: float) -> Calibration:
    answered = [example for example in examples if example.score >= threshold]
    correct = sum(1 for example in answered if example.correct)
    gain = sum(example.weight for example in answered if example.correct)
    loss = sum(example.weight for example in answered if not example.correct)
    return Calibration(
        threshold=threshold,
        answered_correct=correct,
        answered_wrong=len(answered) - correct,
        withheld=len(examples) - len(answered),
        examples=len(examples),
        wrong_cost=wrong_cost,
        utility=gain - wrong_cost * loss,
    )


def choose_threshold(examples: Sequence[ScoredExample], *, wrong_cost: float = 2.0, default: float) -> Calibration:
    """Return the threshold with the best utility; ties go to the higher (safer) threshold.

    Candidates are midpoints between consecutive distinct scores, so the threshold
    separates examples rather than sitting on one. With no examples, ``default`` is used.
    """
    if not examples:
        return _outcome(examples, default, wrong_cost)
    scores = sorted({example.score for example in examples})
    candidates = [scores[0] - 1e-6]
    candidates += [(low + high) / 2 for low, high in itertools.pairwise(scores)]
    candidates.append(scores[-1] + 1e-6)
    best = _outcome(examples, candidates[0], wrong_cost)
    for candidate in candidates[1:]:
        outcome = _outcome(examples, candidate, wrong_cost)
        if outcome.utility >= best.utility:
            best = outcome
    return best
