"""Reading held-out questions and scoring them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import KbError, Retriever
from kb.evaluate import Question, evaluate, read_questions


def test_reads_questions_with_null_articles(tmp_path: Path) -> None:
    """`article: null` marks out-of-scope questions; the language comes from the file."""
    (tmp_path / "fr.yml").write_text(
        "language: fr\nquestions:\n  - text: ma commande arrive quand\n    article: shipping-times\n"
        "  - text: quelle est la capitale du Pérou\n    article: null\n",
        encoding="utf-8",
    )
    assert read_questions(tmp_path) == [
        Question("fr", "ma commande arrive quand", "shipping-times"),
        Question("fr", "quelle est la capitale du Pérou", None),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "language: fr\n",  # no questions list
        "language: fr\nquestions:\n  - article: x\n",  # a question without text
        "language: fr\nquestions: [\n",  # not YAML
    ],
)
def test_malformed_question_files_are_clear_errors(tmp_path: Path, text: str) -> None:
    """Problems name the file."""
    (tmp_path / "fr.yml").write_text(text, encoding="utf-8")
    with pytest.raises(KbError, match=r"fr\.yml"):
        read_questions(tmp_path)


def test_evaluate_counts_per_language(retriever: Retriever) -> None:
    """One in-scope right, one out-of-scope withheld, per language."""
    rows = evaluate(
        retriever,
        [
            Question("es", "¿en cuántos días llega mi pedido?", "shipping-times"),
            Question("es", "receta de paella valenciana", None),
            Question("en", "I forgot my password", "reset-password"),
        ],
    )
    by_language = {row.language: row for row in rows}
    assert (by_language["es"].in_scope, by_language["es"].top1, by_language["es"].out_of_scope) == (1, 1, 1)
    assert by_language["es"].oos_answered == 0
    assert (by_language["en"].top1, by_language["en"].answered_right) == (1, 1)
