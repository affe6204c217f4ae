"""Ranking chunks into articles: best chunk per article, sorted, with exclusions and language bonus."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kb.ranking import ChunkRef, rank_articles

CHUNKS = [ChunkRef("a", "en"), ChunkRef("a", "es"), ChunkRef("b", "en"), ChunkRef("c", "pt")]


def test_keeps_best_chunk_per_article() -> None:
    """Article a is scored by its best chunk (index 1)."""
    ranked = rank_articles([(0, 0.5), (1, 0.9), (2, 0.7), (-1, 0.0)], CHUNKS)
    assert [(r.article_id, r.score, r.chunk_index) for r in ranked] == [("a", 0.9, 1), ("b", 0.7, 2)]


def test_exclude_removes_articles() -> None:
    """Excluded articles never come back."""
    assert [r.article_id for r in rank_articles([(1, 0.9), (2, 0.7)], CHUNKS, exclude=["a"])] == ["b"]


def test_language_bonus_prefers_customer_language() -> None:
    """With a bonus, a Portuguese chunk at 0.80 beats an English one at 0.82 for a Portuguese customer."""
    candidates = [(2, 0.82), (3, 0.80)]
    assert rank_articles(candidates, CHUNKS, language="pt")[0].article_id == "b"
    assert rank_articles(candidates, CHUNKS, language="pt", language_bonus=0.05)[0].article_id == "c"


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.floats(min_value=-1, max_value=1)), max_size=30))
def test_scores_sorted_and_articles_unique(candidates: list[tuple[int, float]]) -> None:
    """Output is sorted by score, best first, with each article once."""
    ranked = rank_articles(candidates, CHUNKS)
    scores = [r.score for r in ranked]
    assert sorted(scores, reverse=True) == scores
    assert len({r.article_id for r in ranked}) == len(ranked)
