"""Ways to remove the language bias of a multilingual encoder, and ranking metrics, as pure numpy functions.

A multilingual encoder scores candidates in the question's own language higher than the right
answer in another language. Four remedies are compared in ``xquad_r.py``:

- per-language score standardisation at query time: the scores a question gives the candidates of
  one language are z-scored (or replaced by their rank) within that language, then merged;
- language-mean centering of the embeddings: each language's mean vector (estimated on that
  language's candidates) is subtracted from its candidates and from questions in that language,
  and the rows are normalised again;
- language subspace removal (LIR, after Yang et al. 2021, "A Simple and Effective Method To Eliminate
  the Self Language Bias in Multilingual Representations"): the top singular directions of each
  language's candidate embeddings carry mostly language identity; they are projected out of that
  language's candidates and questions, and the rows are normalised again;
- pivoting through the question's language: a candidate in another language is scored by how well it
  matches (as a translation would) the question's best candidates in the question's own language,
  mixed with its direct score. It uses the encoder's candidate-to-candidate similarity only, never
  the dataset's alignment of the languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int_]

__all__ = [
    "Metrics",
    "center",
    "language_means",
    "language_subspace",
    "pivot",
    "rank_normalise",
    "ranking_metrics",
    "remove_subspace",
    "row_z",
    "standardise",
]


def language_means(vectors: Matrix, labels: Labels) -> dict[int, Matrix]:
    """Mean vector of the rows of each language (``labels[i]`` is row i's language)."""
    return {int(label): vectors[labels == label].mean(axis=0) for label in np.unique(labels)}


def center(vectors: Matrix, labels: Labels, means: dict[int, Matrix]) -> Matrix:
    """Subtract each row's language mean and L2-normalise again."""
    shifted = vectors - np.stack([means[int(label)] for label in labels])
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return (shifted / np.maximum(norms, 1e-12)).astype(np.float32)


def language_subspace(vectors: Matrix, rank: int) -> Matrix:
    """The top ``rank`` right singular vectors (rows of the result) of one language's embeddings."""
    _, _, directions = np.linalg.svd(vectors.astype(np.float64), full_matrices=False)
    return directions[:rank].astype(np.float32)


def remove_subspace(vectors: Matrix, basis: Matrix) -> Matrix:
    """Project the rows of ``basis`` (orthonormal) out of every row and L2-normalise again."""
    kept = vectors - (vectors @ basis.T) @ basis
    norms = np.linalg.norm(kept, axis=1, keepdims=True)
    return (kept / np.maximum(norms, 1e-12)).astype(np.float32)


def standardise(scores: Matrix, labels: Labels) -> Matrix:
    """Z-score each question's scores within each candidate language (``labels`` per column)."""
    out = np.empty_like(scores, dtype=np.float32)
    for label in np.unique(labels):
        columns = labels == label
        block = scores[:, columns]
        mean = block.mean(axis=1, keepdims=True)
        std = block.std(axis=1, keepdims=True)
        out[:, columns] = (block - mean) / np.maximum(std, 1e-6)
    return out


def row_z(scores: Matrix) -> Matrix:
    """Z-score every row (one question's scores) over its columns."""
    mean = scores.mean(axis=1, keepdims=True)
    return ((scores - mean) / np.maximum(scores.std(axis=1, keepdims=True), 1e-6)).astype(np.float32)


def pivot(
    own: Matrix, own_to_other: Matrix, direct: Matrix, *, k: int, temperature: float, direct_weight: float
) -> Matrix:
    """Scores of another language's candidates through the question's ``k`` best own-language candidates.

    ``own``: questions x own-language candidates; ``own_to_other``: own-language candidates x the other
    language's candidates (the encoder's similarity); ``direct``: questions x the other language's
    candidates. The own-language top k are weighted by a softmax of their z-scored scores at
    ``temperature``; the result, z-scored per question, is mixed with the z-scored direct score.
    """
    z_own = row_z(own)
    top = np.argsort(-z_own, axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(z_own, top, axis=1)
    weights = np.exp((values - values[:, :1]) / temperature)
    weights /= weights.sum(axis=1, keepdims=True)
    through = np.einsum("qk,qkc->qc", weights, own_to_other[top])
    return (1.0 - direct_weight) * row_z(through) + direct_weight * row_z(direct)


def rank_normalise(scores: Matrix, labels: Labels) -> Matrix:
    """Replace scores by minus their rank within the candidate's language (best = 0).

    Candidates of equal rank in different languages are ordered by their per-language z-score,
    so the merged list interleaves languages, best z first.
    """
    z = standardise(scores, labels)
    out = np.empty_like(scores, dtype=np.float32)
    for label in np.unique(labels):
        columns = np.nonzero(labels == label)[0]
        order = np.argsort(-scores[:, columns], axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(len(columns))[None, :], axis=1)
        # A z-score stays far below 1000 in magnitude, so it only breaks ties between equal ranks.
        out[:, columns] = -ranks.astype(np.float32) + np.clip(z[:, columns], -999, 999) / 1000.0
    return out


@dataclass(frozen=True)
class Metrics:
    """Means over questions: mAP, recall@1, recall@10 (share of relevant in the top k), hit@1."""

    map: float
    r1: float
    r10: float
    hit1: float


def ranking_metrics(scores: Matrix, relevant: Sequence[set[int]]) -> Metrics:
    """Rank every candidate for every question (stable on ties) and compute :class:`Metrics`."""
    is_relevant = np.zeros(scores.shape, dtype=bool)
    for row, columns in enumerate(relevant):
        is_relevant[row, list(columns)] = True
    order = np.argsort(-scores, axis=1, kind="stable")
    hits = np.take_along_axis(is_relevant, order, axis=1)
    count = hits.sum(axis=1)
    precision = np.cumsum(hits, axis=1) / np.arange(1, scores.shape[1] + 1)[None, :]
    average_precision = (precision * hits).sum(axis=1) / np.maximum(count, 1)
    return Metrics(
        map=float(average_precision.mean()),
        r1=float((hits[:, :1].sum(axis=1) / np.maximum(count, 1)).mean()),
        r10=float((hits[:, :10].sum(axis=1) / np.maximum(count, 1)).mean()),
        hit1=float(hits[:, 0].mean()),
    )
