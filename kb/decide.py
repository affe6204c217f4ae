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

The parameters were chosen on the first held-out set (bench/kb/README.md), never on the second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from kb.rerank import standardise

__all__ = ["Candidate", "Decision", "DecisionKind", "DecisionParams", "decide", "fuse"]


class DecisionKind(StrEnum):
    """What the bot does with a question."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    NONE = "none"


@dataclass(frozen=True)
class DecisionParams:
    """Where the decision changes (see the module docstring)."""

    answer_gap: float = 1.0
    clarify_gap: float = 1.5
    rescue_probability: float = 0.25
    clarify_probability: float = 0.2
    max_choices: int = 3


@dataclass(frozen=True)
class Candidate:
    """One candidate article: fused score (the order), dense score (the threshold's) and classifier probability."""

    article_id: str
    fused: float
    dense: float
    probability: float


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
