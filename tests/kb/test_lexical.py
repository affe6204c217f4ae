"""The lexical signal: tokenisation (incl. Chinese) and BM25, and how the retriever uses it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kb import Retriever
from kb.lexical import Bm25, tokens


def test_tokens_lowercase_words_and_chinese_bigrams() -> None:
    """Latin and Arabic words stay whole; Chinese runs become characters and bigrams."""
    assert tokens("Order NB-204519, please!") == ["order", "nb", "204519", "please"]
    assert tokens("礼品卡") == ["礼", "品", "卡", "礼品", "品卡"]
    assert tokens("بطاقة الهدايا") == ["بطاقة", "الهدايا"]


def test_bm25_prefers_rare_matching_terms() -> None:
    """A rare shared term (``warranty``) outweighs a common one (``my``); unmatched documents are absent."""
    bm25 = Bm25([["my", "order", "warranty"], ["my", "order"], ["my", "password"], ["gift", "card"]])
    scores = bm25.scores(["my", "warranty"])
    assert max(scores, key=lambda number: scores[number]) == 0
    assert 3 not in scores
    assert bm25.scores(["unknown"]) == {}


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=6))
def test_bm25_scores_are_positive(query: list[str]) -> None:
    """Every reported score is positive, and only matching documents are reported."""
    documents = [["a", "b"], ["c"], ["a", "a", "d"]]
    for number, score in Bm25(documents).scores(query).items():
        assert score > 0
        assert set(query) & set(documents[number])


def test_lexical_weight_reorders_but_score_stays_dense(retriever: Retriever) -> None:
    """With and without the lexical signal the hits carry the same dense scores per article."""
    question = "gift card balance after 500 dollars"
    dense_only = Retriever(retriever.stored, retriever.encoder, lexical_weight=0.0)
    with_lexical = {hit.article_id: hit.score for hit in retriever.search(question, "en")}
    without = {hit.article_id: hit.score for hit in dense_only.search(question, "en")}
    assert with_lexical == without
    assert dense_only.search(question, "en")[0].article_id == "gift-cards"
    assert retriever.search(question, "en")[0].article_id == "gift-cards"
