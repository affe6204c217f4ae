"""Our pipeline is read from config.yml and stock Rasa's from rasa's own default config; epochs are shared."""

from __future__ import annotations

from pathlib import Path

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bench.nlu.decision import Fallback
from bench.nlu.examples import Example
from bench.nlu.pipelines import load_pipelines
from bench.nlu.training_data import nlu_yaml

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "config.yml"
CANDIDATES = Path(__file__).resolve().parents[2] / "bench" / "nlu" / "candidates"


def test_ours_keeps_custom_components_and_drops_policies() -> None:
    """The NLU part of config.yml with our tokenizer and detector; no policies."""
    ours, _ = load_pipelines(PROJECT_CONFIG, None)
    names = [component["name"] for component in ours.config["pipeline"]]
    assert names[0] == "bot.components.multilingual_tokenizer.MultilingualTokenizer"
    assert "bot.components.language_detector.LanguageDetector" in names
    assert "policies" not in ours.config


def test_stock_is_rasa_default_pipeline() -> None:
    """WhitespaceTokenizer first, FallbackClassifier at Rasa's default 0.3 / 0.1."""
    _, stock = load_pipelines(PROJECT_CONFIG, None)
    assert stock.config["pipeline"][0]["name"] == "WhitespaceTokenizer"
    assert Fallback(0.3, 0.1) == stock.fallback


def test_epochs_override_applies_to_both_pipelines() -> None:
    """Every component with epochs trains for the same number in both pipelines."""
    ours, stock = load_pipelines(PROJECT_CONFIG, 7)
    assert {7} == set(ours.epochs) | set(stock.epochs)


def test_nlu_yaml_round_trips_through_rasa_reader() -> None:
    """Generated YAML reads back with the same examples; brackets cannot become entity markup."""
    examples = [
        Example("set alarm [7am](time)", "alarm__set", "en"),
        Example("设置闹钟", "alarm__set", "zh"),
        Example("weather?", "weather__find", "en"),
    ]
    data = RasaYAMLReader().reads(nlu_yaml(examples))
    assert {("set alarm (7am)(time)", "alarm__set"), ("设置闹钟", "alarm__set"), ("weather?", "weather__find")} == {
        (m.get("text"), m.get("intent")) for m in data.intent_examples
    }
    assert data.entity_examples == []


def test_seed_applies_to_every_trained_component_of_every_pipeline() -> None:
    """With a seed, ours, stock and candidates train DIET (and stock's ResponseSelector) and the linear classifier
    with it; without one, stock stays unseeded as `rasa init` writes it and ours keeps its configured seeds."""
    diet = CANDIDATES / "diet.yml"
    seeded = load_pipelines(PROJECT_CONFIG, None, [("diet", diet), ("linear", CANDIDATES / "linear.yml")], seed=7)
    for pipeline in seeded:
        trained = [c for c in pipeline.config["pipeline"] if "epochs" in c or "random_seed" in c]
        assert trained and {7} == {c["random_seed"] for c in trained}, pipeline.name
    linear = "bot.components.linear_intent_classifier.LinearIntentClassifier"
    assert {c["name"] for c in seeded[0].config["pipeline"] if "random_seed" in c} == {linear}
    assert {c["name"] for c in seeded[2].config["pipeline"] if "random_seed" in c} == {"DIETClassifier", linear}
    ours, unseeded_diet, stock = load_pipelines(PROJECT_CONFIG, None, [("diet", diet)])
    assert not any("random_seed" in c for c in stock.config["pipeline"])
    assert {0} == {c["random_seed"] for c in ours.config["pipeline"] if "random_seed" in c}
    assert {42} == {c["random_seed"] for c in unseeded_diet.config["pipeline"] if "random_seed" in c}


def test_stock_can_be_left_out() -> None:
    """`--skip-stock` trains ours and the candidates only, in the same order."""
    pipelines = load_pipelines(PROJECT_CONFIG, None, [("linear", CANDIDATES / "linear.yml")], with_stock=False)
    assert [pipeline.name for pipeline in pipelines] == ["ours", "linear"]
    classifiers = [component["name"] for component in pipelines[1].config["pipeline"]]
    assert classifiers.index("bot.components.linear_intent_classifier.LinearIntentClassifier") < classifiers.index(
        "FallbackClassifier"
    )
