"""Answer, ask which article, or say there is none: the knowledge base's decision for one question (pure).

Each candidate article carries the signals the retriever measured: the first encoder's dense score (the
calibrated threshold applies to it), the reranker's score, the lexical score, the best cosine to the article's
labelled questions under each encoder and the article classifier's probability (kb.supervised). The order is
the sum of the z-scores of every signal over the candidates plus the lexical score (the same unweighted fusion
as kb.rerank, with the supervised signals added). Then:

- an article is *answerable* when its dense score reaches the threshold, or when the classifier is
  confident enough on its own (``rescue_probability``: paraphrases far from every chunk but close to
  labelled questions);
- the best article is answered when it leads the next one by ``answer_gap`` (in z units) or nothing else is
  within ``clarify_gap``; otherwise the customer is asked to choose among the two or three articles within
  ``clarify_gap`` of the best;
- a question that is not answerable but whose best article still has ``clarify_probability`` is asked as a
  choice too; below that nothing is close and the bot says so.

With a learned ranker (kb.learned: each candidate's probability of being the question's article, fitted on
labelled questions), that probability orders the candidates and decides (:func:`decide_learned`), with the
classifier's out-of-scope probability choosing between a strict and a lower answer level.

The parameters were chosen on the first held-out set (bench/kb/README.md), never on the second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from kb.rerank import standardise

__all__ = [
    "Candidate",
    "Decision",
    "DecisionKind",
    "DecisionParams",
    "LearnedParams",
    "decide",
    "decide_learned",
    "fuse",
]


class DecisionKind(StrEnum):
    """What the bot does with a question."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    NONE = "none"


@dataclass(frozen=True)
class LearnedParams:
    """Where the learned decision changes (kb.learned gives each candidate its probability of being right).

    Answer the best candidate from ``answer_probability`` (or from ``safe_answer_probability`` when the classifier
    gives the question at most ``safe_out_of_scope`` of being out of scope) when the runner-up is below
    ``answer_ratio`` of it; ask among the (two or three) candidates from ``choice_probability`` when together they
    reach ``clarify_probability``; else nothing is close.
    """

    answer_probability: float = 0.7
    # Out-of-scope questions that look like an article are what keeps the answer level high, so a question the
    # classifier clearly places in scope is answered from a lower probability.
    safe_answer_probability: float = 0.2
    safe_out_of_scope: float = 0.1
    answer_ratio: float = 0.7
    clarify_probability: float = 0.1
    choice_probability: float = 0.02
    max_choices: int = 3


@dataclass(frozen=True)
class DecisionParams:
    """Where the decision changes (see the module docstring)."""

    answer_gap: float = 1.0
    clarify_gap: float = 1.5
    rescue_probability: float = 0.25
    clarify_probability: float = 0.2
    max_choices: int = 3
    learned: LearnedParams | None = LearnedParams()  # None: the unweighted fusion decides even with a ranker


@dataclass(frozen=True)
class Candidate:
    """One candidate article: fused score (the order), dense score (the threshold's) and classifier probability.

    ``learned``: the learned ranker's probability that it is the question's article (kb.learned), when the index
    has one; then it alone orders the candidates and decides. ``out_of_scope``: the classifier's probability that
    the question is out of scope (the same for every candidate of a question; 1.0 when unknown).
    """

    article_id: str
    fused: float
    dense: float
    probability: float
    learned: float | None = None
    out_of_scope: float = 1.0


@dataclass(frozen=True)
class Decision:
    """``articles``: the answer (one), the choices (two or three, best first), or nothing."""

    kind: DecisionKind
    articles: tuple[str, ...] = ()


def fuse(signals: Sequence[Sequence[float]], lexical: Sequence[float]) -> list[float]:
    """Sum of each signal's z-scores over the candidates, plus the lexical score (one value per candidate)."""
    total = np.asarray(lexical, dtype=np.float64).copy()
    for column in signals:
        if len(column) != len(total):
            raise ValueError(f"one score per candidate expected, got {len(column)} and {len(total)}")
        total += standardise(column)
    return [float(value) for value in total]


def decide(candidates: Sequence[Candidate], threshold: float, params: DecisionParams = DecisionParams()) -> Decision:
    """The decision for candidates in any order (they are sorted by fused score, ties by article id)."""
    if not candidates:
        return Decision(DecisionKind.NONE)
    if params.learned is not None and all(item.learned is not None for item in candidates):
        learned = [float(item.learned or 0.0) for item in candidates]
        out_of_scope = max(item.out_of_scope for item in candidates)
        return decide_learned([item.article_id for item in candidates], learned, params.learned, out_of_scope)
    ordered = sorted(candidates, key=lambda item: (-item.fused, item.article_id))
    best = ordered[0]
    close = [item.article_id for item in ordered[: params.max_choices] if item.fused >= best.fused - params.clarify_gap]
    answerable = best.dense >= threshold or best.probability >= params.rescue_probability
    if answerable:
        leads = len(ordered) < 2 or best.fused - ordered[1].fused >= params.answer_gap
        if leads or len(close) < 2:
            return Decision(DecisionKind.ANSWER, (best.article_id,))
        return Decision(DecisionKind.CLARIFY, tuple(close))
    if best.probability >= params.clarify_probability and len(ordered) >= 2:
        choices = close if len(close) >= 2 else [item.article_id for item in ordered[:2]]
        return Decision(DecisionKind.CLARIFY, tuple(choices))
    return Decision(DecisionKind.NONE)


def decide_learned(
    article_ids: Sequence[str],
    probabilities: Sequence[float],
    params: LearnedParams = LearnedParams(),
    out_of_scope: float = 1.0,
) -> Decision:
    """Answer, ask which article, or nothing, from each candidate's probability of being the right one.

    ``out_of_scope``: the classifier's probability that the question is out of scope (1.0: unknown, so only
    ``answer_probability`` answers).
    """
    if not article_ids:
        return Decision(DecisionKind.NONE)
    order = sorted(range(len(article_ids)), key=lambda n: (-probabilities[n], article_ids[n]))
    best = probabilities[order[0]]
    runner_up = probabilities[order[1]] if len(order) > 1 else 0.0
    level = params.safe_answer_probability if out_of_scope <= params.safe_out_of_scope else params.answer_probability
    if best >= min(level, params.answer_probability) and runner_up < params.answer_ratio * best:
        return Decision(DecisionKind.ANSWER, (article_ids[order[0]],))
    choices = [n for n in order[: params.max_choices] if probabilities[n] >= params.choice_probability]
    if len(choices) >= 2 and sum(probabilities[n] for n in choices) >= params.clarify_probability:
        return Decision(DecisionKind.CLARIFY, tuple(article_ids[n] for n in choices))
    return Decision(DecisionKind.NONE)
