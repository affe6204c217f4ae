"""Index build: stored files and metadata, and rebuilds that embed only what changed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt
import pytest

from kb import ArticleError, Encoder, build_index, load_encoder
from kb.settings import DEFAULT_ENCODER
from kb.store import read_index
from tests.kb.articles_fixture import ARTICLES, write_articles


class CountingEncoder:
    """Wraps the real encoder and counts the passages and the queries it embeds."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.passages = 0
        self.queries = 0

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Delegate and count."""
        self.queries += len(texts)
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Delegate and count."""
        self.passages += len(texts)
        return self.inner.encode_passages(texts)


def test_build_writes_index_and_metadata(built_index: Path) -> None:
    """meta.json names the model, dimension, content hash and a calibrated threshold."""
    meta = json.loads((built_index / "meta.json").read_text())
    assert meta["encoder"] == DEFAULT_ENCODER
    assert meta["dim"] == load_encoder(DEFAULT_ENCODER).dim
    assert len(meta["content_hash"]) == 64
    assert meta["index_type"] == "flat"
    assert meta["article_count"] == 3
    assert 0.0 < meta["threshold"] < 1.0
    assert meta["calibration"]["overall"]["examples"] > 0
    assert isinstance(meta["thresholds"], dict)
    stored = read_index(built_index)
    assert stored.index.ntotal == len(stored.chunks) == meta["chunk_count"]
    assert np.allclose(np.linalg.norm(stored.embeddings, axis=1), 1.0, atol=1e-4)
    assert "es" in stored.articles["shipping-times"].answers
    assert stored.articles["shipping-times"].urls["en"] == "https://help.nimbus.example/shipping"


def test_rebuild_embeds_only_what_changed(tmp_path: Path, encoder: Encoder) -> None:
    """Unchanged: nothing embedded. One edited paragraph: only that chunk. --force: everything."""
    articles = write_articles(tmp_path / "articles")
    counting = CountingEncoder(encoder)
    first = build_index(articles, tmp_path / "index", encoder.name, encoder=counting)
    assert first.status == "built"
    total = counting.passages
    assert total == first.embedded > 0

    again = build_index(articles, tmp_path / "index", encoder.name, encoder=counting)
    assert (again.status, again.embedded) == ("unchanged", 0)
    assert total == counting.passages

    edited = ARTICLES["reset-password"].replace("it is valid for 1 hour", "it is valid for 2 hours")
    (articles / "reset-password.md").write_text(edited, encoding="utf-8")
    third = build_index(articles, tmp_path / "index", encoder.name, encoder=counting)
    assert third.status == "built"
    assert third.embedded == 1  # the English short answer chunk of reset-password
    assert third.meta.content_hash != first.meta.content_hash
    assert "2 hours" in read_index(tmp_path / "index").articles["reset-password"].answers["en"]

    forced = build_index(articles, tmp_path / "index", encoder.name, encoder=counting, force=True)
    assert forced.embedded == total


def test_new_article_is_added(tmp_path: Path, encoder: Encoder) -> None:
    """Adding a file rebuilds with the new article; existing chunks are reused."""
    articles = write_articles(tmp_path / "articles", {"shipping-times": ARTICLES["shipping-times"]})
    build_index(articles, tmp_path / "index", encoder.name, encoder=encoder)
    write_articles(articles, {"gift-cards": ARTICLES["gift-cards"]})
    result = build_index(articles, tmp_path / "index", encoder.name, encoder=encoder)
    assert result.meta.article_count == 2
    assert result.reused > 0
    assert {"shipping-times", "gift-cards"} == set(read_index(tmp_path / "index").articles)


def test_strict_build_rejects_missing_translation(tmp_path: Path, encoder: Encoder) -> None:
    """--strict turns the missing pt/ar of gift-cards into an error, before anything is embedded."""
    articles = write_articles(tmp_path / "articles")
    with pytest.raises(ArticleError, match="missing translation"):
        build_index(articles, tmp_path / "index", encoder.name, encoder=encoder, strict=True)
    assert not (tmp_path / "index" / "meta.json").exists()


def test_empty_directory_is_an_error(tmp_path: Path, encoder: Encoder) -> None:
    """No articles: a clear error instead of an empty index."""
    (tmp_path / "articles").mkdir()
    with pytest.raises(ArticleError, match="no articles found"):
        build_index(tmp_path / "articles", tmp_path / "index", encoder.name, encoder=encoder)


def test_large_collection_uses_ivf_with_exact_top_hit(tmp_path: Path, encoder: Encoder) -> None:
    """Above the size threshold (lowered for the test) the index is IVF, and it finds what exact search finds."""
    articles = write_articles(tmp_path / "articles")
    result = build_index(articles, tmp_path / "ivf", encoder.name, encoder=encoder, ann_min_vectors=10)
    assert result.meta.index_type == "ivf"
    stored = read_index(tmp_path / "ivf")
    assert isinstance(stored.index, faiss.IndexIVFFlat)
    assert stored.index.nprobe == min(32, stored.index.nlist)
    query = encoder.encode_queries(["how long does delivery take"])
    exact = faiss.IndexFlatIP(stored.embeddings.shape[1])
    exact.add(stored.embeddings)
    assert exact.search(query, 1)[1][0][0] == stored.index.search(query, 1)[1][0][0]
