"""The second encoder: fusion arithmetic, what the build stores and reuses, and how the retriever orders with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kb import Encoder, EncoderError, IndexError_, Retriever, build_index
from kb.rerank import RERANK_LEXICAL_WEIGHT, article_maxima, fused_scores, standardise
from kb.store import read_index
from tests.kb.articles_fixture import ARTICLES, write_articles
from tests.kb.test_build import CountingEncoder


def test_standardise_is_zero_without_spread() -> None:
    """One candidate, or ties, carry no ranking information: all zeros instead of a division by zero."""
    assert standardise([0.7]).tolist() == [0.0]
    assert standardise([0.5, 0.5, 0.5]).tolist() == [0.0, 0.0, 0.0]
    assert standardise([]).tolist() == []
    values = standardise([1.0, 2.0, 3.0])
    assert values.mean() == pytest.approx(0.0)
    assert values.std() == pytest.approx(1.0)


def test_fusion_sums_z_scores_so_scales_do_not_matter() -> None:
    """A reranker on a compressed scale (cosines near 0.9) weighs as much as the first encoder."""
    first = [0.60, 0.58, 0.30]  # first encoder: A barely ahead of B
    second = [0.880, 0.905, 0.870]  # reranker: B clearly ahead, on a narrow scale
    fused = fused_scores(first, second, [0.0, 0.0, 0.0])
    assert fused[1] > fused[0] > fused[2]
    # Scaling either encoder's scores changes nothing.
    assert fused_scores([value * 3 for value in first], [value * 10 - 5 for value in second], [0, 0, 0]) == (
        pytest.approx(fused)
    )


def test_fusion_adds_the_lexical_signal_with_its_weight() -> None:
    """The lexical share is added as given, times the weight; it decides between otherwise equal candidates."""
    fused = fused_scores([0.5, 0.5], [0.9, 0.9], [0.0, 1.0])
    assert fused == pytest.approx([0.0, RERANK_LEXICAL_WEIGHT])
    assert fused_scores([0.5, 0.5], [0.9, 0.9], [0.0, 1.0], lexical_weight=0.0) == [0.0, 0.0]


def test_fusion_refuses_misaligned_inputs() -> None:
    """One score per candidate from every signal, or a clear error."""
    with pytest.raises(ValueError, match="one score per candidate"):
        fused_scores([0.1, 0.2], [0.3], [0.0, 0.0])


def test_article_maxima_take_each_articles_best_chunk() -> None:
    """An article's reranker score is its best chunk's."""
    vectors = np.array([[1, 0], [0, 1], [0.6, 0.8], [-1, 0]], dtype=np.float32)
    rows = {"a": np.array([0, 3]), "b": np.array([1, 2])}
    query = np.array([0.8, 0.6], dtype=np.float32)
    assert article_maxima(query, vectors, rows, ["b", "a"]) == pytest.approx([0.96, 0.8])


def test_build_stores_the_reranker_vectors(reranked_index: Path, encoder: Encoder, reranker: Encoder) -> None:
    """Metadata names both encoders; one reranker row per chunk, unit length; the threshold is the first encoder's."""
    stored = read_index(reranked_index)
    assert (stored.meta.encoder, stored.meta.reranker) == (encoder.name, reranker.name)
    assert stored.meta.reranker_dim == reranker.dim
    assert stored.rerank_embeddings is not None
    assert stored.rerank_embeddings.shape == (len(stored.chunks), reranker.dim)
    assert np.allclose(np.linalg.norm(stored.rerank_embeddings, axis=1), 1.0, atol=1e-3)
    assert 0.0 < stored.meta.threshold < 1.0


def test_rebuild_with_reranker_embeds_only_what_changed(tmp_path: Path, encoder: Encoder, reranker: Encoder) -> None:
    """Both encoders embed only the edited chunk; dropping the reranker re-embeds nothing and removes its file."""
    articles = write_articles(tmp_path / "articles")
    first_counter, second_counter = CountingEncoder(encoder), CountingEncoder(reranker)

    def build(name: str = reranker.name) -> object:
        return build_index(
            articles, tmp_path / "index", encoder.name, encoder=first_counter, reranker_name=name,
            reranker=second_counter if name else None,
        )  # fmt: skip

    first = build()
    assert first.rerank_embedded == first.embedded == second_counter.passages > 0
    assert build().status == "unchanged"

    edited = ARTICLES["reset-password"].replace("it is valid for 1 hour", "it is valid for 2 hours")
    (articles / "reset-password.md").write_text(edited, encoding="utf-8")
    again = build()
    assert (again.embedded, again.rerank_embedded) == (1, 1)

    plain = build("")
    assert (plain.status, plain.embedded, plain.rerank_embedded) == ("built", 0, 0)
    assert plain.meta.reranker == ""
    assert not (tmp_path / "index" / "rerank_embeddings.npy").exists()
    assert read_index(tmp_path / "index").rerank_embeddings is None

    back = build()
    assert (back.embedded, back.rerank_embedded) == (0, len(read_index(tmp_path / "index").chunks))


def test_truncated_reranker_file_is_a_clear_error(tmp_path: Path, reranked_index: Path) -> None:
    """Reranker vectors that do not match the chunks: rebuild, not a wrong answer."""
    copy = tmp_path / "index"
    copy.mkdir()
    for path in reranked_index.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    vectors = np.load(copy / "rerank_embeddings.npy")
    np.save(copy / "rerank_embeddings.npy", vectors[:-1])
    with pytest.raises(IndexError_, match="reranker vectors and chunks disagree"):
        read_index(copy)


def test_load_brings_the_reranker_named_in_the_index(reranked_index: Path) -> None:
    """Retriever.load reads the reranker's name from the index and loads it; hits carry its score (when it is
    asked: ``cascade=False`` asks it even where the first encoder's lead is clear)."""
    loaded = Retriever.load(reranked_index, cascade=False)
    assert loaded.reranker is not None and loaded.reranker.name == read_index(reranked_index).meta.reranker
    hit = loaded.search("¿cuántos días tarda en llegar mi paquete?", "es", k=1)[0]
    assert hit.article_id == "shipping-times"
    assert hit.rerank_score is not None and 0.0 < hit.rerank_score <= 1.0


def test_an_index_with_a_reranker_needs_it(reranked_index: Path, encoder: Encoder) -> None:
    """Leaving the reranker out, or passing another encoder as reranker, is refused with the reason."""
    stored = read_index(reranked_index)
    with pytest.raises(EncoderError, match="built with the reranker"):
        Retriever(stored, encoder)
    with pytest.raises(EncoderError, match="index has reranker"):
        Retriever(stored, encoder, reranker=encoder)


class ScriptedReranker:
    """A reranker whose query vector points at one chosen article's first chunk (to test the ordering)."""

    def __init__(self, stored_vectors: npt.NDArray[np.float32], row: int, name: str, dim: int) -> None:
        self.vector = stored_vectors[row]
        self.name = name
        self.dim = dim

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The chosen chunk's vector for every text."""
        return np.tile(self.vector, (len(texts), 1))

    encode_passages = encode_queries


@pytest.mark.parametrize("favoured", ["gift-cards", "reset-password"])
def test_reranker_reorders_but_the_score_and_threshold_stay_the_first_encoders(
    reranked_index: Path, encoder: Encoder, favoured: str
) -> None:
    """The reranker moves its favourite up (by the sum of z-scores); Hit.score is unchanged, so answer() keeps
    the calibrated decision on the first encoder's score."""
    stored = read_index(reranked_index)
    assert stored.rerank_embeddings is not None
    row = next(number for number, chunk in enumerate(stored.chunks) if chunk.article_id == favoured)
    scripted = ScriptedReranker(stored.rerank_embeddings, row, stored.meta.reranker, stored.meta.reranker_dim)
    reranked = Retriever(stored, encoder, reranker=scripted, lexical_weight=0.0, cascade=False)
    plain = Retriever(replace(stored, meta=replace(stored.meta, reranker=""), rerank_embeddings=None), encoder)
    plain_scores = {hit.article_id: hit.score for hit in plain.search("how long does delivery take", "en")}
    assert next(iter(plain_scores)) == "shipping-times"
    hits = reranked.search("how long does delivery take", "en")
    assert {hit.article_id: hit.score for hit in hits} == plain_scores
    # The order is z(first) + z(reranker), worked out here independently of kb.rerank.
    ids = list(plain_scores)
    first = np.array([plain_scores[article_id] for article_id in ids])
    second = np.array([
        max(float(stored.rerank_embeddings[number] @ scripted.vector)
            for number, chunk in enumerate(stored.chunks) if chunk.article_id == article_id)
        for article_id in ids
    ])  # fmt: skip
    combined = (first - first.mean()) / first.std() + (second - second.mean()) / second.std()
    assert [hit.article_id for hit in hits] == [ids[number] for number in np.argsort(-combined, kind="stable")]
    assert [hit.article_id for hit in hits].index(favoured) < ids.index(favoured)
    favoured_hit = next(hit for hit in hits if hit.article_id == favoured)
    assert favoured_hit.rerank_score == pytest.approx(1.0, abs=1e-5)
    answered = reranked.answer("how long does delivery take", "en")
    expected = hits[0].article_id if hits[0].score >= reranked.threshold else None
    assert (answered.article_id if answered else None) == expected


def test_answer_skips_the_reranker_when_nothing_can_be_answered(reranked_index: Path, encoder: Encoder) -> None:
    """Below the threshold no order gives an answer, so answer() does not embed with the reranker there; an
    in-scope question is re-ranked once. The decisions are the same as with the reranker always on."""
    stored = read_index(reranked_index)
    real = Retriever.load(reranked_index, encoder=encoder)
    assert real.reranker is not None
    counting = CountingEncoder(real.reranker)
    retriever = Retriever(stored, encoder, reranker=counting, cascade=False)  # kb.cascade: tests/kb/test_cascade.py
    queries: list[int] = []
    original = counting.encode_queries

    def counted(texts: Sequence[str]) -> npt.NDArray[np.float32]:
        queries.append(len(texts))
        return original(texts)

    counting.encode_queries = counted  # type: ignore[method-assign]
    off_topic = "who painted the Mona Lisa"
    assert retriever.search(off_topic, "en", k=1)[0].score < retriever.threshold  # far below: nothing to answer
    queries.clear()
    assert retriever.answer(off_topic, "en") is None
    assert queries == []
    hit = retriever.answer("how long does delivery take", "en")
    assert hit is not None and hit.article_id == "shipping-times" and hit.rerank_score is not None
    assert queries == [1]
    always = retriever.search(off_topic, "en", k=1)[0]
    assert always.rerank_score is not None and always.score < retriever.threshold
