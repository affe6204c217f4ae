"""Skipping the reranker when the first encoder's order is clear: the margin chosen at build time, the
calibration questions it is chosen on, and what the retriever does with it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kb import Encoder, Retriever
from kb.cascade import CascadeExample, cascade_examples, choose_margin
from kb.chunks import Chunk
from kb.rerank import lead
from kb.store import StoredIndex, read_index
from tests.kb.test_build import CountingEncoder


def test_lead_is_the_gap_between_the_two_best() -> None:
    """The best candidate's lead over the second, whatever the order given; infinite alone."""
    assert lead([0.2, 0.9, 0.5]) == pytest.approx(0.4)
    assert lead([0.7, 0.7]) == 0.0
    assert lead([0.3]) == float("inf")


def test_margin_skips_everything_when_the_reranker_never_changes_the_winner() -> None:
    """No question needs the reranker: skip from the smallest lead seen."""
    examples = [CascadeExample(margin, True, True) for margin in (0.3, 0.1, 0.05)]
    chosen = choose_margin(examples)
    assert (chosen.margin, chosen.skipped, chosen.lost, chosen.won) == (0.05, 3, 0, 0)


def test_margin_stops_above_the_first_lead_where_the_reranker_was_needed() -> None:
    """The reranker fixed a question with lead 0.1: skip only from between 0.1 and the next lead up."""
    examples = [
        CascadeExample(0.4, True, True),
        CascadeExample(0.2, False, False),
        CascadeExample(0.1, False, True),
        CascadeExample(0.02, True, True),
    ]
    chosen = choose_margin(examples)
    assert chosen.margin == pytest.approx(0.15)
    assert (chosen.examples, chosen.skipped, chosen.lost, chosen.won) == (4, 2, 0, 0)


def test_a_margin_never_splits_equal_leads() -> None:
    """Two questions with the same lead are skipped together or not at all."""
    examples = [CascadeExample(0.3, True, True), CascadeExample(0.1, True, True), CascadeExample(0.1, False, True)]
    chosen = choose_margin(examples)
    assert chosen.margin == pytest.approx(0.2)
    assert chosen.skipped == 1


def test_a_loss_is_accepted_only_when_the_skipped_questions_win_as_many_back() -> None:
    """Where the reranker made one question wrong and fixed another, skipping both is no worse (net)."""
    examples = [CascadeExample(0.5, True, False), CascadeExample(0.3, False, True), CascadeExample(0.1, False, True)]
    chosen = choose_margin(examples)
    assert chosen.margin == pytest.approx(0.2)
    assert (chosen.skipped, chosen.lost, chosen.won) == (2, 1, 1)


def test_no_margin_when_even_the_widest_lead_needs_the_reranker() -> None:
    """Nothing to calibrate on, or a loss at the top: the reranker is always asked."""
    assert choose_margin([]).margin is None
    chosen = choose_margin([CascadeExample(0.9, False, True), CascadeExample(0.2, True, True)])
    assert (chosen.margin, chosen.skipped) == (None, 0)


def _chunks() -> list[Chunk]:
    """Two articles; article a's question 0 in en and es, a body each, article b's question."""
    return [
        Chunk("a", "en", "question", 0, "where is my parcel"),
        Chunk("a", "es", "question", 0, "dónde está mi paquete"),
        Chunk("a", "en", "body", 0, "track your parcel online"),
        Chunk("b", "en", "question", 0, "reset my password"),
        Chunk("b", "en", "body", 0, "use the reset link"),
    ]


def test_calibration_questions_are_asked_without_themselves_or_their_translations() -> None:
    """Question 0 of article a would find itself (1.0) and its Spanish twin (0.99): both are masked, so its
    lead comes from the body chunks, and the reranker's own-chunk score is masked too."""
    chunks = _chunks()
    first = np.array([[1.0, 0.99, 0.60, 0.20, 0.50]], dtype=np.float32)
    second = np.array([[1.0, 1.0, 0.30, 0.10, 0.90]], dtype=np.float32)  # prefers b once a's questions are masked
    (example,) = cascade_examples(chunks, first, second, [0], threshold=0.5, lexical_weight=0.0)
    assert example.margin == pytest.approx(0.10)  # a's body 0.60 against b's body 0.50
    assert example.first_right
    assert not example.full_right


def test_calibration_leaves_out_questions_below_the_threshold() -> None:
    """Such questions are never re-ranked at run time (answer() skips the reranker below the threshold)."""
    chunks = _chunks()
    first = np.array([[1.0, 0.99, 0.40, 0.20, 0.30]], dtype=np.float32)
    second = np.ones((1, 5), dtype=np.float32)
    assert cascade_examples(chunks, first, second, [0], threshold=0.5, lexical_weight=0.0) == []


def _with_margin(stored: StoredIndex, margin: float | None) -> StoredIndex:
    return replace(stored, meta=replace(stored.meta, rerank_margin=margin))


def test_build_chooses_a_margin_on_the_sample_questions(reranked_index: Path) -> None:
    """The metadata holds the margin and what it did on the calibration questions, losing nothing net."""
    meta = read_index(reranked_index).meta
    assert meta.cascade["examples"] > 0
    assert meta.cascade["lost"] <= meta.cascade["won"]
    assert 0 <= meta.cascade["skipped"] <= meta.cascade["examples"]
    assert meta.rerank_margin == pytest.approx(meta.cascade["margin"], abs=1e-6)


@pytest.mark.parametrize(
    ("margin", "cascade", "reranked"), [(0.0, True, False), (None, True, True), (0.0, False, True)]
)
def test_retriever_asks_the_reranker_only_without_a_clear_lead(
    reranked_index: Path, encoder: Encoder, reranker: Encoder, margin: float | None, cascade: bool, reranked: bool
) -> None:
    """A margin of 0 makes every lead clear: the reranker is not asked and the order is the first encoder's
    with the lexical signal; no margin, or ``cascade=False``, asks it for every question."""
    stored = _with_margin(read_index(reranked_index), margin)
    counter = CountingEncoder(reranker)
    retriever = Retriever(stored, encoder, reranker=counter, cascade=cascade)
    plain = Retriever(replace(stored, meta=replace(stored.meta, reranker=""), rerank_embeddings=None), encoder)
    question = "my parcel has not arrived, how long does delivery take"
    hits = retriever.search(question, "en")
    assert counter.queries == int(reranked)
    assert all((hit.rerank_score is not None) == reranked for hit in hits)
    if not reranked:
        assert hits == plain.search(question, "en")


def test_retriever_compares_the_lead_with_the_stored_margin(
    reranked_index: Path, encoder: Encoder, reranker: Encoder
) -> None:
    """Just above the question's lead the reranker is asked, at the lead it is not (no lexical signal here,
    so the lead is the gap between the two best dense scores)."""
    stored = read_index(reranked_index)
    question = "how long does delivery take"
    plain = Retriever(
        replace(stored, meta=replace(stored.meta, reranker=""), rerank_embeddings=None), encoder, lexical_weight=0.0
    )
    best, second = plain.search(question, "en", k=2)
    for margin, expected in [(best.score - second.score + 1e-4, 1), (best.score - second.score - 1e-4, 0)]:
        counter = CountingEncoder(reranker)
        Retriever(_with_margin(stored, margin), encoder, reranker=counter, lexical_weight=0.0).search(question, "en")
        assert counter.queries == expected, margin
