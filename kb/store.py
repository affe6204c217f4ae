"""The files of a built index under ``models/kb/`` and how to read and write them.

``meta.json`` (encoder, dimension, content hash, scoring, threshold, calibration), ``chunks.json``,
``articles.json`` (titles and short answers per language), ``embeddings.npy`` (the encoder's raw
vectors, reused by incremental rebuilds), ``index.faiss`` (the searched vectors: raw, or language-mean
centred when ``meta.scoring`` is ``centred``), for centred scoring ``language_means.npz`` and, when the
index has a second encoder that re-ranks the candidates (``meta.reranker``), ``rerank_embeddings.npy``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from kb.centring import CENTRED, COSINE, SCORINGS
from kb.chunks import Chunk
from kb.errors import IndexError_, IndexNotBuiltError

__all__ = [
    "ANN_MIN_VECTORS",
    "FORMAT_VERSION",
    "IVF_NPROBE",
    "ArticleEntry",
    "IndexMeta",
    "StoredIndex",
    "make_faiss_index",
    "read_index",
    "write_index",
]

FORMAT_VERSION = 1
# Below this many vectors exact search is fast enough; above it an IVF index, which bench/kb/ann.py found as
# accurate as HNSW and far quicker to build (every build rebuilds the FAISS index).
ANN_MIN_VECTORS = 50_000
IVF_NPROBE = 32
# HNSW settings compared in bench/kb/ann.py.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40


@dataclass(frozen=True)
class ArticleEntry:
    """What the bot needs to answer with an article, per language."""

    topic: str
    titles: dict[str, str]
    answers: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexMeta:
    """Metadata stored next to the vectors; an index is only used with the encoder that built it.

    ``threshold`` is the overall no-answer threshold, ``thresholds`` the per-language ones; both
    apply to scores of the ``scoring`` method (``cosine`` or ``centred``, see kb.centring) of ``encoder``.
    ``reranker`` names the second encoder whose chunk vectors re-rank the candidates (empty: none);
    ``rerank_margin`` is the first encoder's lead from which the reranker is skipped (None: never skipped;
    kb.cascade), ``cascade`` what that margin did on the calibration questions.
    ``language_encoders`` is the retriever each language's questions use (the registry's ``kb_encoder`` at build
    time); a language whose choice is the reranker alone is searched on the reranker's vectors and decided with
    ``alone_threshold`` (``alone_thresholds`` per language), calibrated on the reranker's scores.
    """

    encoder: str
    dim: int
    content_hash: str
    index_type: str
    chunk_count: int
    article_count: int
    threshold: float
    calibration: dict[str, Any]
    built_at: str
    thresholds: dict[str, float] = field(default_factory=dict)
    scoring: str = COSINE
    format: int = FORMAT_VERSION
    reranker: str = ""
    reranker_dim: int = 0
    rerank_margin: float | None = None
    cascade: dict[str, Any] = field(default_factory=dict)
    language_encoders: dict[str, str] = field(default_factory=dict)
    alone_threshold: float | None = None
    alone_thresholds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredIndex:
    """Everything a built index holds; ``language_means`` only with centred scoring, ``rerank_embeddings``
    (one row per chunk, the reranker's raw vectors) only with a reranker."""

    meta: IndexMeta
    chunks: list[Chunk]
    articles: dict[str, ArticleEntry]
    embeddings: npt.NDArray[np.float32]
    index: faiss.Index
    language_means: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)
    rerank_embeddings: npt.NDArray[np.float32] | None = None


def make_faiss_index(vectors: npt.NDArray[np.float32], *, ann_min_vectors: int = ANN_MIN_VECTORS) -> faiss.Index:
    """Exact inner-product search for small collections, IVF (nlist = sqrt(n)) from ``ann_min_vectors`` on."""
    dim = int(vectors.shape[1])
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(data) < max(ann_min_vectors, 1):
        flat = faiss.IndexFlatIP(dim)
        if len(data):
            flat.add(data)
        return flat
    nlist = max(1, int(np.sqrt(len(data))))
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(data), size=min(len(data), 50 * nlist), replace=False)
    ivf.train(data[np.sort(sample)])
    ivf.add(data)
    ivf.nprobe = min(IVF_NPROBE, nlist)
    return ivf


def index_type_name(index: faiss.Index) -> str:
    """``ivf`` or ``flat``, as stored in the metadata."""
    return "ivf" if isinstance(index, faiss.IndexIVF) else "flat"


def write_index(directory: Path, stored: StoredIndex) -> None:
    """Write all files; ``meta.json`` goes last so a reader never sees new metadata with old vectors."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "chunks.json").write_text(
        json.dumps([{**asdict(chunk), "key": chunk.key} for chunk in stored.chunks], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    (directory / "articles.json").write_text(
        json.dumps({key: asdict(entry) for key, entry in stored.articles.items()}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    np.save(directory / "embeddings.npy", stored.embeddings)
    faiss.write_index(stored.index, str(directory / "index.faiss"))
    means_path = directory / "language_means.npz"
    if stored.language_means:
        with means_path.open("wb") as handle:
            np.savez(handle, allow_pickle=False, **stored.language_means)
    else:
        means_path.unlink(missing_ok=True)
    rerank_path = directory / "rerank_embeddings.npy"
    if stored.rerank_embeddings is not None:
        np.save(rerank_path, stored.rerank_embeddings)
    else:
        rerank_path.unlink(missing_ok=True)
    (directory / "meta.json").write_text(json.dumps(asdict(stored.meta), indent=2), encoding="utf-8")


def read_meta(directory: Path) -> IndexMeta | None:
    """The stored metadata, or None when no index has been built there."""
    path = directory / "meta.json"
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        meta = IndexMeta(**raw)
    except (ValueError, TypeError) as error:
        raise IndexError_(f"meta.json is unreadable: {error}", index_dir=directory) from error
    return meta


def read_index(directory: Path) -> StoredIndex:
    """Read a built index; raise :class:`IndexNotBuiltError` when there is none."""
    meta = read_meta(directory)
    if meta is None:
        raise IndexNotBuiltError("no index here (run `python -m kb build`)", index_dir=directory)
    if meta.format != FORMAT_VERSION:
        raise IndexError_(f"index format {meta.format} is not {FORMAT_VERSION}: rebuild it", index_dir=directory)
    if meta.scoring not in SCORINGS:
        raise IndexError_(f"unknown scoring {meta.scoring!r} (known: {', '.join(SCORINGS)})", index_dir=directory)
    try:
        raw_chunks = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
        chunks = [
            Chunk(item["article_id"], item["language"], item["kind"], item["position"], item["text"])
            for item in raw_chunks
        ]
        raw_articles = json.loads((directory / "articles.json").read_text(encoding="utf-8"))
        articles = {key: ArticleEntry(**value) for key, value in raw_articles.items()}
        embeddings = np.load(directory / "embeddings.npy").astype(np.float32, copy=False)
        index = faiss.read_index(str(directory / "index.faiss"))
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = min(IVF_NPROBE, index.nlist)
        means: dict[str, npt.NDArray[np.float32]] = {}
        if meta.scoring == CENTRED:
            with np.load(directory / "language_means.npz") as stored_means:
                means = {key: stored_means[key].astype(np.float32) for key in stored_means.files}
        rerank = None
        if meta.reranker:
            rerank = np.load(directory / "rerank_embeddings.npy").astype(np.float32, copy=False)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise IndexError_(f"index files are unreadable: {error}", index_dir=directory) from error
    if index.ntotal != len(chunks) or embeddings.shape != (len(chunks), meta.dim) or index.d != meta.dim:
        raise IndexError_("index, embeddings and chunks disagree: rebuild it", index_dir=directory)
    if any(vector.shape != (meta.dim,) for vector in means.values()):
        raise IndexError_("language means and index disagree: rebuild it", index_dir=directory)
    if rerank is not None and rerank.shape != (len(chunks), meta.reranker_dim):
        raise IndexError_("reranker vectors and chunks disagree: rebuild it", index_dir=directory)
    return StoredIndex(
        meta=meta,
        chunks=chunks,
        articles=articles,
        embeddings=embeddings,
        index=index,
        language_means=means,
        rerank_embeddings=rerank,
    )
