"""Pure parts of the quality report: split, metrics, coverage matrix, Markdown."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.content.corpus import Example, load_nlu, load_responses
from bot.content.report.coverage import intent_coverage, response_coverage
from bot.content.report.entities import entities_table, entity_mistakes, entity_scores
from bot.content.report.metrics import language_metrics
from bot.content.report.render import confusion_png, markdown_report
from bot.content.report.split import stratified_split, training_yaml
from bot.content.settings import ContentSettings


def examples(language: str, intent: str, count: int) -> list:
    """`count` distinct examples of one intent in one language."""
    return [Example(language, intent, f"{intent} {i}", Path("x.yml"), i) for i in range(count)]


def test_split_is_stratified_by_language_and_intent() -> None:
    """Each (language, intent) group keeps 20% held out, at least one, never all."""
    data = examples("en", "greet", 10) + examples("zh", "greet", 5) + examples("ar", "faq", 2)

    split = stratified_split(data, 0.2, seed=1)

    held = Counter((c.language, c.intent) for c in split.test)
    assert dict(held) == {("en", "greet"): 2, ("zh", "greet"): 1, ("ar", "faq"): 1}
    assert len(data) == len(split.train) + len(split.test)


def test_split_is_reproducible_and_strips_annotations() -> None:
    """The same seed gives the same split; test texts are plain."""
    data = [Example("en", "check_order_status", "order [NB-123456](order_id)", Path("x"), 1)]
    data += examples("en", "check_order_status", 1)

    first, second = stratified_split(data, 0.5, 7), stratified_split(data, 0.5, 7)

    assert first == second
    assert all("](" not in case.text for case in first.test)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1])
def test_split_rejects_impossible_fractions(fraction: float) -> None:
    """The held-out fraction must be strictly between 0 and 1."""
    with pytest.raises(ValueError):
        stratified_split(examples("en", "greet", 4), fraction, 0)


def test_training_yaml_keeps_annotations() -> None:
    """The training file keeps entity annotations verbatim."""
    data = [Example("en", "check_order_status", "order [NB-123456](order_id)", Path("x"), 1)]

    assert "    - order [NB-123456](order_id)\n" in training_yaml(data)


def test_split_keeps_the_annotated_values_of_held_out_messages() -> None:
    data = [
        Example("es", "change_language", f'en [español]{{"entity": "language", "value": "es"}} {n}', Path("x"), n)
        for n in range(5)
    ]
    [case] = stratified_split(data, 0.2, seed=1).test
    assert case.entities == (("language", "es"),) and "[" not in case.text


def test_entity_scores_count_values_per_language_and_skip_unannotated_types() -> None:
    """en: one order id right, one language missed, one language wrong; es: one spurious order id.
    `detected_language` is added by a component, never annotated: not scored."""
    languages = ["en", "en", "en", "es"]
    texts = ["order NB-1", "in spanish", "in french", "hola"]
    gold = [[("order_id", "NB-1")], [("language", "es")], [("language", "fr")], []]
    found = [
        [("order_id", "NB-1"), ("detected_language", "en")],
        [],
        [("language", "fr"), ("language", "en")],
        [("order_id", "hola")],
    ]
    scores = entity_scores(languages, gold, found, {"order_id", "language"})
    assert [(s.language, s.entity, s.annotated, s.found, s.right) for s in scores] == [
        ("en", "language", 2, 2, 1),
        ("en", "order_id", 1, 1, 1),
        ("es", "order_id", 0, 1, 0),
    ]
    assert (scores[0].precision, scores[0].recall, scores[0].f1) == (0.5, 0.5, 0.5)
    assert (scores[2].precision, scores[2].recall, scores[2].f1) == (0.0, 0.0, 0.0)
    assert "| en | language | 2 | 2 | 1 | 0.500 | 0.500 | 0.500 |" in entities_table(scores)
    rows = entity_mistakes(languages, texts, gold, found, {"order_id", "language"})
    assert rows[2:] == [
        "| en | in spanish | language=es | – |",
        "| en | in french | language=fr | language=en, language=fr |",
        "| es | hola | – | order_id=hola |",
    ]


def test_metrics_accuracy_macro_f1_and_confused_pairs() -> None:
    """Hand-computed: 4/6 correct; F1 greet 2/3, faq 2/3 (1 FP, 1 FN), deny 1 -> macro 7/9."""
    truth = ["greet", "greet", "faq", "faq", "faq", "deny"]
    predicted = ["greet", "faq", "faq", "faq", "nlu_fallback", "deny"]

    texts = ["hi", "hello", "q1", "q2", "q3", "no"]

    metrics = language_metrics("en", truth, predicted, texts)

    assert (metrics.total, metrics.accuracy) == (6, 4 / 6)
    assert metrics.macro_f1 == pytest.approx(7 / 9)
    assert metrics.confused_pairs() == [("faq", "nlu_fallback", 1), ("greet", "faq", 1)]
    assert metrics.labels == ("deny", "faq", "greet", "nlu_fallback")
    assert metrics.fallback_rate == pytest.approx(1 / 6)
    assert metrics.mistakes == (("hello", "greet", "faq"), ("q3", "faq", "nlu_fallback"))


def test_coverage_matrix_counts_and_missing_cells(settings: ContentSettings, project: Path) -> None:
    """Intents x languages and responses x languages, with empty cells listed."""
    (project / "nlu_data/fr/nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - salut\n', encoding="utf-8"
    )
    corpus, _ = load_nlu(project / "nlu_data", settings.languages)
    responses, _ = load_responses(project / "bot/domain/responses.yml")

    intents = intent_coverage(corpus, settings.languages)
    answers = response_coverage(responses, settings.languages, "language")

    assert intents.rows == ("check_order_status", "greet")
    assert (intents.counts[("greet", "en")], intents.counts[("greet", "fr")]) == (3, 1)
    assert intents.missing() == (("check_order_status", "fr"),)
    assert answers.missing() == ()
    assert {1} == {answers.counts[("utter_greet", lang)] for lang in settings.languages}


def test_markdown_report_and_png(settings: ContentSettings, project: Path, tmp_path: Path) -> None:
    """The report has the metrics, pairs and coverage sections and links one PNG per language."""
    corpus, _ = load_nlu(project / "nlu_data", settings.languages)
    responses, _ = load_responses(project / "bot/domain/responses.yml")
    metrics = [language_metrics("es", ["greet", "faq"], ["greet", "greet"], ["hola", "a|b"])]
    image = confusion_png(metrics[0], tmp_path / "confusion_es.png")

    text = markdown_report(
        metrics,
        intent_coverage(corpus, settings.languages),
        response_coverage(responses, settings.languages, "language"),
        [image],
        ["- test header"],
    )

    assert image.read_bytes().startswith(b"\x89PNG")
    assert "| es | 2 | 0.500 |" in text
    assert "| es | faq | greet | 1 |" in text
    assert "| es | a\\|b | faq | greet |" in text  # pipes in messages are escaped
    assert "| greet | 3 | 3 | 3 | 3 | 3 | 3 |" in text
    assert "![confusion_es](confusion_es.png)" in text
