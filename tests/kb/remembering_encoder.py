"""A real encoder that embeds each distinct text once per test session.

The index builds of tests/kb embed the same chunks and the same few thousand labelled questions again and again (every
build with a reranker fits the article classifier on them); the encoder is deterministic, so the vector it gave a text
once is the vector it would give again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from kb import Encoder
from kb.encoders import Matrix

__all__ = ["RememberingEncoder"]

Vectors = dict[str, npt.NDArray[np.float32]]


class RememberingEncoder:
    """Wraps a real encoder (same name and dimension) and keeps the vectors it returned, queries and passages apart
    (an encoder may embed them differently, e.g. with ``query:`` / ``passage:`` prefixes)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._queries: Vectors = {}
        self._passages: Vectors = {}

    def encode_queries(self, texts: Sequence[str]) -> Matrix:
        """The inner encoder's query vectors, computed only for texts not seen before."""
        return self._encode(texts, self._queries, self.inner.encode_queries)

    def encode_passages(self, texts: Sequence[str]) -> Matrix:
        """The inner encoder's passage vectors, computed only for texts not seen before."""
        return self._encode(texts, self._passages, self.inner.encode_passages)

    def _encode(self, texts: Sequence[str], memory: Vectors, encode: Callable[[Sequence[str]], Matrix]) -> Matrix:
        missing = list(dict.fromkeys(text for text in texts if text not in memory))
        if missing:
            memory.update(zip(missing, encode(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([memory[text] for text in texts]).astype(np.float32)
