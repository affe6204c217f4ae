"""Grouping texts by meaning: average-linkage agglomerative clustering of sentence vectors, cut at a similarity
threshold (pure numpy, deterministic: ties go to the lowest index).

Rows are L2-normalised, so a dot product is the cosine similarity. Clusters merge while the mean similarity between
their members reaches the threshold; each member may carry a weight (how often the text was seen), which counts
when choosing a cluster's most central member but not in the linkage, so a frequent text does not pull others in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

# Mean cosine similarity between two groups' members from which they are one group (sentence-encoder scale).
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Cluster:
    """Member indices (ascending) and the most central one (highest weighted mean similarity to the others)."""

    members: tuple[int, ...]
    centre: int


def _centre(members: list[int], similarity: npt.NDArray[np.float64], weights: Sequence[float]) -> int:
    """The member most similar to the others, weighted by how often each was seen; ties: heavier, then lower."""
    if len(members) == 1:
        return members[0]
    block = similarity[np.ix_(members, members)]
    w = np.asarray([weights[m] for m in members], dtype=np.float64)
    scores = (block @ w - np.diag(block) * w) / np.maximum(w.sum() - w, 1e-12)
    order = sorted(range(len(members)), key=lambda i: (-round(float(scores[i]), 6), -w[i], members[i]))
    return members[order[0]]


def cluster(
    vectors: Matrix, weights: Sequence[float] | None = None, threshold: float = DEFAULT_THRESHOLD
) -> list[Cluster]:
    """Clusters of the rows of ``vectors``, in the order of their first member.

    Each step merges the two clusters with the highest average similarity while it is at least ``threshold``.
    """
    count = int(vectors.shape[0])
    if count == 0:
        return []
    chosen = [1.0] * count if weights is None else [float(w) for w in weights]
    if len(chosen) != count:
        raise ValueError("one weight per row")
    similarity = np.asarray(vectors @ vectors.T, dtype=np.float64)
    linkage = similarity.copy()
    np.fill_diagonal(linkage, -np.inf)
    sizes = np.ones(count, dtype=np.float64)
    members: list[list[int] | None] = [[index] for index in range(count)]
    for _step in range(count - 1):
        flat = int(np.argmax(linkage))
        first, second = divmod(flat, count)
        if linkage[first, second] < threshold:
            break
        keep, gone = min(first, second), max(first, second)
        # Average linkage (Lance-Williams): the merged cluster's similarity to each other one is the size-weighted
        # mean of its two parts'.
        merged = (sizes[keep] * linkage[keep] + sizes[gone] * linkage[gone]) / (sizes[keep] + sizes[gone])
        linkage[keep, :] = merged
        linkage[:, keep] = merged
        linkage[keep, keep] = -np.inf
        linkage[gone, :] = -np.inf
        linkage[:, gone] = -np.inf
        sizes[keep] += sizes[gone]
        members[keep] = [*(members[keep] or []), *(members[gone] or [])]
        members[gone] = None
    result = []
    for group in members:
        if group is None:
            continue
        ordered = sorted(group)
        result.append(Cluster(tuple(ordered), _centre(ordered, similarity, chosen)))
    return sorted(result, key=lambda c: c.members[0])
