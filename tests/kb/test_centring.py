"""Language-mean centring: pure vector helpers, and an index built with centred scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kb import Encoder, Retriever, build_index
from kb.centring import CENTRED, centre, language_means, mean_for
from kb.errors import IndexError_
from kb.store import read_index
from tests.kb.articles_fixture import write_articles


def test_language_means_per_language_and_overall() -> None:
    """Each language's mean, plus the mean of all rows under "_all"."""
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    means = language_means(vectors, ["en", "en", "es"])
    assert means["en"].tolist() == [0.5, 0.5]
    assert means["es"].tolist() == [1.0, 1.0]
    assert np.allclose([2 / 3, 2 / 3], means["_all"])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", [1.0, 1.0]),  # a language with chunks: its own mean
        ("de", [2 / 3, 2 / 3]),  # no German chunks: the mean of all chunks
    ],
)
def test_mean_for_falls_back_to_all_chunks(language: str, expected: list[float]) -> None:
    """A question in a language without chunks is centred on the overall mean."""
    means = language_means(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32), ["en", "en", "es"])
    assert np.allclose(expected, mean_for(means, language))


def test_centring_removes_the_shared_language_direction() -> None:
    """Two Spanish texts that share a "Spanish" offset become orthogonal once the offset is removed."""
    offset = np.array([0.0, 0.0, 3.0], dtype=np.float32)
    rows = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32) + offset
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    centred = centre(rows, ["es", "es"], language_means(rows, ["es", "es"]))
    assert float(rows[0] @ rows[1]) > 0.8
    assert float(centred[0] @ centred[1]) == pytest.approx(-1.0, abs=1e-5)


@given(arrays(np.float32, (6, 4), elements=st.floats(-1, 1, width=32)))
def test_centred_rows_are_unit_or_zero(vectors: np.ndarray) -> None:
    """Every centred row has norm 1 (or 0 when it equals its language's mean)."""
    languages = ["en", "es", "en", "ar", "es", "en"]
    norms = np.linalg.norm(centre(vectors, languages, language_means(vectors, languages)), axis=1)
    assert np.all(np.isclose(norms, 1.0, atol=1e-3) | (norms < 1e-3))


@pytest.fixture(scope="module")
def centred_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """The fixture articles built with centred scoring."""
    root = tmp_path_factory.mktemp("kb-centred")
    articles = write_articles(root / "articles")
    build_index(articles, root / "index", encoder.name, encoder=encoder, scoring=CENTRED)
    return root / "index"


def test_centred_build_records_scoring_and_means(centred_index: Path) -> None:
    """meta.json says "centred"; the means are stored; FAISS holds centred vectors, embeddings.npy raw ones."""
    assert json.loads((centred_index / "meta.json").read_text())["scoring"] == CENTRED
    stored = read_index(centred_index)
    assert {"en", "es", "pt", "fr", "ar", "zh", "_all"} == set(stored.language_means)
    languages = [chunk.language for chunk in stored.chunks]
    expected = centre(stored.embeddings, languages, stored.language_means)
    assert np.allclose(expected, stored.index.reconstruct_n(0, stored.index.ntotal), atol=1e-5)


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("¿en cuántos días me llega el pedido?", "es", "shipping-times"),  # same language
        ("quando chega a minha encomenda?", "pt", "shipping-times"),
        ("نسيت كلمة السر ولا أستطيع الدخول", "ar", "reset-password"),
        ("os cartões-presente têm validade?", "pt", "gift-cards"),  # cross-lingual: no pt text at all
    ],
)
def test_centred_retriever_finds_the_right_article(
    centred_index: Path, encoder: Encoder, question: str, language: str, expected: str
) -> None:
    """Centred scoring still matches across languages, including an article without the customer's language."""
    hits = Retriever.load(centred_index, encoder=encoder).search(question, language)
    assert expected == hits[0].article_id


def test_centred_threshold_withholds_out_of_scope(centred_index: Path, encoder: Encoder) -> None:
    """The threshold calibrated on centred scores still says "no answer" far from every article."""
    retriever = Retriever.load(centred_index, encoder=encoder)
    assert retriever.answer("what is the capital of Australia", "en") is None
    assert retriever.answer("I forgot my password and can't sign in", "en") is not None


def test_switching_scoring_rebuilds_without_embedding(tmp_path: Path, encoder: Encoder) -> None:
    """Cosine then centred: a new build (the hash covers the scoring) that reuses every stored vector."""
    articles = write_articles(tmp_path / "articles")
    build_index(articles, tmp_path / "index", encoder.name, encoder=encoder)
    result = build_index(articles, tmp_path / "index", encoder.name, encoder=encoder, scoring=CENTRED)
    assert (result.status, result.embedded, result.meta.scoring) == ("built", 0, CENTRED)
    back = build_index(articles, tmp_path / "index", encoder.name, encoder=encoder)
    assert (back.status, back.meta.scoring) == ("built", "cosine")
    assert not (tmp_path / "index" / "language_means.npz").exists()


def test_unknown_scoring_is_refused(tmp_path: Path, encoder: Encoder) -> None:
    """A misspelt scoring fails before anything is built."""
    articles = write_articles(tmp_path / "articles")
    with pytest.raises(IndexError_, match="unknown scoring 'centered'"):
        build_index(articles, tmp_path / "index", encoder.name, encoder=encoder, scoring="centered")
    assert not (tmp_path / "index" / "meta.json").exists()
