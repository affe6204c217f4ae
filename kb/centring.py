"""Language-mean centring: remove the direction that says "this text is Spanish" from the embeddings.

Multilingual encoders place texts of one language near each other, so a question scores the
chunks in its own language higher than the same content in another language. Subtracting each
language's mean chunk vector from that language's chunks, and the customer language's mean from
the question, then normalising again, leaves mostly the content. Measured on the held-out demo
questions and on XQuAD-R in bench/kb/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["CENTRED", "COSINE", "SCORINGS", "centre", "language_means", "mean_for"]

Matrix = npt.NDArray[np.float32]

COSINE = "cosine"  # raw cosine between question and chunk embeddings
CENTRED = "centred"  # cosine after language-mean centring of questions and chunks
SCORINGS = (COSINE, CENTRED)
# Key of the mean of all chunks, used for a question in a language that has no chunks.
_ALL = "_all"


def language_means(embeddings: Matrix, languages: Sequence[str]) -> dict[str, Matrix]:
    """The mean embedding of each language's rows (``languages[i]`` is row i's), plus ``"_all"``: all rows."""
    codes = np.asarray(languages)
    means = {str(code): embeddings[codes == code].mean(axis=0).astype(np.float32) for code in sorted(set(languages))}
    if len(embeddings):
        means[_ALL] = embeddings.mean(axis=0).astype(np.float32)
    return means


def mean_for(means: Mapping[str, Matrix], language: str) -> Matrix:
    """The mean to subtract from a text in ``language`` (all chunks' mean when it has none of its own)."""
    return means[language] if language in means else means[_ALL]


def centre(vectors: Matrix, languages: Sequence[str], means: Mapping[str, Matrix]) -> Matrix:
    """Subtract each row's language mean and L2-normalise again (rows stay unit vectors)."""
    if not len(vectors):
        return np.asarray(vectors, dtype=np.float32)
    shifted = vectors - np.stack([mean_for(means, language) for language in languages])
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return np.ascontiguousarray(shifted / np.maximum(norms, 1e-12), dtype=np.float32)
