"""kb.supervised: labelled questions, the softmax classifier and the per-article signals it gives the retriever."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb import Encoder, Retriever
from kb.chunks import Chunk
from kb.supervised import (
    LabelledQuestion,
    SupervisedModel,
    fit_softmax,
    labelled_questions,
    read_faq_labels,
    read_nlu_out_of_scope,
)


def test_fit_softmax_separates_separable_classes() -> None:
    """Three well separated clusters are classified right, and probabilities favour the true class."""
    rng = np.random.default_rng(0)
    centres = np.eye(3) * 3
    features = np.vstack([centre + rng.normal(0, 0.3, size=(30, 3)) for centre in centres])
    labels = np.repeat(np.arange(3), 30)
    weights, bias = fit_softmax(features, labels, 3)
    predicted = (features @ weights + bias).argmax(axis=1)
    assert float((predicted == labels).mean()) == 1.0


def test_fit_softmax_is_deterministic() -> None:
    """The same data gives the same weights (a rebuild does not change answers by itself)."""
    rng = np.random.default_rng(1)
    features, labels = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    first, second = fit_softmax(features, labels, 3), fit_softmax(features, labels, 3)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_read_faq_labels(tmp_path: Path) -> None:
    """Labels are read per language and article; a missing file means no labelled faq examples."""
    path = tmp_path / "labels.yml"
    path.write_text(
        "es:\n  shipping-times: ['cuánto tarda', 'cuándo llega']\nzh:\n  invoice: ['发票']\n", encoding="utf-8"
    )
    assert [
        LabelledQuestion("cuánto tarda", "shipping-times", "es"),
        LabelledQuestion("cuándo llega", "shipping-times", "es"),
        LabelledQuestion("发票", "invoice", "zh"),
    ] == read_faq_labels(path)
    assert read_faq_labels(tmp_path / "missing.yml") == []


def test_read_nlu_out_of_scope_reads_only_that_intent(tmp_path: Path) -> None:
    """Only the out_of_scope intent's examples are read, with the language of their folder."""
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "nlu.yml").write_text(
        "nlu:\n- intent: greet\n  examples: |\n    - salut\n- intent: out_of_scope\n  examples: |\n    - une recette\n",
        encoding="utf-8",
    )
    assert [LabelledQuestion("une recette", None, "fr")] == read_nlu_out_of_scope(tmp_path)


def test_labelled_questions_keep_titles_questions_known_articles_and_no_duplicates() -> None:
    """Titles and sample questions are labelled; details are not; labels of unknown articles and repeats are dropped."""
    chunks = [
        Chunk("invoice", "en", "title", 0, "How do I get an invoice?"),
        Chunk("invoice", "en", "question", 1, "where is my invoice"),
        Chunk("invoice", "en", "detail", 2, "Invoices are in your account."),
    ]
    faq = [
        LabelledQuestion("where is my invoice", "invoice", "en"),  # the same as a sample question
        LabelledQuestion("i need a vat receipt", "invoice", "en"),
        LabelledQuestion("gift card balance", "gift-cards", "en"),  # not an article of this index
    ]
    oos = [LabelledQuestion("tell me a joke", None, "en")]
    assert [
        LabelledQuestion("How do I get an invoice?", "invoice", "en"),
        LabelledQuestion("where is my invoice", "invoice", "en"),
        LabelledQuestion("i need a vat receipt", "invoice", "en"),
        LabelledQuestion("tell me a joke", None, "en"),
    ] == labelled_questions(chunks, faq, oos)


def test_signals_per_article() -> None:
    """Nearest labelled question per article under each encoder, and the classifier's log-probability."""
    model = SupervisedModel(
        article_ids=("a", "b"),
        first=np.asarray([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32),
        second=np.asarray([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32),
        owner=np.asarray([0, 1]),
        weights=np.zeros((4, 3)),
        bias=np.asarray([0.0, 0.0, 0.0]),
    )
    first, second, log_proba = model.signals(
        np.asarray([0.0, 1.0], dtype=np.float32), np.asarray([0.0, 1.0], dtype=np.float32), ["b", "a"]
    )
    assert pytest_approx([1.0, 0.0]) == first
    assert pytest_approx([0.8, 0.0]) == second
    assert pytest_approx([np.log(1 / 3)] * 2) == log_proba


def pytest_approx(values: list[float]) -> object:
    """Approximate comparison for float lists."""
    import pytest

    return pytest.approx(values, abs=1e-6)


def test_build_stores_the_classifier_and_the_retriever_decides_with_it(
    reranked_index: Path, encoder: Encoder, reranker: Encoder
) -> None:
    """`make kb`'s build (with a reranker) stores the labelled questions; the loaded retriever uses them to decide."""
    from kb import DecisionKind
    from kb.supervised import read_supervised

    model = read_supervised(reranked_index, encoder.name, reranker.name)
    assert model is not None
    assert {"gift-cards", "reset-password", "shipping-times"} == set(model.article_ids)
    assert model.ranker is not None  # kb.learned, fitted by cross-fitting on the labelled questions
    retriever = Retriever.load(reranked_index, encoder=encoder, reranker=reranker)
    measured = retriever.candidates("how many days until my parcel gets here?", "en")
    assert measured is not None
    learned = {item.article_id: item.learned for item in measured[0]}
    assert all(value is not None and 0.0 < value < 1.0 for value in learned.values())
    assert max(learned, key=lambda article_id: learned[article_id] or 0.0) == "shipping-times"
    result = retriever.decide("how many days until my parcel gets here?", "en")
    assert (result.kind, result.decision.articles) == (DecisionKind.ANSWER, ("shipping-times",))
    assert result.hits[0].article_id == "shipping-times"
    assert DecisionKind.NONE is retriever.decide("who won the football match yesterday", "en").kind


def test_rebuild_with_the_same_labels_does_not_refit(
    reranked_index: Path, encoder: Encoder, reranker: Encoder, tmp_path: Path
) -> None:
    """The classifier is cached by content: an unchanged rebuild loads no encoder and embeds nothing."""
    import shutil

    from kb.calibrate import DEFAULT_OUT_OF_SCOPE
    from kb.store import read_index
    from kb.supervised import DEFAULT_FAQ_LABELS, build_supervised

    copy = tmp_path / "index"
    shutil.copytree(reranked_index, copy)
    chunks = read_index(copy).chunks
    loads: list[str] = []

    def load(name: str) -> Encoder:
        loads.append(name)
        return {encoder.name: encoder, reranker.name: reranker}[name]

    changed = build_supervised(
        copy,
        chunks,
        (encoder.name, reranker.name),
        load,
        faq_labels_path=DEFAULT_FAQ_LABELS,
        out_of_scope_path=DEFAULT_OUT_OF_SCOPE,
    )
    assert (changed, loads) == (False, [])


def test_index_without_reranker_decides_by_the_threshold_alone(built_index: Path, retriever: Retriever) -> None:
    """An index with one encoder has no labelled questions: decide() is answer()'s decision, never a choice."""
    from kb import DecisionKind

    assert retriever.supervised is None
    for text in ("when will my package arrive?", "tell me a joke"):
        hit = retriever.answer(text, "en")
        result = retriever.decide(text, "en")
        assert result.kind is not DecisionKind.CLARIFY
        assert (hit.article_id if hit else None) == (result.hits[0].article_id if result.hits else None)
