"""Helpers shared by the KB benchmarks: embedding with an on-disk cache, timing, table printing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kb.encoders import Encoder

Matrix = npt.NDArray[np.float32]


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
